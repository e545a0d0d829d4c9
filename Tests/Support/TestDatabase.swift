import Foundation
public import Logging
public import PostgresClient

/// A database of its own for one test, on the throwaway server `scripts/test`
/// starts. Tests never skip: without that server, creating one throws.
public struct TestDatabase: Sendable {
    public let name: String

    /// The server `scripts/test` promised, through the usual libpq variables.
    public static func serverConfiguration() throws -> ConnectionConfiguration {
        let environment = ProcessInfo.processInfo.environment
        guard environment["NEWSDESK_TEST_SERVER"] == "1", let host = environment["PGHOST"], !host.isEmpty else {
            throw TestSetupError(
                """
                No test database: run the tests with scripts/test, which starts a throwaway PostgreSQL \
                and sets PGHOST and NEWSDESK_TEST_SERVER.
                """)
        }
        return ConnectionConfiguration()
    }

    /// Creates an empty database with a unique name.
    public static func create(_ label: String = "t") throws -> TestDatabase {
        let server = try serverConfiguration()
        let name =
            "nd_\(label.lowercased().filter { $0.isLetter || $0.isNumber }.prefix(20))_"
            + UUID().uuidString.prefix(8).lowercased()
        let admin = try Connection(configuration: server.with("dbname", "postgres"), logger: .test)
        try admin.execute(Query(unsafeSQL: "CREATE DATABASE \(quoteIdentifier(name))"))
        return TestDatabase(name: name)
    }

    public var configuration: ConnectionConfiguration {
        ConnectionConfiguration([.init("dbname", name)])
    }

    /// A new connection to this database.
    public func connect(logger: Logger = .test) throws -> Connection {
        try Connection(configuration: configuration, applicationName: "newsdesk-tests", logger: logger)
    }

    /// Environment for running the `newsdesk` binary against this database.
    public var environment: [String: String] {
        var variables = ProcessInfo.processInfo.environment
        variables["PGDATABASE"] = name
        return variables
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Logger {
    /// Quiet unless NEWSDESK_LOG_LEVEL asks for more.
    public static var test: Logger {
        var logger = Logger(label: "newsdesk-tests")
        logger.logLevel =
            ProcessInfo.processInfo.environment["NEWSDESK_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) }
            ?? .critical
        return logger
    }
}

extension Connection {
    /// The server process of the session whose `application_name` is `name`,
    /// once its start-up is done; waits up to ten seconds for it to appear.
    public func serverProcess(ofSession name: String) throws -> Int? {
        for _ in 0..<1000 {
            let rows = try query(
                """
                SELECT pid FROM pg_stat_activity WHERE application_name = \(name) AND state IS NOT NULL
                """)
            if let row = rows.first { return try row.decode("pid") }
            usleep(10_000)
        }
        return nil
    }

    /// The server process serving this connection.
    public func serverProcess() throws -> Int {
        try query("SELECT pg_backend_pid() AS pid")[0].decode("pid")
    }
}
