import NewsdeskCore
import PostgresClient
import Synchronization

/// The database connection a command is about to need, started before its
/// command line is parsed.
///
/// A short command spends about 1.5 ms reading its command line
/// (swift-argument-parser reflects on the command types) and setting up, and
/// the server about 2.5 ms forking a backend, authenticating and loading its
/// caches. Started first, the two happen at the same time. The command's own
/// connect takes this connection only when it was made for the same server
/// and user, got through, and is fresh; otherwise it is closed and the command
/// connects as before, so a wrong guess here costs time, never correctness.
enum HeadStart {
    /// Where the connection waits for its command: swift-argument-parser makes
    /// the command values, so it cannot be handed to them directly.
    private static let pending = Mutex<PendingConnection?>(nil)

    /// Older than this, a connection is not trusted to be alive any more (a
    /// command may have waited for an editor, and the server may close idle
    /// sessions): the command connects afresh.
    private static let freshFor = 1.0

    /// Arguments after which nothing connects: help, completion scripts, and
    /// (as the first word only: `show --version N` is a command) the version
    /// and the shell's completion calls (which connect on their own, if at all).
    /// (Arrays, not sets: this runs before the connection starts, and the
    /// first use of a hashed collection costs more than a few comparisons.)
    private static let informational = [
        "-h", "--help", "--generate-completion-script", "--experimental-dump-help"
    ]

    /// Starts connecting for the command `arguments` name, as the `--as` login
    /// among them (to the read replica for a reading command, when one is
    /// configured), unless the command surely does not take this connection:
    /// help, `db start` and `db stop`, and `demo` (which connects as several
    /// staff of its own).
    static func begin(_ arguments: [String]) {
        let words = arguments.prefix { $0 != "--" }
        guard let first = words.first, !["help", "demo", "--version", "---completion"].contains(first),
            !words.contains(where: informational.contains),
            !(first == "db" && ["start", "stop"].contains(words.dropFirst().first))
        else { return }
        var login = login(in: words)
        let started: PendingConnection?
        if ReadRouting.looksReading(words), let replica = try? ReadRouting.replica() {
            started = PendingConnection(configuration: replica.configuration(as: ReadRouting.login(login)))
        } else {
            let target = Environment.databaseTarget
            if ActingLogin.looksEditorial(words) {
                login = ActingLogin.ownLogin(given: login, target: target) ?? login
            }
            started = target.startConnecting(as: login, environment: Environment.variables)
        }
        pending.withLock { $0 = started }
    }

    /// The connection started by ``begin(_:)``, if it is still fresh; each
    /// caller after the first gets nil.
    static func take() -> PendingConnection? {
        pending.withLock { slot in
            defer { slot = nil }
            guard let started = slot, started.age < freshFor else { return nil }
            return started
        }
    }

    /// The value of the last `--as LOGIN` or `--as=LOGIN`.
    private static func login(in words: ArraySlice<String>) -> String? {
        var login: String?
        var previous: String?
        for word in words {
            if previous == "--as" {
                login = word
            } else if word.hasPrefix("--as=") {
                login = String(word.dropFirst("--as=".count))
            }
            previous = word
        }
        return login
    }
}
