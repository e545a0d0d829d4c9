#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the PostgreSQL server programs (`initdb`, `pg_ctl`) for the embedded
/// database. A few lines over `posix_spawn` instead of Foundation's `Process`,
/// which would pull all of Foundation into a binary that starts on every command.
enum ProcessRunner {
    /// Runs `executable` with `arguments`, its output appended to `logPath`,
    /// in `directory`, and returns its exit status.
    static func run(_ executable: String, _ arguments: [String], logPath: String, directory: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        // `env --chdir` starts the program in `directory`: the server user may
        // not be allowed into the caller's working directory (root's home).
        let argv = (["/usr/bin/env", "--chdir=\(directory)", executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw NewsdeskError(.unavailable, "Could not run \(executable): \(String(cString: strerror(spawned))).")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }

    /// The first executable named `name` in `directories`.
    static func find(_ name: String, in directories: [String]) -> String? {
        directories.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}
