import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

/// Issue #14, the command line's side: private drafts, bad input named and
/// exit 65, nothing from the database acting on a terminal, no superuser
/// for newsroom work, the audit's client labelled, timeouts as temporary.
@Suite("Security: drafts, input, terminal output, acting logins")
struct SecurityTests {
    /// `stat -c %a` of a path: its permission bits in octal.
    static func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? Int ?? -1) & 0o7777
    }

    static func script(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "newsdesk-editor-" + UUID().uuidString.prefix(8) + ".sh"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    // MARK: 1. Drafts

    @Test("unsaved text is kept 0600, under an unguessable name, in a folder made (or fixed to) 0700")
    func unsavedTextIsPrivate() throws {
        let newsroom = try TestNewsroom("unsavedmode")
        // An existing folder others may enter, as an older newsdesk left it.
        try FileManager.default.createDirectory(
            atPath: newsroom.unsavedDirectory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755])
        let edition = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Budget talks"))
        _ = try newsroom.desk().edit(edition.reference, EditionChanges(lead: "First"))
        var paths: [String] = []
        for _ in 0..<2 {
            let result = try newsroom.run([
                "edit", edition.reference, "--body", "Private draft text", "--expect-version", "1"
            ])
            #expect(result.status == 2, "\(result)")
            let path = String(try #require(result.stderr.firstMatch(of: /Your text was kept in (\S+)\.\n/)?.1))
            #expect(try Self.mode(path) == 0o600)
            #expect(try String(contentsOfFile: path, encoding: .utf8).contains("Private draft text"))
            paths.append(path)
        }
        #expect(try Self.mode(newsroom.unsavedDirectory) == 0o700)
        #expect(paths[0] != paths[1])
        // The name ends in six random characters, not the process id.
        #expect(paths.allSatisfy { $0.wholeMatch(of: /.*-[0-9]+-[A-Za-z0-9]{6}\.md/) != nil }, "\(paths)")

        // A folder that does not exist yet is made 0700, parents included.
        let nested = NSTemporaryDirectory() + "newsdesk-state-" + UUID().uuidString.prefix(8)
        let result = try newsroom.run(
            ["edit", edition.reference, "--body", "Again", "--expect-version", "1"],
            environment: ["NEWSDESK_UNSAVED_DIR": "", "XDG_STATE_HOME": nested])
        #expect(result.status == 2)
        #expect(try Self.mode(nested + "/newsdesk/unsaved") == 0o700)
        #expect(try Self.mode(nested + "/newsdesk") == 0o700)
    }

    @Test("the $EDITOR file is 0600 with a random name, and text that fails the checks is kept, exit 65")
    func editorSession() throws {
        let newsroom = try TestNewsroom("editorfile")
        let edition = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Bridge repairs"))
        let scratch = NSTemporaryDirectory() + "newsdesk-tmp-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let log = scratch + "/editor.log"
        // The editor notes its file's mode and name, then saves a headline
        // with a BEL in it, which the checks refuse.
        let editor = try Self.script(
            """
            stat -c %a "$1" > \(log)
            echo "$1" >> \(log)
            printf 'Headline: Bridge \\007repairs\\nLead: Typed lead\\n\\nA body I typed for an hour.\\n' > "$1"
            """)
        let result = try newsroom.run(
            ["edit", edition.reference], environment: ["EDITOR": "sh \(editor)", "TMPDIR": scratch])
        #expect(result.status == 65, "\(result)")
        #expect(result.stderr.contains("contains the control character U+0007"))
        let seen = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(seen.first == "600")
        let file = try #require(seen.last)
        #expect(file.wholeMatch(of: /.*\/newsdesk-[0-9]+-[A-Za-z0-9]{6}\.md/) != nil, "\(file)")
        #expect(!FileManager.default.fileExists(atPath: file))
        let kept = String(try #require(result.stderr.firstMatch(of: /Your text was kept in (\S+)\.\n/)?.1))
        #expect(try Self.mode(kept) == 0o600)
        #expect(try String(contentsOfFile: kept, encoding: .utf8).contains("A body I typed for an hour."))
        #expect(try newsroom.desk().show(edition.reference).version == 1)

        // A missing Headline line, and an editor that fails: kept too.
        let headless = try Self.script("printf 'Lead: only a lead\\n\\nBody kept\\n' > \"$1\"")
        let parse = try newsroom.run(
            ["edit", edition.reference], environment: ["EDITOR": "sh \(headless)", "TMPDIR": scratch])
        #expect(parse.status == 65 && parse.stderr.contains("Your text was kept in"), "\(parse)")
        let failing = try Self.script("printf 'Headline: New\\n\\nBody kept\\n' > \"$1\"; exit 3")
        let failed = try newsroom.run(
            ["edit", edition.reference], environment: ["EDITOR": "sh \(failing)", "TMPDIR": scratch])
        #expect(
            failed.status == 1 && failed.stderr.contains("status 3") && failed.stderr.contains("Your text was kept in"),
            "\(failed)")
    }

    // MARK: 2. Bad input is exit 65, naming the field

    @Test("malformed heads, cursors, versions and URLs exit 65 naming the field; nothing is written")
    func badInput() throws {
        let newsroom = try TestNewsroom("badinput")
        let edition = try newsroom.json(Edition.self, ["story", "new", "--lang", "en", "--headline", "Input checks"])
        let good = try #require(try newsroom.run(["audit", "head"]).stdout.data(using: .utf8))
        let head = try JSONDecoder().decode(AuditHead.self, from: good)
        let heads: [(String, String)] = [
            (#"{"seq": -5}"#, "against"),
            (#"{"seq": -5, "hash": "\#(head.hash)", "fingerprints": ""}"#, "seq is -5"),
            (
                #"{"seq": \#(head.seq), "hash": "zz", "fingerprints": "\#(head.fingerprints)"}"#,
                "hash must be 64 hexadecimal"
            ),
            (#"{"seq": \#(head.seq), "hash": "\#(head.hash)", "fingerprints": "0123"}"#, "fingerprints"),
            (#"{"seq": 99999999999, "hash": "\#(head.hash)", "fingerprints": ""}"#, "seq is 99999999999")
        ]
        for (text, expected) in heads {
            let file = NSTemporaryDirectory() + "head-" + UUID().uuidString.prefix(8) + ".json"
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let result = try newsroom.run(["audit", "verify", "--against", file])
            #expect(result.status == 65, "\(text): \(result)")
            #expect(
                result.stderr.hasPrefix("Error: against: ") && result.stderr.contains(expected), "\(text): \(result)")
        }
        let cases: [([String], String)] = [
            (["feed", "--before", "9999999999999999999-1"], "before: "),
            (["feed", "--before", "1700000000000000"], "before: "),
            (["feed", "--limit", "99999999999"], "limit: "),
            (["show", "\(edition.id)", "--version", "99999999999"], "version: 99999999999 is out of range"),
            (["diff", "\(edition.id)", "1", "99999999999"], "V2: "),
            (["restore", "\(edition.id)", "99999999999"], "version: "),
            (["edit", "\(edition.id)", "--lead", "x", "--expect-version", "99999999999"], "expect-version: "),
            (["search", "x", "--limit", "99999999999"], "limit: "),
            (["audit", "--limit", "99999999999"], "limit: "),
            (["subject", "add", "kyiv", "--name", "en=Kyiv", "--mediatopic", "javascript:x"], "mediatopic: "),
            (["subject", "add", "kyiv", "--name", "en=Kyiv", "--mediatopic", "medtop:20000001"], "mediatopic: "),
            (["story", "new", "--lang", "en", "--headline", "Photo", "--photo", "javascript:alert(1)"], "photo: "),
            (["story", "new", "--lang", "en", "--headline", "Photo", "--photo", "https:///no-host.jpg"], "photo: "),
            (["story", "new", "--lang", "en", "--headline", "Photo", "--photo", "data:image/png;base64,AA"], "photo: "),
            (["edit", "\(edition.id)", "--photo", "JavaScript:alert(1)"], "photo: ")
        ]
        for (arguments, expected) in cases {
            let result = try newsroom.run(arguments)
            #expect(result.status == 65, "\(arguments): \(result)")
            #expect(result.stderr.hasPrefix("Error: \(expected)"), "\(arguments): \(result)")
            #expect(!result.stderr.contains("database refused"), "\(arguments): \(result)")
        }
        #expect(try newsroom.count("newsroom.edition") == 1)
        #expect(try newsroom.count("newsroom.subject") == 0)
        #expect(try newsroom.desk().show(edition.reference).version == 1)

        // Web URLs are accepted; the library applies the same rule.
        #expect(
            try newsroom.run(["edit", "\(edition.id)", "--photo", "HTTPS://example.org:8080/a.jpg?w=1"]).status == 0)
        #expect(
            try newsroom.run([
                "subject", "add", "kyiv", "--name", "en=Kyiv",
                "--mediatopic", "http://cv.iptc.org/newscodes/mediatopic/20000001"
            ]).status == 0)
        #expect(throws: NewsdeskError.self) {
            try SubjectDesk(connection: newsroom.connect()).add(
                "lviv", names: ["en": "Lviv"], mediatopic: "javascript:x")
        }
        #expect(throws: NewsdeskError.self) {
            var story = NewStory(lang: "en", headline: "Library photo")
            story.photo = Edition.Photo(url: "javascript:alert(1)", caption: nil, credit: nil)
            _ = try newsroom.desk().createStory(story)
        }
    }

    // MARK: 3. Terminal output

    @Test("text from the database never writes control characters or bidi overrides to a terminal")
    func terminalOutput() throws {
        let newsroom = try TestNewsroom("terminal")
        let edition = try newsroom.json(
            Edition.self,
            [
                "story", "new", "--lang", "en", "--headline", "Plain headline safe",
                "--body", "Body"
            ])
        #expect(try newsroom.run(["publish", edition.reference]).status == 0)
        _ = try newsroom.json(LiveUpdate.self, ["update", "add", edition.reference, "--body", "An update"])
        // What a database from before the text rules could hold: the rules
        // (CHECK constraints) are dropped, as they never existed there.
        let hostile = "Safe\u{1B}[2J\u{1B}]0;pwned\u{07} \u{202E}txt.exe\u{2066} \u{9B}31m\r done"
        let connection = try newsroom.connect()
        try connection.executeScript(
            unsafeSQL: """
                DO $$
                DECLARE rule record;
                BEGIN
                    FOR rule IN SELECT conrelid::regclass AS tab, conname FROM pg_constraint WHERE conname LIKE '%_is_clean_text' LOOP
                        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', rule.tab, rule.conname);
                    END LOOP;
                END
                $$;
                """)
        try connection.execute(
            "UPDATE newsroom.edition SET headline = \(hostile)::text, lead = \(hostile)::text, body = \(hostile + "\n\nsafe line")::text"
        )
        try connection.execute("UPDATE newsroom.live_update SET body = \(hostile)::text")
        try connection.execute("UPDATE newsroom.staff SET names = jsonb_build_object('en', \(hostile)::text)")
        try connection.execute(
            "INSERT INTO newsroom.subject (slug, names) VALUES ('evil', jsonb_build_object('en', \(hostile)::text))")

        let outputs: [[String]] = [
            ["show", edition.reference], ["feed"], ["history", edition.reference],
            ["update", "list", edition.reference],
            ["staff", "list"], ["subject", "list"], ["search", "safe"], ["translations", String(edition.storyID)],
            ["audit"], ["show", edition.reference, "--format", "html"], ["feed", "--format", "rss"],
            ["feed", "--format", "atom"], ["show", edition.reference, "--json"],
            ["show", edition.reference, "--format", "ninjs"],
            ["export", "--all", "--format", "ninjs"], ["feed", "--json"]
        ]
        let unsafe: [Unicode.Scalar] = ["\u{1B}", "\u{07}", "\u{9B}", "\u{202E}", "\u{2066}"]
        for arguments in outputs {
            let result = try newsroom.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result)")
            for scalar in unsafe {
                #expect(
                    !result.stdout.unicodeScalars.contains(scalar),
                    "\(arguments) wrote U+\(String(scalar.value, radix: 16))")
                #expect(!result.stderr.unicodeScalars.contains(scalar))
            }
            #expect(!result.stdout.contains("\r"), "\(arguments)")
        }
        let shown = try newsroom.run(["show", edition.reference]).stdout
        #expect(
            shown.contains(#"Safe\u{1B}[2J\u{1B}]0;pwned\u{7} \u{202E}txt.exe\u{2066} \u{9B}31m\u{D} done"#), "\(shown)"
        )
        #expect(shown.contains("\n\nsafe line"))
        // JSON escapes them and still means the same text.
        let json = try newsroom.json(Edition.self, ["show", edition.reference])
        #expect(json.headline == hostile)
        #expect(try newsroom.run(["show", edition.reference, "--json"]).stdout.contains(#"\u202E"#))
        #expect(try newsroom.run(["show", edition.reference, "--format", "html"]).stdout.contains("&#x202E;"))

        // An error message that repeats stored or typed text.
        let missing = try newsroom.run(["show", "en/x\u{1B}]0;title\u{07}"])
        #expect(missing.status != 0)
        #expect(
            !missing.stderr.unicodeScalars.contains("\u{1B}") && !missing.stderr.unicodeScalars.contains("\u{07}"),
            "\(missing)")
    }

    // MARK: 4. No superuser for newsroom work

    @Test("every editorial command is refused to a superuser, exit 1, with the hint; nothing is written")
    func superuserRefused() throws {
        let newsroom = try TestNewsroom("superuser")
        let edition = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Superuser checks"))
        let before = try newsroom.auditActions()
        let id = String(edition.id), story = String(edition.storyID)
        let commands: [[String]] = [
            ["story", "new", "--lang", "en", "--headline", "As superuser"], ["edit", id, "--lead", "x"], ["submit", id],
            ["return", id, "--note", "n"], ["publish", id], ["unpublish", id, "--reason", "r"], ["republish", id],
            ["restore", id, "1"], ["update", "add", id, "--body", "b"], ["update", "edit", "1", "--body", "b"],
            ["update", "withdraw", "1", "--reason", "r"], ["update", "key", "1"], ["update", "unkey", "1"],
            ["update", "translate", "1", "--to", "uk", "--body", "b"], ["translate", id, "--to", "uk"],
            ["tag", story, "kyiv"], ["untag", story, "kyiv"], ["subject", "add", "kyiv", "--name", "en=Kyiv"],
            ["subject", "rename", "kyiv", "--name", "en=Kyiv"], ["import", "-"]
        ]
        for arguments in commands {
            let result = try newsroom.run(arguments, stdin: "", environment: ["PGUSER": "newsdesk_test"])
            #expect(result.status == 1, "\(arguments): \(result)")
            // (Text the command was given is kept, as on any failure.)
            #expect(
                result.stderr.hasPrefix(
                    """
                    Error: newsdesk_test is a database superuser; newsroom work is done under a staff login: \
                    use --as LOGIN (newsdesk staff list shows them).

                    """), "\(arguments): \(result)")
        }
        // `--as` a superuser is the same.
        #expect(try newsroom.run(["--as", "newsdesk_test", "submit", id]).status == 1)
        #expect(try newsroom.auditActions() == before)
        #expect(try newsroom.count("newsroom.edition") == 1)

        // Reading, staff, whoami and db still work as the superuser.
        let reporter = "su_reporter_" + UUID().uuidString.prefix(6).lowercased()
        for arguments in [
            ["staff", "add", reporter, "--role", "reporter"], ["staff", "list"], ["staff", "grant", reporter, "editor"],
            ["whoami"], ["show", id], ["history", id], ["feed"], ["search", "checks"],
            ["translations", story], ["audit"], ["audit", "verify"], ["db", "status"], ["db", "migrate"],
            ["export", "--all", "--format", "ninjs"], ["subject", "list"]
        ] {
            let result = try newsroom.run(arguments, environment: ["PGUSER": "newsdesk_test"])
            #expect(result.status == 0, "\(arguments): \(result)")
        }
        // And the staff login the superuser added does the work.
        #expect(
            try newsroom.run(["--as", reporter, "submit", id], environment: ["PGUSER": "newsdesk_test"]).status == 0)
    }

    @Test("on the embedded database, editorial work acts as the login named after the OS user, else is refused")
    func embeddedOwnLogin() throws {
        let home = try CommandLineTool.makeHome()
        let environment = CommandLineTool.embeddedEnvironment(home: home)
        defer { _ = try? CommandLineTool.run(["db", "stop"], environment: environment) }
        let refused = try CommandLineTool.run(
            ["story", "new", "--lang", "en", "--headline", "First"], environment: environment)
        #expect(refused.status == 1, "\(refused)")
        #expect(
            refused.stderr.contains(
                "Error: newsdesk is a database superuser; newsroom work is done under a staff login: use --as LOGIN"))
        let user = try #require(getpwuid(geteuid())).pointee.pw_name.map { String(cString: $0) } ?? ""
        let added = try CommandLineTool.run(["staff", "add", user, "--role", "reporter"], environment: environment)
        #expect(added.status == 0, "\(added)")
        let created = try CommandLineTool.run(
            ["story", "new", "--lang", "en", "--headline", "First", "--json"], environment: environment)
        #expect(created.status == 0, "\(created)")
        let edition = try NewsroomJSON.decoder().decode(Edition.self, from: Data(created.stdout.utf8))
        #expect(edition.bylines == [user])
        let history = try CommandLineTool.run(["history", edition.reference], environment: environment)
        #expect(history.stdout.contains(" \(user) "), "\(history)")
        // A reporter does not publish: the OS user's login is held to its roles.
        #expect(try CommandLineTool.run(["publish", edition.reference], environment: environment).status == 1)
    }

    // MARK: 5, 6. The audit's client; timeouts

    @Test("audit labels the client as unverified, in its listing and its help")
    func auditClient() throws {
        let newsroom = try TestNewsroom("auditclient")
        _ = try newsroom.json(Edition.self, ["story", "new", "--lang", "en", "--headline", "Client"])
        let listing = try newsroom.run(["audit"])
        #expect(
            listing.stdout.split(separator: "\n").last?.hasSuffix("client (unverified): newsdesk") == true, "\(listing)"
        )
        let help = try newsroom.run(["audit", "list", "--help"])
        #expect(help.stdout.contains("unverified") && help.stdout.contains("application_name"), "\(help)")
    }

    @Test("a statement or lock timeout is temporary: exit 75, try again")
    func timeouts() throws {
        let newsroom = try TestNewsroom("timeouts")
        let edition = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Locked"))
        let holder = try newsroom.connect()
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE newsroom.edition IN ACCESS EXCLUSIVE MODE")
        defer { _ = try? holder.execute("ROLLBACK") }
        for (setting, words) in [("statement_timeout", "took too long"), ("lock_timeout", "locked")] {
            let result = try newsroom.run(["show", String(edition.id)], environment: ["PGOPTIONS": "-c \(setting)=300"])
            #expect(result.status == 75, "\(setting): \(result)")
            #expect(result.stderr.contains(words) && result.stderr.contains("Try again"), "\(setting): \(result)")
        }
    }
}
