import Foundation
public import NewsdeskCore
public import PostgresClient

/// A migrated newsroom database of its own for one test, and the means to
/// run the built `newsdesk` against it.
public struct TestNewsroom: Sendable {
    public let database: TestDatabase
    /// Where `newsdesk` keeps text it could not save, for this test.
    public let unsavedDirectory: String
    /// The staff login `run` acts as unless told otherwise: it holds all four
    /// roles, because newsdesk refuses editorial commands to a superuser
    /// (the test server's own login). Logins belong to the whole cluster, and
    /// tests run at once, so each newsroom has its own.
    public let staffLogin: String

    public init(_ label: String) throws {
        database = try TestDatabase.create(label)
        try Migrator().migrate(database.connect())
        unsavedDirectory = NSTemporaryDirectory() + "newsdesk-unsaved-" + UUID().uuidString.prefix(8)
        staffLogin = "desk_" + UUID().uuidString.prefix(8).lowercased()
        _ = try StaffDesk(connection: database.connect()).add(
            staffLogin, roles: ["reporter", "translator", "editor", "admin"], names: [:])
    }

    /// For the built binary: this newsroom's database, acting as ``staffLogin``.
    public var environment: [String: String] {
        var variables = database.environment
        variables["PGUSER"] = staffLogin
        variables["NEWSDESK_UNSAVED_DIR"] = unsavedDirectory
        variables["EDITOR"] = nil
        variables["VISUAL"] = nil
        return variables
    }

    /// Runs `newsdesk arguments…` against this newsroom.
    public func run(_ arguments: [String], stdin: String? = nil, environment extra: [String: String] = [:]) throws
        -> CommandResult
    {
        try CommandLineTool.run(arguments, environment: environment.merging(extra) { $1 }, stdin: stdin)
    }

    /// Runs a command that prints JSON with `--json` and decodes it.
    public func json<T: Decodable>(_ type: T.Type, _ arguments: [String]) throws -> T {
        let result = try run(arguments + ["--json"])
        guard result.status == 0 else {
            throw TestSetupError("newsdesk \(arguments.joined(separator: " ")) failed: \(result)")
        }
        return try NewsroomJSON.decoder().decode(type, from: Data(result.stdout.utf8))
    }

    public func connect() throws -> Connection {
        try database.connect()
    }

    /// A connection as a staff login, the way `psql -U LOGIN` would connect.
    public func connect(as login: String, settings: String? = nil) throws -> Connection {
        var configuration = database.configuration.with("user", login)
        if let settings { configuration = configuration.with("options", settings) }
        return try Connection(configuration: configuration, applicationName: "newsdesk-tests", logger: .test)
    }

    /// Adds a person through the library, as the test's superuser.
    @discardableResult
    public func addStaff(_ login: String, _ roles: [String], names: [String: String] = [:]) throws -> StaffMember {
        try StaffDesk(connection: connect()).add(login, roles: roles, names: names)
    }

    /// Audit events, newest last.
    /// (Refusals waiting to be chained are chained first, as `newsdesk audit` does.)
    public func auditActions() throws -> [String] {
        let connection = try connect()
        try connection.execute("SELECT newsroom.settle_audit()")
        return try connection.query("SELECT action FROM newsroom.audit_event ORDER BY seq").map {
            try $0.decode("action", as: String.self)
        }
    }

    /// The library's desk, acting as the test's superuser.
    public func desk() throws -> EditionDesk {
        EditionDesk(connection: try connect())
    }

    /// How many rows a table has, to prove that nothing was written.
    public func count(_ table: String) throws -> Int {
        try connect().query(Query(unsafeSQL: "SELECT count(*) AS n FROM \(table)"))[0].decode("n")
    }
}
