import PostgresClient

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The connection pool started beside the embedded database: PgBouncer
/// (Debian's `pgbouncer`), in transaction pooling, on a second socket in the
/// same private folder.
///
/// Why: every newsdesk command is a new process, and a new PostgreSQL session
/// pays for everything once (a forked backend, catalog caches, PL/pgSQL
/// compiled, every statement inside the desk functions planned). Through the
/// pool a command borrows a session that has done all that, for one
/// transaction at a time. The pool is kept per login, so `session_user` is
/// still the staff login and every rule in the database holds as before.
///
/// After each transaction the borrowed session is reset (settings, role,
/// listens, advisory locks, cursors, prepared statements, temporary tables),
/// so the next command of that login starts as a new session would; only
/// the warm caches and plans are kept. Commands that need a session of their
/// own (`events --follow` listens, `db migrate` and `db lexicon` run long
/// transactions, the site server keeps its own pool) connect to PostgreSQL
/// directly.
///
/// Without PgBouncer installed, or with a home whose path the pool's
/// settings cannot hold, commands connect directly, as before.
struct EmbeddedPooler: Sendable {
    static let port = 6432
    let runPath: String

    var socketPath: String { runPath + "/.s.PGSQL.\(Self.port)" }
    var configurationPath: String { runPath + "/pgbouncer.ini" }
    var pidPath: String { runPath + "/pgbouncer.pid" }
    var logPath: String { runPath + "/pooler.log" }
    /// Left when the pool did not start, so that commands connect directly
    /// rather than each try (and wait for) it again; the server's next start removes it.
    var failedMarkerPath: String { runPath + "/pooler.failed" }

    /// Where PgBouncer is installed (Debian puts it in /usr/sbin), if it is.
    static func program() -> String? {
        var directories = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
        if let path = getenv("PATH") { directories += String(cString: path).split(separator: ":").map(String.init) }
        return ProcessRunner.find("pgbouncer", in: directories)
    }

    /// Whether the pool answers: its socket is there. (A socket left by a
    /// pool that died makes a connection fail, and a failed connection
    /// starts the embedded database and its pool again.)
    var isListening: Bool { access(socketPath, F_OK) == 0 }

    /// The pool's process id when it runs.
    var processID: Int32? {
        guard let pid = EmbeddedDatabase.firstLine(ofFile: pidPath).flatMap(Int32.init), pid > 0,
            kill(pid, 0) == 0 || errno == EPERM
        else { return nil }
        // A pool killed outright stays a zombie until its parent (init, or
        // nothing in a container) reaps it, and a zombie still takes signals.
        let state = EmbeddedDatabase.firstLine(ofFile: "/proc/\(pid)/stat").flatMap { $0.split(separator: ")").last }
        return state?.hasPrefix(" Z") == true ? nil : pid
    }

    /// Whether the pool can run here: PgBouncer is installed, it has not
    /// failed to start since the server last started, and the home's
    /// path can go into its settings unquoted (a home with other characters
    /// runs without the pool rather than with a misread setting).
    var canStart: Bool { pathIsPlain && access(failedMarkerPath, F_OK) != 0 && Self.program() != nil }

    private var pathIsPlain: Bool {
        runPath.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "/._-+".utf8.contains(byte)
        }
    }

    /// The login the pool asks with: it may connect to the newsroom's
    /// database and nothing else. A login of its own, so the question has a
    /// pool of its own: asked as the superuser, it would wait behind the
    /// operator's own sessions (four open transactions in psql would lock out
    /// every staff login).
    static let checker = "newsdesk_pool"

    /// Makes the pool's checking login (once) and lets it connect to
    /// `database`: through `superuser`, a session of the superuser's own.
    static func prepareChecker(_ superuser: Connection, database: String) throws {
        try superuser.execute(
            Query(
                unsafeSQL: """
                    DO $$ BEGIN
                        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '\(checker)') THEN
                            CREATE ROLE \(checker) LOGIN;
                        END IF;
                    END $$
                    """))
        try superuser.execute(
            Query(unsafeSQL: "GRANT CONNECT ON DATABASE \(quoteIdentifier(database)) TO \(checker)"))
    }

    /// PgBouncer's settings, written at every start.
    ///
    /// - Only the newsroom's database is served: the pool is for commands.
    /// - `auth_type = trust` with `auth_user`: as PostgreSQL's own socket,
    ///   which only the server's user may enter, trusts whoever reaches it.
    ///   The pool asks the server (as ``checker``, in `pg_roles`, which anyone
    ///   may read) whether the login exists, may log in and may connect to the
    ///   database, at every connection: a login added a second ago can
    ///   connect, and one deactivated a second ago (its CONNECT right
    ///   revoked) is turned away at once rather than after the pool's wait
    ///   for a server session.
    /// - `default_pool_size = 4`: sessions per login. Each one warms up on
    ///   its first use; the desk's work is milliseconds, so four rarely wait.
    /// - `server_idle_timeout = 3600`: a desk idle for an hour gives its
    ///   sessions back; the first command after that pays for a new one.
    /// - The reset after each transaction is `DISCARD ALL` without `DISCARD
    ///   PLANS`, whose plans are what the pool keeps.
    func settings(serverPort: Int, database: String) -> String {
        """
        ; Newsdesk's connection pool for the embedded database. Written by
        ; newsdesk at every start: changes here are lost.
        [databases]
        \(database) = host=\(runPath) port=\(serverPort) dbname=\(database)

        [pgbouncer]
        listen_addr =
        listen_port = \(Self.port)
        unix_socket_dir = \(runPath)
        unix_socket_mode = 0700
        auth_type = trust
        auth_user = \(Self.checker)
        auth_query = SELECT rolname, NULL::text FROM pg_catalog.pg_roles WHERE rolname = $1 AND rolcanlogin AND pg_catalog.has_database_privilege(rolname, pg_catalog.current_database(), 'CONNECT')
        pool_mode = transaction
        default_pool_size = 4
        max_client_conn = 500
        max_db_connections = 60
        server_idle_timeout = 3600
        server_reset_query = RESET ALL; SET SESSION AUTHORIZATION DEFAULT; RESET ROLE; UNLISTEN *; SELECT pg_advisory_unlock_all(); CLOSE ALL; DEALLOCATE ALL; DISCARD TEMP; DISCARD SEQUENCES
        server_reset_query_always = 1
        ignore_startup_parameters = extra_float_digits
        log_connections = 0
        log_disconnections = 0
        log_stats = 0
        logfile = \(logPath)
        pidfile = \(pidPath)

        """
    }
}
