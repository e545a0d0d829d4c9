import Foundation
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Connections started ahead of use")
struct PendingConnectionTests {
    let database: TestDatabase
    let observer: Connection

    init() throws {
        database = try TestDatabase.create("pending")
        observer = try database.connect()
    }

    @Test("the server sets the session up before finish is called, and finish hands over that session")
    func headStart() throws {
        let name = "pending-\(UUID().uuidString.prefix(8))"
        let pending = try #require(
            PendingConnection(configuration: database.configuration.with("application_name", name)))
        // Nothing has waited for the server yet: the session appears on its own.
        let process = try #require(try observer.serverProcess(ofSession: name))
        let connection = try pending.finish(logger: .test)
        #expect(try connection.serverProcess() == process)
        #expect(
            try connection.query("SELECT current_database() AS db")[0].decode("db", as: String.self) == database.name)
        #expect(pending.configuration == database.configuration.with("application_name", name))
    }

    @Test("a session the server refuses fails on finish with the server's reason")
    func refused() throws {
        let pending = try #require(
            PendingConnection(configuration: ConnectionConfiguration([.init("dbname", "nd_no_such_database")])))
        let error = #expect(throws: PostgresError.self) { try pending.finish(logger: .test) }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.message.contains("nd_no_such_database") == true)
    }

    @Test("with connect_timeout set, the connection is left to the blocking way, which honours it")
    func connectTimeout() throws {
        #expect(PendingConnection(configuration: database.configuration.with("connect_timeout", "5")) == nil)
        #expect(PendingConnection(configuration: database.configuration.with("connect_timeout", "0")) != nil)
    }
}
