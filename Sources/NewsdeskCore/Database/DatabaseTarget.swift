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
    /// the default user). A `session` of one's own (to listen, or to hold a
    /// lock or a long transaction) bypasses the embedded database's
    /// connection pool; a configured server is used as configured.
    func configuration(as login: String?, environment: [String: String], session: Bool = false)
        -> ConnectionConfiguration
    {
        switch self {
        case .server(let configuration): login.map { configuration.with("user", $0) } ?? configuration
        case .embedded(let database): database.configuration(user: login ?? environment["PGUSER"], session: session)
        }
    }

    /// Starts connecting as `login` and returns at once, so that the server
    /// sets the session up while newsdesk does other work; hand the result to
    /// ``connect(as:environment:logger:headStart:)``. Nil when the embedded
    /// database is not running (connecting starts it) or libpq cannot
    /// connect this way.
    public func startConnecting(as login: String?, environment: [String: String], session: Bool = false)
        -> PendingConnection?
    {
        if case .embedded(let database) = self, database.serverProcessID == nil { return nil }
        return PendingConnection(configuration: configuration(as: login, environment: environment, session: session))
    }

    /// Connects as `login` (else `PGUSER`, else the default user), starting
    /// the embedded database first when that is the target.
    ///
    /// - Parameter headStart: a connection started earlier by
    ///   ``startConnecting(as:environment:)``; used when it was started for the
    ///   same server and user and got through, else closed.
    /// - Parameter session: a session of one's own, not one borrowed from the
    ///   embedded database's pool for each transaction: for `LISTEN`, and for
    ///   work that holds a lock or a transaction for long.
    /// - Throws: ``NewsdeskError`` `.unavailable` when no connection can be made.
    public func connect(
        as login: String?, environment: [String: String], logger: Logger, headStart: PendingConnection? = nil,
        session: Bool = false
    ) throws -> Connection {
        var configured = configuration(as: login, environment: environment, session: session)
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
            let who = login ?? environment["PGUSER"]
            try database.ensureReady(logger: logger)
            // Ready may have started the pool: connect where it now says.
            configured = configuration(as: login, environment: environment, session: session)
            if let connection = Self.claim(headStart, for: configured, logger: logger) { return connection }
            do {
                return try Connection(configuration: configured, logger: logger)
            } catch let error as PostgresError where error.kind == .connectionFailed {
                if let refusal = Self.loginRefusal(error, login: who) { throw refusal }
                // The pool turned the login away ("no such user" stands for
                // every refusal there) or is gone: the server itself says why,
                // in the words recognised above, or lets the command in.
                let direct = configuration(as: login, environment: environment, session: true)
                if direct != configured {
                    do {
                        return try Connection(configuration: direct, logger: logger)
                    } catch let error as PostgresError where error.kind == .connectionFailed {
                        if let refusal = Self.loginRefusal(error, login: who) { throw refusal }
                    }
                }
                // The server may have stopped since we looked (a stale pid file,
                // a crash): start it once more, then report what remains.
                try database.start(logger: logger)
                configured = configuration(as: login, environment: environment, session: session)
                do {
                    return try Connection(configuration: configured, logger: logger)
                } catch let error as PostgresError {
                    if let refusal = Self.loginRefusal(error, login: who) { throw refusal }
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
    public static func claim(
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
