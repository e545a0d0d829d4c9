public import Logging
public import PostgresClient

/// Where reading is done when a streaming replica is configured:
/// `NEWSDESK_READ_URL`, a libpq connection string or URL (it may list several
/// hosts, with `target_session_attrs=prefer-standby`, and libpq picks one).
///
/// Everything that writes still goes to the primary. A read that would
/// follow one's own write is fenced (``ReplayFence``); a replica that cannot
/// be reached, or lags past the fence's bound, is passed over for the
/// primary, or fails the read, as `NEWSDESK_READ_FALLBACK` says.
public struct ReadReplica: Sendable {
    /// What to do when the replica cannot serve a read.
    public enum Fallback: String, Sendable, CaseIterable {
        /// Read from the primary instead (the default), and log why.
        case primary
        /// Fail the read (`.unavailable`): for deployments where the primary
        /// must never take reading load.
        case fail
    }

    public static let urlVariable = "NEWSDESK_READ_URL"
    public static let fallbackVariable = "NEWSDESK_READ_FALLBACK"

    /// The connection string or URL, as configured.
    public let url: String
    public let fallback: Fallback

    public init(url: String, fallback: Fallback = .primary) {
        self.url = url
        self.fallback = fallback
    }

    /// The replica the environment names; nil when `NEWSDESK_READ_URL` is unset or empty.
    ///
    /// - Throws: ``NewsdeskError`` `.usage` for a `NEWSDESK_READ_FALLBACK`
    ///   that is neither `primary` nor `fail`.
    public static func configured(environment: [String: String]) throws -> ReadReplica? {
        guard let url = environment[urlVariable], !url.isEmpty else { return nil }
        let named = environment[fallbackVariable] ?? ""
        guard let fallback = named.isEmpty ? .primary : Fallback(rawValue: named) else {
            throw NewsdeskError(
                .usage, "\(fallbackVariable) is \"\(named)\"; it must be primary (the default) or fail.")
        }
        return ReadReplica(url: url, fallback: fallback)
    }

    /// The parameters for reading as `login`; nil leaves the login to the
    /// URL, then to `PGUSER`.
    public func configuration(as login: String?) -> ConnectionConfiguration {
        let configuration = ConnectionConfiguration.url(url)
        return login.map { configuration.with("user", $0) } ?? configuration
    }

    /// Connects to the replica as `login`.
    ///
    /// - Throws: ``NewsdeskError`` `.refused` when the replica turns the login
    ///   away (the primary would too: they share their logins), else
    ///   ``Unreachable`` with libpq's message.
    public func connect(as login: String?, logger: Logger) throws -> Connection {
        do {
            return try Connection(configuration: configuration(as: login), logger: logger)
        } catch let error as PostgresError {
            if let refusal = DatabaseTarget.loginRefusal(error, login: login) { throw refusal }
            // libpq's message, on one line.
            let reason = error.message.split(whereSeparator: \.isNewline).map { $0.drop(while: \.isWhitespace) }
            throw Unreachable(reason: reason.joined(separator: " "))
        }
    }

    /// The replica cannot be connected to.
    public struct Unreachable: Error, Sendable {
        public let reason: String
    }

    /// The error for a read that `fallback = .fail` does not let through to
    /// the primary, saying why the replica could not serve it.
    public func refusal(_ reason: String) -> NewsdeskError {
        NewsdeskError(
            .unavailable,
            """
            Cannot read from the replica \(Self.urlVariable) names: \(reason)
            \(Self.fallbackVariable)=fail, so the read was not sent to the primary; unset it to read from \
            the primary until the replica serves again.
            """)
    }
}
