import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

/// One embedded newsroom for the whole suite (creating one loads the
/// Ukrainian lexicon, half a minute), with an editor and a reporter.
private struct PooledNewsroom: Sendable {
    let home: String
    var environment: [String: String] { CommandLineTool.embeddedEnvironment(home: home) }

    static let shared: Result<PooledNewsroom, any Error> = Result {
        let newsroom = PooledNewsroom(home: try CommandLineTool.makeHome())
        for (login, role) in [("pool_editor", "editor"), ("pool_reporter", "reporter"), ("pool_leaver", "reporter")] {
            let added = try newsroom.run(["staff", "add", login, "--role", role])
            guard added.status == 0 else { throw TestSetupError("staff add \(login): \(added)") }
        }
        let story = try newsroom.run(
            ["--as", "pool_reporter", "story", "new", "--lang", "en", "--headline", "Pool story", "--body", "Text."])
        guard story.status == 0 else { throw TestSetupError("story new: \(story)") }
        return newsroom
    }

    @discardableResult
    func run(_ arguments: [String]) throws -> CommandResult {
        try CommandLineTool.run(arguments, environment: environment)
    }

    /// A session of the test's own, on PostgreSQL itself (port 5432) or on
    /// the pool (6432), as `user`.
    func connect(port: Int, as user: String) throws -> Connection {
        try CommandLineTool.embeddedSession(socketDirectory: home + "/run", port: port, as: user)
    }

    /// The server processes of `login`'s sessions, with when each started.
    func sessions(of login: String) throws -> [String] {
        let observer = try connect(port: 5432, as: "newsdesk")
        return try observer.query(
            """
            SELECT pid::text || ' ' || backend_start::text AS session FROM pg_stat_activity
            WHERE usename = \(login) AND datname = 'newsdesk' ORDER BY pid
            """
        ).map { try $0.decode("session") }
    }

    func poolProcessID() throws -> Int32? {
        let pid = try? String(contentsOfFile: home + "/run/pgbouncer.pid", encoding: .utf8)
        return pid.flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}

@Suite("The embedded database's connection pool", .serialized)
struct ConnectionPoolTests {
    private func newsroom() throws -> PooledNewsroom { try PooledNewsroom.shared.get() }

    @Test("commands go through the pool, and a login's next commands reuse its warm session")
    func commandsReuseSessions() throws {
        let newsroom = try newsroom()
        let status = try newsroom.run(["db", "status", "--json"])
        #expect(status.status == 0, "\(status)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let pool = try #require((report["embedded"] as? [String: Any])?["pool"] as? [String: Any], "\(status)")
        #expect(pool["running"] as? Bool == true)
        #expect(pool["socket"] as? String == newsroom.home + "/run/.s.PGSQL.6432")
        #expect(try newsroom.run(["db", "status"]).stdout.contains("Connection pool: running (pid "))

        try newsroom.run(["--as", "pool_editor", "show", "en/pool-story"])
        let first = try newsroom.sessions(of: "pool_editor")
        #expect(first.count == 1, "\(first)")
        for _ in 0..<4 {
            let shown = try newsroom.run(["--as", "pool_editor", "show", "en/pool-story"])
            #expect(shown.status == 0, "\(shown)")
        }
        // Five commands, one server session: the same process, started once.
        #expect(try newsroom.sessions(of: "pool_editor") == first)
    }

    @Test("through the pool each command still acts as its own login, under its rules, with its audit row")
    func rulesHold() throws {
        let newsroom = try newsroom()
        let refused = try newsroom.run(["--as", "pool_reporter", "publish", "en/pool-story"])
        #expect(refused.status == 1, "\(refused)")
        #expect(refused.stderr.contains("you need the editor role"), "\(refused)")

        #expect(try newsroom.run(["--as", "pool_editor", "publish", "en/pool-story"]).status == 0)
        let added = try newsroom.run(["--as", "pool_reporter", "update", "add", "en/pool-story", "--body", "Pooled."])
        #expect(added.status == 0, "\(added)")

        let audit = try newsroom.run(["audit", "--json", "--limit", "3"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any])
        let events = try #require(report["events"] as? [[String: Any]], "\(audit)")
        #expect(
            events.map { "\($0["actor"] ?? "") \($0["action"] ?? "")" }
                == ["pool_reporter refused", "pool_editor edition.publish", "pool_reporter update.add"],
            "\(audit.stdout)")
        // The client's name reaches the audit through the pool.
        #expect(events.allSatisfy { $0["client"] as? String == "newsdesk" }, "\(audit.stdout)")
        #expect(try newsroom.run(["audit", "verify"]).status == 0)
    }

