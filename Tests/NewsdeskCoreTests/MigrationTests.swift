import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Migrations")
struct MigrationTests {
    @Test("every file in Migrations/ and Schema/ is embedded in the binary, in order, with its exact text")
    func embedded() throws {
        for (folder, embedded) in [
            ("Migrations", Migration.all.map { ($0.fileName, $0.sql) }),
            ("Schema", SchemaFile.all.map { ($0.fileName, $0.sql) })
        ] {
            let directory = CommandLineTool.packageRoot.appending(path: folder)
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { $0.hasSuffix(".sql") }.sorted()
            #expect(!files.isEmpty)
            #expect(embedded.map(\.0) == files)
            for (name, sql) in embedded {
                let text = try String(contentsOf: directory.appending(path: name), encoding: .utf8)
                #expect(sql == text, "\(folder)/\(name) differs from the embedded copy")
            }
        }
        let versions = Migration.all.map(\.version)
        #expect(versions == Array(1...versions.count), "migration numbers are 1, 2, 3 … without gaps")
    }

    @Test("a file name gives the version and the name")
    func naming() {
        let migration = Migration(fileName: "0012_live_updates.sql", sql: "")
        #expect(migration.version == 12)
        #expect(migration.name == "live_updates")
        #expect(SchemaFile(fileName: "editions.sql", sql: "").name == "editions")
    }

