import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

/// Attacks on the newsroom's database through plain SQL under each staff
/// login (as a hostile or careless person with psql would try them), and
/// through the CLI where it applies. Each test fails if its attack works.
@Suite("Red team: attacks through psql under each role")
struct RedTeamTests {
    /// A newsroom with one login per role, unique to this test (logins belong to the whole cluster).
    struct Crew {
        let newsroom: TestNewsroom
        let suffix = UUID().uuidString.prefix(6).lowercased()
        func login(_ role: String) -> String { "rt_\(role)_\(suffix)" }
        var reporter: String { login("reporter") }
        var translator: String { login("translator") }
        var editor: String { login("editor") }
        var admin: String { login("admin") }

        init(_ label: String) throws {
            newsroom = try TestNewsroom(label)
            for role in ["reporter", "translator", "editor", "admin"] {
                try newsroom.addStaff(login(role), [role])
            }
        }

        func connect(as login: String) throws -> Connection { try newsroom.connect(as: login) }
        func superuser() throws -> Connection { try newsroom.connect() }
    }

    /// The first column of the first row of `sql`, as text.
    static func value(_ connection: Connection, _ sql: String) throws -> String? {
        try connection.query(Query(unsafeSQL: sql))[0].decode(0, as: String?.self)
    }

    /// Runs `sql` and returns the error it must raise.
    static func refused(_ connection: Connection, _ sql: String, _ comment: Comment? = nil) -> PostgresError? {
        #expect(throws: PostgresError.self, comment) { try connection.executeScript(unsafeSQL: sql) }
    }

    static let stagingColumns = """
        line integer, uri text, lang text, slug text, headline text, lead text, body text, status text,
        published_at timestamptz, updated_at timestamptz, embargo_until timestamptz, subjects text[]
        """

    /// Roles `login` is a member of, directly or not.
    static func memberships(_ connection: Connection, _ login: String) throws -> Set<String> {
        Set(
            try connection.query(
                """
                SELECT r.rolname FROM pg_roles r WHERE pg_has_role(\(login)::text::name, r.oid, 'MEMBER') AND r.rolname <> \(login)
                """
            ).map { try $0.decode(0, as: String.self) })
    }

    // MARK: Escalation through objects the caller made

