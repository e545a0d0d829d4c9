import CLibPQ
public import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A connection that is still being made.
///
/// Creating one sends the server its start-up packet and returns at once
/// (`PQconnectStartParams`, then `PQconnectPoll` for as long as that needs no
/// waiting). The server then forks a backend, authenticates and loads its
/// caches — most of what a short command waits for — while the caller does
/// other work. ``finish(logger:)`` waits for the rest and hands over the
/// ``Connection``.
///
/// ```swift
/// let pending = PendingConnection(configuration: configuration)   // returns at once
/// let arguments = parse(CommandLine.arguments)                    // meanwhile the server works
/// let connection = try pending?.finish(logger: logger) ?? Connection(configuration: configuration, logger: logger)
/// ```
///
/// `@unchecked Sendable` because libpq lets a `PGconn` move between threads as
/// long as one thread uses it at a time: a pending connection is handed over
/// (through a lock, by whoever keeps it) and used by the one thread that
/// finishes it, which then owns the ``Connection``.
public final class PendingConnection: @unchecked Sendable {
    /// What the connection was started with: a caller that wants something
    /// else connects afresh.
    public let configuration: ConnectionConfiguration
    /// When it was started, in seconds of `CLOCK_MONOTONIC`.
    private let startedAt: Double
    private let handle: OpaquePointer
    private var status: PostgresPollingStatusType
    private var finished = false

    /// Starts connecting; nil when libpq cannot start at all, or when a
    /// `connect_timeout` is set (libpq leaves timing out to the caller on this
    /// path, so such connections are made the blocking way).
    public init?(configuration: ConnectionConfiguration, applicationName: String = "newsdesk") {
        let started = configuration.withLibpqParameters(applicationName: applicationName) { keywords, values in
            PQconnectStartParams(keywords, values, 1)
        }
        guard let started else { return nil }
        guard PQstatus(started) != CONNECTION_BAD, !Self.hasConnectTimeout(started) else {
            PQfinish(started)
            return nil
        }
        self.configuration = configuration
        self.startedAt = Self.monotonicSeconds()
        handle = started
        // libpq's documented first state after a successful start.
        status = PGRES_POLLING_WRITING
        advance(waitingMilliseconds: 0)
    }

    deinit {
        if !finished { PQfinish(handle) }
    }

    /// Seconds since it was started.
    public var age: Double { Self.monotonicSeconds() - startedAt }

    /// Waits until the connection is made, and returns it. Call it once.
    ///
    /// - Throws: ``PostgresError`` of kind `.connectionFailed`, in libpq's words.
    public func finish(logger: Logger) throws -> Connection {
        precondition(!finished, "a pending connection is finished once")
        advance(waitingMilliseconds: -1)
        finished = true
        guard status == PGRES_POLLING_OK, PQstatus(handle) == CONNECTION_OK else {
            defer { PQfinish(handle) }
            throw Connection.connectionFailure(handle)
        }
        return Connection(established: handle, logger: logger)
    }

    /// Lets libpq go on while its socket is ready, waiting for it at most
    /// `waitingMilliseconds` each time (-1: as long as it takes).
    private func advance(waitingMilliseconds timeout: Int32) {
        while status == PGRES_POLLING_READING || status == PGRES_POLLING_WRITING {
            let socket = PQsocket(handle)
            if socket >= 0 {
                let event = status == PGRES_POLLING_READING ? POLLIN : POLLOUT
                var descriptor = pollfd(fd: socket, events: Int16(event), revents: 0)
                let ready = poll(&descriptor, 1, timeout)
                if ready < 0, errno == EINTR { continue }
                // Not ready yet: come back later. (On a failed poll, libpq's
                // own read or write below reports what is wrong.)
                if ready == 0 { return }
            }
            status = PQconnectPoll(handle)
        }
    }

    private static func hasConnectTimeout(_ connection: OpaquePointer) -> Bool {
        guard let options = PQconninfo(connection) else { return false }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if strcmp(keyword, "connect_timeout") == 0, let value = option.pointee.val {
                return atoi(value) > 0
            }
            option += 1
        }
        return false
    }

    private static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
