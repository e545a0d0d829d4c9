import ArgumentParser
import Logging
import NewsdeskCore
import PostgresClient

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Manage the schema and the embedded local database.",
        subcommands: [Migrate.self, Status.self, Start.self, Stop.self, Replica.self, Lexicon.self, Pages.self]
    )
}

extension DatabaseCommand {
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "migrate",
            abstract: "Apply the schema migrations this database does not have yet.")

        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() throws {
            let logger = Logger(label: "newsdesk")
            // A session of its own: migrating changes the schema every
            // pooled session has cached.
            let db = try connection.connect(logger: logger, session: true)
            let run = try Migrator().migrate(db)
            let total = Migration.all.count
            if json {
                return try Output.json(
                    MigrateReport(
                        applied: run.migrations.map(MigrationEntry.init), total: total,
                        schemaFiles: run.schemaFiles.map(\.fileName), adoptedRelease: run.adoptedRelease))
            }
            if run.adoptedRelease {
                Output.line("Adopted the release's migrations 0001–0012: 0001_baseline.sql holds them.")
            }
            for migration in run.migrations { Output.line("Applied \(migration.fileName).") }
            if !run.schemaFiles.isEmpty { Output.line("Applied Schema/ (\(run.schemaFiles.count) files).") }
            Output.line(
                "The schema is up to date (\(total) migration\(total == 1 ? "" : "s"), \(SchemaFile.all.count) schema files)."
            )
        }
    }

    struct Lexicon: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lexicon",
            abstract: "Load the Ukrainian lexicon that search reads words through.",
            discussion: """
                Expands the hunspell-uk dictionary (apt-get install hunspell-uk hunspell-tools) into every word form \
                and its lemma, replaces the lexicon loaded before, and indexes the Ukrainian editions again, in one \
                transaction. Run it as the login that migrates the schema. The embedded database loads it when it \
                is created, if the dictionary is installed.
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The dictionary, as a path without .dic and .aff.")
        var dictionary = UkrainianLexicon.defaultDictionary
        @Flag(help: "Print the result as JSON.") var json = false

        func run() throws {
            // A session of its own: the load is one long transaction.
            let db = try connection.connect(logger: Logger(label: "newsdesk"), session: true)
            let loaded = try UkrainianLexicon.load(into: db, dictionary: dictionary)
            if json { return try Output.json(loaded) }
            Output.line(
                "Loaded \(loaded.forms) Ukrainian word forms from \(loaded.dictionary).dic; "
                    + "indexed \(loaded.editions) Ukrainian edition\(loaded.editions == 1 ? "" : "s") again.")
        }
    }

    struct Pages: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "pages",
            abstract: "Build the kept reader pages that no change has built.",
            discussion: """
                The site reads each article's document from a page kept for it, which every change to what the \
                page shows builds again as it commits. Editions loaded in bulk have none, and a change of staff or \
                language names or of a setting leaves every page to be built again: until then the site composes \
                them at each read, as right but slower. This builds them, a batch per transaction, while the \
                newsroom works. Run it as the login that migrates the schema.
                """)

        @OptionGroup var connection: ConnectionOptions
        // A batch holds its pages until it commits: a desk action on one of
        // them waits for it, at most five seconds (about 0.9 ms a page).
        @Option(help: "Pages built in each transaction (1 to 5000).") var batch = 500
        @Flag(help: "Print the result as JSON.") var json = false

        func validate() throws {
            if !(1...5000).contains(batch) { throw ValidationError("--batch must be from 1 to 5000.") }
        }

        func run() throws {
            let db = try connection.connect(logger: Logger(label: "newsdesk"), session: true)
            let built = try ReaderPages.keep(on: db, batch: batch)
            if json { return try Output.json(["built": built]) }
            Output.line("Built \(built) reader page\(built == 1 ? "" : "s").")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show which database newsdesk uses and which migrations it has.")

        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() throws {
            let logger = Logger(label: "newsdesk")
            var report = StatusReport()
            if case .embedded(let embedded) = connection.target {
                // (Each look at the server's pid reads its pid file and signals it: once is enough.)
                let pid = embedded.serverProcessID
                report.embedded = EmbeddedReport(
                    home: embedded.home, created: embedded.isCreated,
                    running: pid != nil, pid: pid.map(Int.init))
                guard pid != nil else { return try print(report) }
            }
            let db = try connection.connect(logger: logger)
            if case .embedded(let embedded) = connection.target {
                // Looked at after connecting, which starts the pool when it can.
                let pid = embedded.poolerProcessID
                report.embedded?.pool = PoolReport(
                    running: pid != nil, pid: pid.map(Int.init), socket: pid.map { _ in embedded.poolerSocketPath })
            }
            let server = db.server
            report.server = ServerReport(
                host: server.host, port: server.port, database: server.database,
                user: server.user, serverVersion: server.serverVersion)
            let status = try Migrator().status(db)
            report.applied = status.applied.map {
                MigrationEntry(version: $0.version, name: $0.name, appliedAt: $0.appliedAt)
            }
            report.pending = status.pending.map(MigrationEntry.init)
            report.unknown = status.unknown.map {
                MigrationEntry(version: $0.version, name: $0.name, appliedAt: $0.appliedAt)
            }
            report.changedSchemaFiles = status.changedSchemaFiles.map(\.fileName)
            report.standbys = try ReplicationStatus.standbys(on: db)
            if let replica = try ReadRouting.replica() {
                do {
                    let reader = try replica.connect(as: ReadRouting.login(connection.login), logger: logger)
                    report.readReplica = ReadReplicaReport(state: try ReplicationStatus.replica(on: reader))
                } catch let unreachable as ReadReplica.Unreachable {
                    report.readReplica = ReadReplicaReport(error: unreachable.reason)
                } catch let error as NewsdeskError {
                    report.readReplica = ReadReplicaReport(error: error.message)
                }
            }
            try print(report)
        }

        /// The replication lines: each standby the server streams to, and the
        /// read replica, when there are any.
        private func printReplication(_ report: StatusReport) {
            for standby in report.standbys {
                // PostgreSQL shows no lag while nothing is in flight.
                let lag =
                    standby.replayLagMilliseconds.map { ", replay lag \(milliseconds($0))" } ?? ""
                let behind = standby.behindBytes.map { ", \($0) bytes behind" } ?? ""
                Output.line(
                    "Standby \(standby.name): \(standby.state ?? "state hidden from this login")\(lag)\(behind)")
            }
            guard let replica = report.readReplica else { return }
            let label = "Read replica (\(ReadReplica.urlVariable))"
            if let error = replica.error {
                return Output.line("\(label): unreachable: \(error)")
            }
            guard let state = replica.state, state.inRecovery else {
                return Output.line("\(label): not a standby; reads there are reads from a primary")
            }
            let age =
                state.lastReplayedCommitAgeMilliseconds.map {
                    "; the newest commit it replayed was made \(milliseconds($0)) ago"
                } ?? ""
            let paused = state.replayPaused ? " (replay paused)" : ""
            Output.line("\(label): a standby, replayed to \(state.replayed ?? "nothing yet")\(paused)\(age)")
        }

        private func milliseconds(_ value: Double) -> String {
            value < 1000 ? "\((value * 10).rounded() / 10) ms" : "\((value / 100).rounded() / 10) s"
        }

        private func print(_ report: StatusReport) throws {
            if json { return try Output.json(report) }
            if let embedded = report.embedded {
                let state =
                    embedded.pid.map { "running (pid \($0))" } ?? (embedded.created ? "stopped" : "not created yet")
                Output.line("Embedded database: \(state) in \(embedded.home)")
                if !embedded.running {
                    Output.line("It starts on first use, or with `newsdesk db start`.")
                }
                if let pool = embedded.pool {
                    Output.line(
                        pool.pid.map { "Connection pool: running (pid \($0)); commands connect through it" }
                            ?? "Connection pool: not running (is PgBouncer installed?); commands connect to the server directly"
                    )
                }
            }
            guard let server = report.server else { return }
            let place = server.host.hasPrefix("/") ? "socket in \(server.host)" : "\(server.host):\(server.port)"
            Output.line(
                "Server: PostgreSQL \(server.serverVersion), \(place), database \(server.database), user \(server.user)"
            )
            Output.line(
                "Migrations: \(report.applied.count) applied, \(report.pending.count) pending"
                    + (report.unknown.isEmpty ? "" : ", \(report.unknown.count) unknown to this newsdesk"))
            for entry in report.applied {
                Output.line("  applied  \(entry.label)  \(entry.appliedAt.map(RFC3339.string) ?? "")")
            }
            for entry in report.pending { Output.line("  pending  \(entry.label)") }
            for entry in report.unknown { Output.line("  unknown  \(entry.label)  (from a newer newsdesk)") }
            Output.line(
                report.changedSchemaFiles.isEmpty
                    ? "Schema files: \(SchemaFile.all.count), all applied"
                    : "Schema files: \(SchemaFile.all.count), \(report.changedSchemaFiles.count) to apply (newsdesk db migrate)"
            )
            printReplication(report)
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start",
            abstract: "Create (on first use) and start the embedded database.")

        func run() throws {
            let embedded = try embeddedTarget()
            try embedded.start(logger: Logger(label: "newsdesk"))
            Output.line("Embedded database running (pid \(embedded.serverProcessID ?? 0)) in \(embedded.home)")
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stop",
            abstract: "Stop the embedded database.")

        func run() throws {
            let embedded = try embeddedTarget()
            if try embedded.stop() {
                Output.line("Embedded database stopped.")
            } else {
                Output.line("Embedded database was not running.")
            }
        }
    }
}

/// `db start` and `db stop` manage only the embedded database.
private func embeddedTarget() throws -> EmbeddedDatabase {
    guard case .embedded(let embedded) = Environment.databaseTarget else {
        throw NewsdeskError(
            .refused,
            """
            newsdesk is configured to use a server (DATABASE_URL or PGHOST/PGPORT/PGDATABASE/PGSERVICE is set); \
            db start and db stop manage only the embedded database. Unset those variables to use it.
            """)
    }
    return embedded
}

// MARK: - Reports

struct MigrationEntry: Encodable {
    let version: Int
    let name: String
    var appliedAt: Date?

    init(version: Int, name: String, appliedAt: Date?) {
        self.version = version
        self.name = name
        self.appliedAt = appliedAt
    }

    init(_ migration: Migration) {
        self.init(version: migration.version, name: migration.name, appliedAt: nil)
    }

    var label: String { String(repeating: "0", count: max(0, 4 - String(version).count)) + "\(version)_\(name)" }

    enum CodingKeys: String, CodingKey {
        case version, name, appliedAt = "applied_at"
    }
}

struct MigrateReport: Encodable {
    let applied: [MigrationEntry]
    let total: Int
    /// The schema files applied: all of them, or none when nothing changed.
    let schemaFiles: [String]
    let adoptedRelease: Bool
}

struct ServerReport: Encodable {
    let host: String
    let port: String
    let database: String
    let user: String
    let serverVersion: String

    enum CodingKeys: String, CodingKey {
        case host, port, database, user, serverVersion = "server_version"
    }
}

struct EmbeddedReport: Encodable {
    let home: String
    let created: Bool
    let running: Bool
    let pid: Int?
    /// The connection pool, once the server runs.
    var pool: PoolReport?
}

struct PoolReport: Encodable {
    let running: Bool
    let pid: Int?
    let socket: String?
}

struct StatusReport: Encodable {
    var embedded: EmbeddedReport?
    var server: ServerReport?
    var applied: [MigrationEntry] = []
    var pending: [MigrationEntry] = []
    var unknown: [MigrationEntry] = []
    /// Schema files whose shipped text the database does not have yet.
    var changedSchemaFiles: [String] = []
    /// The standbys the server streams its log to.
    var standbys: [ReplicationStatus.Standby] = []
    /// The replica NEWSDESK_READ_URL names, when it is set.
    var readReplica: ReadReplicaReport?

    enum CodingKeys: String, CodingKey {
        case embedded, server, applied, pending, unknown, changedSchemaFiles, standbys
        case readReplica = "read_replica"
    }
}

struct ReadReplicaReport: Encodable {
    var state: ReplicationStatus.Replica?
    var error: String?
}
