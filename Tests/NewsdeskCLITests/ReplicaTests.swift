import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

/// An embedded newsroom with a real streaming replica made by
/// `newsdesk db replica create`, shared by the suite (creating the newsroom
/// loads the Ukrainian lexicon, half a minute). The staff work against it as
/// a configured server: each person has a newsdesk home of their own, where
/// the position of their own last write is kept.
private struct ReplicatedNewsroom: Sendable {
    let home: String
    let replicaDirectory: String
    let readURL: String

    static let shared: Result<ReplicatedNewsroom, any Error> = Result {
        let home = try CommandLineTool.makeHome()
        let embedded = CommandLineTool.embeddedEnvironment(home: home)
        for (login, role) in [("rep_editor", "editor"), ("rep_reader", "reporter")] {
            let added = try CommandLineTool.run(["staff", "add", login, "--role", role], environment: embedded)
            guard added.status == 0 else { throw TestSetupError("staff add \(login): \(added)") }
        }
        let story = try CommandLineTool.run(
            ["--as", "rep_editor", "story", "new", "--lang", "en", "--headline", "Harbour reopens", "--body", "Text."],
            environment: embedded)
        guard story.status == 0 else { throw TestSetupError("story new: \(story)") }
        let published = try CommandLineTool.run(
            ["--as", "rep_editor", "publish", "en/harbour-reopens"], environment: embedded)
        guard published.status == 0 else { throw TestSetupError("publish: \(published)") }

        let replicaDirectory = home + "/replica"
        let created = try CommandLineTool.run(["db", "replica", "create", replicaDirectory], environment: embedded)
        guard created.status == 0 else { throw TestSetupError("db replica create: \(created)") }
        let readURL = "host=\(replicaDirectory)/run dbname=newsdesk"
        let expected = """
            Replica running (pid N) in \(replicaDirectory).
            Read from it with:
              export NEWSDESK_READ_URL='\(readURL)'

            """
        guard created.stdout.replacing(/pid [0-9]+/, with: "pid N") == expected, created.stderr.isEmpty else {
            throw TestSetupError("db replica create printed:\n\(created)")
        }
        return ReplicatedNewsroom(home: home, replicaDirectory: replicaDirectory, readURL: readURL)
    }

    /// The environment of `person`, who works against the newsroom as a
    /// configured server, reading from the replica unless `replica` is false.
    func environment(_ person: String, replica: Bool = true, extra: [String: String] = [:]) -> [String: String] {
        var environment = CommandLineTool.embeddedEnvironment(home: home + "/people/" + person)
        environment["DATABASE_URL"] = "host=\(home)/run dbname=newsdesk"
        if replica { environment["NEWSDESK_READ_URL"] = readURL }
        return environment.merging(extra) { $1 }
    }

    func run(_ person: String, _ arguments: [String], replica: Bool = true, extra: [String: String] = [:]) throws
        -> CommandResult
    {
        try CommandLineTool.run(arguments, environment: environment(person, replica: replica, extra: extra))
    }

    /// `newsdesk arguments…` on the embedded database itself, as its operator does (db replica …).
    func runEmbedded(_ arguments: [String]) throws -> CommandResult {
        try CommandLineTool.run(arguments, environment: CommandLineTool.embeddedEnvironment(home: home))
    }

    /// A superuser session on the replica (pause and resume its replay).
    func replicaSession() throws -> Connection {
        try CommandLineTool.embeddedSession(socketDirectory: replicaDirectory + "/run", as: "newsdesk")
    }

    /// Runs `body` with the replica's replay paused, resuming it afterwards.
    func withReplayPaused<T>(_ body: () throws -> T) throws -> T {
        let session = try replicaSession()
        _ = try session.query("SELECT pg_wal_replay_pause()")
        defer { _ = try? session.query("SELECT pg_wal_replay_resume()") }
        return try body()
    }

    func headline(_ shown: CommandResult) -> String { shown.stdout.split(separator: "\n").first.map(String.init) ?? "" }
}

@Suite("Reads from a streaming replica", .serialized)
struct ReplicaTests {
    private func newsroom() throws -> ReplicatedNewsroom { try ReplicatedNewsroom.shared.get() }

