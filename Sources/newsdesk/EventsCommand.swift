import ArgumentParser
import NewsdeskCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `newsdesk events`: the durable stream of public changes, for cache purges
/// and webhooks (SPEC §11). Each change once, in the order readers could see
/// them, each with the cursor to resume after it.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Public changes, oldest first: what to purge from caches and tell webhooks.",
        discussion: """
            Each change (published, edited, withdrawn, a live update added, edited or withdrawn, a key \
            event marked, a scheduled time or an embargo's lift come) is printed once, with the cursor to \
            resume after it and the Surrogate-Key values whose pages to purge. --after CURSOR continues \
            where an earlier run stopped (nothing is lost across restarts); --after now starts with the \
            next change. --follow keeps waiting for changes. --json prints one JSON object per line.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Keep waiting for new changes.") var follow = false
    @Option(help: ArgumentHelp("Start after this cursor (or `now`).", valueName: "cursor")) var after: String?
    @OptionGroup var output: JSONOption

    /// The longest wait between reads when nothing wakes us: a change that
    /// comes due by time is found by reading, not by a notification.
    static let longestWait = Duration.seconds(30)

    func run() throws {
        // Following listens for changes, which needs a session of its own.
        let reader = SiteReader(connection: try connection.connect(session: follow))
        var cursor = after == "now" ? try reader.changesNow() : after
        if follow { try reader.listenForChanges() }
        let encoder = NewsroomJSON.encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        while true {
            let page = try reader.changes(after: cursor, limit: 500)
            for change in page.events {
                if output.json {
                    Output.lineNow(TerminalText.json(String(decoding: try encoder.encode(change), as: UTF8.self)))
                } else {
                    Output.lineNow(TerminalText.visible(Self.line(change)))
                }
            }
            cursor = page.cursor ?? cursor
            if page.more { continue }
            guard follow else { return }
            var wait = Self.longestWait
            if let due = page.nextDue {
                let seconds = max(0, due.timeIntervalSinceNow)
                wait = min(wait, .milliseconds(Int64(seconds * 1000) + 1))
            }
            try reader.waitForChanges(upTo: wait)
        }
    }

    /// `CURSOR  TIME  KIND  lang/slug [update #SEQ]  purge: KEYS`
    static func line(_ change: PublicChange) -> String {
        var line =
            "\(change.cursor)  \(RFC3339.string(from: change.at))  \(change.kind.padding(31))\(change.lang)/\(change.slug)"
        if case .object(let fields)? = change.update, case .integer(let seq)? = fields["seq"] {
            line += " update #\(seq)"
        }
        return line + "  purge: " + change.surrogateKeys.joined(separator: " ")
    }
}
