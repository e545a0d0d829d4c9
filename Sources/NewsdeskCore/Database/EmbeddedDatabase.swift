public import Logging
public import PostgresClient

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The newsroom's own PostgreSQL cluster, used when no server is configured.
///
/// It lives under ``home`` (`NEWSDESK_HOME`):
///
/// ```
/// cluster/      the data directory (initdb)
/// run/          the Unix sockets (PostgreSQL's, and its connection pool's:
///               see EmbeddedPooler), server.log and pooler.log; no TCP port
///               is opened
/// setup.log     what initdb and pg_ctl printed
/// lock          held while the cluster is created, started, migrated or stopped
/// schema        the newest migration applied, so a started cluster needs no check
/// ```
///
/// Run as root, the server runs as the unprivileged `postgres` system user
/// (PostgreSQL refuses to run as root). Local connections are trusted: the
/// socket directory is private to the user the server runs as.
public struct EmbeddedDatabase: Sendable {
    /// The role that owns the cluster and applies migrations.
    public static let superuser = "newsdesk"
    /// The database the newsroom lives in.
    public static let databaseName = "newsdesk"
    static let port = 5432

    public let home: String
    public var clusterPath: String { home + "/cluster" }
    public var runPath: String { home + "/run" }
    var socketPath: String { runPath + "/.s.PGSQL.\(Self.port)" }
    /// The connection pool beside the server, where commands connect.
    var pooler: EmbeddedPooler { EmbeddedPooler(runPath: runPath) }
    /// The server's own log, written by the server user.
    var logPath: String { runPath + "/server.log" }
    /// What initdb and pg_ctl print, written by whoever runs newsdesk.
    var setupLogPath: String { home + "/setup.log" }
    var lockPath: String { home + "/lock" }
    var schemaMarkerPath: String { home + "/schema" }

    /// Told what the embedded database did on the way to being ready
    /// ("Created the embedded database in …"), so the CLI can say so.
    public let progress: @Sendable (String) -> Void

    public init(home: String, progress: @escaping @Sendable (String) -> Void = { _ in }) {
        self.home = home
        self.progress = progress
    }

    /// `NEWSDESK_HOME`, else `$XDG_DATA_HOME/newsdesk`, else `~/.local/share/newsdesk`.
    /// As root the default is `/var/lib/newsdesk`, a place the unprivileged
    /// server user can reach (root's home is closed to it).
    public static func defaultHome(environment: [String: String]) -> String {
        if let home = environment["NEWSDESK_HOME"], !home.isEmpty { return home }
        if geteuid() == 0 { return "/var/lib/newsdesk" }
        if let data = environment["XDG_DATA_HOME"], !data.isEmpty { return data + "/newsdesk" }
        return (environment["HOME"] ?? ".") + "/.local/share/newsdesk"
    }

    // MARK: - State

    /// Whether `initdb` has made the cluster.
    public var isCreated: Bool { access(clusterPath + "/PG_VERSION", F_OK) == 0 }

    /// The server's process id when it is running.
    public var serverProcessID: Int32? { Self.runningServer(cluster: clusterPath, socket: socketPath) }

    /// The process id of the server of `cluster` when it runs and has its
    /// `socket` open: the embedded database's, or a replica's.
    static func runningServer(cluster: String, socket: String) -> Int32? {
        guard let pid = firstLine(ofFile: cluster + "/postmaster.pid").flatMap(Int32.init), pid > 0 else { return nil }
        // EPERM: alive, but owned by another user (the server user when we are root).
        guard kill(pid, 0) == 0 || errno == EPERM else { return nil }
        return access(socket, F_OK) == 0 ? pid : nil
    }

    /// The first line of a small file, nil when it cannot be read. With
    /// read(2) rather than Foundation: every command looks at the pid file
    /// and the schema marker, the pid file before it starts connecting, and
    /// Foundation's file reading costs more on its first use in a process
    /// than the whole look.
    static func firstLine(ofFile path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
    }

