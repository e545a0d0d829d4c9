import ArgumentParser
import Logging
import NewsdeskCore

@main
struct Newsdesk: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsdesk",
        abstract: "The editorial back end of a multilingual newsroom.",
        discussion: """
            With DATABASE_URL, PGHOST, PGPORT, PGDATABASE and PGSERVICE all unset, newsdesk uses its \
            embedded database under NEWSDESK_HOME, created and started on first use. \
            `newsdesk --version` prints its version.

            Shell completion (commands, options, and the newsroom's languages, subjects and staff logins, read \
            from its database): `source <(newsdesk --generate-completion-script bash)` in ~/.bashrc; zsh and \
            fish take the same option.
            """,
        subcommands: [
            DemoCommand.self, DatabaseCommand.self, StoryCommand.self, EditCommand.self, SubmitCommand.self,
            ReturnCommand.self,
            PublishCommand.self, UnpublishCommand.self, RepublishCommand.self, ListCommand.self, ShowCommand.self,
            HistoryCommand.self,
            DiffCommand.self, RestoreCommand.self, UpdateCommand.self, TranslateCommand.self, TranslationsCommand.self,
            SubjectCommand.self,
            TagCommand.self, UntagCommand.self, FeedCommand.self, SearchCommand.self, ExportCommand.self,
            ImportCommand.self, StaffCommand.self, WhoamiCommand.self,
            AuditCommand.self, ServeCommand.self, EventsCommand.self
        ]
    )

    /// The tool's version, printed by `newsdesk --version`. Answered before
    /// parsing rather than through ArgumentParser's `version:`, which every
    /// subcommand would take too: `show --help` would list two `--version`s,
    /// and `show 1 --version` (the number forgotten) would print this.
    static let version = "0.1.0"

    /// `newsdesk --as LOGIN COMMAND …` is how a newsroom says who acts, but
    /// ArgumentParser only reads options after the command they belong to:
    /// move a leading `--as LOGIN` to the end.
    static func movingLeadingLogin(_ arguments: [String]) -> [String] {
        if arguments.first == "--as", arguments.count >= 2 {
            return Array(arguments.dropFirst(2)) + ["--as", arguments[1]]
        }
        if let first = arguments.first, first.hasPrefix("--as=") {
            return Array(arguments.dropFirst()) + [first]
        }
        return arguments
    }

    /// Runs the command and turns every failure into a message on stderr and
    /// the documented exit code (see ``ErrorReport``).
    static func main() {
        let arguments = movingLeadingLogin(Array(CommandLine.arguments.dropFirst()))
        if arguments == ["--version"] {
            Output.line(version)
            return
        }
        HeadStart.begin(arguments)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = Environment.logLevel
            return handler
        }
        let command: any ParsableCommand
        do {
            try TextInput.checkArguments()
        } catch {
            (ErrorReport(error) ?? ErrorReport(NewsdeskError(.badInput, "\(error)"))).exit()
        }
        do {
            command = try parseAsRoot(arguments)
        } catch {
            exit(withError: error)
        }
        ActingLogin.isEditorial = command is any EditorialCommand
        do {
            var runnable = command
            defer { ReadRouting.recordWrites() }
            try runnable.run()
        } catch {
            // Help, version and argument errors are ArgumentParser's to print.
            guard let report = ErrorReport(error) else { exit(withError: error) }
            report.exit()
        }
    }
}
