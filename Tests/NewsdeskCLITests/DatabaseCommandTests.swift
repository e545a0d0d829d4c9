import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("newsdesk db against a configured server")
struct DatabaseCommandTests {
    @Test("db migrate run by 4 processes at once leaves one consistent schema; running it again does nothing")
    func concurrentMigrate() throws {
        let database = try TestDatabase.create("climigrate")
        let results = try runConcurrently(4) { _ in
            try CommandLineTool.run(["db", "migrate"], environment: database.environment)
        }
        for result in results {
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.isEmpty, "\(result)")
        }
        // Exactly one process applied each migration and the schema files; the others found nothing to do.
        let appliedLines = results.flatMap { $0.stdout.split(separator: "\n").filter { $0.hasPrefix("Applied ") } }
        #expect(
            appliedLines == Migration.all.map { "Applied \($0.fileName)." } + [
                "Applied Schema/ (\(SchemaFile.all.count) files)."
            ])

        let connection = try database.connect()
        let versions = try connection.query("SELECT version FROM schema_migration ORDER BY version")
            .map { try $0.decode("version", as: Int.self) }
        #expect(versions == Migration.all.map(\.version))
        #expect(try connection.query("SELECT count(*) AS n FROM newsroom.language")[0].decode("n", as: Int.self) == 3)

        let again = try CommandLineTool.run(["db", "migrate"], environment: database.environment)
        #expect(again.status == 0)
        #expect(again.stdout.contains("up to date"))
        #expect(!again.stdout.contains("Applied"))
    }

    @Test("db pages builds the reader pages no change built, a batch at a time; a bad batch is refused")
    func pages() throws {
        let newsroom = try TestNewsroom("clipages")
        let desk = try newsroom.desk()
        var published: [Edition] = []
        for headline in ["Council meets", "Bridge reopens", "Snow is coming"] {
            published.append(try desk.publish(desk.createStory(NewStory(lang: "en", headline: headline)).reference))
        }
        _ = try desk.createStory(NewStory(lang: "en", headline: "Still a draft"))
        let owner = try newsroom.connect()
        let standing = Query(
            unsafeSQL: """
                SELECT count(*) AS n FROM newsroom.reader_page p WHERE newsroom.page_stands(p, newsroom.page_generation())
                """)
        #expect(try owner.query(standing)[0].decode("n", as: Int.self) == 3)
        // A new site address is on every page: none stands until built again.
        try owner.execute("UPDATE newsroom.newsroom_setting SET value = 'https://news.example' WHERE key = 'site_url'")
        #expect(try owner.query(standing)[0].decode("n", as: Int.self) == 0)

        let environment = newsroom.database.environment
        let built = try CommandLineTool.run(["db", "pages", "--batch", "2"], environment: environment)
        #expect(built.status == 0, "\(built)")
        #expect(built.stdout == "Built 3 reader pages.\n")
        #expect(built.stderr.isEmpty)
        #expect(try owner.query(standing)[0].decode("n", as: Int.self) == 3)
        let page = try owner.query(
            "SELECT document->>'site_url' AS url FROM newsroom.reader_page WHERE edition_id = \(published[0].id)")
        #expect(try page[0].decode("url", as: String.self) == "https://news.example")
        let again = try CommandLineTool.run(["db", "pages", "--json"], environment: environment)
        #expect(again.status == 0 && again.stdout == "{\n  \"built\" : 0\n}\n", "\(again)")

        let refused = try CommandLineTool.run(["db", "pages", "--batch", "0"], environment: environment)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--batch must be from 1 to 5000."), "\(refused)")
        // Staff may not build pages: that is the schema owner's.
        let staff = try newsroom.run(["db", "pages"])
        #expect(staff.status != 0)
        #expect(staff.stderr.contains("permission denied"), "\(staff)")
    }

    @Test("a command connects while its command line is read, as the --as login wherever it is given")
    func headStart() throws {
        let database = try TestDatabase.create("cliheadstart")
        var environment = database.environment
        environment["NEWSDESK_LOG_LEVEL"] = "debug"
        let user = try database.connect().query("SELECT current_user AS who")[0].decode("who", as: String.self)
        for arguments in [["db", "status"], ["db", "status", "--as", user], ["--as", user, "db", "status"]] {
            let result = try CommandLineTool.run(arguments, environment: environment)
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.contains("head start used"), "\(arguments): \(result)")
            #expect(result.stdout.contains("user \(user)"), "\(result)")
        }
    }

    @Test("db migrate refuses a database with a migration it does not know, with exit 1")
    func unknownNewer() throws {
        let database = try TestDatabase.create("clinewer")
        #expect(try CommandLineTool.run(["db", "migrate"], environment: database.environment).status == 0)
        try database.connect().execute(
            "INSERT INTO schema_migration (version, name, checksum) VALUES (9999, 'from_the_future', 'x')")
        let result = try CommandLineTool.run(["db", "migrate"], environment: database.environment)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("9999"))
        #expect(result.stdout.isEmpty)
        let status = try CommandLineTool.run(["db", "status"], environment: database.environment)
        #expect(status.stdout.contains("unknown  9999_from_the_future"), "\(status)")
    }

    @Test("db status names the server, database and user, shows pending migrations, and never a password")
    func statusWithoutPassword() throws {
        let database = try TestDatabase.create("clistatus")
        let host = ProcessInfo.processInfo.environment["PGHOST"] ?? ""
        var environment = database.environment
        environment["PGHOST"] = nil
        environment["PGDATABASE"] = nil
        let hostParameter = host.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? host
        environment["DATABASE_URL"] =
            "postgresql://newsdesk_test:hunter2-secret@/\(database.name)?host=\(hostParameter)"
        let before = try CommandLineTool.run(["db", "status"], environment: environment)
        #expect(before.status == 0, "\(before)")
        #expect(before.stdout.contains("database \(database.name)"))
        #expect(before.stdout.contains("user newsdesk_test"))
        #expect(before.stdout.contains("0 applied, \(Migration.all.count) pending"))
        _ = try CommandLineTool.run(["db", "migrate"], environment: environment)
        let after = try CommandLineTool.run(["db", "status", "--json"], environment: environment)
        #expect(after.status == 0, "\(after)")
        let report = try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any]
        #expect((report?["applied"] as? [Any])?.count == Migration.all.count)
        #expect((report?["pending"] as? [Any])?.isEmpty == true)
        #expect((report?["server"] as? [String: Any])?["database"] as? String == database.name)
        for output in [before.stdout, before.stderr, after.stdout, after.stderr] {
            #expect(!output.contains("hunter2"))
        }
    }

    @Test("an unreachable server gives exit 69 and says where the server setting comes from")
    func unreachable() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PGHOST"] = "/nonexistent-newsdesk-socket-dir"
        let result = try CommandLineTool.run(["db", "status"], environment: environment)
        #expect(result.status == 69, "\(result)")
        #expect(result.stderr.contains("Cannot connect to the database"))
        #expect(result.stderr.contains("DATABASE_URL"))
    }

    @Test("usage errors exit 64", arguments: [["db", "nonsense"], ["db", "status", "--no-such-option"], ["frobnicate"]])
    func usage(_ arguments: [String]) throws {
        let result = try CommandLineTool.run(arguments, environment: ProcessInfo.processInfo.environment)
        #expect(result.status == 64, "\(result)")
        #expect(!result.stderr.isEmpty)
    }

    @Test("help describes the db commands")
    func help() throws {
        let result = try CommandLineTool.run(["help", "db"], environment: ProcessInfo.processInfo.environment)
        #expect(result.status == 0)
        for word in ["migrate", "status", "start", "stop"] { #expect(result.stdout.contains(word)) }
    }
}
