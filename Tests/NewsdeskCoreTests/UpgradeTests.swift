import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

/// `Migrations/0001_baseline.sql` folds the first release's migrations
/// 0001–0012, kept as they shipped under Tests/Fixtures/released-migrations.
/// A database they made must upgrade in place with nothing lost.
@Suite("Upgrading a database of the released migrations")
struct UpgradeTests {
    static func releasedMigrations() throws -> [Migration] {
        let directory = SharedFixtures.directory.appending(path: "released-migrations")
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }
            .sorted()
            .map {
                Migration(fileName: $0, sql: try String(contentsOf: directory.appending(path: $0), encoding: .utf8))
            }
    }

    @Test(
        "a database made by migrations 0001–0012 upgrades in place: every row and the audit chain kept, the schema a new database's"
    )
    func upgradeInPlace() throws {
        let released = try Self.releasedMigrations()
        #expect(released.map(\.version) == Array(1...12))
        let database = try TestDatabase.create("upgrade")
        let connection = try database.connect()
        try Migrator(migrations: released, schemaFiles: []).migrate(connection)
        try fill(connection, database: database)
        let tables = try columns(connection)
        let rows = try everyRow(connection, tables)
        let head = try AuditLog(connection: connection).head()
        #expect(rows.count >= 15, "every table of the newsroom is compared")

        let run = try Migrator().migrate(connection)
        #expect(run.adoptedRelease)
        #expect(run.migrations == Array(Migration.all.dropFirst()), "the migrations after the baseline are applied")
        #expect(run.schemaFiles == SchemaFile.all)
        #expect(try everyRow(connection, tables) == rows)
        let verification = try AuditLog(connection: connection).verify(against: head)
        #expect(verification.ok, "\(verification)")
        #expect(
            try connection.query("SELECT version, name FROM schema_migration ORDER BY version")
                .map { "\(try $0.decode("version", as: Int.self)) \(try $0.decode("name", as: String.self))" }
                == Migration.all.map { "\($0.version) \($0.name)" })

        let fresh = try TestDatabase.create("upgradefresh").connect()
        try Migrator().migrate(fresh)
        let upgraded = try describeSchema(connection), made = try describeSchema(fresh)
        #expect(upgraded.count > 300)
        let onlyUpgraded = Set(upgraded).subtracting(made), onlyMade = Set(made).subtracting(upgraded)
        #expect(
            onlyUpgraded.isEmpty && onlyMade.isEmpty,
            "only in the upgraded database: \(onlyUpgraded.sorted()); only in a new one: \(onlyMade.sorted())")

        // The desk works on the upgraded database, and the chain goes on from the old events.
        try connection.execute("SELECT desk.add_update('1', 'After the upgrade.', 'update', false, NULL)")
        #expect(try AuditLog(connection: connection).verify(against: head).ok)
        #expect(try Migrator().migrate(connection).isEmpty)
    }

    @Test("a database with only part of the release is refused and left as it was")
    func partialRelease() throws {
        let connection = try TestDatabase.create("upgradepart").connect()
        try Migrator(migrations: Array(try Self.releasedMigrations().prefix(8)), schemaFiles: []).migrate(connection)
        let error = #expect(throws: NewsdeskError.self) { try Migrator().migrate(connection) }
        #expect(error?.category == .refused)
        #expect(
            error?.message == """
                The database was made by an earlier newsdesk and stops at migration 8 (export). \
                This newsdesk upgrades databases of the release with migrations 1–12; bring it there with that release first.
                """)
        #expect(try connection.query("SELECT count(*) AS n FROM schema_migration")[0].decode("n", as: Int.self) == 8)
        #expect(try connection.query("SELECT count(*) AS n FROM schema_file")[0].decode("n", as: Int.self) == 0)
    }

    /// A newsroom's worth of everything: staff, subjects, stories in three
    /// languages through their lifecycle, live updates, a translation, a
    /// refusal, and a change made with plain SQL.
    private func fill(_ db: Connection, database: TestDatabase) throws {
        let reporter = "upg_reporter_\(database.name.suffix(8))".lowercased().filter {
            $0.isLetter || $0.isNumber || $0 == "_"
        }
        try db.execute(
            """
            SELECT desk.staff_add(\(reporter), ARRAY['reporter'], '{"uk": "Олена", "en": "Olena"}')
            """)
        try db.executeScript(
            unsafeSQL: """
                SELECT desk.subject_add('war', '{"uk": "Війна", "en": "War"}', NULL, 'http://cv.iptc.org/newscodes/mediatopic/16000000');
                SELECT desk.subject_add('kyiv', '{"uk": "Київ", "en": "Kyiv"}', NULL, NULL);
                SELECT desk.create_story('uk', 'Вибухи у Києві', 'Уранці.', 'Текст **новини**.', NULL, NULL, NULL, ARRAY['newsdesk_test'], true, 'vybukhy', NULL);
                SELECT desk.tag_story(1, ARRAY['war', 'kyiv'], false);
                SELECT desk.submit_edition('1');
                SELECT desk.publish_edition('1', NULL);
                SELECT desk.add_update('1', 'Сирени стихли.', 'update', true, 'key-1');
                SELECT desk.translate_edition('1', 'en', 'Explosions in Kyiv', 'In the morning.', 'News **text**.', 'explosions');
                SELECT desk.edit_edition('1', (SELECT version FROM newsroom.edition WHERE id = 1), 'Вибухи у Києві вранці', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, 'Уточнено час.');
                SELECT desk.create_story('ru', 'Черновик', '', '', NULL, NULL, NULL, ARRAY['newsdesk_test'], false, NULL, NULL);
                UPDATE newsroom.newsroom_setting SET value = 'https://news.example' WHERE key = 'site_url';
                """)
        // A refusal, recorded as the reporter's own.
        let asReporter = try Connection(configuration: database.configuration.with("user", reporter), logger: .test)
        let refused = try asReporter.query("SELECT desk.publish_edition('2', NULL)::text AS r")[0].decode(
            "r", as: String.self)
        #expect(refused.contains("refused"))
        try db.execute("SELECT desk.add_update('1', 'Друге оновлення.', 'update', false, NULL)")
    }

    /// Every row of every table of the newsroom, as text, in order.
    /// Every table's columns, as they were before the upgrade: later
    /// migrations may add columns (computed ones among them), and the rows are
    /// compared on what the old release held.
    private func columns(_ db: Connection) throws -> [(table: String, columns: String)] {
        try db.query(
            """
            SELECT c.relname AS table_name, string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) AS columns
            FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            -- (Search vectors are an index of each row's own text, which migration 0009 rebuilt.)
                 AND a.atttypid <> 'tsvector'::regtype
            WHERE c.relnamespace = 'newsroom'::regnamespace AND c.relkind = 'r'
            GROUP BY c.relname ORDER BY c.relname
            """
        ).map { (try $0.decode("table_name", as: String.self), try $0.decode("columns", as: String.self)) }
    }

    private func everyRow(_ db: Connection, _ tables: [(table: String, columns: String)]) throws -> [String] {
        try tables.map { table in
            try db.query(
                """
                SELECT \(table.table)::text || ': ' || query_to_xml(
                    format('SELECT row(%s)::text AS r FROM newsroom.%I t ORDER BY 1', \(table.columns)::text, \(table.table)::text),
                    false, false, '')::text AS rows
                """)[0].decode("rows", as: String.self)
        }
    }

    /// What the database holds besides its rows, one line per item: tables and
    /// columns, constraints, indexes, types, functions with their bodies,
    /// triggers, event triggers, owners and rights. (pg_dump's schema, as
    /// catalog queries.)
    private func describeSchema(_ db: Connection) throws -> [String] {
        try db.query(
            """
            WITH ns AS (SELECT oid FROM pg_namespace WHERE nspname IN ('newsroom', 'desk', 'logins'))
            SELECT 'schema ' || n.nspname || ' ' || pg_get_userbyid(n.nspowner) || ' ' || coalesce(n.nspacl::text, '') AS item
            FROM pg_namespace n WHERE n.oid IN (SELECT oid FROM ns)
            UNION ALL
            SELECT 'relation ' || c.oid::regclass || ' ' || c.relkind::text || ' ' || pg_get_userbyid(c.relowner) || ' ' || coalesce(c.relacl::text, '')
            FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns)
            UNION ALL
            SELECT 'column ' || a.attrelid::regclass || '.' || a.attname || ' #' || a.attnum || ' ' || format_type(a.atttypid, a.atttypmod)
                   || ' notnull=' || a.attnotnull || ' identity=' || a.attidentity::text || ' generated=' || a.attgenerated::text
                   || ' default=' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE c.relnamespace IN (SELECT oid FROM ns) AND a.attnum > 0 AND NOT a.attisdropped
            UNION ALL
            SELECT 'constraint ' || k.conrelid::regclass || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid) || ' valid=' || k.convalidated
            FROM pg_constraint k WHERE k.connamespace IN (SELECT oid FROM ns)
            UNION ALL
            SELECT 'index ' || pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relnamespace IN (SELECT oid FROM ns)
            UNION ALL
            SELECT 'type ' || t.oid::regtype || ' ' || t.typtype::text || ' ' || pg_get_userbyid(t.typowner) || ' '
                   || coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
            FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM ns) AND t.typtype IN ('e', 'd', 'c')
            UNION ALL
            SELECT 'function ' || p.oid::regprocedure || ' ' || pg_get_userbyid(p.proowner) || ' ' || coalesce(p.proacl::text, '')
                   || E'\\n' || pg_get_functiondef(p.oid)
            FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns) AND p.prokind IN ('f', 'p')
            UNION ALL
            SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
            FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace IN (SELECT oid FROM ns) AND NOT t.tgisinternal
            UNION ALL
            SELECT 'event trigger ' || e.evtname || ' ' || e.evtevent || ' ' || e.evtfoid::regproc || ' ' || e.evtenabled::text
            FROM pg_event_trigger e
            UNION ALL
            SELECT 'extension ' || x.extname || ' ' || x.extnamespace::regnamespace FROM pg_extension x
            ORDER BY 1
            """
        ).map { try $0.decode("item", as: String.self) }
    }
}
