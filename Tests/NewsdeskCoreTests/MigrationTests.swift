import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Migrations")
struct MigrationTests {
    @Test("every file in Migrations/ is embedded in the binary, in order, with its exact text")
    func embedded() throws {
        let directory = CommandLineTool.packageRoot.appending(path: "Migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!files.isEmpty)
        #expect(Migration.all.map(\.fileName) == files)
        for migration in Migration.all {
            let text = try String(contentsOf: directory.appending(path: migration.fileName), encoding: .utf8)
            #expect(migration.sql == text, "\(migration.fileName) differs from the embedded copy")
        }
        let versions = Migration.all.map(\.version)
        #expect(versions == Array(1...versions.count), "migration numbers are 1, 2, 3 … without gaps")
    }

    @Test("a file name gives the version and the name")
    func naming() {
        let migration = Migration(fileName: "0012_live_updates.sql", sql: "")
        #expect(migration.version == 12)
        #expect(migration.name == "live_updates")
    }

    @Test("migrate applies everything once; a second run does nothing")
    func applyOnce() throws {
        let connection = try TestDatabase.create("migrate").connect()
        let first = try Migrator().migrate(connection)
        #expect(first.map(\.fileName) == Migration.all.map(\.fileName))
        let stamps = try connection.query("SELECT version, applied_at FROM schema_migration ORDER BY version")
            .map { "\(try $0.decode("version", as: Int.self))@\(try $0.decode("applied_at", as: Date.self))" }
        #expect(try Migrator().migrate(connection).isEmpty)
        let again = try connection.query("SELECT version, applied_at FROM schema_migration ORDER BY version")
            .map { "\(try $0.decode("version", as: Int.self))@\(try $0.decode("applied_at", as: Date.self))" }
        #expect(again == stamps)
        let status = try Migrator().status(connection)
        #expect(status.pending.isEmpty && status.unknown.isEmpty)
        #expect(status.applied.count == Migration.all.count)
        #expect(try connection.query("SELECT value FROM newsroom.newsroom_setting WHERE key = 'timezone'")[0]
            .decode("value", as: String.self) == "Europe/Kyiv")
    }

    @Test("a database with a migration this binary does not know is refused")
    func unknownNewer() throws {
        let connection = try TestDatabase.create("newer").connect()
        try Migrator().migrate(connection)
        try connection.execute("INSERT INTO schema_migration (version, name, checksum) VALUES (9999, 'from_the_future', 'x')")
        let error = #expect(throws: NewsdeskError.self) { try Migrator().migrate(connection) }
        #expect(error?.category == .refused)
        #expect(error?.message.contains("9999") == true)
        #expect(try Migrator().status(connection).unknown.map(\.version) == [9999])
    }

    @Test("a shipped migration whose text was edited is refused")
    func edited() throws {
        let connection = try TestDatabase.create("edited").connect()
        try Migrator().migrate(connection)
        try connection.execute("UPDATE schema_migration SET checksum = 'edited' WHERE version = 1")
        let error = #expect(throws: NewsdeskError.self) { try Migrator().migrate(connection) }
        #expect(error?.message.contains("Migration 1") == true)
    }

    @Test("a failing migration leaves nothing behind: neither its changes nor its bookkeeping row")
    func failureIsAtomic() throws {
        let connection = try TestDatabase.create("atomic").connect()
        let good = Migration(fileName: "0001_good.sql", sql: "CREATE TABLE story (id int8 PRIMARY KEY);")
        let bad = Migration(fileName: "0002_bad.sql", sql: """
            CREATE TABLE edition (id int8 PRIMARY KEY);
            INSERT INTO story VALUES (1);
            CREATE TABLE broken (id no_such_type);
            """)
        let error = #expect(throws: PostgresError.self) { try Migrator(migrations: [good, bad]).migrate(connection) }
        #expect(error?.sqlState == .undefinedObject)
        let applied = try connection.query("SELECT version FROM schema_migration").map { try $0.decode("version", as: Int.self) }
        #expect(applied == [1])
        #expect(try connection.query("SELECT to_regclass('edition') IS NULL AS gone")[0].decode("gone", as: Bool.self))
        #expect(try connection.query("SELECT count(*) AS n FROM story")[0].decode("n", as: Int.self) == 0)
        // Fixed and run again, it applies.
        let fixed = Migration(fileName: "0002_bad.sql", sql: "CREATE TABLE edition (id int8 PRIMARY KEY);")
        #expect(try Migrator(migrations: [good, fixed]).migrate(connection).map(\.version) == [2])
    }
}
