import ArgumentParser
import Logging
import NewsdeskCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension DatabaseCommand {
    struct Replica: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "replica",
            abstract: "Make, start and stop a streaming replica of the embedded database.",
            discussion: """
                A replica answers reads while it replays the embedded database's log: set NEWSDESK_READ_URL to the \
                connection string `db replica create` prints, and show, history, diff, list, feed, search, export, \
                translations and update list/history read there. Writes still go to the embedded database.
                """,
            subcommands: [Create.self, Start.self, Stop.self])
    }
}

extension DatabaseCommand.Replica {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Copy the embedded database into a new directory and start the copy as its streaming replica.")

        @Argument(help: ArgumentHelp("A new (or empty) directory for the replica.", valueName: "dir"))
        var directory: String

        func run() throws {
            let replica = try replicaIn(directory)
            try replica.create(logger: Logger(label: "newsdesk"))
            Output.line("Replica running (pid \(replica.serverProcessID ?? 0)) in \(replica.directory).")
            Output.line("Read from it with:")
            Output.line("  export \(ReadReplica.urlVariable)=\(shellQuoted(replica.readURL))")
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start", abstract: "Start a replica made before.")

        @Argument(help: ArgumentHelp("The replica's directory.", valueName: "dir")) var directory: String

        func run() throws {
            let replica = try replicaIn(directory)
            try replica.start(logger: Logger(label: "newsdesk"))
            Output.line("Replica running (pid \(replica.serverProcessID ?? 0)) in \(replica.directory).")
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a replica.")

        @Argument(help: ArgumentHelp("The replica's directory.", valueName: "dir")) var directory: String

        func run() throws {
            let replica = try replicaIn(directory)
            Output.line(try replica.stop() ? "Replica stopped." : "Replica was not running.")
        }
    }
}

/// The replica in `directory` (made absolute: the server programs run
/// elsewhere), of the embedded database only.
private func replicaIn(_ directory: String) throws -> EmbeddedReplica {
    guard case .embedded(let primary) = Environment.databaseTarget else {
        throw NewsdeskError(
            .refused,
            """
            newsdesk is configured to use a server (DATABASE_URL or PGHOST/PGPORT/PGDATABASE/PGSERVICE is set); \
            db replica makes replicas of the embedded database only. For a server, make a standby with \
            pg_basebackup -R and set \(ReadReplica.urlVariable) to it.
            """)
    }
    var path = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
    while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
    return EmbeddedReplica(directory: path, primary: primary)
}

/// `text` as one word for a POSIX shell.
private func shellQuoted(_ text: String) -> String {
    "'" + text.replacing("'", with: "'\\''") + "'"
}
