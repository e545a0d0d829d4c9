import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

/// The exit-code table of SPEC §5, row by row, through the built binary: each
/// run's stdout, stderr and status compared whole, as swift-argument-parser's
/// own tests compare a command's output, so a changed word, a lost line or a
/// second message fails. Parts that differ from run to run (slugs, logins,
/// times, paths) are computed here from the database, never skipped.
@Suite("Exit codes and their messages, whole")
struct ExitCodeTests {
    /// The whole outcome of one run, compared at once so a failure shows all three.
    struct Outcome: Equatable, CustomStringConvertible {
        var status: Int32
        var stdout = ""
        var stderr = ""

        init(status: Int32, stdout: String = "", stderr: String = "") {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }

        init(_ result: CommandResult) {
            self.init(status: result.status, stdout: result.stdout, stderr: result.stderr)
        }

        var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    @Test("64 usage: an unknown command, in swift-argument-parser's words")
    func usage() throws {
        let result = try CommandLineTool.run(["frobnicate"], environment: ProcessInfo.processInfo.environment)
        #expect(
            Outcome(result)
                == Outcome(
                    status: 64,
                    stderr: """
                        Error: Unexpected argument 'frobnicate'
                        Usage: newsdesk <subcommand>
                          See 'newsdesk --help' for more information.

                        """))
    }

    @Test("0: newsdesk --version prints the version; show --version N is show's alone in its help")
    func version() throws {
        let environment = ProcessInfo.processInfo.environment
        let version = try CommandLineTool.run(["--version"], environment: environment)
        #expect(Outcome(version) == Outcome(status: 0, stdout: "0.1.0\n", stderr: ""))
        let help = try CommandLineTool.run(["show", "--help"], environment: environment)
        #expect(help.status == 0)
        let options = help.stdout.split(separator: "\n").filter { $0.hasPrefix("  --version") }
        #expect(options == ["  --version <version>     Show this version."], "\(help.stdout)")
        let bare = try CommandLineTool.run(["show", "1", "--version"], environment: environment)
        #expect(bare.status == 64)
        #expect(bare.stderr.hasPrefix("Error: Missing value for '--version <version>'"), "\(bare.stderr)")
    }

