import Logging
import NewsdeskCore
import PostgresClient
import Synchronization

/// The site's page reads from the read replica `NEWSDESK_READ_URL` names.
///
/// The change follower listens on the primary (a standby refuses `LISTEN`),
/// and each public change it sees empties the page cache. A page rendered
/// afterwards from a replica that has not replayed that change yet would put
/// the old page back in the cache. So the follower notes the primary's log
/// position with each change (``advance(to:)``), and a page read first waits
/// for its replica connection to have replayed that far (``ReplayFence``),
/// for a second at most; then, or with the replica down, the read goes to
/// the primary (or fails with 503, with `NEWSDESK_READ_FALLBACK=fail`). A
/// connection known to be caught up costs no extra round trip.
final class ReplicaReads: Sendable {
    private let replica: ReadReplica
    private let login: String
    private let logger: Logger
    /// For the replica's connections, which log the database's notices.
    private let databaseLogger: Logger
    /// The primary's log position at the newest change seen.
    private let fence = Atomic<UInt64>(0)
    /// Whether reads are going to the primary now: said once in the log, not per request.
    private let fallingBack = Atomic<Bool>(false)
    /// Until when (nanoseconds of ``clock``) a replica that could not be
    /// reached is not tried again: each request would otherwise wait for its
    /// own failed connection (as long as the URL's connect_timeout, over TCP).
    private let unreachableUntil = Atomic<Int64>(Int64.min)
    private static let retryAfter: Duration = .seconds(1)
    private let clock = ContinuousClock()
    private let started = ContinuousClock.now

    init(replica: ReadReplica, login: String, logger: Logger, databaseLogger: Logger) {
        self.replica = replica
        self.login = login
        self.logger = logger
        self.databaseLogger = databaseLogger
    }

    /// Page reads from now on wait for the replica to reach `position`.
    func advance(to position: WALPosition) {
        fence.max(position.value, ordering: .releasing)
    }

    /// The slot's replica connection, caught up with the newest change seen;
    /// nil when the read is to go to the primary.
    ///
    /// - Throws: ``NewsdeskError`` `.unavailable` when the replica cannot
    ///   serve the read and the fallback is `fail`.
    func connection(for slot: ReadPool.Slot) throws -> Connection? {
        let wanted = WALPosition(value: fence.load(ordering: .acquiring))
        do {
            let connection: Connection
            if let existing = slot.replica {
                connection = existing
            } else {
                guard now() >= unreachableUntil.load(ordering: .relaxed) else {
                    return try fallBack("it could not be reached a moment ago")
                }
                connection = try replica.connect(as: login, logger: databaseLogger)
                // As on the primary: a page that waits longer is better answered with an error.
                try connection.execute("SET statement_timeout = '10s'")
                slot.replica = connection
                slot.replayed = WALPosition(value: 0)
            }
            if slot.replayed >= wanted { return caughtUp(connection) }
            switch try ReplayFence.wait(for: wanted, on: connection) {
            case .caughtUp(let replayed, _, _):
                slot.replayed = replayed
                return caughtUp(connection)
            case .behind(let replayed):
                return try fallBack(
                    "after \(ReplayFence.bound) it had replayed the log to \(replayed), short of the newest change at \(wanted)"
                )
            }
        } catch let unreachable as ReadReplica.Unreachable {
            unreachableUntil.store(now() + Self.nanoseconds(Self.retryAfter), ordering: .relaxed)
            return try fallBack(unreachable.reason)
        } catch let error as NewsdeskError {
            slot.replica = nil
            if case .refused = error.category { throw error }
            return try fallBack(error.message)
        } catch let error as PostgresError {
            slot.replica = nil
            return try fallBack(error.message)
        }
    }

    private func now() -> Int64 { Self.nanoseconds(clock.now - started) }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    private func caughtUp(_ connection: Connection) -> Connection {
        if fallingBack.exchange(false, ordering: .relaxed) { logger.notice("reading from the replica again") }
        return connection
    }

    private func fallBack(_ reason: String) throws -> Connection? {
        if case .fail = replica.fallback { throw replica.refusal(reason) }
        if !fallingBack.exchange(true, ordering: .relaxed) {
            logger.warning("reading from the primary: the replica cannot serve reads: \(reason)")
        }
        return nil
    }
}
