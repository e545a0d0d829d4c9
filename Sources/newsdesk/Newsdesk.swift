import ArgumentParser
import Logging
import NewsdeskCore
#if canImport(Glibc)
import Glibc
#endif

@main
struct Newsdesk: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsdesk",
        abstract: "The editorial back end of a multilingual newsroom.",
        discussion: """
            With DATABASE_URL, PGHOST, PGPORT, PGDATABASE and PGSERVICE all unset, newsdesk uses its \
            embedded database under NEWSDESK_HOME, created and started on first use.
            """,
        version: "0.1.0",
        subcommands: [DatabaseCommand.self]
    )

    /// Runs the command and turns every failure into a message on stderr and
    /// the documented exit code (see ``ErrorReport``).
    static func main() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Environment.logLevel
            return handler
        }
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            var runnable = command
            try runnable.run()
        } catch let error as ExitCode {
            exit(withError: error)
        } catch let error as CleanExit {
            exit(withError: error)
        } catch {
            let report = ErrorReport(error)
            Output.standardError(report.message)
            Glibc.exit(report.exitCode)
        }
    }
}
