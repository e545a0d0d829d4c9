public import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A streaming standby of the embedded database, made with PostgreSQL's own
/// `pg_basebackup -R`: to try reads from a replica on one machine, and for
/// the tests. It lives in a directory of its own:
///
/// ```
/// cluster/     the standby's data directory, following the primary's log
/// run/         its Unix socket and server.log; no TCP port is opened
/// setup.log    what pg_basebackup and pg_ctl printed
/// ```
///
/// It uses no replication slot, so a standby left stopped never makes the
/// primary keep its log without end; one stopped for long may then need
/// making again (`db replica create` in a new directory).
public struct EmbeddedReplica: Sendable {
    public let directory: String
    /// The embedded database it follows.
    public let primary: EmbeddedDatabase

    public init(directory: String, primary: EmbeddedDatabase) {
        self.directory = directory
        self.primary = primary
    }

    public var clusterPath: String { directory + "/cluster" }
    public var runPath: String { directory + "/run" }
    var logPath: String { runPath + "/server.log" }
    var setupLogPath: String { directory + "/setup.log" }
    var socketPath: String { runPath + "/.s.PGSQL.\(EmbeddedDatabase.port)" }

    /// The libpq connection string that reads from it: the value for
    /// `NEWSDESK_READ_URL`.
    public var readURL: String {
        let host =
            runPath.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" })
            ? "'" + runPath.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'" : runPath
        return "host=\(host) dbname=\(EmbeddedDatabase.databaseName)"
    }

    /// Whether `pg_basebackup` has made it.
    public var isCreated: Bool { access(clusterPath + "/standby.signal", F_OK) == 0 }

    /// Its server's process id when it runs.
    public var serverProcessID: Int32? { EmbeddedDatabase.runningServer(cluster: clusterPath, socket: socketPath) }

    /// Copies the embedded database (starting it first) into ``directory``,
    /// which must not exist or be empty, and starts the copy following it.
    public func create(logger: Logger) throws {
        guard socketPath.utf8.count < 108 else {
            throw NewsdeskError(.badInput, "\(directory) is too long for a Unix socket path; choose a shorter one.")
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: directory), !entries.isEmpty {
            throw NewsdeskError(
                .refused,
                "\(directory) is not empty; a replica is made in a new directory (newsdesk db replica start DIR starts one made before)."
            )
        }
        try primary.ensureReady(logger: logger)
        let user = try ServerUser.current()
        try EmbeddedDatabase.makeDirectory(
            directory, owner: user, mode: geteuid() == 0 ? 0o755 : 0o700, recursive: true)
        try EmbeddedDatabase.checkReachable(directory, variable: "the replica's directory")
        try EmbeddedDatabase.makeDirectory(runPath, owner: user)
        logger.info("copying the embedded database", metadata: ["replica": "\(directory)"])
        // -R writes the standby's settings (standby.signal, primary_conninfo on
        // the primary's socket); -X stream copies the log made meanwhile; a
        // fast checkpoint starts the copy now rather than at the next one.
        let copied = try user.run(
            "pg_basebackup",
            [
                "-D", clusterPath, "-R", "-X", "stream", "--checkpoint=fast", "-h", primary.runPath,
                "-p", String(EmbeddedDatabase.port), "-U", EmbeddedDatabase.superuser
            ], log: setupLogPath, directory: runPath)
        guard copied == 0 else {
            throw NewsdeskError(
                .unavailable, "Copying the embedded database failed.\n\(EmbeddedDatabase.logTail(of: [setupLogPath]))")
        }
        // The copy's settings name the primary's socket directory: its own instead.
        try EmbeddedDatabase.appendSettings(
            """

            # Newsdesk replica: its own socket directory; answers reads while it replays.
            unix_socket_directories = \(EmbeddedDatabase.settingLiteral(runPath))
            hot_standby = on

            """, to: clusterPath + "/postgresql.conf")
        try start(logger: logger)
    }

    /// Starts the replica made before, unless it runs.
    public func start(logger: Logger) throws {
        guard isCreated else {
            throw NewsdeskError(
                .notFound, "There is no replica in \(directory); make one with newsdesk db replica create \(directory)."
            )
        }
        guard serverProcessID == nil else { return }
        let user = try ServerUser.current()
        try EmbeddedDatabase.makeDirectory(runPath, owner: user)
        logger.info("starting the replica", metadata: ["replica": "\(directory)"])
        let status = try user.run(
            "pg_ctl", ["-D", clusterPath, "-l", logPath, "-w", "-t", "60", "start"], log: setupLogPath,
            directory: runPath)
        guard status == 0 else {
            throw NewsdeskError(
                .unavailable,
                "The replica did not start.\n\(EmbeddedDatabase.logTail(of: [setupLogPath, logPath]))")
        }
    }

    /// Stops the replica if it runs; returns whether it was running.
    @discardableResult
    public func stop() throws -> Bool {
        guard isCreated else {
            throw NewsdeskError(.notFound, "There is no replica in \(directory).")
        }
        guard serverProcessID != nil else { return false }
        let status = try ServerUser.current().run(
            "pg_ctl", ["-D", clusterPath, "-m", "fast", "-w", "-t", "60", "stop"], log: setupLogPath,
            directory: runPath)
        guard status == 0 else {
            throw NewsdeskError(
                .unavailable,
                "The replica did not stop.\n\(EmbeddedDatabase.logTail(of: [setupLogPath, logPath]))")
        }
        return true
    }
}
