import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Who may do what: the SPEC §3 matrix, enforced by PostgreSQL")
struct PermissionTests {
    enum Role: String, CaseIterable, Sendable {
        case reporter, translator, editor, admin
    }

    /// Logins are roles of the whole cluster, and tests run at once against
    /// databases of their own: each newsroom gets logins of its own.
    struct Staff: Sendable {
        let suffix = UUID().uuidString.prefix(6).lowercased()
        func login(_ role: Role) -> String { "m_\(role.rawValue)_\(suffix)" }
        var other: String { "m_other_\(suffix)" }
    }

    /// What a cell acts on: an edition reference, and the staff's logins.
    struct Target: Sendable {
        let edition: String
        let staff: Staff
        /// The story id of `edition` ("en/slug"), for story-level actions.
        var storyOf: String { story }
        var story = ""
    }

    /// What a cell needs before the action: an edition in some state, bylined or not.
    enum Setup: Sendable {
        case nothing
        case draft(bylinedOnActor: Bool)
        case inReview
        case published(bylinedOnActor: Bool)
        case withdrawn
        /// A published edition with an update, by the actor or by someone else.
        case update(byActor: Bool)
    }

    struct Cell: CustomTestStringConvertible, Sendable {
        let name: String
        let allowed: Set<String>
        let setup: Setup
        /// Arguments after `newsdesk --as LOGIN`.
        let command: @Sendable (Target) -> [String]
        /// The same action as plain SQL under that login.
        let sql: @Sendable (Target) -> Query
        var testDescription: String { name }
    }

    static let cells: [Cell] = [
        Cell(
            name: "create story", allowed: ["reporter", "editor", "admin"], setup: .nothing,
            command: { _ in ["story", "new", "--lang", "en", "--headline", "Matrix story"] },
            sql: { _ in "SELECT desk.create_story(lang => 'en', headline => 'Matrix story')::text" }),
        Cell(
            name: "edit a draft they are bylined on", allowed: ["reporter", "editor", "admin"],
            setup: .draft(bylinedOnActor: true),
            command: { ["edit", $0.edition, "--lead", "Changed"] },
            sql: { "SELECT desk.edit_edition(reference => \($0.edition), lead => 'Changed')::text" }),
        Cell(
            name: "edit someone else's draft", allowed: ["editor", "admin"], setup: .draft(bylinedOnActor: false),
            command: { ["edit", $0.edition, "--lead", "Changed"] },
            sql: { "SELECT desk.edit_edition(reference => \($0.edition), lead => 'Changed')::text" }),
        Cell(
            name: "submit for review", allowed: ["reporter", "translator", "editor", "admin"],
            setup: .draft(bylinedOnActor: true),
            command: { ["submit", $0.edition] }, sql: { "SELECT desk.submit_edition(\($0.edition))::text" }),
        Cell(
            name: "publish", allowed: ["editor", "admin"], setup: .inReview,
            command: { ["publish", $0.edition] }, sql: { "SELECT desk.publish_edition(\($0.edition))::text" }),
        Cell(
            name: "schedule", allowed: ["editor", "admin"], setup: .inReview,
            command: { ["publish", $0.edition, "--at", "2099-01-01T00:00:00Z"] },
            sql: { "SELECT desk.publish_edition(\($0.edition), '2099-01-01T00:00:00Z')::text" }),
        Cell(
            name: "unpublish", allowed: ["editor", "admin"], setup: .published(bylinedOnActor: true),
            command: { ["unpublish", $0.edition, "--reason", "Legal"] },
            sql: { "SELECT desk.unpublish_edition(\($0.edition), 'Legal')::text" }),
        Cell(
            name: "republish", allowed: ["editor", "admin"], setup: .withdrawn,
            command: { ["republish", $0.edition] }, sql: { "SELECT desk.republish_edition(\($0.edition))::text" }),
        Cell(
            name: "edit a published edition", allowed: ["editor", "admin"], setup: .published(bylinedOnActor: true),
            command: { ["edit", $0.edition, "--lead", "Fixed"] },
            sql: { "SELECT desk.edit_edition(reference => \($0.edition), lead => 'Fixed')::text" }),
        Cell(
            name: "correct a published edition", allowed: ["editor", "admin"], setup: .published(bylinedOnActor: true),
            command: { ["edit", $0.edition, "--lead", "Fixed", "--correction", "Wrong day"] },
            sql: {
                "SELECT desk.edit_edition(reference => \($0.edition), lead => 'Fixed', correction => 'Wrong day')::text"
            }),
        Cell(
            name: "append a live update to a published edition", allowed: ["reporter", "editor", "admin"],
            setup: .published(bylinedOnActor: true),
            command: { ["update", "add", $0.edition, "--body", "Developing"] },
            sql: { "SELECT desk.add_update(\($0.edition), 'Developing')::text" }),
        Cell(
            name: "edit their own live update", allowed: ["reporter", "editor", "admin"], setup: .update(byActor: true),
            command: { ["update", "edit", $0.edition, "--body", "Fixed"] },
            sql: { "SELECT desk.edit_update(\($0.edition), 'Fixed')::text" }),
        Cell(
            name: "withdraw someone else's live update", allowed: ["editor", "admin"], setup: .update(byActor: false),
            command: { ["update", "withdraw", $0.edition, "--reason", "Wrong"] },
            sql: { "SELECT desk.withdraw_update(\($0.edition), 'Wrong')::text" }),
        Cell(
            name: "create a translation", allowed: ["translator", "editor", "admin"],
            setup: .draft(bylinedOnActor: false),
            command: { ["translate", $0.edition, "--to", "uk", "--headline", "Переклад"] },
            sql: { "SELECT desk.translate_edition(\($0.edition), 'uk', 'Переклад')::text" }),
        Cell(
            name: "manage subjects", allowed: ["editor", "admin"], setup: .nothing,
            command: { _ in
                ["subject", "add", "topic-\(UUID().uuidString.prefix(8).lowercased())", "--name", "en=Topic"]
            },
            sql: { _ in
                "SELECT desk.subject_add(\("topic-" + UUID().uuidString.prefix(8).lowercased()), '{\"en\": \"Topic\"}')::text"
            }),
        Cell(
            name: "tag a story", allowed: ["reporter", "editor", "admin"], setup: .draft(bylinedOnActor: false),
            command: { ["tag", $0.storyOf, "city"] },
            sql: { "SELECT desk.tag_story(\($0.storyOf)::bigint, ARRAY['city'])::text" }),
        Cell(
            name: "read the audit log", allowed: ["editor", "admin"], setup: .nothing,
            command: { _ in ["audit"] }, sql: { _ in "SELECT desk.audit_events()::text" }),
        Cell(
            name: "manage staff", allowed: ["admin"], setup: .nothing,
            command: { ["staff", "grant", $0.staff.other, "translator"] },
            sql: { "SELECT desk.staff_grant(\($0.staff.other), 'translator')::text" })
    ]

