import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `NOTIFY` the server delivered: sent by a transaction that committed.
public struct Notification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    /// The backend that sent it.
    public let senderProcessID: Int32
}

extension Connection {
    /// Starts listening on `channel` (`LISTEN`); notifications sent to it
    /// after this returns are kept until ``waitForNotifications(timeout:)``.
    public func listen(_ channel: String) throws {
        try execute(Query(unsafeSQL: "LISTEN " + quoteIdentifier(channel)))
    }

    /// The notifications that have arrived, waiting up to `timeout` for the
    /// first one when none has. Returns an empty list when the time passes.
    ///
    /// Blocks the calling thread (it polls the connection's socket): call it
    /// from a thread of its own, never from a cooperative task.
    ///
    /// - Throws: ``PostgresError`` `.connectionLost` when the connection breaks.
    public func waitForNotifications(timeout: Duration) throws -> [Notification] {
        var arrived = try takeNotifications()
        if !arrived.isEmpty { return arrived }
        let socket = PQsocket(handle)
        guard socket >= 0 else { throw lostConnection() }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let (seconds, attoseconds) = timeout.components
        let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        let ready = poll(&descriptor, 1, max(0, milliseconds))
        if ready < 0 && errno != EINTR { throw lostConnection() }
        arrived = try takeNotifications()
        return arrived
    }

    /// Reads what the server has sent and takes the notifications from it.
    private func takeNotifications() throws -> [Notification] {
        guard PQconsumeInput(handle) == 1 else { throw lostConnection() }
        var found: [Notification] = []
        while let notice = PQnotifies(handle) {
            defer { PQfreemem(notice) }
            found.append(
                Notification(
                    channel: String(cString: notice.pointee.relname),
                    payload: String(cString: notice.pointee.extra),
                    senderProcessID: notice.pointee.be_pid))
        }
        return found
    }

    private func lostConnection() -> PostgresError {
        let message = String(cString: PQerrorMessage(handle)).trimmingSuffixNewlines()
        return PostgresError(
            kind: .connectionLost(.notCommitted), sqlState: .connectionFailure,
            message: message.isEmpty ? "the connection to the server was lost" : message)
    }
}

extension String {
    fileprivate func trimmingSuffixNewlines() -> String {
        var text = self
        while text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
