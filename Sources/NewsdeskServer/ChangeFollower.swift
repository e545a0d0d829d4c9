import Foundation
import Logging
import NIOPosix
import NewsdeskCore
import PostgresClient
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Hands each public change to the live pages of its edition that readers
/// have open (server-sent events).
final class LiveHub: Sendable {
    private struct Subscriber {
        let continuation: AsyncStream<LiveFrame>.Continuation
    }
    private struct Pages {
        var open: [Int64: [Int: Subscriber]] = [:]
        /// The server is stopping: no page is kept open, or opened.
        var closed = false
    }
    private let pages = Mutex(Pages())
    private let nextID = Atomic<Int>(0)

    /// Open live pages, for /metrics.
    var count: Int { pages.withLock { $0.open.values.reduce(0) { $0 + $1.count } } }

    /// The changes of `edition` from now on, until the stream is dropped
    /// or the server stops.
    func subscribe(edition: Int64) -> AsyncStream<LiveFrame> {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(
            of: LiveFrame.self, bufferingPolicy: .bufferingNewest(1000))
        let kept = pages.withLock { pages in
            if !pages.closed { pages.open[edition, default: [:]][id] = Subscriber(continuation: continuation) }
            return !pages.closed
        }
        continuation.onTermination = { [weak self] _ in
            self?.pages.withLock { pages in
                pages.open[edition]?[id] = nil
                if pages.open[edition]?.isEmpty == true { pages.open[edition] = nil }
            }
        }
        if !kept { continuation.finish() }
        return stream
    }

    /// Hands `frame` to every open live page of its edition; a heartbeat
    /// (edition 0) to every open live page.
    func publish(_ frame: LiveFrame) {
        let listening = pages.withLock { pages in
            frame.editionID == 0
                ? pages.open.values.flatMap(\.values) : pages.open[frame.editionID].map { Array($0.values) } ?? []
        }
        for subscriber in listening { subscriber.continuation.yield(frame) }
    }

    /// Ends every open live page, and any opened from now on: a server
    /// that is stopping waits for its answers to finish, and a live page
    /// never would. Browsers reconnect (to another server, or this one
    /// started again) and resume with Last-Event-ID.
    func closeAll() {
        let open = pages.withLock { pages in
            pages.closed = true
            return pages.open.values.flatMap(\.values)
        }
        // Outside the lock: finishing runs onTermination, which takes it.
        for subscriber in open { subscriber.continuation.finish() }
    }
}

/// Ends the live pages when the server is asked to stop (SIGTERM, SIGINT),
/// before the server waits for its open answers: run after the server in
/// one service group, so that it is told to stop first.
struct LivePagesClosing: Service {
    let hub: LiveHub

    func run() async throws {
        try? await gracefulShutdown()
        hub.closeAll()
    }
}

/// Follows the record of public changes (Schema/site.sql) from the moment
/// the server starts, on a thread and a connection of its own: it waits for
/// the `NOTIFY` a change sends when it commits, then reads every change
/// since the last it saw, in commit order, and hands them to the ``LiveHub``.
/// It also reads once a second without being woken, so that a change that
/// comes due by time (a scheduled story, an embargo's lift) and a
/// notification lost with a broken connection are still seen. After a broken
/// connection it connects again and goes on from its cursor: nothing is lost.
/// Each change empties the ``PageCache``; each read that finds the record
/// current tells the cache it may be used.
final class ChangeFollower: Sendable {
    private let hub: LiveHub
    private let cache: PageCache
    private let connect: @Sendable () throws -> Connection
    /// Told the primary's log position with each change, when pages are read from a replica.
    private let replicaReads: ReplicaReads?
    private let logger: Logger
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let stopping = Atomic<Bool>(false)
    /// When the newest change seen was read, for /healthz and /metrics.
    let changesSeen = Atomic<Int>(0)

    init(
        hub: LiveHub, cache: PageCache, logger: Logger, replicaReads: ReplicaReads? = nil,
        connect: @escaping @Sendable () throws -> Connection
    ) {
        self.hub = hub
        self.cache = cache
        self.connect = connect
        self.replicaReads = replicaReads
        self.logger = logger
    }

    func start() {
        thread.start()
        thread.submit { [self] state in
            guard state == .active else { return }
            follow()
        }
    }

    func stop() async throws {
        stopping.store(true, ordering: .relaxed)
        try await thread.shutdownGracefully()
    }

    private func follow() {
        var connection: Connection?
        var cursor: String?
        // Live pages get a comment line this often, so that proxies keep
        // them open and a reader who has gone is noticed.
        var nextHeartbeat = ContinuousClock.now + .seconds(15)
        while !stopping.load(ordering: .relaxed) {
            do {
                if connection == nil {
                    let fresh = try connect()
                    try SiteReader(connection: fresh).listenForChanges()
                    connection = fresh
                    if cursor == nil {
                        cursor = try SiteReader(connection: fresh).changesNow()
                        // Pages show at least what the primary had when the server started.
                        if let replicaReads { replicaReads.advance(to: try ReplayFence.primaryPosition(on: fresh)) }
                    }
                }
                guard let connection else { continue }
                cursor = try readChanges(after: cursor, on: connection)
                try SiteReader(connection: connection).waitForChanges(upTo: .seconds(1))
                if ContinuousClock.now >= nextHeartbeat {
                    hub.publish(.heartbeat)
                    nextHeartbeat = ContinuousClock.now + .seconds(15)
                }
            } catch {
                logger.warning("following public changes: \(error); connecting again")
                connection = nil
                usleep(1_000_000)
            }
        }
    }

    private func readChanges(after start: String?, on connection: Connection) throws -> String? {
        var cursor = start
        let reader = SiteReader(connection: connection)
        while true {
            let page = try reader.changes(after: cursor, limit: 500)
            if !page.events.isEmpty {
                // Pages rendered after the cache empties must show these changes.
                if let replicaReads { replicaReads.advance(to: try ReplayFence.primaryPosition(on: connection)) }
                cache.clear()
            }
            // Rendered once here, not once per reader.
            for change in page.events { hub.publish(LiveFrame(change)) }
            changesSeen.add(page.events.count, ordering: .relaxed)
            cursor = page.cursor ?? cursor
            if !page.more {
                cache.confirmCurrent()
                return cursor
            }
        }
    }
}