    @Test("65 bad input: a headline over the limit names the field, its length and the limit; nothing is stored")
    func overlongHeadline() throws {
        let newsroom = try TestNewsroom("exitlong")
        let headline = String(repeating: "Довгий заголовок ", count: 30).trimmingCharacters(in: .whitespaces)
        let result = try newsroom.run(["story", "new", "--lang", "uk", "--headline", headline])
        #expect(
            Outcome(result)
                == Outcome(
                    status: 65,
                    stderr: """
                        Error: headline is \(headline.utf8.count) bytes long; the limit is \(TextField.headline.maximumBytes) bytes.

                        """))
        #expect(try newsroom.count("newsroom.edition") == 0)
    }

    @Test("65 bad input: a language the newsroom does not publish in, with the ones it does")
    func unknownLanguage() throws {
        let newsroom = try TestNewsroom("exitlang")
        let languages: String = try newsroom.connect().query(
            "SELECT string_agg(tag, ', ' ORDER BY position) AS tags FROM newsroom.language")[0].decode("tags")
        let result = try newsroom.run(["story", "new", "--lang", "xx", "--headline", "Nowhere"])
        // What was typed is kept, as after any failure to save it.
        #expect(
            Outcome(result)
                == Outcome(
                    status: 65,
                    stderr: """
                        Error: lang: this newsroom does not publish in "xx"; it publishes in \(languages).
                        Your text was kept in \(try Self.keptFile(newsroom)).

                        """))
        #expect(try newsroom.count("newsroom.edition") == 0)
    }

    @Test("1 not found: the database's message and its hint")
    func notFound() throws {
        let newsroom = try TestNewsroom("exitnotfound")
        let result = try newsroom.run(["show", "en/no-such-story"])
        #expect(
            Outcome(result)
                == Outcome(
                    status: 1,
                    stderr: """
                        Error: There is no edition en/no-such-story. Name an edition by its id or as LANG/slug.

                        """))
    }

    @Test("1 wrong state: submitting an edition that is already in review")
    func wrongState() throws {
        let newsroom = try TestNewsroom("exitstate")
        let edition = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Council meets"))
        _ = try newsroom.desk().submit(edition.reference)
        let result = try newsroom.run(["submit", edition.reference])
        #expect(
            Outcome(result)
                == Outcome(
                    status: 1,
                    stderr: """
                        Error: Cannot submit \(edition.reference): it is in review; only a draft can be submitted for review.

                        """))
    }

    @Test("1 permission: a reporter publishing is refused, and told the refusal is in the audit log")
    func permission() throws {
        let newsroom = try TestNewsroom("exitperm")
        let reporter = "rep_" + UUID().uuidString.prefix(8).lowercased()
        try newsroom.addStaff(reporter, ["reporter"])
        let edition = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Bridge repairs"))
        let result = try newsroom.run(["--as", reporter, "publish", edition.reference])
        #expect(
            Outcome(result)
                == Outcome(
                    status: 1,
                    stderr: """
                        Error: Permission denied: To publish \(edition.reference) you need the editor role. \
                        The refusal was recorded in the audit log.

                        """))
        #expect(try newsroom.auditActions().last == "refused")
    }

    @Test("2 conflict: a stale --expect-version says who saved which version when, and where the text was kept")
    func conflict() throws {
        let newsroom = try TestNewsroom("exitconflict")
        let edition = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Budget talks"))
        _ = try newsroom.desk().edit(edition.reference, EditionChanges(lead: "First"))
        let saved = try newsroom.connect().query(
            """
            SELECT saved_by::text AS login, newsroom.local_time(saved_at)->>'text' AS at
            FROM newsroom.edition_revision WHERE edition_id = \(edition.id) AND version = 2
            """)[0]
        let result = try newsroom.run(["edit", edition.reference, "--lead", "Mine", "--expect-version", "1"])
        #expect(
            Outcome(result)
                == Outcome(
                    status: 2,
                    stderr: """
                        Conflict: \(edition.reference) has changed: you edited version 1, but \(try saved.decode("login", as: String.self)) \
                        saved version 2 at \(try saved.decode("at", as: String.self)). Nothing was saved; look at their version \
                        (newsdesk show) and edit again.
                        Your text was kept in \(try Self.keptFile(newsroom)).

                        """))
        #expect(try newsroom.desk().show(edition.reference).lead == "First")
    }

    @Test("69 unavailable: PGHOST names a folder with no server in it")
    func unavailable() throws {
        let folder = NSTemporaryDirectory() + "newsdesk-no-server-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var environment = ProcessInfo.processInfo.environment
        environment["PGHOST"] = folder
        environment["PGPORT"] = "5432"
        let result = try CommandLineTool.run(["show", "1"], environment: environment)
        #expect(
            Outcome(result)
                == Outcome(
                    status: 69,
                    stderr: """
                        Error: Cannot connect to the database: connection to server on socket "\(folder)/.s.PGSQL.5432" failed: \
                        No such file or directory
                        \tIs the server running locally and accepting connections on that socket?
                        The server comes from DATABASE_URL or PGHOST/PGPORT/PGDATABASE/PGSERVICE; unset them all to use the \
                        embedded database.

                        """))
    }

    @Test("75 temporary: an edition locked by someone else's work past the lock timeout")
    func lockTimeout() throws {
        let newsroom = try TestNewsroom("exitlock")
        let edition = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Locked"))
        let holder = try newsroom.connect()
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE newsroom.edition IN ACCESS EXCLUSIVE MODE")
        defer { _ = try? holder.execute("ROLLBACK") }
        let result = try newsroom.run(["show", String(edition.id)], environment: ["PGOPTIONS": "-c lock_timeout=300"])
        #expect(
            Outcome(result)
                == Outcome(
                    status: 75,
                    stderr: """
                        Error: what the command needed was locked by someone else's work for too long (canceling statement due to \
                        lock timeout); nothing was saved. Try again in a moment.

                        """))
    }

    @Test("1 refused: audit verify on a chain whose event was changed names that event on stdout")
    func brokenAuditChain() throws {
        let newsroom = try TestNewsroom("exitaudit")
        let edition = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Audited"))
        _ = try newsroom.desk().publish(edition.reference)
        let seq: Int = try newsroom.connect().query("SELECT max(seq) AS seq FROM newsroom.audit_event")[0].decode("seq")
        try TamperingTests.tamper(
            newsroom.connect(),
            """
            UPDATE newsroom.audit_event SET detail = detail || '{"tampered": true}' WHERE seq = \(seq);
            """)
        let result = try newsroom.run(["audit", "verify"])
        #expect(
            Outcome(result)
                == Outcome(
                    status: 1,
                    stdout: """
                        The audit chain does NOT verify: event \(seq): its content does not match its hash.

                        """))
    }

    /// The one file the run kept the user's text in.
    static func keptFile(_ newsroom: TestNewsroom) throws -> String {
        let kept = try FileManager.default.contentsOfDirectory(atPath: newsroom.unsavedDirectory)
        try #require(kept.count == 1, "\(kept)")
        return newsroom.unsavedDirectory + "/" + kept[0]
    }
}