    @Test("a login deactivated, or one that does not exist, is turned away at once with exit 1")
    func refusedLogins() throws {
        let newsroom = try newsroom()
        // The pool holds a warm session of this login when it is deactivated.
        #expect(try newsroom.run(["--as", "pool_leaver", "show", "en/pool-story"]).status == 0)
        #expect(try newsroom.run(["staff", "deactivate", "pool_leaver"]).status == 0)

        let started = Date()
        let leaver = try newsroom.run(["--as", "pool_leaver", "show", "en/pool-story"])
        #expect(leaver.status == 1, "\(leaver)")
        #expect(
            leaver.stderr
                == """
                Error: The login "pool_leaver" may not work in this newsroom: it is deactivated, or not staff; \
                see newsdesk staff list.

                """)
        // Not after the pool's wait for a server session (minutes): the pool asks first.
        #expect(Date().timeIntervalSince(started) < 10)

        let stranger = try newsroom.run(["--as", "pool_nobody", "show", "en/pool-story"])
        #expect(stranger.status == 1, "\(stranger)")
        #expect(
            stranger.stderr
                == "Error: There is no staff login \"pool_nobody\" in this newsroom; see newsdesk staff list.\n")
    }

    @Test("the operator's open transactions through the pool keep no staff login out")
    func operatorDoesNotBlockStaff() throws {
        let newsroom = try newsroom()
        // A login the pool has not seen yet: it must be looked up.
        #expect(try newsroom.run(["staff", "add", "pool_late", "--role", "reporter"]).status == 0)
        // Every session of the superuser's pool, each in an open transaction.
        let held = try (0..<4).map { _ in try newsroom.connect(port: 6432, as: "newsdesk") }
        for connection in held {
            try connection.execute("BEGIN")
            _ = try connection.query("SELECT 1 AS one")
        }
        defer { for connection in held { _ = try? connection.execute("ROLLBACK") } }

        let started = Date()
        let shown = try newsroom.run(["--as", "pool_late", "show", "en/pool-story"])
        #expect(shown.status == 0, "\(shown)")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(try newsroom.sessions(of: "pool_late").count == 1)
    }

    @Test("a session borrowed from the pool starts as a new one would: settings, role, listens, temp tables reset")
    func sessionsAreReset() throws {
        let newsroom = try newsroom()
        let pid: Int
        do {  // a client that leaves everything it can behind, then goes
            let first = try newsroom.connect(port: 6432, as: "pool_editor")
            pid = try #require(try first.query("SELECT pg_backend_pid() AS pid").first?.decode("pid"))
            try first.execute("SET statement_timeout = '7ms'")
            try first.execute("SET ROLE newsdesk_staff")
            try first.execute("LISTEN pool_test")
            try first.execute("CREATE TEMP TABLE left_behind (x integer)")
        }

        let next = try newsroom.connect(port: 6432, as: "pool_editor")
        let row = try #require(
            try next.query(
                """
                SELECT pg_backend_pid() AS pid, current_setting('statement_timeout') AS timeout,
                       current_user::text AS acting, (SELECT count(*)::int FROM pg_listening_channels()) AS listens,
                       to_regclass('pg_temp.left_behind') IS NULL AS no_table
                """
            ).first)
        // The same server session, or the test proves nothing.
        #expect(try row.decode("pid") as Int == pid)
        #expect(try row.decode("timeout") as String != "7ms")
        #expect(try row.decode("acting") as String == "pool_editor")
        #expect(try row.decode("listens") as Int == 0)
        #expect(try row.decode("no_table") as Bool)
    }

    @Test("a pool that died is started again by the next command, which works meanwhile")
    func poolRestarts() throws {
        let newsroom = try newsroom()
        let pid = try #require(try newsroom.poolProcessID())
        kill(pid, SIGKILL)
        for _ in 0..<200 where kill(pid, 0) == 0 { usleep(10_000) }

        let shown = try newsroom.run(["--as", "pool_editor", "show", "en/pool-story"])
        #expect(shown.status == 0, "\(shown)")
        let restarted = try #require(try newsroom.poolProcessID())
        #expect(restarted != pid)
        #expect(kill(restarted, 0) == 0)

        // Stopping the database stops its pool.
        #expect(try newsroom.run(["db", "stop"]).status == 0)
        #expect(kill(restarted, 0) != 0)
        #expect(!FileManager.default.fileExists(atPath: newsroom.home + "/run/.s.PGSQL.6432"))
    }
}
