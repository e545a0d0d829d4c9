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
        return .embedded(EmbeddedDatabase(home: EmbeddedDatabase.defaultHome(environment: environment), progress: progress))
    }

    /// Connects as `login` (else `PGUSER`, else the default user), starting
    /// the embedded database first when that is the target.
    ///
    /// - Throws: ``NewsdeskError`` `.unavailable` when no connection can be made.
    public func connect(as login: String?, environment: [String: String], logger: Logger) throws -> Connection {
        switch self {
        case .server(let configuration):
            let configured = login.map { configuration.with("user", $0) } ?? configuration
            do {
                return try Connection(configuration: configured, logger: logger)
            } catch let error as PostgresError {
                throw NewsdeskError(.unavailable, """
                    Cannot connect to the database: \(error.message)
                    The server comes from DATABASE_URL or PGHOST/PGPORT/PGDATABASE/PGSERVICE; \
                    unset them all to use the embedded database.
                    """)
            }
        case .embedded(let database):
            let user = login ?? environment["PGUSER"]
            try database.ensureReady(logger: logger)
            do {
                return try Connection(configuration: database.configuration(user: user), logger: logger)
            } catch let error as PostgresError where error.kind == .connectionFailed {
                // The server may have stopped since we looked (a stale pid file,
                // a crash): start it once more, then report what remains.
                try database.start(logger: logger)
                do {
                    return try Connection(configuration: database.configuration(user: user), logger: logger)
                } catch let error as PostgresError {
                    throw NewsdeskError(.unavailable, "Cannot connect to the embedded database: \(error.message)")
                }
            }
        }
    }
}