    static func prepare(_ setup: Setup, actor: String, other: String, _ newsroom: TestNewsroom) throws -> String {
        let desk = try newsroom.desk()
        func draft(bylined: Bool) throws -> Edition {
            var story = NewStory(lang: "en", headline: "Matrix \(UUID().uuidString.prefix(8))")
            story.bylines = [bylined ? actor : other]
            return try desk.createStory(story)
        }
        switch setup {
        case .nothing: return ""
        case .draft(let bylined): return try draft(bylined: bylined).reference
        case .inReview: return try desk.submit(draft(bylined: true).reference).reference
        case .published(let bylined): return try desk.publish(draft(bylined: bylined).reference).reference
        case .withdrawn:
            let live = try desk.publish(draft(bylined: true).reference)
            return try desk.unpublish(live.reference, reason: "Setup").reference
        case .update(let byActor):
            let live = try desk.publish(draft(bylined: true).reference)
            // Written directly so that the author can be anyone, even someone who may not post.
            let id: Int64 = try newsroom.connect().query(
                """
                WITH counted AS (UPDATE newsroom.edition SET update_count = 1 WHERE id = \(live.id) RETURNING story_id, id)
                INSERT INTO newsroom.live_update (story_id, edition_id, seq, body, author)
                SELECT story_id, id, 1, 'Setup update', \(byActor ? actor : other) FROM counted RETURNING id
                """)[0].decode("id")
            return String(id)
        }
    }

    static func target(_ reference: String, _ staff: Staff, _ newsroom: TestNewsroom) throws -> Target {
        var target = Target(edition: reference, staff: staff)
        if reference.contains("/") { target.story = String(try newsroom.desk().show(reference).storyID) }
        return target
    }

    static func newsroomWithStaff(_ label: String) throws -> (TestNewsroom, Staff) {
        let newsroom = try TestNewsroom(label)
        let staff = Staff()
        for role in Role.allCases { try newsroom.addStaff(staff.login(role), [role.rawValue]) }
        try newsroom.addStaff(staff.other, ["reporter"])
        _ = try SubjectDesk(connection: newsroom.connect()).add("city", names: ["en": "City"])
        return (newsroom, staff)
    }

