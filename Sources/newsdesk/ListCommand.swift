import ArgumentParser
import NewsdeskCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `newsdesk list`: the desk's work lists. The database checks every filter
/// and decides what the acting login may list.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List editions to work on: drafts, the review queue, what is scheduled or embargoed.",
        discussion: """
            The most recently saved first, a page at a time: pass a page's last line, "More: --before CURSOR", \
            to get the next. Examples: the review queue is `list --status in_review`; your drafts and the \
            editor's notes on them `list --mine --status draft`; translations to bring up to date `list --stale`.
            """)

    /// The statuses as typed (ArgumentParser lists them when one is wrong).
    enum Status: String, ExpressibleByArgument, CaseIterable {
        case draft
        case inReview = "in_review"
        case scheduled, published, withdrawn
    }

    @OptionGroup var connection: ConnectionOptions
    @Option(help: ArgumentHelp("Only this status; repeat for any of several.", valueName: "status"))
    var status: [Status] = []
    @Option(help: "Only editions in this language.", completion: NewsroomCompletion.languages) var lang: String?
    @Flag(help: "Only editions with you on the byline.") var mine = false
    @Option(
        help: ArgumentHelp("Only editions with this login on the byline.", valueName: "login"),
        completion: NewsroomCompletion.logins)
    var byline: String?
    @Option(help: "Only stories on this subject.", completion: NewsroomCompletion.subjects) var subject: String?
    @Flag(help: "Only editions under an embargo that has not lifted.") var embargoed = false
    @Flag(help: "Only translations behind their source (an older version, or live updates not yet translated).")
    var stale = false
    @Option(help: ArgumentHelp("Only editions saved at or after this time.", valueName: "time")) var since: String?
    @Option(help: "Items per page (at most 200).") var limit = 20
    @Option(help: ArgumentHelp("The next_cursor of the previous page.", valueName: "cursor")) var before: String?
    @OptionGroup var output: JSONOption

    func validate() throws {
        if mine && byline != nil { throw ValidationError("Give --mine or --byline, not both.") }
        if limit < 1 { throw ValidationError("--limit must be 1 or more.") }
    }

    func run() throws {
        var query = WorkListQuery()
        query.statuses = status.compactMap { EditionStatus(rawValue: $0.rawValue) }
        query.language = lang
        query.mine = mine
        query.byline = byline
        query.subject = subject
        query.embargoed = embargoed
        query.stale = stale
        query.since = since
        query.limit = try TextInput.int32(limit, field: "limit")
        query.before = before
        let list = try WorkLists(connection: connection.connectForReading()).list(query)
        if output.json { return try Output.json(list) }
        if list.items.isEmpty { return Output.line("Nothing to list.") }
        let heading = ["ID", "STATUS", "REF", "SAVED (\(list.timezone))", "HEADLINE"]
        let rows = list.items.map { item in
            [
                String(item.id), item.status.words, "\(item.lang)/\(item.slug)", item.savedLocal.zoned(item.savedAt),
                item.headline
            ]
        }
        let columns = Columns([heading] + rows, usual: [8, 11, 40, 24])
        Output.line(columns.line(heading))
        for (item, row) in zip(list.items, rows) {
            Output.line(columns.line(row))
            // What the desk needs to know next to it: when, and the editor's note.
            var details: [String] = []
            if let scheduled = item.scheduledAt { details.append("scheduled for \(RFC3339.string(from: scheduled))") }
            if let due = item.revisionDueAt { details.append("revision scheduled for \(RFC3339.string(from: due))") }
            if let embargo = item.embargoUntil, embargo > Date() {
                details.append("embargoed until \(RFC3339.string(from: embargo))")
            }
            if let note = item.reviewNote, item.status == .draft { details.append("returned: \(note)") }
            for detail in details { Output.line(String(repeating: " ", count: 8) + detail) }
        }
        if let next = list.nextCursor { Output.line("More: --before \(next)") }
    }
}