    /// How to connect to it as `user` (the superuser when nil): through the
    /// connection pool when it runs, else (and for a `session` of one's own:
    /// one that listens, or holds a lock or a transaction for long) to the
    /// server itself.
    public func configuration(user: String?, session: Bool = false) -> ConnectionConfiguration {
        let port = !session && pooler.isListening ? EmbeddedPooler.port : Self.port
        return ConnectionConfiguration([
            .init("host", runPath),
            .init("port", String(port)),
            .init("dbname", Self.databaseName),
            .init("user", user ?? Self.superuser)
        ])
    }

    /// Makes sure the cluster exists, runs and has the current schema, and
    /// its connection pool runs (when PgBouncer is installed). The usual case
    /// (running and migrated) costs three small file reads and no process; a
    /// pool that died is started again here.
    public func ensureReady(logger: Logger) throws {
        if serverProcessID != nil,
            Self.firstLine(ofFile: schemaMarkerPath) == Migration.latestIdentifier,
            pooler.processID != nil || !pooler.canStart
        {
            return
        }
        try start(logger: logger)
    }

    /// The connection pool's process id when it runs.
    public var poolerProcessID: Int32? { pooler.isListening ? pooler.processID : nil }
    /// Where commands connect when the pool runs.
    public var poolerSocketPath: String { pooler.socketPath }

    // MARK: - Start and stop

    /// Creates the cluster on first use, starts it, creates the newsroom
    /// database and applies pending migrations. Safe to run from several
    /// processes at once: they take turns on ``lockPath``.
    public func start(logger: Logger) throws {
        try prepareHome()
        try withLock {
            let user = try ServerUser.current()
            if !isCreated {
                try create(as: user, logger: logger)
                progress("Created the embedded database in \(home).")
            }
            if serverProcessID == nil {
                try makeDirectory(runPath, owner: user)
                logger.info("starting the embedded database", metadata: ["home": "\(home)"])
                let status = try run(user, "pg_ctl", ["-D", clusterPath, "-l", logPath, "-w", "-t", "60", "start"])
                // A server that starts (after db stop, a crash or a reboot) tries the pool afresh.
                unlink(pooler.failedMarkerPath)
                guard status == 0 else {
                    throw NewsdeskError(.unavailable, "The embedded database did not start.\n\(logTail())")
                }
                progress("Started the embedded database (pid \(serverProcessID ?? 0)).")
            }
            try DatabaseErrors.translating { try createDatabaseAndMigrate(logger: logger) }
            startPooler(as: user, logger: logger)
        }
    }

    /// Starts the connection pool unless it runs, cannot run here, or is not
    /// installed. A pool that does not start is no failure: commands then
    /// connect to the server directly (not trying it again until the server
    /// next starts),
    /// and the reason is in pooler.log or setup.log.
    private func startPooler(as user: ServerUser, logger: Logger) {
        let pooler = pooler
        guard pooler.canStart, pooler.processID == nil, let program = EmbeddedPooler.program() else { return }
        // A socket left by a pool that died would stop the new one listening.
        unlink(pooler.socketPath)
        let settings = pooler.settings(serverPort: Self.port, database: Self.databaseName)
        do {
            let superuser = try Connection(
                configuration: configuration(user: Self.superuser, session: true), logger: logger)
            try EmbeddedPooler.prepareChecker(superuser, database: Self.databaseName)
            try settings.write(toFile: pooler.configurationPath, atomically: true, encoding: .utf8)
            if user.switchTo != nil { chown(pooler.configurationPath, user.uid, user.gid) }
            logger.info("starting the connection pool", metadata: ["home": "\(home)"])
            let status = try run(user, binary: program, ["-d", pooler.configurationPath])
            // PgBouncer opens its socket after it has detached.
            for _ in 0..<500 where status == 0 && !pooler.isListening { usleep(10_000) }
            if pooler.isListening { return }
            logger.warning("the connection pool did not start; see \(pooler.logPath)")
        } catch {
            logger.warning("the connection pool did not start: \(error)")
        }
        close(open(pooler.failedMarkerPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o600))
    }