    @Test("each cell through the built newsdesk and through plain SQL under that login: 0 mismatches", arguments: cells)
    func matrix(_ cell: Cell) throws {
        let (newsroom, staff) = try Self.newsroomWithStaff("matrix")
        var mismatches: [String] = []
        for role in Role.allCases {
            let expected = cell.allowed.contains(role.rawValue)
            let login = staff.login(role)

            let reference = try Self.prepare(cell.setup, actor: login, other: staff.other, newsroom)
            let result = try newsroom.run(["--as", login] + cell.command(Self.target(reference, staff, newsroom)))
            let allowedByTool = result.status == 0
            if allowedByTool != expected
                || (!expected && !(result.status == 1 && result.stderr.contains("Permission denied")))
            {
                mismatches.append("newsdesk, \(role): \(result)")
            }
            let needed =
                cell.allowed.contains("reporter") ? "reporter" : cell.allowed.contains("editor") ? "editor" : "admin"
            if !expected && !result.stderr.contains(needed) {
                mismatches.append("newsdesk, \(role): the message does not name the \(needed) role: \(result.stderr)")
            }

            let sqlReference = try Self.prepare(cell.setup, actor: login, other: staff.other, newsroom)
            let allowedBySQL: Bool
            do {
                let text = try newsroom.connect(as: login).query(cell.sql(Self.target(sqlReference, staff, newsroom)))[
                    0
                ]
                .decode(0, as: String.self)
                let reply = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                allowedBySQL = reply?["refused"] == nil
            } catch let error as PostgresError where error.sqlState == .insufficientPrivilege {
                allowedBySQL = false
            }
            if allowedBySQL != expected {
                mismatches.append("plain SQL, \(role): allowed \(allowedBySQL), expected \(expected)")
            }
        }
        #expect(mismatches.isEmpty, "\(cell.name): \(mismatches)")
    }