    @Test("migrate applies everything once; a second run does nothing")
    func applyOnce() throws {
        let connection = try TestDatabase.create("migrate").connect()
        let first = try Migrator().migrate(connection)
        #expect(first.migrations.map(\.fileName) == Migration.all.map(\.fileName))
        #expect(first.schemaFiles == SchemaFile.all)
        #expect(!first.adoptedRelease)
        let stamps = try bookkeeping(connection)
        #expect(try Migrator().migrate(connection).isEmpty)
        #expect(try bookkeeping(connection) == stamps)
        let status = try Migrator().status(connection)
        #expect(status.pending.isEmpty && status.unknown.isEmpty && status.changedSchemaFiles.isEmpty)
        // The checksums newsdesk computes are the server's SHA-256 of each file.
        let serverSums = try connection.query(
            """
            SELECT encode(sha256(convert_to(s.sql, 'UTF8')), 'hex') AS sum
            FROM unnest(\(SchemaFile.all.map(\.sql))::text[]) WITH ORDINALITY AS s(sql, n) ORDER BY n
            """
        ).map { try $0.decode("sum", as: String.self) }
        #expect(serverSums == SchemaFile.all.map(\.checksum))
        #expect(status.applied.count == Migration.all.count)
        #expect(
            try connection.query("SELECT value FROM newsroom.newsroom_setting WHERE key = 'timezone'")[0]
                .decode("value", as: String.self) == "Europe/Kyiv")
    }

    @Test("a schema file whose text changed is applied again, with every other file, and nothing else")
    func changedSchemaFile() throws {
        let connection = try TestDatabase.create("schemachange").connect()
        try Migrator().migrate(connection)
        // A newer build that says what desk.whoami() is for in a comment.
        let edited = SchemaFile.all.map { file in
            file.name == "staff"
                ? SchemaFile(
                    fileName: file.fileName,
                    sql: file.sql + "\nCOMMENT ON FUNCTION desk.whoami() IS 'Who is acting.';\n")
                : file
        }
        let status = try Migrator(schemaFiles: edited).status(connection)
        #expect(status.changedSchemaFiles.map(\.fileName) == ["staff.sql"])
        #expect(status.pending.isEmpty)
        let run = try Migrator(schemaFiles: edited).migrate(connection)
        #expect(run.migrations.isEmpty)
        #expect(run.schemaFiles == edited)
        #expect(
            try connection.query("SELECT obj_description('desk.whoami()'::regprocedure) AS d")[0]
                .decode("d", as: String.self) == "Who is acting.")
        // The desk function is still the owner's, and staff may still call it.
        let rights = try connection.query(
            """
            SELECT p.prosecdef AS definer, pg_get_userbyid(p.proowner) AS owner,
                   has_function_privilege('newsdesk_staff', p.oid, 'EXECUTE') AS staff
            FROM pg_proc p WHERE p.oid = 'desk.whoami()'::regprocedure
            """)[0]
        #expect(try rights.decode("definer", as: Bool.self))
        #expect(try rights.decode("owner", as: String.self) == "newsdesk_owner")
        #expect(try rights.decode("staff", as: Bool.self))
        #expect(try Migrator(schemaFiles: edited).migrate(connection).isEmpty)
    }

    @Test("a database with a migration this binary does not know is refused")
    func unknownNewer() throws {
        let connection = try TestDatabase.create("newer").connect()
        try Migrator().migrate(connection)
        try connection.execute(
            "INSERT INTO schema_migration (version, name, checksum) VALUES (9999, 'from_the_future', 'x')")
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

    @Test("a failing run leaves nothing behind: neither the migrations before it nor any bookkeeping row")
    func failureIsAtomic() throws {
        let connection = try TestDatabase.create("atomic").connect()
        let good = Migration(fileName: "0001_good.sql", sql: "CREATE TABLE story (id int8 PRIMARY KEY);")
        let bad = Migration(
            fileName: "0002_bad.sql",
            sql: """
                CREATE TABLE edition (id int8 PRIMARY KEY);
                INSERT INTO story VALUES (1);
                CREATE TABLE broken (id no_such_type);
                """)
        let error = #expect(throws: NewsdeskError.self) {
            try Migrator(migrations: [good, bad], schemaFiles: []).migrate(connection)
        }
        #expect(error?.category == .refused)
        #expect(error?.underlying?.sqlState == .undefinedObject)
        #expect(
            try connection.query(
                "SELECT to_regclass('schema_migration') IS NULL AND to_regclass('story') IS NULL AND to_regclass('edition') IS NULL AS gone"
            )[0]
            .decode("gone", as: Bool.self))
        // Fixed and run again, both apply.
        let fixed = Migration(fileName: "0002_bad.sql", sql: "CREATE TABLE edition (id int8 PRIMARY KEY);")
        #expect(
            try Migrator(migrations: [good, fixed], schemaFiles: []).migrate(connection).migrations.map(\.version) == [
                1, 2
            ])
    }

    @Test("migration 13 gives every public change already recorded its edition's language")
    func changesGetTheirLanguage() throws {
        let connection = try TestDatabase.create("changelang").connect()
        try Migrator(migrations: Array(Migration.all.prefix(12)), schemaFiles: []).migrate(connection)
        // A story in two languages with changes to each, written as rows: the
        // functions that record changes are Schema/'s, and are not there yet.
        try connection.execute(
            """
            WITH s AS (INSERT INTO newsroom.story DEFAULT VALUES RETURNING id),
                 claims AS (INSERT INTO newsroom.edition_slug (lang, slug, edition_id)
                            VALUES ('uk', 'zasidannia', 101), ('en', 'council-meets', 102))
            INSERT INTO newsroom.edition (id, story_id, lang, slug, headline, status, published_at)
            SELECT x.id, s.id, x.lang, x.slug, x.headline, 'published', now()
            FROM s, (VALUES (101, 'uk', 'zasidannia', 'Засідання'), (102, 'en', 'council-meets', 'Council meets'))
                 AS x (id, lang, slug, headline)
            """)
        try connection.execute(
            """
            INSERT INTO newsroom.public_change (visible_at, kind, story_id, edition_id)
            SELECT now(), k, e.story_id, e.id FROM newsroom.edition e, unnest(ARRAY['edition.published', 'edition.edited']) k
            """)
        #expect(try Migrator().migrate(connection).migrations.map(\.version) == Array(13...Migration.all.count))
        let languages = try connection.query(
            "SELECT c.edition_id, c.lang FROM newsroom.public_change c ORDER BY c.id"
        ).map { "\(try $0.decode("edition_id", as: Int64.self)) \(try $0.decode("lang", as: String.self))" }
        #expect(languages == ["101 uk", "102 en", "101 uk", "102 en"])
    }

    private func bookkeeping(_ connection: Connection) throws -> [String] {
        try connection.query(
            """
            SELECT 'migration ' || version || '@' || applied_at AS row FROM schema_migration
            UNION ALL SELECT 'file ' || name || '@' || applied_at FROM schema_file
            ORDER BY 1
            """
        ).map { try $0.decode("row", as: String.self) }
    }
}
