public import Logging
public import PostgresClient

/// Which PostgreSQL the newsroom talks to: a configured server, or the
/// embedded one when nothing is configured.
public enum DatabaseTarget: Sendable {
    /// A server named by `DATABASE_URL` or libpq's own variables and files.
    case server(ConnectionConfiguration)
    /// The private cluster under `NEWSDESK_HOME`.
    case embedded(EmbeddedDatabase)

    /// Variables that name a server. With none of them set, the embedded
    /// database is used. (`PGUSER` picks who acts, not where, so it is not here.)
    public static let serverVariables = ["DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE"]

    /// Decides from the environment. `progress` hears what the embedded
    /// database does on first use (created, started, migrated).
    public static func resolve(
        environment: [String: String], progress: @escaping @Sendable (String) -> Void = { _ in }
    ) -> DatabaseTarget {
        if serverVariables.contains(where: { !(environment[$0] ?? "").isEmpty }) {
            return .server(.environment(environment))
        }
        return .embedded(
            EmbeddedDatabase(home: EmbeddedDatabase.defaultHome(environment: environment), progress: progress))
    }

    /// The connection parameters for acting as `login` (else `PGUSER`, else
    /// the default user).
    func configuration(as login: String?, environment: [String: String]) -> ConnectionConfiguration {
        switch self {
        case .server(let configuration): login.map { configuration.with("user", $0) } ?? configuration
        case .embedded(let database): database.configuration(user: login ?? environment["PGUSER"])
        }
    }

    /// Starts connecting as `login` and returns at once, so that the server
    /// sets the session up while newsdesk does other work; hand the result to
    /// ``connect(as:environment:logger:headStart:)``. Nil when the embedded
    /// database is not running (connecting starts it) or libpq cannot
    /// connect this way.
    public func startConnecting(as login: String?, environment: [String: String]) -> PendingConnection? {
        if case .embedded(let database) = self, database.serverProcessID == nil { return nil }
        return PendingConnection(configuration: configuration(as: login, environment: environment))
    }

    /// Connects as `login` (else `PGUSER`, else the default user), starting
    /// the embedded database first when that is the target.
    ///
    /// - Parameter headStart: a connection started earlier by
    ///   ``startConnecting(as:environment:)``; used when it was started for the
    ///   same server and user and got through, else closed.
    /// - Throws: ``NewsdeskError`` `.unavailable` when no connection can be made.
    public func connect(
        as login: String?, environment: [String: String], logger: Logger, headStart: PendingConnection? = nil
    ) throws -> Connection {
        let configured = configuration(as: login, environment: environment)
        switch self {
        case .server:
            if let connection = Self.claim(headStart, for: configured, logger: logger) { return connection }
            do {
                return try Connection(configuration: configured, logger: logger)
            } catch let error as PostgresError {
                if let refusal = Self.loginRefusal(error, login: login ?? environment["PGUSER"]) { throw refusal }
                throw NewsdeskError(
                    .unavailable,
                    """
                    Cannot connect to the database: \(error.message)
                    The server comes from DATABASE_URL or PGHOST/PGPORT/PGDATABASE/PGSERVICE; \
                    unset them all to use the embedded database.
                    """)
            }
        case .embedded(let database):
            try database.ensureReady(logger: logger)
            if let connection = Self.claim(headStart, for: configured, logger: logger) { return connection }
            do {
                return try Connection(configuration: configured, logger: logger)
            } catch let error as PostgresError where error.kind == .connectionFailed {
                if let refusal = Self.loginRefusal(error, login: login ?? environment["PGUSER"]) { throw refusal }
                // The server may have stopped since we looked (a stale pid file,
                // a crash): start it once more, then report what remains.
                try database.start(logger: logger)
                do {
                    return try Connection(configuration: configured, logger: logger)
                } catch let error as PostgresError {
                    if let refusal = Self.loginRefusal(error, login: login ?? environment["PGUSER"]) { throw refusal }
                    throw NewsdeskError(.unavailable, "Cannot connect to the embedded database: \(error.message)")
                }
            }
        }
    }

    /// The server answered but turned the login away: no such login, or one
    /// without the right to connect (a deactivated staff member loses it).
    /// That is a refusal the person can act on (exit 1), not an outage; the
    /// server's words are recognised here because libpq gives a failed
    /// connection no SQLSTATE.
    static func loginRefusal(_ error: PostgresError, login: String?) -> NewsdeskError? {
        if let unknown = error.message.firstMatch(of: /FATAL:  role "([^"]*)" does not exist/) {
            return NewsdeskError(
                .refused, "There is no staff login \"\(unknown.1)\" in this newsroom; see newsdesk staff list.")
        }
        if error.message.contains("User does not have CONNECT privilege")
            || error.message.contains("is not permitted to log in")
        {
            let who = login.map { "The login \"\($0)\"" } ?? "This login"
            return NewsdeskError(
                .refused,
                "\(who) may not work in this newsroom: it is deactivated, or not staff; see newsdesk staff list.")
        }
        return nil
    }

    /// The head start's connection, when it was started with `configuration`
    /// and got through. Otherwise nil, and the caller connects afresh: a
    /// failure is then reported (and the embedded database restarted) the
    /// usual way, so the head start's own error is not needed.
    private static func claim(
        _ headStart: PendingConnection?, for configuration: ConnectionConfiguration, logger: Logger
    ) -> Connection? {
        guard let headStart else { return nil }
        guard headStart.configuration == configuration else {
            logger.debug("head start not used: it was started for another server or user")
            return nil
        }
        do {
            let connection = try headStart.finish(logger: logger)
            logger.debug("head start used: connected while the command line was read")
            return connection
        } catch {
            logger.debug("head start not used: \(error)")
            return nil
        }
    }
}
