import ArgumentParser
import NewsdeskCore
import PostgresClient

#if canImport(Glibc)
import Glibc
#endif

/// The one place that turns an error into what the user sees and the exit
/// code a script sees (SPEC §5). The core says what went wrong
/// (``NewsdeskError/Category``) and words the message; this adds the
/// `Error:`/`Conflict:` prefix, where typed text was kept, and the code.
/// No other file holds an exit-code number.
struct ErrorReport {
    let message: String
    let exitCode: ExitCode

    /// The exit code for each kind of failure.
    static func exitCode(for category: NewsdeskError.Category) -> ExitCode {
        switch category {
        case .notFound, .wrongState, .permission, .refused: ExitCode(1)
        case .conflict: ExitCode(2)
        case .usage: ExitCode(64)  // EX_USAGE, as ArgumentParser exits for its own usage errors
        case .badInput: ExitCode(65)  // EX_DATAERR
        case .unavailable: ExitCode(69)  // EX_UNAVAILABLE
        case .timeout, .busy, .connectionLost: ExitCode(75)  // EX_TEMPFAIL: retry later
        }
    }

    /// The report for a newsroom or database error; nil for errors that
    /// ArgumentParser reports itself (usage, help, version, ``ExitCode``).
    init?(_ error: any Error) {
        switch error {
        case let kept as KeptText:
            guard let inner = ErrorReport(kept.underlying) else { return nil }
            self.init(message: inner.message + "\nYour text was kept in \(kept.path).", exitCode: inner.exitCode)
        case let error as NewsdeskError:
            self.init(error)
        case let error as PostgresError:
            // The core translates at its boundary; this keeps a database error
            // that reached the tool some other way from becoming a stack trace.
            self.init(NewsdeskError(error))
        default:
            return nil
        }
    }

    init(_ error: NewsdeskError) {
        let prefix = if case .conflict = error.category { "Conflict: " } else { "Error: " }
        self.init(message: prefix + error.message, exitCode: Self.exitCode(for: error.category))
    }

    private init(message: String, exitCode: ExitCode) {
        self.message = message
        self.exitCode = exitCode
    }

    /// Prints the report on stderr and ends the process with its code.
    func exit() -> Never {
        Output.standardError(message)
        Glibc.exit(exitCode.rawValue)
    }
}