    /// Stops the connection pool if it runs, and waits for it to go.
    private func stopPooler() {
        guard let pid = pooler.processID else { return }
        kill(pid, SIGTERM)  // immediate: the server stops next, and every session with it
        // Until it is gone, reaped too (its parent is init), for five seconds at most.
        for _ in 0..<500 where kill(pid, 0) == 0 { usleep(10_000) }
    }

    /// Stops the server if it runs. Returns whether it was running.
    @discardableResult
    public func stop() throws -> Bool {
        guard isCreated else { return false }
        return try withLock {
            stopPooler()
            guard serverProcessID != nil else { return false }
            let user = try ServerUser.current()
            let status = try run(user, "pg_ctl", ["-D", clusterPath, "-m", "fast", "-w", "-t", "60", "stop"])
            guard status == 0 else {
                throw NewsdeskError(.unavailable, "The embedded database did not stop.\n\(logTail())")
            }
            return true
        }
    }

    private func create(as user: ServerUser, logger: Logger) throws {
        // initdb writes into a fresh directory that is renamed into place only
        // when complete, so an interrupted first use never leaves half a cluster.
        let staging = home + "/cluster.new"
        try removeTree(staging)
        try makeDirectory(staging, owner: user)
        try makeDirectory(runPath, owner: user)
        logger.info("creating the embedded database", metadata: ["home": "\(home)"])
        let status = try run(
            user, "initdb",
            [
                "-D", staging, "-U", Self.superuser, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-instructions"
            ])
        guard status == 0 else {
            throw NewsdeskError(.unavailable, "Creating the embedded database failed.\n\(logTail())")
        }
        let settings = """

            # Newsdesk embedded database: Unix socket only, private to the server's user.
            listen_addresses = ''
            port = \(Self.port)
            unix_socket_directories = \(Self.settingLiteral(runPath))
            unix_socket_permissions = 0700
            # Every newsdesk command is a new session; with PL/pgSQL loaded once by
            # the server, no session loads it again (about 0.6 ms each).
            shared_preload_libraries = 'plpgsql'
            # A quarter of this machine's memory (ALTER SYSTEM overrides it).
            shared_buffers = '\(Self.sharedBuffersMB(memoryBytes: Self.availableMemory()))MB'

            """
        try Self.appendSettings(settings, to: staging + "/postgresql.conf")
        guard rename(staging, clusterPath) == 0 else {
            throw NewsdeskError(.unavailable, "Cannot move the new cluster into \(clusterPath).")
        }
    }

    private func createDatabaseAndMigrate(logger: Logger) throws {
        let maintenance = try Connection(
            configuration: configuration(user: Self.superuser, session: true).with("dbname", "postgres"), logger: logger
        )
        let exists = try maintenance.query("SELECT 1 FROM pg_database WHERE datname = \(Self.databaseName)")
        if exists.isEmpty {
            try maintenance.execute(Query(unsafeSQL: "CREATE DATABASE \(quoteIdentifier(Self.databaseName))"))
        }
        let newsroom = try Connection(configuration: configuration(user: Self.superuser, session: true), logger: logger)
        let run = try Migrator().migrate(newsroom)
        for migration in run.migrations {
            progress("Applied \(migration.fileName).")
        }
        if !run.schemaFiles.isEmpty { progress("Applied Schema/ (\(run.schemaFiles.count) files).") }
        // Ukrainian search reads words through the lexicon: a new newsroom
        // gets it when the dictionary is installed (scripts/newsdesk installs it).
        if exists.isEmpty && UkrainianLexicon.isAvailable() {
            let loaded = try UkrainianLexicon.load(into: newsroom)
            progress("Loaded the Ukrainian lexicon (\(loaded.forms) word forms).")
        }
        try Migration.latestIdentifier.write(toFile: schemaMarkerPath, atomically: true, encoding: .utf8)
    }

    /// PostgreSQL's page cache for a machine with `memoryBytes`: a quarter,
    /// as PostgreSQL's manual advises for a server of 1 GB or more, between
    /// its default 128 MB and 8 GB. With the default, a site reading a
    /// newsroom of a million editions copies most pages from the operating
    /// system's cache at every read (1,450 random articles a second against
    /// 1,700 with 6 GB, on 24 GB; docs/performance.md).
    static func sharedBuffersMB(memoryBytes: UInt64) -> UInt64 {
        min(max(memoryBytes / 4 / (1 << 20), 128), 8 << 10)
    }