    @Test("the reported escalation: a temporary view that calls the caller's function gains nothing")
    func temporaryViewEscalation() throws {
        let crew = try Crew("rtview")
        let editor = try crew.connect(as: crew.editor)
        try editor.executeScript(
            unsafeSQL: """
                CREATE FUNCTION pg_temp.pwn() RETURNS text LANGUAGE plpgsql AS $f$ BEGIN
                  INSERT INTO newsroom.staff_role VALUES ('\(crew.editor)', 'admin') ON CONFLICT DO NOTHING;
                  EXECUTE 'GRANT pg_execute_server_program, newsdesk_owner TO \(crew.editor)'; RETURN 'x'; END $f$;
                CREATE TEMP VIEW import_staging AS SELECT 1 AS line, 'urn:x:' || pg_temp.pwn() AS uri, 'en'::text AS lang,
                  'zz'::text AS slug, 'h'::text AS headline, ''::text AS lead, ''::text AS body, 'draft'::text AS status,
                  NULL::timestamptz AS published_at, NULL::timestamptz AS updated_at, NULL::timestamptz AS embargo_until,
                  '{}'::text[] AS subjects;
                GRANT SELECT ON import_staging TO newsdesk_owner;
                """)
        // The old entry point that read the caller's relation is gone…
        let old = Self.refused(editor, "SELECT desk.import_staged()")
        #expect(old?.sqlState == .undefinedFunction)
        // …and the new one is handed the rows, which the caller reads with its own rights.
        let new = Self.refused(
            editor, "SELECT desk.import_editions(ARRAY(SELECT ROW(s.*)::desk.import_row FROM import_staging s))")
        #expect(new?.sqlState == .insufficientPrivilege, "\(String(describing: new))")
        let admin = try crew.superuser()
        #expect(try Self.memberships(admin, crew.editor) == ["newsdesk_staff"])
        #expect(
            try Self.value(
                admin, "SELECT string_agg(role, ',') FROM newsroom.staff_role WHERE login = '\(crew.editor)'")
                == "editor")
    }

    @Test("a temporary table with a row-level policy that calls the caller's function gains nothing")
    func rowLevelSecurityEscalation() throws {
        let crew = try Crew("rtrls")
        let editor = try crew.connect(as: crew.editor)
        try editor.executeScript(
            unsafeSQL: """
                CREATE FUNCTION pg_temp.pwn() RETURNS boolean LANGUAGE plpgsql AS $f$ BEGIN
                  EXECUTE 'GRANT newsdesk_owner TO \(crew.editor)'; RETURN true; END $f$;
                CREATE TEMP TABLE staged (\(Self.stagingColumns));
                INSERT INTO staged VALUES (1, 'urn:rls:1', 'en', 'rls', 'Policy', '', '', 'draft', NULL, NULL, NULL, '{}');
                ALTER TABLE staged ENABLE ROW LEVEL SECURITY;
                ALTER TABLE staged FORCE ROW LEVEL SECURITY;
                CREATE POLICY everyone ON staged USING (pg_temp.pwn());
                GRANT SELECT ON staged TO newsdesk_owner;
                """)
        let error = Self.refused(
            editor, "SELECT desk.import_editions(ARRAY(SELECT ROW(s.*)::desk.import_row FROM staged s))")
        #expect(error?.sqlState == .insufficientPrivilege, "\(String(describing: error))")
        #expect(try Self.memberships(try crew.superuser(), crew.editor) == ["newsdesk_staff"])
    }

    @Test("the caller's temporary functions, operators and tables shadow nothing a desk function uses")
    func shadowing() throws {
        let crew = try Crew("rtshadow")
        let editor = try crew.connect(as: crew.editor)
        // Each shadow fails loudly if it is ever called or read.
        var script = """
            CREATE FUNCTION pg_temp.shadow_fails() RETURNS boolean LANGUAGE plpgsql AS $f$ BEGIN
              RAISE EXCEPTION 'a shadow was used'; END $f$;
            CREATE FUNCTION pg_temp.shadow_eq(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT pg_temp.shadow_fails()';
            CREATE OPERATOR pg_temp.= (LEFTARG = text, RIGHTARG = text, FUNCTION = pg_temp.shadow_eq);
            CREATE OPERATOR pg_temp.~ (LEFTARG = text, RIGHTARG = text, FUNCTION = pg_temp.shadow_eq);
            CREATE OPERATOR pg_temp.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = pg_temp.shadow_eq);
            """
        for function in [
            "lower(text)", "format(text)", "starts_with(text, text)", "sha256(bytea)", "now()",
            "jsonb_build_object()", "nextval(regclass)", "pg_get_serial_sequence(text, text)",
            "to_tsvector(regconfig, text)", "audit(text)"
        ] {
            let name = function.prefix { $0 != "(" }
            let arguments = function.drop { $0 != "(" }
            script +=
                "CREATE FUNCTION pg_temp.\(name)\(arguments) RETURNS text LANGUAGE sql AS 'SELECT pg_temp.shadow_fails()::text';\n"
        }
        for table in [
            "edition", "staff", "staff_role", "newsroom_setting", "audit_head", "audit_event", "language",
            "edition_import", "import_fresh", "import_staging", "story", "subject"
        ] {
            script += "CREATE TEMP VIEW \(table) AS SELECT pg_temp.shadow_fails() AS x;\n"
        }
        try editor.executeScript(unsafeSQL: script)
        let created = try #require(
            try Self.value(editor, "SELECT desk.create_story(lang => 'en', headline => 'Shadowed')->>'id'"))
        #expect(try Self.value(editor, "SELECT desk.publish_edition(\(created)::text)->>'status'") == "published")
        #expect(
            try Self.value(
                editor,
                """
                SELECT desk.add_update(reference => \(created)::text, body => 'Still works')->>'seq'
                """) == "1")
        #expect(try Self.value(editor, "SELECT jsonb_array_length(desk.feed(lang => 'en')->'items')::text") == "1")
        #expect(try Self.value(editor, "SELECT desk.search('Shadowed')->'items'->0->>'headline'") == "Shadowed")
        try editor.executeScript(
            unsafeSQL: """
                CREATE TEMP TABLE staged (\(Self.stagingColumns));
                INSERT INTO staged VALUES (1, 'urn:shadow:1', 'en', 'shadowed', 'Shadowed import', '', '', 'published', NULL, NULL, NULL, '{}');
                """)
        #expect(
            try Self.value(
                editor,
                """
                SELECT desk.import_editions(ARRAY(SELECT ROW(s.*)::desk.import_row FROM staged s))->>'imported'
                """) == "1")
        #expect(try Self.value(editor, "SELECT desk.audit_head()->>'seq'") != nil)
    }

    @Test(
        "no code that runs with the owner's rights names a temporary object, and every such function pins its search path"
    )
    func definerFunctionsAreSealed() throws {
        let crew = try Crew("rtsealed")
        let admin = try crew.superuser()
        let rows = try admin.query(
            """
            SELECT p.oid::regprocedure::text AS name, n.nspname, p.prosecdef, r.rolname AS owner,
                   coalesce(array_to_string(p.proconfig, ';'), '') AS config, p.prosrc
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_roles r ON r.oid = p.proowner
            WHERE n.nspname IN ('desk', 'newsroom', 'logins')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
            """)
        #expect(rows.count > 80)
        for row in rows {
            let name = try row.decode("name", as: String.self)
            let source = try row.decode("prosrc", as: String.self).lowercased()
            #expect(!source.contains("pg_temp."), "\(name) names an object in pg_temp")
            #expect(!source.contains("create temp"), "\(name) creates a temporary table")
            if try row.decode("prosecdef", as: Bool.self) {
                #expect(
                    try row.decode("config", as: String.self).hasPrefix("search_path=pg_catalog, pg_temp"), "\(name)")
                #expect(
                    ["newsdesk_owner", "newsdesk_gatekeeper"].contains(try row.decode("owner", as: String.self)),
                    "\(name)")
            }
        }
        // Every function of the desk runs as the owner; the owner's are reachable only from them.
        #expect(
            try Self.value(
                admin,
                """
                SELECT count(*)::text FROM pg_proc WHERE pronamespace = 'desk'::regnamespace AND NOT prosecdef
                """) == "0")
    }

    @Test(
        "plpgsql_check finds no dependency of any newsroom function outside the catalog and the newsroom's own schemas")
    func dependenciesStayInside() throws {
        let crew = try Crew("rtdeps")
        let admin = try crew.superuser()
        try admin.execute("CREATE EXTENSION plpgsql_check")
        let outside = try admin.query(
            """
            SELECT p.oid::regprocedure::text AS function, d.type, d.schema, d.name
            FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang AND l.lanname = 'plpgsql'
            CROSS JOIN LATERAL plpgsql_show_dependency_tb(p.oid::regprocedure,
                relid => CASE WHEN p.prorettype = 'trigger'::regtype THEN 'newsroom.edition'::regclass ELSE 0 END) d
            WHERE p.pronamespace IN ('desk'::regnamespace, 'newsroom'::regnamespace, 'logins'::regnamespace)
              AND p.prorettype <> 'event_trigger'::regtype
              AND d.schema NOT IN ('pg_catalog', 'newsroom', 'desk', 'logins')
            """)
        // The check does look: it finds the newsroom's own tables.
        #expect(
            try Self.value(
                admin,
                """
                SELECT count(*)::text FROM plpgsql_show_dependency_tb('newsroom.import_editions(desk.import_row[])'::regprocedure) d
                WHERE d.schema = 'newsroom' AND d.name = 'edition_import'
                """) == "1")
        let named = try outside.map {
            "\(try $0.decode("function", as: String.self)) → \(try $0.decode("schema", as: String?.self) ?? "?").\(try $0.decode("name", as: String.self))"
        }
        #expect(named.isEmpty, "\(named)")
    }

    // MARK: Roles

    @Test("the owner holds no power over roles; only the gatekeeper's four functions make or end logins")
    func ownerCannotMakeRoles() throws {
        let crew = try Crew("rtroles")
        let admin = try crew.superuser()
        let owner = try admin.query(
            "SELECT rolsuper, rolcreaterole, rolcanlogin FROM pg_roles WHERE rolname = 'newsdesk_owner'")[0]
        #expect(try owner.decode("rolsuper", as: Bool.self) == false)
        #expect(try owner.decode("rolcreaterole", as: Bool.self) == false)
        #expect(try owner.decode("rolcanlogin", as: Bool.self) == false)
        // No staff login is a member of the owner (only a superuser could make one).
        #expect(
            try Self.value(
                admin,
                """
                SELECT count(*)::text FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
                WHERE m.roleid = 'newsdesk_owner'::regrole AND pg_has_role(r.oid, 'newsdesk_staff', 'MEMBER')
                """) == "0")
        // Staff cannot reach the gatekeeper's functions, not even an admin.
        for login in [crew.reporter, crew.editor, crew.admin] {
            let connection = try crew.connect(as: login)
            for call in [
                "SELECT logins.admit('newcomer')", "SELECT logins.shut_out('\(crew.reporter)')",
                "SELECT logins.end_stuck_holders('newsroom.audit_head'::regclass)",
                "SELECT logins.change_once('SELECT false', 'SELECT 1')"
            ] {
                #expect(Self.refused(connection, call)?.sqlState == .insufficientPrivilege, "\(login): \(call)")
            }
        }
        // The admin's way in makes a plain login that can do nothing but call the desk.
        let newcomer = "rt_new_\(crew.suffix)"
        _ = try Self.value(
            try crew.connect(as: crew.admin), "SELECT desk.staff_add('\(newcomer)', ARRAY['reporter'])::text")
        let made = try admin.query(
            """
            SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls OR rolreplication AS powers,
                   array_to_string(rolconfig, ',') AS config FROM pg_roles WHERE rolname = \(newcomer)
            """)[0]
        #expect(try made.decode("powers", as: Bool.self) == false)
        #expect(
            try made.decode("config", as: String.self)
                == "lock_timeout=5s,statement_timeout=2min,idle_in_transaction_session_timeout=30s")
        #expect(try Self.memberships(admin, newcomer) == ["newsdesk_staff"])
    }

    @Test("staff add refuses roles with powers of their own and the database's reserved names")
    func staffAddRefusesPowerfulRoles() throws {
        let crew = try Crew("rtpower")
        let admin = try crew.connect(as: crew.admin)
        let powerful = "rt_power_\(crew.suffix)"
        try crew.superuser().executeScript(
            unsafeSQL: "CREATE ROLE \(powerful) NOLOGIN; GRANT pg_read_server_files TO \(powerful)")
        for login in [powerful, "newsdesk_owner", "newsdesk_gatekeeper", "pg_monitor", "newsdesk_test"] {
            let error = Self.refused(admin, "SELECT desk.staff_add('\(login)', ARRAY['reporter'])", "\(login)")
            #expect(error?.sqlState == .badInput, "\(login): \(String(describing: error))")
        }
        #expect(
            try Self.value(try crew.superuser(), "SELECT rolcanlogin::text FROM pg_roles WHERE rolname = '\(powerful)'")
                == "false")
    }

    // MARK: The audit log

    @Test("writes as the owner by anyone but the desk, under replica mode, TRUNCATE and DDL are all recorded")
    func auditCannotBeBypassed() throws {
        let crew = try Crew("rtbypass")
        let superuser = try crew.superuser()
        let story = try crew.newsroom.desk().createStory(NewStory(lang: "en", headline: "Watched"))
        // A member of newsdesk_owner (an operator's login), acting as the owner.
        let operatorLogin = "rt_op_\(crew.suffix)"
        try superuser.executeScript(
            unsafeSQL: """
                CREATE ROLE \(operatorLogin) LOGIN; GRANT newsdesk_owner TO \(operatorLogin);
                GRANT CONNECT ON DATABASE \(crew.newsroom.database.name) TO \(operatorLogin);
                """)
        defer { _ = try? superuser.executeScript(unsafeSQL: "REVOKE newsdesk_owner FROM \(operatorLogin)") }
        let operatorSession = try crew.connect(as: operatorLogin)
        try operatorSession.executeScript(
            unsafeSQL: """
                SET ROLE newsdesk_owner;
                UPDATE newsroom.edition SET headline = 'Quietly changed' WHERE id = \(story.id);
                UPDATE newsroom.reader_page SET document = '{"headline": "Forged"}', document_changes = changes
                WHERE edition_id = \(story.id);
                CREATE TEMPORARY TABLE nudge (x integer);
                CREATE FUNCTION pg_temp.forge() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN
                    UPDATE newsroom.reader_page SET document = '{"headline": "Forged in a trigger"}'
                    WHERE edition_id = \(story.id);
                    RETURN NULL;
                END $f$;
                CREATE TRIGGER forge AFTER INSERT ON nudge FOR EACH STATEMENT EXECUTE FUNCTION pg_temp.forge();
                INSERT INTO nudge VALUES (1);
                CREATE TABLE newsroom.sneaky (x integer);
                ALTER TABLE newsroom.edition DISABLE TRIGGER audit_plain_sql;
                DROP TABLE newsroom.sneaky;
                """)
        // The superuser, with replication-role tricks and TRUNCATE.
        try superuser.executeScript(
            unsafeSQL: """
                SET session_replication_role = replica;
                UPDATE newsroom.story SET created_by = 'nobody' WHERE id = \(story.storyID);
                RESET session_replication_role;
                TRUNCATE newsroom.story_subject;
                """)
        let events = try superuser.query(
            """
            SELECT actor, action, coalesce(detail->>'table', detail->>'command', '') AS what
            FROM newsroom.audit_event WHERE action LIKE 'sql.%' ORDER BY seq
            """
        ).map {
            "\(try $0.decode("actor", as: String.self)) \(try $0.decode("action", as: String.self)) \(try $0.decode("what", as: String.self))"
        }
        #expect(
            events == [
                "\(operatorLogin) sql.update edition",
                // The change counted on the edition's kept page, then a write straight to the page,
                "\(operatorLogin) sql.insert reader_page",
                "\(operatorLogin) sql.update reader_page",
                // and one from a trigger of the session's own.
                "\(operatorLogin) sql.update reader_page",
                "\(operatorLogin) sql.ddl CREATE TABLE",
                "\(operatorLogin) sql.ddl ALTER TABLE",
                "\(operatorLogin) sql.ddl DROP TABLE",
                // and, at the commit, the page built again (a draft: no document).
                "\(operatorLogin) sql.update reader_page",
                "newsdesk_test sql.update story",
                "newsdesk_test sql.truncate story_subject",
                // Emptying a table pages show counts for every page.
                "newsdesk_test sql.update reader_page_generation"
            ])
        #expect(try crew.newsroom.run(["--as", crew.editor, "audit", "verify"]).status == 0)
    }

    @Test("no staff login can write, fake or remove audit events, or read the owner's tables")
    func auditIsOutOfReach() throws {
        let crew = try Crew("rtaudit")
        for login in [crew.reporter, crew.translator, crew.editor, crew.admin] {
            let connection = try crew.connect(as: login)
            for statement in [
                "SELECT newsroom.audit('forged', NULL, NULL, NULL, '{}')",
                "DELETE FROM newsroom.audit_event",
                "TRUNCATE newsroom.audit_event",
                "UPDATE newsroom.audit_head SET seq = 0",
                "SET ROLE newsdesk_owner",
                "SET session_replication_role = replica",
                "CREATE FUNCTION desk.audit_chain_fake() RETURNS int LANGUAGE sql AS 'SELECT 1'",
                "CREATE OR REPLACE FUNCTION desk.audit_head() RETURNS jsonb LANGUAGE sql AS 'SELECT NULL::jsonb'"
            ] {
                let error = Self.refused(connection, statement, "\(login): \(statement)")
                #expect(
                    error?.sqlState == .insufficientPrivilege,
                    "\(login): \(statement) gave \(String(describing: error))")
            }
        }
    }

    @Test("audit verify catches a replaced desk.audit_chain() and a log hidden behind a view")
    func replacedReaderIsCaught() throws {
        let crew = try Crew("rtreader")
        _ = try crew.newsroom.desk().createStory(NewStory(lang: "en", headline: "Logged"))
        #expect(try crew.newsroom.run(["--as", crew.editor, "audit", "verify"]).status == 0)
        let superuser = try crew.superuser()
        // An owner's forgery: same signature, same rights, an empty chain.
        try superuser.executeScript(
            unsafeSQL: """
                CREATE OR REPLACE FUNCTION desk.audit_chain()
                RETURNS TABLE (seq bigint, at_micros bigint, actor text, action text, story_id bigint, edition_id bigint,
                               update_id bigint, client text, detail text, prev_hash bytea, hash bytea)
                LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ BEGIN RETURN; END $$;
                """)
        let forged = try crew.newsroom.run(["--as", crew.editor, "audit", "verify"])
        #expect(forged.status == 1, "\(forged)")
        #expect(
            forged.stdout
                == "The audit chain does NOT verify: desk.audit_chain() is not the function newsdesk installed, so the chain it reads cannot be trusted.\n"
        )
        // Put back, then hide events behind a view of the same name.
        let audit = try #require(SchemaFile.all.first { $0.name == "audit" })
        let original = try #require(audit.sql.range(of: "CREATE OR REPLACE FUNCTION desk.audit_chain()"))
        let end = try #require(audit.sql.range(of: "$$;", range: original.upperBound..<audit.sql.endIndex))
        try superuser.executeScript(
            unsafeSQL: """
                \(audit.sql[original.lowerBound..<end.upperBound])
                CALL newsroom.secure_objects();
                """)
        #expect(try crew.newsroom.run(["--as", crew.editor, "audit", "verify"]).status == 0)
        try superuser.executeScript(
            unsafeSQL: """
                ALTER EVENT TRIGGER newsroom_ddl_is_recorded DISABLE;
                ALTER TABLE newsroom.audit_event RENAME TO audit_event_real;
                CREATE VIEW newsroom.audit_event AS SELECT * FROM newsroom.audit_event_real WHERE seq < 2;
                ALTER VIEW newsroom.audit_event OWNER TO newsdesk_owner;
                """)
        let hidden = try crew.newsroom.run(["--as", crew.editor, "audit", "verify"])
        #expect(hidden.status == 1, "\(hidden)")
        #expect(hidden.stdout.contains("no longer a plain table"), "\(hidden)")
    }

    // MARK: Locks

    @Test("a refused call left open in a transaction holds no lock: the next writer goes straight on")
    func refusalHoldsNoLock() throws {
        let crew = try Crew("rtrefuse")
        let draft = try crew.newsroom.desk().createStory(NewStory(lang: "en", headline: "Frozen?"))
        let holder = try crew.connect(as: crew.reporter)
        let holderProcess = try holder.serverProcess()
        // Refused, and left open.
        try holder.executeScript(unsafeSQL: "BEGIN; SELECT desk.publish_edition('\(draft.id)')")
        let superuser = try crew.superuser()
        #expect(
            try Self.value(
                superuser,
                """
                SELECT count(*)::text FROM pg_locks l
                WHERE l.pid = \(holderProcess) AND l.locktype IN ('relation', 'tuple', 'transactionid')
                  AND (l.relation IN ('newsroom.edition'::regclass, 'newsroom.audit_head'::regclass) OR l.locktype = 'tuple')
                  AND l.mode NOT IN ('AccessShareLock')
                """) == "0")
        let editor = try crew.connect(as: crew.editor)
        #expect(try Self.value(editor, "SELECT desk.publish_edition('\(draft.id)')->>'status'") == "published")
        try holder.executeScript(unsafeSQL: "COMMIT")
        // The refusal is on the record, chained after the publication that did not wait for it.
        #expect(try crew.newsroom.auditActions().suffix(2) == ["edition.publish", "refused"])
        #expect(
            try Self.value(superuser, "SELECT count(*)::text FROM newsroom.audit_event WHERE action = 'session.ended'")
                == "0")
    }

    @Test("a flood of refused calls is capped: at most 100 of a login's refusals wait, and the next write chains them")
    func refusalFloodIsCapped() throws {
        let crew = try Crew("rtflood")
        let reporter = try crew.connect(as: crew.reporter)
        #expect(
            try Self.value(
                reporter, "SELECT count(*)::text FROM (SELECT desk.audit_access() FROM generate_series(1, 100)) s")
                == "100")
        let over = Self.refused(reporter, "SELECT desk.audit_access()")
        #expect(
            over?.sqlState == .insufficientPrivilege && over?.message.contains("100 refused requests waiting") == true,
            "\(String(describing: over))")
        _ = try Self.value(
            try crew.connect(as: crew.editor), "SELECT desk.create_story(lang => 'en', headline => 'Chains them')::text"
        )
        let superuser = try crew.superuser()
        #expect(try Self.value(superuser, "SELECT count(*)::text FROM newsroom.audit_pending") == "0")
        #expect(
            try Self.value(superuser, "SELECT count(*)::text FROM newsroom.audit_event WHERE action = 'refused'")
                == "100")
        #expect(try crew.newsroom.run(["--as", crew.editor, "audit", "verify"]).status == 0)
    }

    @Test("a staff session that keeps its transaction open after a write is ended; the next writer goes on")
    func openTransactionCannotFreezeWrites() throws {
        let crew = try Crew("rtfreeze")
        let holder = try crew.connect(as: crew.reporter)
        let holderProcess = try holder.serverProcess()
        // Left open.
        try holder.executeScript(unsafeSQL: "BEGIN; SELECT desk.create_story(lang => 'en', headline => 'Held')")
        let editor = try crew.connect(as: crew.editor)
        let started = Date()
        #expect(
            try Self.value(editor, "SELECT desk.create_story(lang => 'en', headline => 'Goes on')->>'headline'")
                == "Goes on")
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(
            try Self.value(crew.superuser(), "SELECT count(*)::text FROM pg_stat_activity WHERE pid = \(holderProcess)")
                == "0")
        // Whose session was ended is on the record.
        #expect(
            try Self.value(
                crew.superuser(),
                """
                SELECT detail->>'login' FROM newsroom.audit_event WHERE action = 'session.ended'
                """) == crew.reporter)
        #expect(throws: PostgresError.self) { try holder.execute("SELECT 1") }
    }

    @Test(
        "a staff session that changed one language of a story and sits on it is ended; the other languages' work goes on"
    )
    func openTransactionCannotFreezeAStory() throws {
        let crew = try Crew("rtstory")
        let desk = try crew.newsroom.desk()
        let uk = try desk.publish(desk.createStory(NewStory(lang: "uk", headline: "Засідання Київради")).reference)
        let translator = try crew.connect(as: crew.translator)
        let en = try Self.value(
            translator, "SELECT desk.translate_edition('\(uk.reference)', 'en', 'Council meets')->>'id'")
        let holderProcess = try translator.serverProcess()
        // The draft's new address changes the Ukrainian page's language
        // switch: its page is counted, and its row held, until this commits.
        try translator.executeScript(
            unsafeSQL: "BEGIN; SELECT desk.edit_edition('\(en ?? "")', slug => 'council-meets-on-friday')")
        let editor = try crew.connect(as: crew.editor)
        #expect(
            try Self.value(editor, "SELECT desk.add_update('\(uk.reference)', 'Почалося.')->>'body'") == "Почалося.")
        #expect(
            try Self.value(crew.superuser(), "SELECT count(*)::text FROM pg_stat_activity WHERE pid = \(holderProcess)")
                == "0")
        #expect(
            try Self.value(
                crew.superuser(), "SELECT detail->>'reason' FROM newsroom.audit_event WHERE action = 'session.ended'")
                == "held a page of the same story and did not finish")
    }

    @Test("a staff session that got the audit log after waiting for it, then sits on it, is ended too")
    func holderAfterWaitingIsEnded() throws {
        let crew = try Crew("rtwaited")
        let first = try crew.connect(as: crew.reporter)
        // Holds the log.
        try first.executeScript(unsafeSQL: "BEGIN; SELECT desk.create_story(lang => 'en', headline => 'First')")
        // The second session waits for the log, then takes it (in a subtransaction, so the row's
        // xmax becomes a MultiXact) and sits on it.
        let newsroom = crew.newsroom, reporter = crew.reporter
        let holding = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        Thread {
            let second = try? newsroom.connect(as: reporter)
            _ = try? second?.executeScript(
                unsafeSQL: """
                    SET idle_in_transaction_session_timeout = 0; BEGIN; SELECT desk.create_story(lang => 'en', headline => 'Second')
                    """)
            holding.signal()
            release.wait()
        }.start()
        defer { release.signal() }
        usleep(500_000)
        try first.executeScript(unsafeSQL: "COMMIT")
        holding.wait()
        let editor = try crew.connect(as: crew.editor)
        let story = try Self.value(editor, "SELECT desk.create_story(lang => 'en', headline => 'Goes on')->>'headline'")
        #expect(story == "Goes on")
        #expect(
            try Self.value(
                crew.superuser(),
                """
                SELECT string_agg(detail->>'login', ',') FROM newsroom.audit_event WHERE action = 'session.ended'
                """) == crew.reporter)
    }

    @Test("a reader that leaves a transaction open after reading the record of public changes holds no writer up")
    func readerHoldsNoWriterUp() throws {
        let crew = try Crew("rtreader")
        let draft = try crew.newsroom.desk().createStory(NewStory(lang: "en", headline: "Goes out"))
        // The site's login and a staff login, each reading the change stream and staying in its transaction.
        let readers = try ["newsdesk_site", crew.reporter].map { login in
            let reader = try crew.connect(as: login)
            try reader.executeScript(
                unsafeSQL:
                    "SET idle_in_transaction_session_timeout = 0; BEGIN; SELECT site.changes_now(); SELECT site.changes()"
            )
            return reader
        }
        let published = try crew.newsroom.run(["--as", crew.editor, "publish", draft.reference])
        #expect(published.status == 0, "\(published)")
        // Nobody had to be ended for it: both readers are still there, in their transactions.
        for reader in readers {
            #expect(try Self.value(reader, "SELECT 'still here'") == "still here")
            try reader.executeScript(unsafeSQL: "COMMIT")
        }
        #expect(
            try Self.value(
                crew.superuser(), "SELECT count(*)::text FROM newsroom.audit_event WHERE action = 'session.ended'")
                == "0")
    }

    @Test(
        "a staff session kept busy in its transaction after publishing is ended when a writer has waited five seconds")
    func busyHolderIsEnded() throws {
        let crew = try Crew("rtbusyholder")
        let desk = try crew.newsroom.desk()
        let first = try desk.createStory(NewStory(lang: "en", headline: "First"))
        let second = try desk.createStory(NewStory(lang: "en", headline: "Second"))
        let newsroom = crew.newsroom, editor = crew.editor
        let holding = DispatchSemaphore(value: 0), finished = DispatchSemaphore(value: 0)
        // Publishes, so it holds the record of public changes, then keeps its
        // transaction busy (never idle) for longer than anyone should wait.
        Thread {
            let holder = try? newsroom.connect(as: editor)
            _ = try? holder?.executeScript(unsafeSQL: "BEGIN; SELECT desk.publish_edition('\(first.id)')")
            holding.signal()
            _ = try? holder?.execute("SELECT pg_sleep(60)")
            finished.signal()
        }.start()
        holding.wait()
        let published = try newsroom.run(["--as", crew.admin, "publish", second.reference])
        #expect(published.status == 0, "\(published)")
        #expect(finished.wait(timeout: .now() + 30) == .success, "the busy session was ended")
        #expect(
            try Self.value(
                crew.superuser(),
                """
                SELECT string_agg(detail->>'login' || ': ' || (detail->>'reason'), ',') FROM newsroom.audit_event
                WHERE action = 'session.ended'
                """) == "\(editor): held the record of public changes and did not finish")
        // What it published in the transaction it never finished is not published.
        #expect(try desk.show(first.reference).status == .draft)
    }

    @Test("a lock held by an operator is waited for five seconds, then the command exits 75 with a retry hint")
    func busyIsTemporary() throws {
        let crew = try Crew("rtbusy")
        let holder = try crew.superuser()
        try holder.executeScript(unsafeSQL: "BEGIN; SELECT newsroom.audit('operator.note', NULL, NULL, NULL, '{}')")
        defer { _ = try? holder.executeScript(unsafeSQL: "ROLLBACK") }
        let result = try crew.newsroom.run([
            "--as", crew.reporter, "story", "new", "--lang", "en", "--headline", "Waiting"
        ])
        #expect(result.status == 75, "\(result)")
        #expect(result.stderr.contains("again"), "\(result)")
        #expect(result.stdout.isEmpty)
    }

    // MARK: Text rules in the database

    @Test(
        "control, bidi, invisible and non-characters and non-NFC text are refused on every write path, the superuser's too"
    )
    func textRulesHoldEverywhere() throws {
        let crew = try Crew("rttext")
        let reporter = try crew.connect(as: crew.reporter)
        let editor = try crew.connect(as: crew.editor)
        let hostile = [
            "\u{1B}[2J\u{1B}]0;owned\u{07}", "evil\u{202E}txt.exe", "zero\u{200B}width", "not\u{FFFE}xml",
            "cafe\u{0301}", "tab\tin a headline", "bell\u{07}", "line\u{2028}separator", "mark\u{200F}rtl",
            "invisible\u{2062}times", "plane" + String(Unicode.Scalar(0x1FFFF as UInt32)!),
            "nonchar" + String(Unicode.Scalar(0xFDD0 as UInt32)!)
        ]
        let published = try crew.newsroom.desk().createStory(NewStory(lang: "en", headline: "Clean"))
        _ = try crew.newsroom.desk().publish(published.reference)
        let update = try #require(
            try Self.value(editor, "SELECT desk.add_update(reference => '\(published.id)', body => 'Fine')->>'id'"))
        for text in hostile {
            let literal = "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
            let attempts: [(Connection, String)] = [
                (reporter, "SELECT desk.create_story(lang => 'en', headline => \(literal))"),
                (reporter, "SELECT desk.create_story(lang => 'en', headline => 'ok', body => \(literal) || chr(27))"),
                (editor, "SELECT desk.edit_edition(reference => '\(published.id)', headline => \(literal))"),
                (editor, "SELECT desk.add_update(reference => '\(published.id)', body => \(literal) || chr(27))"),
                (editor, "SELECT desk.edit_update(reference => '\(update)', body => \(literal) || chr(27))"),
                (editor, "SELECT desk.subject_add('hostile', jsonb_build_object('en', \(literal)))"),
                (editor, "SELECT desk.unpublish_edition('\(published.id)', \(literal) || chr(27))"),
                (
                    editor,
                    "SELECT desk.import_editions(ARRAY[ROW(1, 'urn:t', 'en', 'x', \(literal), '', '', 'draft', NULL, NULL, NULL, '{}')::desk.import_row])"
                ),
                (try crew.superuser(), "UPDATE newsroom.edition SET headline = \(literal) WHERE id = \(published.id)"),
                (
                    try crew.superuser(),
                    "INSERT INTO newsroom.live_update (story_id, edition_id, seq, body) VALUES (\(published.storyID), \(published.id), 99, \(literal) || chr(27))"
                )
            ]
            for (connection, sql) in attempts {
                let error = Self.refused(connection, sql, "\(sql)")
                #expect(
                    error?.sqlState == .checkViolation || error?.sqlState == .badInput,
                    "\(sql): \(String(describing: error))")
            }
        }
        #expect(try Self.value(editor, "SELECT desk.show_edition('\(published.id)')->>'headline'") == "Clean")
        // Multi-line fields keep their newlines and tabs.
        #expect(
            try Self.value(
                reporter,
                "SELECT desk.create_story(lang => 'en', headline => 'Lines', body => E'one\\n\\ttwo')->>'body'")
                == "one\n\ttwo")
    }

    @Test("a photo is an http(s) address, whoever stores it")
    func photoAddresses() throws {
        let crew = try Crew("rtphoto")
        let reporter = try crew.connect(as: crew.reporter)
        for url in ["javascript:alert(1)", "data:text/html,x", "//example.com/a.jpg", "file:///etc/passwd", "http://"] {
            let error = Self.refused(
                reporter, "SELECT desk.create_story(lang => 'en', headline => 'Photo', photo_url => '\(url)')")
            #expect(error?.sqlState == .checkViolation, "\(url)")
        }
        #expect(
            try Self.value(
                reporter,
                """
                SELECT desk.create_story(lang => 'en', headline => 'Photo', photo_url => 'https://img.example/a.jpg')->'photo'->>'url'
                """) == "https://img.example/a.jpg")
        // The rules read the same whatever the session's string settings.
        try reporter.execute("SET standard_conforming_strings = off")
        let spaced = Self.refused(
            reporter, "SELECT desk.create_story(lang => 'en', headline => 'Photo', photo_url => 'http://a b/c d')")
        #expect(spaced?.sqlState == .checkViolation, "\(String(describing: spaced))")
        let escaped = Self.refused(reporter, "SELECT desk.create_story(lang => 'en', headline => E'bell\\007')")
        #expect(escaped?.sqlState == .checkViolation, "\(String(describing: escaped))")
        // Media Topics, subject names and their language keys, idempotency keys.
        let editor = try crew.connect(as: crew.editor)
        for sql in [
            "SELECT desk.subject_add('evil', '{\"uk\": \"ok\"}', NULL, E'http://x\\x1b[2J')",
            "SELECT desk.subject_add('evil', jsonb_build_object(E'en\\x1b]8;;', 'Evil'))",
            "SELECT desk.subject_add('calm', '{\"en\": \"Calm\"}', NULL, NULL, E'\\x1b]0;pwned')"
        ] {
            let error = Self.refused(editor, sql, "\(sql)")
            #expect(error?.sqlState == .checkViolation, "\(sql): \(String(describing: error))")
        }
    }

    @Test(
        "nobody can remember a result under an idempotency key but the desk action itself: a forged one tags nothing, bypasses no role"
    )
    func forgedIdempotencyResult() throws {
        let crew = try Crew("rtidem")
        let editor = try crew.connect(as: crew.editor)
        _ = try Self.value(editor, "SELECT desk.subject_add('politics', '{\"en\": \"Politics\"}')::text")
        let target = try crew.newsroom.desk().createStory(NewStory(lang: "en", headline: "Not to be tagged"))
        let translator = try crew.connect(as: crew.translator)
        // No desk function takes a result to remember, and the table is out of reach.
        let remembering = try crew.superuser().query(
            """
            SELECT count(*) AS n FROM pg_proc WHERE pronamespace = 'desk'::regnamespace AND proname LIKE '%idempotency%'
            """)[0].decode("n", as: Int.self)
        #expect(remembering == 0)
        let forged = Self.refused(
            translator,
            """
            INSERT INTO newsroom.idempotency (actor, key, action, request, response)
            VALUES (session_user, 'k1', 'desk.create_story', 'x', '{"story_id": \(target.storyID), "id": \(target.id)}')
            """)
        #expect(forged?.sqlState == .insufficientPrivilege, "\(String(describing: forged))")
        // The translator's own keyed call is refused, remembers nothing and tags nothing.
        let refused = try Self.value(
            translator,
            """
            SELECT desk.create_story('uk', 'h', subjects => ARRAY['politics'], idempotency_key => 'k1')::text
            """)
        #expect(refused?.contains("\"refused\"") == true)
        #expect(
            try crew.superuser().query("SELECT count(*) AS n FROM newsroom.story_subject")[0].decode("n", as: Int.self)
                == 0)
        #expect(
            try crew.superuser().query("SELECT count(*) AS n FROM newsroom.idempotency")[0].decode("n", as: Int.self)
                == 0)
        // Nobody but the migrating superuser takes the migration's advisory lock.
        let lock = Self.refused(try crew.connect(as: crew.reporter), "SELECT pg_advisory_lock(7954895654309163883)")
        #expect(lock?.sqlState == .insufficientPrivilege)
    }

    @Test("an import cannot date a publication in the future")
    func importInTheFuture() throws {
        let crew = try Crew("rtfuture")
        let error = Self.refused(
            try crew.connect(as: crew.editor),
            """
            SELECT desk.import_editions(ARRAY[ROW(7, 'urn:future', 'en', 'future', 'Future', '', '', 'published',
                '2099-01-01T00:00:00Z', NULL, NULL, '{}')::desk.import_row])
            """)
        #expect(error?.sqlState == .badInput)
        #expect(
            error?.message.hasPrefix("line 7: firstCreated 2099-01-01T00:00:00Z is in the future") == true,
            "\(String(describing: error))")
    }

    // MARK: Smaller rules

    @Test("a reporter bylined on the source does not edit its translation; the translator does")
    func reportersDoNotEditTranslations() throws {
        let crew = try Crew("rttrans")
        var source = NewStory(lang: "en", headline: "Source")
        source.bylines = [crew.reporter, crew.translator]
        let original = try crew.newsroom.desk().createStory(source)
        let translation = try #require(
            try Self.value(
                try crew.connect(as: crew.translator),
                "SELECT desk.translate_edition('\(original.id)', 'uk', headline => 'Джерело')->>'id'"))
        let byReporter = try Self.value(
            try crew.connect(as: crew.reporter),
            "SELECT desk.edit_edition(reference => '\(translation)', headline => 'Моє')::text")
        #expect(byReporter?.hasPrefix("{\"refused\"") == true, "\(String(describing: byReporter))")
        #expect(
            try Self.value(
                try crew.connect(as: crew.translator),
                "SELECT desk.edit_edition(reference => '\(translation)', headline => 'Переклад')->>'headline'")
                == "Переклад")
        _ = try crew.newsroom.desk().publish(translation)
        let posted = try Self.value(
            try crew.connect(as: crew.reporter),
            "SELECT desk.add_update(reference => '\(translation)', body => 'Into the translation')::text")
        #expect(posted?.hasPrefix("{\"refused\"") == true, "\(String(describing: posted))")
    }

    @Test("a withdrawn update is not translated; translators edit and withdraw their own translated updates")
    func translatedUpdates() throws {
        let crew = try Crew("rtupd")
        let desk = try crew.newsroom.desk()
        var story = NewStory(lang: "en", headline: "Live")
        story.bylines = [crew.reporter]
        let source = try desk.createStory(story)
        _ = try desk.publish(source.reference)
        let editor = try crew.connect(as: crew.editor)
        let translator = try crew.connect(as: crew.translator)
        _ = try Self.value(
            translator, "SELECT desk.translate_edition('\(source.id)', 'uk', headline => 'Наживо')::text")
        let first = try #require(
            try Self.value(editor, "SELECT desk.add_update(reference => '\(source.id)', body => 'One')->>'id'"))
        let second = try #require(
            try Self.value(editor, "SELECT desk.add_update(reference => '\(source.id)', body => 'Two')->>'id'"))
        _ = try Self.value(editor, "SELECT desk.withdraw_update('\(second)', 'Wrong')::text")
        let withdrawn = Self.refused(translator, "SELECT desk.translate_update('\(second)', 'uk', 'Два')")
        #expect(withdrawn?.sqlState == .wrongState, "\(String(describing: withdrawn))")
        let translated = try #require(
            try Self.value(translator, "SELECT desk.translate_update('\(first)', 'uk', 'Один')->>'id'"))
        #expect(
            try Self.value(
                translator, "SELECT desk.edit_update(reference => '\(translated)', body => 'Перше')->>'body'")
                == "Перше")
        #expect(
            try Self.value(translator, "SELECT desk.withdraw_update('\(translated)', 'Повтор')->>'withdrawn_at'") != nil
        )
        // Not someone else's.
        let others = try Self.value(
            translator, "SELECT desk.edit_update(reference => '\(first)', body => 'Mine')::text")
        #expect(others?.hasPrefix("{\"refused\"") == true)
        // Never into the story's original, and never a translation of a withdrawn update.
        _ = try Self.value(
            translator, "SELECT desk.translate_edition('\(source.id)', 'ru', headline => 'Вживую')::text")
        let intoOriginal = Self.refused(translator, "SELECT desk.translate_update('\(translated)', 'en', 'Back')")
        #expect(
            intoOriginal?.sqlState == .wrongState || intoOriginal?.sqlState == .badInput,
            "\(String(describing: intoOriginal))")
        let third = try #require(
            try Self.value(editor, "SELECT desk.add_update(reference => '\(source.id)', body => 'Three')->>'id'"))
        let thirdUK = try #require(
            try Self.value(translator, "SELECT desk.translate_update('\(third)', 'uk', 'Три')->>'id'"))
        _ = try Self.value(editor, "SELECT desk.withdraw_update('\(third)', 'Wrong')::text")
        let chained = Self.refused(translator, "SELECT desk.translate_update('\(thirdUK)', 'ru', 'Три')")
        #expect(chained?.sqlState == .wrongState, "\(String(describing: chained))")
        let pinned = Self.refused(editor, "SELECT desk.set_update_key('\(third)', true)")
        #expect(pinned?.sqlState == .wrongState, "\(String(describing: pinned))")
    }

    @Test("deactivating a login ends its open sessions, and no role can be granted to it")
    func deactivationEndsSessions() throws {
        let crew = try Crew("rtleave")
        let leaver = try crew.connect(as: crew.reporter)
        _ = try Self.value(leaver, "SELECT desk.whoami()::text")
        _ = try Self.value(try crew.connect(as: crew.admin), "SELECT desk.staff_deactivate('\(crew.reporter)')::text")
        #expect(throws: PostgresError.self) { try leaver.execute("SELECT desk.whoami()") }
        #expect(throws: PostgresError.self) { try crew.connect(as: crew.reporter) }
        #expect(
            try Self.value(
                try crew.superuser(),
                """
                SELECT has_database_privilege('\(crew.reporter)', current_database(), 'CONNECT')::text
                """) == "false")
        let grant = Self.refused(
            try crew.connect(as: crew.admin), "SELECT desk.staff_grant('\(crew.reporter)', 'editor')")
        #expect(grant?.sqlState == .wrongState)
        #expect(try crew.newsroom.run(["--as", crew.admin, "staff", "grant", crew.reporter, "editor"]).status == 1)
    }
}