    @Test("people's logins cannot touch the tables or the audit log directly")
    func noDirectAccess() throws {
        let (newsroom, staff) = try Self.newsroomWithStaff("direct")
        let statements: [Query] = [
            "SELECT * FROM newsroom.edition",
            "INSERT INTO newsroom.story DEFAULT VALUES",
            "UPDATE newsroom.edition SET headline = 'taken'",
            "DELETE FROM newsroom.audit_event",
            "UPDATE newsroom.audit_event SET actor = 'nobody'",
            "TRUNCATE newsroom.audit_event",
            "INSERT INTO newsroom.staff_role VALUES ('someone', 'admin')",
            "SELECT newsroom.audit('forged', NULL, NULL, NULL, '{}')",
            // The pages readers are served from, and what builds them.
            "UPDATE newsroom.reader_page SET document = '{}'",
            "UPDATE newsroom.reader_page_generation SET generation = 0",
            "SELECT newsroom.keep_pages(10)",
            "SELECT newsroom.build_page(1, 1)"
        ]
        for role in Role.allCases {
            let connection = try newsroom.connect(as: staff.login(role))
            for statement in statements {
                let error = #expect(throws: PostgresError.self, "\(role) ran \(statement.sql)") {
                    try connection.execute(statement)
                }
                #expect(error?.sqlState == .insufficientPrivilege, "\(role): \(statement.sql)")
            }
        }
    }

    @Test("the logins people use own nothing and are neither superuser nor BYPASSRLS")
    func loginsOwnNothing() throws {
        let (newsroom, _) = try Self.newsroomWithStaff("owners")
        let rows = try newsroom.connect().query(
            """
            SELECT r.rolname, r.rolsuper, r.rolbypassrls, r.rolcreaterole,
                   (SELECT count(*) FROM pg_class c WHERE c.relowner = r.oid)
                 + (SELECT count(*) FROM pg_proc p WHERE p.proowner = r.oid)
                 + (SELECT count(*) FROM pg_namespace n WHERE n.nspowner = r.oid) AS owned
            FROM pg_roles r JOIN newsroom.staff s ON s.login = r.rolname
            """)
        #expect(rows.count == 6)  // with the newsroom's own staff login
        for row in rows {
            #expect(try row.decode("rolsuper", as: Bool.self) == false)
            #expect(try row.decode("rolbypassrls", as: Bool.self) == false)
            #expect(try row.decode("rolcreaterole", as: Bool.self) == false)
            #expect(try row.decode("owned", as: Int.self) == 0)
        }
    }

    @Test("a reporter cannot take over another reporter's draft")
    func noTakeover() throws {
        let (newsroom, staff) = try Self.newsroomWithStaff("takeover")
        var theirs = NewStory(lang: "en", headline: "Someone else's scoop")
        theirs.bylines = [staff.other]
        let draft = try newsroom.desk().createStory(theirs)
        let reporter = staff.login(.reporter)
        let edit = try newsroom.run(["--as", reporter, "edit", draft.reference, "--headline", "Mine now"])
        #expect(edit.status == 1)
        let byline = try newsroom.run([
            "--as", reporter, "story", "new", "--lang", "en", "--headline", "Ghost",
            "--byline", staff.other
        ])
        #expect(byline.status == 1, "\(byline)")
        #expect(byline.stderr.contains("own byline"))
        let connection = try newsroom.connect(as: reporter)
        let viaSQL = try connection.query(
            "SELECT desk.edit_edition(reference => \(draft.reference), headline => 'Mine')::text")[0]
            .decode(0, as: String.self)
        #expect(viaSQL.hasPrefix("{\"refused\""))
        let shown = try newsroom.desk().show(draft.reference)
        #expect(shown.bylines == [staff.other] && shown.headline == "Someone else's scoop")
    }

    @Test("a refused action names the role it needs and is recorded in the audit log")
    func refusalsAreRecorded() throws {
        let (newsroom, staff) = try Self.newsroomWithStaff("refusal")
        let draft = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Refused"))
        let before = try newsroom.auditActions().count
        let result = try newsroom.run(["--as", staff.login(.reporter), "publish", draft.reference])
        #expect(result.status == 1)
        #expect(result.stderr.contains("editor role"))
        let actions = try newsroom.auditActions()
        #expect(actions.count == before + 1)
        #expect(actions.last == "refused")
        let row = try newsroom.connect().query(
            """
            SELECT actor, detail->>'attempted' AS attempted FROM newsroom.audit_event ORDER BY seq DESC LIMIT 1
            """)[0]
        #expect(try row.decode("actor", as: String.self) == staff.login(.reporter))
        #expect(try row.decode("attempted", as: String.self) == "edition.publish")
    }

    @Test("deactivated staff can no longer log in; their history stays")
    func deactivation() throws {
        let newsroom = try TestNewsroom("leaver")
        let login = "leaver_\(UUID().uuidString.prefix(6).lowercased())"
        #expect(
            try newsroom.run(["staff", "add", login, "--role", "reporter", "--name", "en=Leaving Reporter"]).status == 0
        )
        let story = try newsroom.run(["--as", login, "story", "new", "--lang", "en", "--headline", "Farewell"])
        #expect(story.status == 0, "\(story)")
        #expect(try newsroom.run(["staff", "deactivate", login]).status == 0)
        let after = try newsroom.run(["--as", login, "whoami"])
        #expect(after.status == 1, "\(after)")
        #expect(
            after.stderr
                == "Error: The login \"\(login)\" may not work in this newsroom: it is deactivated, or not staff; see newsdesk staff list.\n"
        )
        // A login the newsroom never had: the same kind of answer, naming it.
        let unknown = try newsroom.run(["--as", "nobody_\(login)", "whoami"])
        #expect(unknown.status == 1, "\(unknown)")
        #expect(
            unknown.stderr
                == "Error: There is no staff login \"nobody_\(login)\" in this newsroom; see newsdesk staff list.\n"
        )
        let list = try newsroom.json(StaffListing.self, ["staff", "list"])
        #expect(list.staff.first { $0.login == login }?.active == false)
        // For people: a header, every role, the state and the name in every language.
        #expect(try newsroom.run(["staff", "grant", login, "translator"]).status != 0)  // deactivated: no new roles
        let width = max(14, list.staff.map(\.login.count).max()! + 2)
        let rolesWidth = max(7, list.staff.map { $0.roles.joined(separator: ",").count }.max()! + 2)
        func row(_ cells: String...) -> String {
            (cells[0].padding(toLength: width, withPad: " ", startingAt: 0)
                + cells[1].padding(toLength: rolesWidth, withPad: " ", startingAt: 0)
                + cells[2].padding(toLength: 13, withPad: " ", startingAt: 0) + cells[3])
        }
        let expected =
            ([row("LOGIN", "ROLES", "STATE", "NAMES")]
            + list.staff.map { member in
                member.login == login
                    ? row(login, "reporter", "deactivated", "Leaving Reporter (en)")
                    : row(member.login, member.roles.joined(separator: ","), "active", "").trimmingTrailingSpaces
            }).joined(separator: "\n") + "\n"
        let printed = try newsroom.run(["staff", "list"]).stdout
        #expect(printed == expected, "\(printed)")
        #expect(try newsroom.auditActions().contains("staff.deactivate"))
    }

    struct StaffListing: Decodable { let staff: [StaffMember] }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String { String(reversed().drop(while: { $0 == " " }).reversed()) }
}
