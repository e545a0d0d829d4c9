#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way newsdesk starts another program: the PostgreSQL server
/// programs for the embedded database, the user's `$EDITOR`, and (in the
/// tests) the built `newsdesk` itself.
///
/// A few lines over `posix_spawn` and `waitpid` instead of Foundation's
/// `Process`, which would pull all of Foundation into a binary that starts on
/// every command, and which learns of an exit through a dispatch queue that
/// tests blocking every pool thread would starve.
package enum ProcessRunner {
    /// The program could not be started at all (`posix_spawn` failed), or
    /// its captured streams could not be set up or read.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        /// What failed: "run /usr/bin/initdb", "read /tmp/…/stdout".
        package let action: String
        /// The `errno` value.
        package let code: Int32
        /// `strerror` of the code, for a message.
        package var reason: String { String(cString: strerror(code)) }
        package var description: String { "cannot \(action): \(reason)" }
    }

    /// What one run printed, and how it ended.
    package struct Captured: Sendable {
        /// The exit status, or 128 + the signal that ended it.
        package let status: Int32
        package let stdout: [UInt8]
        package let stderr: [UInt8]
    }

    /// Runs `executable` in `directory` with stdin from /dev/null and its
    /// output (both streams) appended to `logPath`, and returns its exit status.
    package static func run(
        _ executable: String, _ arguments: [String], appendingOutputTo logPath: String, directory: String
    ) throws -> Int32 {
        try spawnAndWait(
            ([executable] + arguments).map { Array($0.utf8) }, directory: directory, environment: nil,
            streams: [
                .open(0, "/dev/null", O_RDONLY), .open(1, logPath, O_WRONLY | O_CREAT | O_APPEND), .duplicate(1, as: 2)
            ])
    }

    /// Runs a program on the caller's own terminal (its stdin, stdout and
    /// stderr) and environment, and returns its exit status.
    package static func runAttached(_ arguments: [String]) throws -> Int32 {
        try spawnAndWait(arguments.map { Array($0.utf8) }, directory: nil, environment: nil, streams: [])
    }

    /// Replaces this process with `arguments[0]` (`execv`): the program gets
    /// this process's id, streams and signals, as when run directly. Returns
    /// only by throwing.
    package static func replaceProcess(with arguments: [String]) throws -> Never {
        let argv = arguments.map { cString(Array($0.utf8)) } + [nil]
        execv(arguments[0], argv)
        let code = errno
        argv.forEach { free($0) }
        throw Failure(action: "run \(arguments[0])", code: code)
    }

    /// Runs a program with exactly `environment`, `stdin` as its input, and
    /// returns what it wrote to stdout and stderr. Arguments are bytes, which
    /// may be invalid UTF-8 (a Swift `String` cannot hold that).
    ///
    /// The streams go through files rather than pipes, so a program that
    /// writes a lot to both never blocks on a full pipe nobody reads.
    package static func capture(
        _ arguments: [[UInt8]], environment: [String: String], stdin: [UInt8], directory: String? = nil
    ) throws -> Captured {
        let base = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/newsdesk-run-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Failure(action: "make a folder in \(base)", code: errno)
        }
        let scratch = String(cString: made)
        let paths = (stdin: scratch + "/stdin", stdout: scratch + "/stdout", stderr: scratch + "/stderr")
        defer {
            for path in [paths.stdin, paths.stdout, paths.stderr] { unlink(path) }
            rmdir(scratch)
        }
        try writeFile(paths.stdin, stdin)
        let status = try spawnAndWait(
            arguments, directory: directory, environment: environment,
            streams: [
                .open(0, paths.stdin, O_RDONLY), .open(1, paths.stdout, O_WRONLY | O_CREAT | O_TRUNC),
                .open(2, paths.stderr, O_WRONLY | O_CREAT | O_TRUNC)
            ])
        return Captured(status: status, stdout: try readFile(paths.stdout), stderr: try readFile(paths.stderr))
    }

    /// A program started by ``start(_:environment:outputTo:)`` that runs on.
    package struct Running: Sendable {
        package let processID: Int32

        /// Sends `signal` and waits for the program to end; its exit status,
        /// or 128 + the signal that ended it.
        @discardableResult
        package func stop(signal: Int32 = 15) -> Int32 {
            kill(processID, signal)
            return ProcessRunner.wait(for: processID)
        }

        /// Sends SIGTERM and waits up to `seconds` for the program to end:
        /// its exit status as ``stop(signal:)`` gives it, or nil when it was
        /// still running then (it is then killed).
        package func stop(within seconds: Double) -> Int32? {
            kill(processID, SIGTERM)
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            var status: Int32 = 0
            while waitpid(processID, &status, WNOHANG) != processID {
                guard ContinuousClock.now < deadline else {
                    stop(signal: SIGKILL)
                    return nil
                }
                usleep(50_000)
            }
            return ProcessRunner.exitStatus(status)
        }
    }

    /// Starts a program with exactly `environment`, stdin from /dev/null,
    /// stdout to `outputPath` and stderr to `outputPath`.stderr, and returns
    /// at once (a server, in the tests).
    package static func start(_ arguments: [String], environment: [String: String], outputTo outputPath: String) throws
        -> Running
    {
        let pid = try spawn(
            arguments.map { Array($0.utf8) }, directory: nil, environment: environment,
            streams: [
                .open(0, "/dev/null", O_RDONLY), .open(1, outputPath, O_WRONLY | O_CREAT | O_TRUNC),
                .open(2, outputPath + ".stderr", O_WRONLY | O_CREAT | O_TRUNC)
            ])
        return Running(processID: pid)
    }

    /// The first executable named `name` in `directories`.
    package static func find(_ name: String, in directories: [String]) -> String? {
        directories.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }

    // MARK: - The one spawn

    private enum Stream {
        case open(Int32, String, Int32)
        case duplicate(Int32, as: Int32)
    }

    private static func spawnAndWait(
        _ arguments: [[UInt8]], directory: String?, environment: [String: String]?, streams: [Stream]
    ) throws -> Int32 {
        wait(for: try spawn(arguments, directory: directory, environment: environment, streams: streams))
    }

    /// Waits for `pid` to end: its exit status, or 128 + the signal that ended it.
    static func wait(for pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return exitStatus(status)
    }

    /// The exit status in what `waitpid` reports, or 128 + the signal that
    /// ended the program. (WIFEXITED / WEXITSTATUS are macros Swift cannot import.)
    static func exitStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    private static func spawn(
        _ arguments: [[UInt8]], directory: String?, environment: [String: String]?, streams: [Stream]
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for stream in streams {
            switch stream {
            case .open(let descriptor, let path, let flags):
                posix_spawn_file_actions_addopen(&actions, descriptor, path, flags, 0o600)
            case .duplicate(let descriptor, let target):
                posix_spawn_file_actions_adddup2(&actions, descriptor, target)
            }
        }
        // `env --chdir` starts the program in `directory` without changing
        // ours (the server user may not be allowed into the caller's working
        // directory, root's home).
        let command: [[UInt8]] =
            (directory.map { ["/usr/bin/env", "--chdir=\($0)"] } ?? []).map { Array($0.utf8) }
            + arguments
        let argv = command.map(cString) + [nil]
        let envp = environment.map { $0.map { cString(Array("\($0.key)=\($0.value)".utf8)) } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        // A program starts with no signal blocked and the usual actions for
        // the ones that stop programs. Otherwise it inherits the calling
        // thread's mask: a dispatch or Swift concurrency worker blocks nearly
        // every signal, and a program started there could not be stopped
        // with SIGTERM or Ctrl-C.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var stopping = sigset_t()
        sigemptyset(&stopping)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE] { sigaddset(&stopping, signal) }
        posix_spawnattr_setsigdefault(&attributes, &stopping)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let path = String(decoding: command[0], as: UTF8.self)
        let spawned =
            envp.map { posix_spawn(&pid, path, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, path, &actions, &attributes, argv, environ)
        guard spawned == 0 else {
            throw Failure(action: "run \(path)", code: spawned)
        }
        return pid
    }

    private static func cString(_ bytes: [UInt8]) -> UnsafeMutablePointer<CChar>? {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { strdup($0.baseAddress!) }
        }
    }

    private static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw Failure(action: "write \(path)", code: errno) }
        defer { close(descriptor) }
        if let code = Descriptor.writeAll(descriptor, bytes) { throw Failure(action: "write \(path)", code: code) }
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw Failure(action: "read \(path)", code: errno) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw Failure(action: "read \(path)", code: errno) }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
        }
    }
}
