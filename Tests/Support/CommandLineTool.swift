public import Foundation
import Logging
import NewsdeskCore
public import PostgresClient

/// What one run of the built `newsdesk` binary produced.
public struct CommandResult: Sendable, CustomStringConvertible {
    public let status: Int32
    public let stdout: String
    public let stderr: String

    public var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// Runs the `newsdesk` binary that `swift build` made, the way a user would.
public enum CommandLineTool {
    /// The package's root directory, found from this file's location.
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `NEWSDESK_BIN`, else the debug build in `.build`.
    public static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["NEWSDESK_BIN"] { return URL(fileURLWithPath: path) }
        return packageRoot.appending(path: ".build/debug/newsdesk")
    }

    /// Runs `newsdesk arguments…` and waits for it (through ``ProcessRunner``,
    /// the tool's own way of running programs).
    public static func run(
        _ arguments: [String], environment: [String: String], stdin: String? = nil, directory: URL? = nil
    ) throws -> CommandResult {
        try run(
            rawArguments: arguments.map { Array($0.utf8) }, environment: environment,
            stdin: stdin.map { Array($0.utf8) }, directory: directory)
    }

    /// Runs `newsdesk` with arguments and stdin given as raw bytes, which may
    /// be invalid UTF-8 (a Swift `String` cannot hold that).
    public static func run(
        rawArguments arguments: [[UInt8]], environment: [String: String], stdin: [UInt8]? = nil, directory: URL? = nil
    ) throws -> CommandResult {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw TestSetupError("newsdesk is not built at \(binary.path); run the tests with scripts/test")
        }
        let captured: ProcessRunner.Captured
        do {
            captured = try ProcessRunner.capture(
                [Array(binary.path.utf8)] + arguments, environment: environment,
                stdin: stdin ?? [], directory: directory?.path)
        } catch let failure as ProcessRunner.Failure {
            throw TestSetupError("\(failure)")
        }
        return CommandResult(
            status: captured.status, stdout: String(decoding: captured.stdout, as: UTF8.self),
            stderr: String(decoding: captured.stderr, as: UTF8.self))
    }

    /// Runs another program (a validator: Python, jing) with the tests'
    /// environment, through the same ``ProcessRunner``.
    public static func runProgram(_ path: String, _ arguments: [String]) throws -> CommandResult {
        let captured: ProcessRunner.Captured
        do {
            captured = try ProcessRunner.capture(
                ([path] + arguments).map { Array($0.utf8) }, environment: ProcessInfo.processInfo.environment,
                stdin: [])
        } catch let failure as ProcessRunner.Failure {
            throw TestSetupError("\(failure)")
        }
        return CommandResult(
            status: captured.status, stdout: String(decoding: captured.stdout, as: UTF8.self),
            stderr: String(decoding: captured.stderr, as: UTF8.self))
    }

    /// An environment with no server configured, so the binary uses the
    /// embedded database under `home`.
    public static func embeddedEnvironment(home: String) -> [String: String] {
        var variables = ProcessInfo.processInfo.environment
        for name in ["DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGSERVICE", "PGUSER"] {
            variables[name] = nil
        }
        variables["NEWSDESK_HOME"] = home
        return variables
    }

    /// A session of the test's own on a server of an embedded database (or
    /// its pool, or a replica) whose socket is in `socketDirectory`.
    public static func embeddedSession(socketDirectory: String, port: Int = 5432, as user: String) throws
        -> Connection
    {
        try Connection(
            configuration: ConnectionConfiguration([
                .init("host", socketDirectory), .init("port", String(port)), .init("dbname", "newsdesk"),
                .init("user", user)
            ]), logger: .test)
    }

    /// A new empty directory for an embedded database, under the folder
    /// `scripts/test` tears down (so a cluster a failed test left running is stopped).
    public static func makeHome() throws -> String {
        let base = ProcessInfo.processInfo.environment["NEWSDESK_TEST_HOMES"] ?? NSTemporaryDirectory()
        let path = base + "/home-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o755])
        return path
    }
}
