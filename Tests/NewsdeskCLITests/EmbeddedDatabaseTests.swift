import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

@Suite("The embedded database, through the built binary")
struct EmbeddedDatabaseTests {
    @Test("newsdesk creates, starts, reports and stops its own database, from any directory")
    func lifecycle() throws {
        let home = try CommandLineTool.makeHome()
        let environment = CommandLineTool.embeddedEnvironment(home: home)
        let root = URL(fileURLWithPath: "/")

        let fresh = try CommandLineTool.run(["db", "status"], environment: environment, directory: root)
        #expect(fresh.status == 0, "\(fresh)")
        #expect(fresh.stdout.contains("not created yet"))

        let start = try CommandLineTool.run(["db", "start"], environment: environment, directory: root)
        #expect(start.status == 0, "\(start)")
        #expect(start.stdout.contains("running"))
        #expect(FileManager.default.fileExists(atPath: home + "/cluster/PG_VERSION"))

        let running = try CommandLineTool.run(["db", "status", "--json"], environment: environment, directory: root)
        #expect(running.status == 0, "\(running)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(running.stdout.utf8)) as? [String: Any])
        let embedded = try #require(report["embedded"] as? [String: Any])
        #expect(embedded["running"] as? Bool == true)
        #expect((embedded["pid"] as? Int ?? 0) > 0)
        #expect((report["applied"] as? [Any])?.count == Migration.all.count)
        #expect((report["server"] as? [String: Any])?["host"] as? String == home + "/run")

        // Unix socket only: the server listens on no TCP port.
        let config = try String(contentsOfFile: home + "/cluster/postgresql.conf", encoding: .utf8)
        #expect(config.contains("listen_addresses = ''"))
        // Its page cache is sized for the machine, not PostgreSQL's 128 MB default.
        let sharedBuffers = config.split(separator: "\n").last { $0.hasPrefix("shared_buffers = '") }
        let megabytes = sharedBuffers.flatMap { Int($0.dropFirst("shared_buffers = '".count).prefix { $0.isNumber }) }
        #expect((128...8192).contains(megabytes ?? 0), "\(String(describing: sharedBuffers))")

        let stop = try CommandLineTool.run(["db", "stop"], environment: environment, directory: root)
        #expect(stop.status == 0, "\(stop)")
        #expect(stop.stdout.contains("stopped"))
        let stopped = try CommandLineTool.run(["db", "status"], environment: environment, directory: root)
        #expect(stopped.stdout.contains("Embedded database: stopped"), "\(stopped)")

        // Used again, it starts by itself.
        let migrate = try CommandLineTool.run(["db", "migrate"], environment: environment, directory: root)
        #expect(migrate.status == 0, "\(migrate)")
        #expect(migrate.stdout.contains("up to date"))
        #expect(try CommandLineTool.run(["db", "stop"], environment: environment).status == 0)
    }

    @Test("two first uses at the same moment make one healthy database")
    func concurrentFirstUse() throws {
        let home = try CommandLineTool.makeHome()
        let environment = CommandLineTool.embeddedEnvironment(home: home)
        let results = try runConcurrently(3) { _ in
            try CommandLineTool.run(["db", "migrate"], environment: environment)
        }
        for result in results { #expect(result.status == 0, "\(result)") }
        let status = try CommandLineTool.run(["db", "status", "--json"], environment: environment)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect((report["applied"] as? [Any])?.count == Migration.all.count)
        #expect((report["pending"] as? [Any])?.isEmpty == true)
        #expect(try CommandLineTool.run(["db", "stop"], environment: environment).status == 0)
    }

    @Test("missing PostgreSQL server programs give exit 69 and say how to install them")
    func missingServer() throws {
        let home = try CommandLineTool.makeHome()
        var environment = CommandLineTool.embeddedEnvironment(home: home)
        environment["NEWSDESK_PG_BINDIR"] = "/nonexistent/postgresql/bin"
        let result = try CommandLineTool.run(["db", "start"], environment: environment)
        #expect(result.status == 69, "\(result)")
        #expect(result.stderr.contains("apt-get install postgresql"))
    }

    @Test("db start refuses when a server is configured")
    func startWithServerConfigured() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = "postgresql://localhost/elsewhere"
        let result = try CommandLineTool.run(["db", "start"], environment: environment)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("embedded database"))
    }
}

@Suite("newsdesk demo")
struct DemoTests {
    @Test("the demo loads a newsroom, shows the English feed and a story, and runs again without loading twice")
    func demo() throws {
        let home = try CommandLineTool.makeHome()
        let environment = CommandLineTool.embeddedEnvironment(home: home)
        defer { _ = try? CommandLineTool.run(["db", "stop"], environment: environment) }
        let first = try CommandLineTool.run(["demo"], environment: environment)
        #expect(first.status == 0, "\(first)")
        #expect(first.stderr.contains("Loaded the demo newsroom."))
        let feedLines = first.stdout.components(separatedBy: "\n\n")[1].split(separator: "\n")
        #expect(feedLines.count == 3, "\(first.stdout)")
        #expect(first.stdout.contains("Kyiv metro to run late on New Year's Eve  [updated]"))
        #expect(first.stdout.contains("By Halyna Bondar. Translated by Oksana Ivanova"))
        #expect(first.stdout.contains("Update: "))
        #expect(first.stdout.contains("Subjects: Kyiv, Transport"))
        #expect(first.stdout.contains("  from uk v1  STALE (source is at v2)  missing updates: 1, 3\n"))

        let again = try CommandLineTool.run(["demo"], environment: environment)
        #expect(again.status == 0)
        #expect(again.stderr.contains("already loaded"))
        #expect(again.stdout == first.stdout)

        // The demo's people act under their own logins, with their own rights.
        let refused = try CommandLineTool.run(
            ["--as", "hbondar", "publish", "uk/kyivske-metro-pratsiuvatyme-dovshe-v-novorichnu-nich"],
            environment: environment)
        #expect(refused.status == 1)
        #expect(try CommandLineTool.run(["--as", "pmelnyk", "audit", "verify"], environment: environment).status == 0)
    }
}
