import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

/// The schema as readable source: each function in one file, the versioned
/// migrations DDL only, and every PL/pgSQL body clean under plpgsql_check.
@Suite("Schema files")
struct SchemaSourceTests {
    /// Every function and procedure a file defines: `CREATE [OR REPLACE]
    /// FUNCTION|PROCEDURE schema.name(`, and the desk actions a file offers
    /// with `CALL newsroom.offer_at_desk('name')` (which makes `desk.name`).
    static func definitions(in sql: String) -> [String] {
        let created = sql.matches(of: /CREATE (?:OR REPLACE )?(?:FUNCTION|PROCEDURE) ([a-z_]+\.[a-z_0-9]+)\(/)
            .map { String($0.1) }
        let offered = sql.matches(of: /CALL newsroom\.offer_at_desk\('([a-z_0-9]+)'/).map { "desk." + $0.1 }
        return created + offered
    }

    static let files: [(name: String, sql: String)] =
        Migration.all.map { ("Migrations/" + $0.fileName, $0.sql) }
        + SchemaFile.all.map { ("Schema/" + $0.fileName, $0.sql) }

    @Test(
        "every function of the newsroom is defined in exactly one file, once, and every definition is in the database")
    func oneFileEach() throws {
        var definedIn: [String: [String]] = [:]
        for file in Self.files {
            for name in Self.definitions(in: file.sql) { definedIn[name, default: []].append(file.name) }
        }
        for (name, files) in definedIn.sorted(by: { $0.key < $1.key }) {
            #expect(files.count == 1, "\(name) is defined in \(files)")
        }
        let connection = try TestDatabase.create("schemasource").connect()
        try Migrator().migrate(connection)
        let inDatabase = try connection.query(
            """
            SELECT DISTINCT n.nspname || '.' || p.proname AS name
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname IN ('newsroom', 'desk', 'site', 'logins')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
            ORDER BY 1
            """
        ).map { try $0.decode("name", as: String.self) }
        let onlyInDatabase = Set(inDatabase).subtracting(definedIn.keys),
            onlyInFiles = Set(definedIn.keys).subtracting(inDatabase)
        #expect(
            onlyInDatabase.isEmpty && onlyInFiles.isEmpty,
            "in the database but in no file: \(onlyInDatabase.sorted()); in a file but not the database: \(onlyInFiles.sorted())"
        )
    }

    @Test(
        "the versioned migrations hold only the functions the tables are built on, and call none of the schema files' functions"
    )
    func migrationsAreDDL() throws {
        let connection = try TestDatabase.create("schemaddl").connect()
        try Migrator().migrate(connection)
        let tablesNeed = try connection.query(
            """
            SELECT DISTINCT d.refobjid::regproc::text AS name FROM pg_depend d
            JOIN pg_proc p ON p.oid = d.refobjid
            WHERE d.refclassid = 'pg_proc'::regclass
              AND d.classid IN ('pg_class'::regclass, 'pg_constraint'::regclass, 'pg_attrdef'::regclass, 'pg_type'::regclass)
              AND p.pronamespace IN ('newsroom'::regnamespace, 'desk'::regnamespace, 'site'::regnamespace, 'logins'::regnamespace)
            ORDER BY 1
            """
        ).map { try $0.decode("name", as: String.self) }
        let inMigrations = Migration.all.flatMap { Self.definitions(in: $0.sql) }.sorted()
        // A function a table was built on and no longer is stays where a shipped migration defined it.
        let noLongerNeeded = [
            // 0009 made the search vectors a trigger's rather than a generated column's; search.sql still calls it.
            "newsroom.search_config"
        ]
        #expect(inMigrations == (tablesNeed + noLongerNeeded).sorted())
        let schemaFunctions = Set(SchemaFile.all.flatMap { Self.definitions(in: $0.sql) })
        for migration in Migration.all {
            // Dropping an old signature names a function without calling it.
            let statements = migration.sql.split(separator: "\n").filter { !$0.hasPrefix("DROP FUNCTION") }.joined(
                separator: "\n")
            let called = statements.matches(of: /(newsroom|desk|site|logins)\.([a-z_0-9]+)\(/).map { "\($0.1).\($0.2)" }
            #expect(
                Set(called).isDisjoint(with: schemaFunctions),
                "\(migration.fileName) calls \(Set(called).intersection(schemaFunctions))")
        }
    }

    @Test("nothing rewrites a function's stored source")
    func noSourceRewriting() {
        for file in Self.files {
            #expect(!file.sql.lowercased().contains("prosrc"), "\(file.name) reads or rewrites pg_proc.prosrc")
        }
    }

    /// Warnings plpgsql_check may give, each with the reason it stays.
    static let explainedWarnings: [String: String] = [
        // The statements are the gatekeeper's own: logins.admit and logins.shut_out
        // build them with format('%I') from a login that logins.refusal has
        // accepted, and nobody but the gatekeeper may call change_once.
        "logins.change_once(text,text) security: text type variable is not sanitized": "EXECUTE of its own statements",
        // The argument list comes from pg_get_function_arguments() of a newsroom
        // function the owner defined; only the migrator calls offer_at_desk.
        "newsroom.offer_at_desk(text,boolean) security: text type variable is not sanitized":
            "EXECUTE of a catalog-made signature"
    ]

    @Test("plpgsql_check finds no error in any PL/pgSQL function, and only the explained warnings")
    func plpgsqlCheck() throws {
        let connection = try TestDatabase.create("plpgsqlcheck").connect()
        try Migrator().migrate(connection)
        try connection.execute("CREATE EXTENSION plpgsql_check")
        let findings = try connection.query(
            """
            SELECT p.oid::regprocedure::text || ' ' || r.level || ': ' || r.message AS finding,
                   coalesce(r.lineno::text, '') || ' ' || coalesce(r.statement, '') AS place, r.level
            FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            -- A trigger that calls the function: the one naming most transition tables (a function serving
            -- the insert, update and delete triggers of a table reads both).
            LEFT JOIN LATERAL (
                SELECT t.tgrelid, t.tgnewtable, t.tgoldtable FROM pg_trigger t WHERE t.tgfoid = p.oid
                ORDER BY (t.tgnewtable IS NOT NULL)::int + (t.tgoldtable IS NOT NULL)::int DESC LIMIT 1) t ON true
            CROSS JOIN LATERAL plpgsql_check_function_tb(p.oid,
                relid => coalesce(t.tgrelid, 0),
                -- A statement trigger's transition tables (Schema/site.sql reads `added`, `removed`, `earlier` and `renamed`).
                newtable => t.tgnewtable, oldtable => t.tgoldtable,
                extra_warnings => true, security_warnings => true) r
            WHERE p.pronamespace IN ('newsroom'::regnamespace, 'desk'::regnamespace, 'site'::regnamespace, 'logins'::regnamespace)
              AND l.lanname = 'plpgsql' AND p.prorettype <> 'event_trigger'::regtype
            ORDER BY 1, 2
            """
        ).map { (try $0.decode("finding", as: String.self), try $0.decode("place", as: String.self)) }
        let checked = try connection.query(
            """
            SELECT count(*) AS n FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.pronamespace IN ('newsroom'::regnamespace, 'desk'::regnamespace, 'site'::regnamespace, 'logins'::regnamespace) AND l.lanname = 'plpgsql'
            """)[0].decode("n", as: Int.self)
        #expect(checked > 60)
        for (finding, place) in findings where Self.explainedWarnings[finding] == nil {
            Issue.record("plpgsql_check: \(finding) (line \(place))")
        }
        #expect(findings.contains { $0.0.hasPrefix("logins.change_once") }, "the check ran with security warnings on")
    }
}
