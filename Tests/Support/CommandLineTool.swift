public import Foundation

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

    /// Runs `newsdesk arguments…` and waits for it.
    ///
    /// Spawned with `posix_spawn` and waited for with `waitpid`, its streams
    /// in files: Foundation's `Process` learns of the exit through a dispatch
    /// queue, which tests that block every pool thread would starve.
    public static func run(
        _ arguments: [String], environment: [String: String], stdin: String? = nil, directory: URL? = nil
    ) throws -> CommandResult {
        try run(rawArguments: arguments.map { Array($0.utf8) }, environment: environment,
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
        let scratch = FileManager.default.temporaryDirectory.appending(path: "newsdesk-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inPath = scratch.appending(path: "stdin").path
        let outPath = scratch.appending(path: "stdout").path
        let errPath = scratch.appending(path: "stderr").path
        try Data(stdin ?? []).write(to: URL(fileURLWithPath: inPath))

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        // `env --chdir` sets the working directory without changing ours.
        let command = directory.map { ["/usr/bin/env", "--chdir=\($0.path)", binary.path] } ?? [binary.path]
        let argv = (command.map { Array($0.utf8) } + arguments).map { bytes in
            (bytes + [0]).withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { strdup($0.baseAddress!) }
            }
        } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, envp)
        guard spawned == 0 else { throw TestSetupError("cannot run \(command[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let signal = status & 0x7F
        return CommandResult(status: signal == 0 ? (status >> 8) & 0xFF : 128 + signal,
                             stdout: String(decoding: try Data(contentsOf: URL(fileURLWithPath: outPath)), as: UTF8.self),
                             stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: errPath)), as: UTF8.self))
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

    /// A new empty directory for an embedded database, under the folder
    /// `scripts/test` tears down (so a cluster a failed test left running is stopped).
    public static func makeHome() throws -> String {
        let base = ProcessInfo.processInfo.environment["NEWSDESK_TEST_HOMES"] ?? NSTemporaryDirectory()
        let path = base + "/home-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        return path
    }
}
