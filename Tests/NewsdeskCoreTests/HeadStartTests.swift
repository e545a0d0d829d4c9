import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Connecting with a head start")
struct HeadStartTests {
    let database: TestDatabase
    let observer: Connection
    /// Each test's sessions carry a name of their own, to be found in pg_stat_activity.
    let session = "headstart-\(UUID().uuidString.prefix(8))"
    var target: DatabaseTarget { .server(database.configuration.with("application_name", session)) }

    init() throws {
        database = try TestDatabase.create("headstart")
        observer = try database.connect()
    }

    @Test("connect takes over the session started for the same server and user")
    func used() throws {
        let headStart = try #require(target.startConnecting(as: nil, environment: [:]))
        let process = try #require(try observer.serverProcess(ofSession: session))
        let connection = try target.connect(as: nil, environment: [:], logger: .test, headStart: headStart)
        #expect(try connection.serverProcess() == process)
    }

    @Test("a session started for another login is not taken: connect acts as the login it is asked for")
    func otherLogin() throws {
        let login = "nd_headstart_\(UUID().uuidString.prefix(6).lowercased())"
        try observer.execute(Query(unsafeSQL: "CREATE ROLE \(login) LOGIN"))
        let headStart = try #require(target.startConnecting(as: login, environment: [:]))
        let process = try #require(try observer.serverProcess(ofSession: session))

        let connection = try target.connect(as: nil, environment: [:], logger: .test, headStart: headStart)
        #expect(try connection.serverProcess() != process)
        let user = try connection.query("SELECT current_user AS who")[0].decode("who", as: String.self)
        let expected = try observer.query("SELECT current_user AS who")[0].decode("who", as: String.self)
        #expect(user == expected)
        #expect(user != login)
    }

    @Test("the embedded database, when it is not running, gets no head start (connecting starts it)")
    func embeddedNotRunning() throws {
        let home = FileManager.default.temporaryDirectory.appending(path: "newsdesk-headstart-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: home) }
        let embedded = DatabaseTarget.resolve(environment: ["NEWSDESK_HOME": home])
        #expect(embedded.startConnecting(as: nil, environment: [:]) == nil)
    }
}