    /// The memory this process may use: the machine's, or the lowest limit
    /// of its control groups (a container, a systemd unit's MemoryMax).
    /// Read once, when a cluster is created.
    static func availableMemory() -> UInt64 {
        let physical = UInt64(max(sysconf(Int32(_SC_PHYS_PAGES)), 0)) * UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 0))
        var limitFiles = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
        // Its own groups: "0::/system.slice/x.service" (cgroup v2), "4:memory:/docker/…" (v1).
        let groups = (try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)) ?? ""
        for line in groups.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[2] != "/" else { continue }
            if fields[0] == "0" && fields[1].isEmpty {
                limitFiles.append("/sys/fs/cgroup\(fields[2])/memory.max")
            } else if fields[1].split(separator: ",").contains("memory") {
                limitFiles.append("/sys/fs/cgroup/memory\(fields[2])/memory.limit_in_bytes")
            }
        }
        // "max" (no limit) reads as no number.
        let limits = limitFiles.compactMap { firstLine(ofFile: $0).flatMap { UInt64($0) } }.filter { $0 > 0 }
        return min(physical, limits.min() ?? physical)
    }

    // MARK: - Files and processes

    /// A value for postgresql.conf, quoted.
    static func settingLiteral(_ value: String) -> String {
        "'" + value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
    }

    /// Appends `settings` to a server's configuration file; later lines win.
    static func appendSettings(_ settings: String, to path: String) throws {
        let handle = open(path, O_WRONLY | O_APPEND)
        guard handle >= 0 else { throw NewsdeskError(.unavailable, "Cannot write \(path).") }
        _ = settings.utf8CString.withUnsafeBufferPointer { write(handle, $0.baseAddress, $0.count - 1) }
        close(handle)
    }

    /// Runs a server program, as the unprivileged server user when we are root.
    private func run(_ user: ServerUser, _ program: String, _ arguments: [String]) throws -> Int32 {
        try run(user, binary: try ServerPrograms.locate(program), arguments)
    }

    /// Runs `binary`, as the unprivileged server user when we are root.
    private func run(_ user: ServerUser, binary: String, _ arguments: [String]) throws -> Int32 {
        try user.run(binary: binary, arguments, log: setupLogPath, directory: runPath)
    }

    func logTail() -> String { Self.logTail(of: [setupLogPath, logPath]) }

    /// The last lines of each log that has any.
    static func logTail(of logs: [String]) -> String {
        logs.compactMap { path in
            guard let log = try? String(contentsOfFile: path, encoding: .utf8), !log.isEmpty else { return nil }
            return "Last lines of \(path):\n" + log.split(separator: "\n").suffix(6).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    func prepareHome() throws {
        guard socketPath.utf8.count < 108 else {
            throw NewsdeskError(
                .unavailable,
                """
                NEWSDESK_HOME (\(home)) is too long for a Unix socket path; choose a shorter directory.
                """)
        }
        try makeDirectory(home, owner: nil, mode: geteuid() == 0 ? 0o755 : 0o700, recursive: true)
        try Self.checkReachable(home, variable: "NEWSDESK_HOME", usual: " (the default for root is /var/lib/newsdesk)")
    }

    /// Run as root, refuses a directory the unprivileged server user cannot reach.
    static func checkReachable(_ path: String, variable: String, usual: String = "") throws {
        if geteuid() == 0, let blocked = firstClosedAncestor(of: path) {
            throw NewsdeskError(
                .unavailable,
                """
                The embedded database runs as the unprivileged user postgres, which cannot enter \(blocked). \
                Set \(variable) to a directory it can reach\(usual).
                """)
        }
    }

    func withLock<T>(_ body: () throws -> T) throws -> T {
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw NewsdeskError(.unavailable, "Cannot open \(lockPath): \(String(cString: strerror(errno))).")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 && errno == EINTR {}
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    func makeDirectory(_ path: String, owner: ServerUser?, mode: mode_t = 0o700, recursive: Bool = false) throws {
        try Self.makeDirectory(path, owner: owner, mode: mode, recursive: recursive)
    }

    static func makeDirectory(_ path: String, owner: ServerUser?, mode: mode_t = 0o700, recursive: Bool = false) throws
    {
        if recursive {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } else if mkdir(path, mode) != 0 && errno != EEXIST {
            throw NewsdeskError(.unavailable, "Cannot create \(path): \(String(cString: strerror(errno))).")
        }
        chmod(path, mode)
        if let owner, owner.switchTo != nil { chown(path, owner.uid, owner.gid) }
    }

    private func removeTree(_ path: String) throws {
        if access(path, F_OK) == 0 { try FileManager.default.removeItem(atPath: path) }
    }

    /// The first directory on the way to `path` that "others" cannot traverse.
    private static func firstClosedAncestor(of path: String) -> String? {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            var info = stat()
            guard stat(current, &info) == 0 else { return nil }
            if info.st_mode & S_IXOTH == 0 { return current }
        }
        return nil
    }
}

/// The system user the server runs as.
struct ServerUser {
    /// Set when we are root and must switch to this user to run the server.
    let switchTo: String?
    let uid: uid_t
    let gid: gid_t

    static func current() throws -> ServerUser {
        guard geteuid() == 0 else { return ServerUser(switchTo: nil, uid: geteuid(), gid: getegid()) }
        guard let entry = getpwnam("postgres") else {
            throw NewsdeskError(
                .unavailable,
                """
                PostgreSQL refuses to run as root, and there is no unprivileged `postgres` user to run it as. \
                Install the server (apt-get install postgresql), which creates it.
                """)
        }
        return ServerUser(switchTo: "postgres", uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    /// Runs a server program (found by ``ServerPrograms``) as this user.
    func run(_ program: String, _ arguments: [String], log: String, directory: String) throws -> Int32 {
        try run(binary: try ServerPrograms.locate(program), arguments, log: log, directory: directory)
    }

    /// Runs `binary` as this user (switching to it when we are root), its
    /// output appended to `log`.
    func run(binary: String, _ arguments: [String], log: String, directory: String) throws -> Int32 {
        var command = [binary] + arguments
        if let name = switchTo {
            guard let runuser = ProcessRunner.find("runuser", in: ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]) else {
                throw NewsdeskError(
                    .unavailable, "Running as root needs `runuser` (util-linux) to start PostgreSQL as \(name).")
            }
            command = [runuser, "-u", name, "--"] + command
        }
        do {
            return try ProcessRunner.run(
                command[0], Array(command.dropFirst()), appendingOutputTo: log, directory: directory)
        } catch let failure as ProcessRunner.Failure {
            throw NewsdeskError(.unavailable, "Could not run \(command[0]): \(failure.reason).")
        }
    }
}

/// Finds PostgreSQL's server programs.
enum ServerPrograms {
    /// `NEWSDESK_PG_BINDIR` when set (and then only there); else Debian's
    /// `/usr/lib/postgresql/<newest>/bin`, `/usr/local/pgsql/bin`, then `PATH`.
    static func locate(_ program: String) throws -> String {
        var directories: [String] = []
        if let configured = getenv("NEWSDESK_PG_BINDIR") {
            directories.append(String(cString: configured))
        } else {
            let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
            directories += versions.compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
            directories += ["/usr/local/pgsql/bin"]
            if let path = getenv("PATH") { directories += String(cString: path).split(separator: ":").map(String.init) }
        }
        guard let found = ProcessRunner.find(program, in: directories) else {
            throw NewsdeskError(
                .unavailable,
                """
                The embedded database needs the PostgreSQL server programs, and \(program) was not found. \
                Install them with `sudo apt-get install postgresql` (or set NEWSDESK_PG_BINDIR to their directory), \
                or point newsdesk at an existing server with DATABASE_URL.
                """)
        }
        return found
    }
}
