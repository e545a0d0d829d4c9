public import PostgresClient

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A position in PostgreSQL's write-ahead log (`pg_lsn`, written `16/B374D848`).
public struct WALPosition: Comparable, Sendable, CustomStringConvertible {
    public let value: UInt64

    public init(value: UInt64) { self.value = value }

    /// Parses PostgreSQL's text form; nil for anything else.
    public init?(_ text: some StringProtocol) {
        let halves = text.split(separator: "/", omittingEmptySubsequences: false)
        guard halves.count == 2, let high = UInt32(halves[0], radix: 16), let low = UInt32(halves[1], radix: 16)
        else { return nil }
        value = UInt64(high) << 32 | UInt64(low)
    }

    public var description: String {
        String(value >> 32, radix: 16, uppercase: true) + "/" + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    public static func < (lhs: WALPosition, rhs: WALPosition) -> Bool { lhs.value < rhs.value }

    /// Where the last record written ends, for an insert position: the same,
    /// except just past the header of a new page (24 bytes) or of a new
    /// segment's first page (40), where nothing has been written yet. There
    /// the last record ended at the page's start, and a replica that has
    /// replayed everything reports that: waiting for the insert position
    /// would wait for a record that may never come (an idle newsroom).
    public func lastRecordEnd(pageSize: UInt64, segmentSize: UInt64) -> WALPosition {
        guard pageSize > 0, segmentSize > 0 else { return self }
        if value % segmentSize == 40 { return WALPosition(value: value - 40) }
        if value % pageSize == 24 { return WALPosition(value: value - 24) }
        return self
    }
}

/// Makes a read from a streaming replica see the writes that came before it.
///
/// A replica applies the primary's log a little later than the primary
/// commits (here, a few tenths of a millisecond; most reads straight after
/// a write in the same process miss it: docs/scale-out.md has the figures). So a write notes the primary's log
/// position after it committed, and a read on the replica first waits until
/// the replica has replayed that far. The wait is bounded: a replica that
/// lags further is passed over for the primary.
public enum ReplayFence {
    /// How long a read waits for the replica before it reads from the primary.
    public static let bound: Duration = .seconds(1)

    /// The primary's log position now: the end of the last record written,
    /// so at or after the end of every transaction that committed before.
    /// From the insert position, not the written one: with
    /// `synchronous_commit = off` a commit record may not be written yet, and
    /// the replica will still receive it.
    public static func primaryPosition(on primary: Connection) throws -> WALPosition {
        let row = try DatabaseErrors.translating {
            try primary.query(
                """
                SELECT pg_current_wal_insert_lsn()::text AS position, current_setting('wal_block_size')::bigint AS page,
                       pg_size_bytes(current_setting('wal_segment_size')) AS segment
                """)[0]
        }
        let text: String = try row.decode("position")
        guard let position = WALPosition(text) else {
            throw NewsdeskError(.refused, "The server reported the log position \"\(text)\", which is not one.")
        }
        return position.lastRecordEnd(
            pageSize: UInt64(try row.decode("page", as: Int64.self)),
            segmentSize: UInt64(try row.decode("segment", as: Int64.self)))
    }

    /// How far the server behind `connection` has replayed the log; nil when
    /// it is not in recovery (a primary, which has everything it committed).
    public static func replayed(on connection: Connection) throws -> WALPosition? {
        let row = try DatabaseErrors.translating {
            try connection.query("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")[0]
        }
        guard try row.decode(0, as: Bool.self) else { return nil }
        return try row.decode(1, as: String?.self).flatMap(WALPosition.init) ?? WALPosition(value: 0)
    }

    /// How often a waiting read asks again: replay usually follows within
    /// half a millisecond, so asking once a millisecond would double the
    /// typical wait.
    static let pollInterval: useconds_t = 200

    /// The outcome of ``wait(for:on:bound:)``.
    public enum Outcome: Sendable, Equatable {
        /// The server has replayed at least this far (`.max` when it is not a
        /// standby), found on the `asked`th question.
        case caughtUp(replayed: WALPosition, asked: Int, waited: Duration)
        /// The bound passed first; the server had replayed this far.
        case behind(replayed: WALPosition)
    }

    /// Waits until the server behind `connection` has replayed the log up to
    /// `position`, asking every ``pollInterval`` µs, for `bound` at most.
    public static func wait(
        for position: WALPosition, on connection: Connection, bound: Duration = ReplayFence.bound
    ) throws -> Outcome {
        let clock = ContinuousClock()
        let start = clock.now
        var asked = 0
        while true {
            asked += 1
            guard let replayed = try replayed(on: connection) else {
                return .caughtUp(replayed: WALPosition(value: .max), asked: asked, waited: clock.now - start)
            }
            if replayed >= position { return .caughtUp(replayed: replayed, asked: asked, waited: clock.now - start) }
            if clock.now - start >= bound { return .behind(replayed: replayed) }
            usleep(pollInterval)
        }
    }
}

/// Where one user's own writes reached in the primary's log, kept in a small
/// file so that the next command sees it: `publish` and then `show` are two
/// processes, and the second must not read from a replica that has not
/// replayed the first. Kept only while a read URL is set, together with that
/// URL: a position is only ever compared with the replicas it names.
public struct WrittenPosition: Sendable {
    /// The file: `written-position` under the user's newsdesk home.
    public let path: String

    public init(directory: String) { path = directory + "/written-position" }

    /// The position kept for `readURL`, if any.
    public func load(readURL: String) -> WALPosition? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        guard lines.count == 2, lines[1] == readURL else { return nil }
        return WALPosition(lines[0])
    }

    /// Keeps `position` unless a later one is kept already (two commands
    /// may finish in either order). Written to a new file that replaces the
    /// old, so a reader never sees half a file.
    public func record(_ position: WALPosition, readURL: String) throws {
        let newest = max(position, load(readURL: readURL) ?? position)
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try "\(newest)\n\(readURL)".write(toFile: path, atomically: true, encoding: .utf8)
    }
}
