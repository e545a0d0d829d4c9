import Logging
import NIOPosix
import NewsdeskCore
import PostgresClient
import Synchronization

/// A bounded pool of libpq connections for reading, each used on a thread of
/// its own. libpq blocks the thread that calls it; on Swift's cooperative pool
/// (two threads here) one slow query would stall every request, so queries
/// run on an `NIOThreadPool` with as many threads as connections.
///
/// Reads queue in the thread pool itself, first come first served: a thread
/// that finishes one read takes the next with the connection it holds, rather
/// than handing the connection back to a waiting request's task, which would
/// then hand its read to a thread that had meanwhile gone to sleep (under
/// load, the server's threads went from 7.7 to 6.0 sleeps per random article).
///
/// When every connection is busy and `maxWaiting` reads already wait, a
/// request is turned away at once (``Exhausted``): the server answers 503
/// with Retry-After rather than queueing without end.
final class ReadPool: Sendable {
    /// Every connection is busy and the queue is full.
    struct Exhausted: Error {}

    /// A connection handed from one thread to the next through the pool's
    /// lock; never used by two threads at once.
    final class Slot: @unchecked Sendable {
        /// To the primary (or the only database).
        var connection: Connection?
        /// To the read replica, when one is configured (see ``ReplicaReads``).
        var replica: Connection?
        /// How far the replica connection was last seen to have replayed.
        var replayed = WALPosition(value: 0)
    }

    private struct State {
        /// One per thread: a read that has begun holds one, so one is
        /// always free for a thread that begins another.
        var idle: [Slot]
        /// Reads admitted and not yet finished: running or queued.
        var admitted = 0
        /// Reads running on a thread now.
        var busy = 0
    }

    let size: Int
    let maxWaiting: Int
    private let threads: NIOThreadPool
    private let state: Mutex<State>
    private let connect: @Sendable () throws -> Connection
    private let replicaReads: ReplicaReads?
    private let logger: Logger

    /// Connections are made when first needed (and made again after one
    /// breaks): `connect` makes one to the primary; with `replicaReads`,
    /// reads go to the replica when it can serve them.
    init(
        size: Int, maxWaiting: Int, logger: Logger, replicaReads: ReplicaReads? = nil,
        connect: @escaping @Sendable () throws -> Connection
    ) {
        self.size = size
        self.maxWaiting = maxWaiting
        self.connect = connect
        self.replicaReads = replicaReads
        self.logger = logger
        threads = NIOThreadPool(numberOfThreads: size)
        threads.start()
        state = Mutex(State(idle: (0..<size).map { _ in Slot() }))
    }

    /// Connections in use now, and requests waiting for one: for /metrics.
    var usage: (busy: Int, waiting: Int) {
        state.withLock { ($0.busy, $0.admitted - $0.busy) }
    }

    /// Runs `body` with a connection, on the pool's own thread.
    ///
    /// - Throws: ``Exhausted`` when the pool and its queue are full; what
    ///   `body` throws; ``NewsdeskError`` `.unavailable` when no connection
    ///   can be made. A connection whose query broke it is dropped and made
    ///   anew: at once, for this read, when it was one kept from before.
    func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let room = size + maxWaiting
        let admitted = state.withLock { state in
            guard state.admitted < room else { return false }
            state.admitted += 1
            return true
        }
        guard admitted else { throw Exhausted() }
        // Whether it ran, failed or was taken out of the queue.
        defer { state.withLock { $0.admitted -= 1 } }
        return try await threads.runIfActive { [self] in
            let slot = state.withLock { state in
                state.busy += 1
                return state.idle.popLast()
            }
            guard let slot else { preconditionFailure("a read began on more threads than the pool has connections") }
            defer {
                state.withLock { state in
                    state.busy -= 1
                    state.idle.append(slot)
                }
            }
            return try withConnection(of: slot, body)
        }
    }

    /// Runs `body` on the slot's connection (the replica's when it can
    /// serve the read), making one when the slot has none.
    private func withConnection<T>(of slot: Slot, _ body: (Connection) throws -> T) throws -> T {
        if let replicaReads, let replica = try replicaReads.connection(for: slot) {
            return try Self.run(body, on: replica) { slot.replica = nil }
        }
        if let kept = slot.connection {
            do {
                return try Self.run(body, on: kept) { slot.connection = nil }
            } catch  where slot.connection == nil {
                // A kept connection the server had closed (a restart, an
                // administrator ending it): the read is tried once more
                // on a new one, rather than answered 503. It only reads,
                // so a second try cannot do anything twice.
            }
        }
        let connection = try connect()
        slot.connection = connection
        return try Self.run(body, on: connection) { slot.connection = nil }
    }

    /// Runs `body`; when it broke the connection, `drop` forgets it, so the
    /// next request makes a new one.
    private static func run<T>(
        _ body: (Connection) throws -> T, on connection: Connection, drop: () -> Void
    ) throws -> T {
        do {
            return try body(connection)
        } catch let error as NewsdeskError {
            switch error.category {
            case .connectionLost, .unavailable: drop()
            default: break
            }
            throw error
        } catch let error as PostgresError {
            if case .connectionLost = error.kind { drop() }
            throw error
        }
    }

    func shutdown() async throws {
        try await threads.shutdownGracefully()
    }
}
