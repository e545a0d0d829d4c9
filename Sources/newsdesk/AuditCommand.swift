import ArgumentParser
import NewsdeskCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read and verify the audit log (editors and admins).",
        subcommands: [List.self, Verify.self, Head.self],
        defaultSubcommand: List.self
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List audit events, oldest first (the default of `newsdesk audit`).",
            discussion: """
                The login is the database session's own and cannot be chosen by the client. The client \
                (shown as "client (unverified)", and "client" in --json) is the application_name the connecting \
                program chose for itself: any program can give any name, so it says nothing certain about \
                which program acted.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only events of this story id.") var story: Int64?
        @Option(help: "Only events by this login.", completion: NewsroomCompletion.logins) var actor: String?
        @Option(help: "Only events of this action, such as edition.publish.") var action: String?
        @Option(help: ArgumentHelp("Only events from this TIME on.", valueName: "time")) var since: String?
        @Option(help: "At most this many of the newest events.") var limit = 100
        @OptionGroup var output: JSONOption

        func run() throws {
            var filter = AuditFilter()
            filter.story = story
            filter.actor = actor
            filter.action = action
            filter.since = since
            filter.limit = try TextInput.int32(limit, field: "limit")
            let events = try AuditLog(connection: connection.connect()).events(filter)
            if output.json {
                struct Listing: Encodable { let events: [AuditEvent] }
                return try Output.json(Listing(events: events))
            }
            for event in events {
                var line =
                    "\(String(event.seq).padding(6))\(event.localTime.zoned(event.at))  \(event.actor.padding(14))\(event.action.padding(20))"
                if let edition = event.editionID { line += "edition \(edition) " }
                if let attempted = event.detail["attempted"]?.string { line += "(tried \(attempted))" }
                // The client in a column of its own where the line leaves room.
                line = String(line.reversed().drop(while: \.isWhitespace).reversed())
                line = (line.count < 65 ? line.padding(65) : line + "  ") + "client (unverified): \(event.client)"
                Output.line(line)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Recompute the hash chain and name the first event that does not match.",
            discussion: """
                With --against FILE (a head saved earlier with `newsdesk audit head > FILE`), also catches a \
                chain that was rewritten and recomputed after that head was taken. Exit 1 when it does not verify.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Option(help: ArgumentHelp("A head saved earlier by `newsdesk audit head`.", valueName: "file")) var against:
            String?
        @OptionGroup var output: JSONOption

        func run() throws {
            var head: AuditHead?
            if let against {
                let bytes = try TextInput.readAll(against, field: "against")
                do {
                    head = try JSONDecoder().decode(AuditHead.self, from: Data(bytes))
                } catch {
                    throw NewsdeskError(
                        .badInput, "against: \(against) is not a head written by `newsdesk audit head`.")
                }
                if let problem = head?.problem {
                    throw NewsdeskError(
                        .badInput, "against: \(against) is not a head written by `newsdesk audit head`: \(problem).")
                }
            }
            let result = try AuditLog(connection: connection.connect()).verify(against: head)
            if output.json {
                try Output.json(result)
            } else if result.ok {
                Output.line(
                    "The audit chain verifies: \(result.events) events\(head.map { ", consistent with the head at \($0.seq)" } ?? "")."
                )
            } else {
                Output.line(
                    "The audit chain does NOT verify: \(result.firstBadSeq.map { "event \($0): " } ?? "")\(result.reason ?? "")."
                )
            }
            // The verdict is on stdout already; the status tells a script.
            if !result.ok { throw ErrorReport.exitCode(for: .refused) }
        }
    }

    struct Head: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "head",
            abstract: "Print the chain head (seq, hash and fingerprints) to keep somewhere else.")
        @OptionGroup var connection: ConnectionOptions

        func run() throws {
            try Output.json(try AuditLog(connection: connection.connect()).head())
        }
    }
}