    @Test("db status lists the standby and the read replica")
    func statusShowsReplication() throws {
        let newsroom = try newsroom()
        let status = try newsroom.run("operator", ["--as", "newsdesk", "db", "status"])
        #expect(status.status == 0, "\(status)")
        #expect(
            status.stdout.contains(
                /\nStandby walreceiver: streaming(, replay lag [0-9.]+ m?s)?(, [0-9]+ bytes behind)?\n/))
        #expect(
            status.stdout.contains(/\nRead replica \(NEWSDESK_READ_URL\): a standby, replayed to [0-9A-F]+\/[0-9A-F]+/))
        let json = try newsroom.run("operator", ["--as", "newsdesk", "db", "status", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let standbys = try #require(report["standbys"] as? [[String: Any]], "\(json)")
        #expect(standbys.map { $0["state"] as? String } == ["streaming"])
        let replica = try #require(report["read_replica"] as? [String: Any])
        #expect((replica["state"] as? [String: Any])?["in_recovery"] as? Bool == true, "\(json)")
        #expect((replica["state"] as? [String: Any])?["replay_paused"] as? Bool == false, "\(json)")
    }

    @Test("with replay paused, reads show the replica's state while writes reach the primary")
    func pausedReplicaServesReads() throws {
        let newsroom = try newsroom()
        try newsroom.withReplayPaused {
            let edited = try newsroom.run(
                "editor", ["--as", "rep_editor", "edit", "en/harbour-reopens", "--headline", "Harbour stays shut"])
            #expect(edited.status == 0, "\(edited)")
            // A colleague who has written nothing reads from the replica: the old headline.
            let fromReplica = try newsroom.run("colleague", ["--as", "rep_reader", "show", "en/harbour-reopens"])
            #expect(fromReplica.status == 0, "\(fromReplica)")
            #expect(newsroom.headline(fromReplica) == "Harbour reopens")
            let feed = try newsroom.run("colleague", ["--as", "rep_reader", "feed", "--lang", "en"])
            #expect(feed.stdout.contains("Harbour reopens") && !feed.stdout.contains("Harbour stays shut"), "\(feed)")
            // The primary has the edit.
            let fromPrimary = try newsroom.run(
                "colleague", ["--as", "rep_reader", "show", "en/harbour-reopens"], replica: false)
            #expect(newsroom.headline(fromPrimary) == "Harbour stays shut", "\(fromPrimary)")
            let status = try newsroom.run("operator", ["--as", "newsdesk", "db", "status"])
            #expect(
                status.stdout.contains(
                    /\nRead replica \(NEWSDESK_READ_URL\): a standby, replayed to [0-9A-F]+\/[0-9A-F]+ \(replay paused\)/
                ),
                "\(status)")
            // The editor's own read is fenced: the replica stays behind, so after
            // the bound it reads from the primary and sees the edit.
            let own = try newsroom.run(
                "editor", ["--as", "rep_editor", "show", "en/harbour-reopens"], extra: ["NEWSDESK_LOG_LEVEL": "info"])
            #expect(own.status == 0, "\(own)")
            #expect(newsroom.headline(own) == "Harbour stays shut", "\(own)")
            #expect(
                own.stderr.contains(
                    /reading from the primary: the replica cannot serve this read: after 1(\.0)? seconds? it had replayed the log to [0-9A-F]+\/[0-9A-F]+, short of this user's last write at [0-9A-F]+\/[0-9A-F]+\./
                ), "\(own)")
            // …or, where the primary must not take reads, fails with 69.
            let refused = try newsroom.run(
                "editor", ["--as", "rep_editor", "show", "en/harbour-reopens"],
                extra: ["NEWSDESK_READ_FALLBACK": "fail"])
            #expect(refused.status == 69, "\(refused)")
            #expect(refused.stdout.isEmpty)
            #expect(
                refused.stderr.wholeMatch(
                    of:
                        /Error: Cannot read from the replica NEWSDESK_READ_URL names: after 1(\.0)? seconds? it had replayed the log to [0-9A-F]+\/[0-9A-F]+, short of this user's last write at [0-9A-F]+\/[0-9A-F]+\.\nNEWSDESK_READ_FALLBACK=fail, so the read was not sent to the primary; unset it to read from the primary until the replica serves again.\n/
                ) != nil, "\(refused)")
        }
        // Replay resumed: the colleague's replica read catches up.
        var headline = ""
        for _ in 0..<100 where headline != "Harbour stays shut" {
            headline = newsroom.headline(
                try newsroom.run("colleague", ["--as", "rep_reader", "show", "en/harbour-reopens"]))
            if headline != "Harbour stays shut" { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(headline == "Harbour stays shut")
    }

    @Test("a read straight after one's own write sees it, waiting on the replica rather than leaving it")
    func fenceMakesOwnWritesVisible() throws {
        let newsroom = try newsroom()
        for round in 1...15 {
            let headline = "Harbour update \(round)"
            let edited = try newsroom.run(
                "fenced", ["--as", "rep_editor", "edit", "en/harbour-reopens", "--headline", headline])
            #expect(edited.status == 0, "\(edited)")
            let shown = try newsroom.run(
                "fenced", ["--as", "rep_editor", "show", "en/harbour-reopens"],
                extra: ["NEWSDESK_LOG_LEVEL": "debug"])
            #expect(newsroom.headline(shown) == headline, "round \(round): \(shown)")
            #expect(shown.stderr.contains("the replica has replayed this user's last write"), "\(shown)")
            #expect(!shown.stderr.contains("reading from the primary"), "\(shown)")
        }
    }

    @Test("with the replica down, reads fall back to the primary, or exit 69 as configured")
    func replicaDownFallsBack() throws {
        let newsroom = try newsroom()
        let stopped = try newsroom.runEmbedded(["db", "replica", "stop", newsroom.replicaDirectory])
        #expect(stopped.status == 0 && stopped.stdout == "Replica stopped.\n", "\(stopped)")
        defer {
            _ = try? newsroom.runEmbedded(["db", "replica", "start", newsroom.replicaDirectory])
        }
        let fallback = try newsroom.run(
            "colleague", ["--as", "rep_reader", "feed", "--lang", "en"], extra: ["NEWSDESK_LOG_LEVEL": "info"])
        #expect(fallback.status == 0, "\(fallback)")
        #expect(fallback.stdout.contains("https://"), "\(fallback)")
        #expect(
            fallback.stderr.contains(
                "reading from the primary: the replica cannot serve this read: connection to server on socket"),
            "\(fallback)")
        let refused = try newsroom.run(
            "colleague", ["--as", "rep_reader", "feed", "--lang", "en"], extra: ["NEWSDESK_READ_FALLBACK": "fail"])
        #expect(refused.status == 69, "\(refused)")
        #expect(refused.stdout.isEmpty)
        #expect(
            refused.stderr.hasPrefix(
                "Error: Cannot read from the replica NEWSDESK_READ_URL names: connection to server on socket \"\(newsroom.replicaDirectory)/run/.s.PGSQL.5432\" failed"
            ),
            "\(refused)")
        #expect(
            refused.stderr.hasSuffix(
                "\nNEWSDESK_READ_FALLBACK=fail, so the read was not sent to the primary; unset it to read from the primary until the replica serves again.\n"
            ))
        // Writing never touches the replica.
        let edited = try newsroom.run(
            "colleague", ["--as", "rep_editor", "edit", "en/harbour-reopens", "--headline", "Harbour, replica down"],
            extra: ["NEWSDESK_READ_FALLBACK": "fail"])
        #expect(edited.status == 0, "\(edited)")
        let status = try newsroom.run("operator", ["--as", "newsdesk", "db", "status"])
        #expect(
            status.stdout.contains("\nRead replica (NEWSDESK_READ_URL): unreachable: connection to server on socket"),
            "\(status)")
        // A misspelt fallback is a usage error, named.
        let misspelt = try newsroom.run(
            "colleague", ["--as", "rep_reader", "feed"], extra: ["NEWSDESK_READ_FALLBACK": "primry"])
        #expect(misspelt.status == 64, "\(misspelt)")
        #expect(
            misspelt.stderr
                == "Error: NEWSDESK_READ_FALLBACK is \"primry\"; it must be primary (the default) or fail.\n")
    }

    @Test("db replica refuses a directory in use, and a configured server")
    func replicaCommandRefusals() throws {
        let newsroom = try newsroom()
        let again = try newsroom.runEmbedded(["db", "replica", "create", newsroom.replicaDirectory])
        #expect(again.status == 1, "\(again)")
        #expect(again.stderr.contains("\(newsroom.replicaDirectory) is not empty"), "\(again)")
        let configured = try newsroom.run("operator", ["db", "replica", "create", newsroom.home + "/other"])
        #expect(configured.status == 1, "\(configured)")
        #expect(configured.stderr.contains("db replica makes replicas of the embedded database only"), "\(configured)")
        let missing = try newsroom.runEmbedded(["db", "replica", "start", newsroom.home + "/none"])
        #expect(
            missing.status != 0 && missing.stderr.contains("There is no replica in \(newsroom.home)/none"), "\(missing)"
        )
    }

    @Test("the site reads pages from the replica, and never caches a page older than the change it saw")
    func siteReadsFromReplica() throws {
        let newsroom = try newsroom()
        let server = try SiteServer(environment: newsroom.environment("site"))
        defer { server.stop() }
        let first = try server.request("/en/harbour-reopens")
        #expect(first.status == 200, "\(first)")
        // The page was read on the replica, as the site's login.
        let replica = try newsroom.replicaSession()
        let sessions = try replica.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'newsdesk_site'")[0].decode(
                "n", as: Int.self)
        #expect(sessions >= 1)
        try newsroom.withReplayPaused {
            let edited = try newsroom.run(
                "site-editor", ["--as", "rep_editor", "edit", "en/harbour-reopens", "--headline", "Ferries run again"])
            #expect(edited.status == 0, "\(edited)")
            // The replica cannot show the change; the page still does, once the
            // server has seen it (from the primary, after the fence's bound).
            let page = try server.request("/en/harbour-reopens", within: 10) { $0.body.contains("Ferries run again") }
            #expect(page.body.contains("Ferries run again"), "\(page)")
            #expect(server.log.contains("reading from the primary: the replica cannot serve reads"), "\(server.log)")
        }
    }
}
