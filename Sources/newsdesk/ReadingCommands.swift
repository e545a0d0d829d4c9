import ArgumentParser
import NewsdeskCore

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show an edition as readers see it, or as JSON or HTML.",
        discussion: "--version N shows an earlier version; --at TIME the version that was current at that time.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, html, ninjs
    }

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The edition: its id, or LANG/slug (old slugs work too).") var edition: String
    @Option(help: "text (default), json, html or ninjs.") var format: Format = .text
    @Option(name: .customLong("version"), help: "Show this version.") var version: Int?
    @Option(help: ArgumentHelp("Show the version current at this TIME.", valueName: "time")) var at: String?
    @Flag(help: "The same as --format json.") var json = false

    func validate() throws {
        if version != nil && at != nil { throw ValidationError("Give --version or --at, not both.") }
    }

    func run() throws {
        if let version { try TextInput.int32(version, field: "version") }
        let shown = try EditionDesk(connection: connection.connectForReading()).show(edition, version: version, at: at)
        switch json ? .json : format {
        case .json: try Output.json(shown)
        case .html: Output.markup(ReaderView(edition: shown).html())
        case .ninjs: Output.jsonText(try NinjsDocument(shown).json(pretty: true))
        case .text: Output.text(ReaderView(edition: shown).text())
        }
    }
}

struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "List an edition's revisions and lifecycle changes.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The edition: its id, or LANG/slug.") var edition: String
    @OptionGroup var output: JSONOption

    func run() throws {
        let history = try EditionDesk(connection: connection.connectForReading()).history(edition)
        if output.json { return try Output.json(history) }
        for entry in history.entries {
            let version = entry.version.map { "v\($0)" } ?? ""
            var line =
                "\(version.padding(5))\(entry.localTime.zoned(entry.at))  \(entry.actor.padding(14))\(entry.action.padding(11))"
            if let headline = entry.headline, entry.action != "edit" || entry.version == 1 { line += headline }
            if let note = entry.note { line += (line.hasSuffix(" ") ? "" : " ") + "— \(note)" }
            Output.line(String(line.reversed().drop(while: \.isWhitespace).reversed()))
        }
    }
}

struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Show what changed in headline, lead and body between two versions.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The edition: its id, or LANG/slug.") var edition: String
    @Argument(help: "The earlier version.") var from: Int
    @Argument(help: "The later version.") var to: Int
    @OptionGroup var output: JSONOption

    /// `--json`: each field that changed, before and after.
    struct Report: Encodable {
        struct Change: Encodable {
            let before: String
            let after: String
        }
        let editionID: Int64
        let from: Int
        let to: Int
        let changes: [String: Change]

        enum CodingKeys: String, CodingKey {
            case from, to, changes, editionID = "edition_id"
        }
    }

    func run() throws {
        try TextInput.int32(from, field: "V1")
        try TextInput.int32(to, field: "V2")
        let (old, new) = try EditionDesk(connection: connection.connectForReading()).versions(edition, from, to)
        guard output.json else { return Output.text(RevisionDiff.render(old: old, new: new)) }
        var changes: [String: Report.Change] = [:]
        for (name, before, after) in [
            ("headline", old.headline, new.headline), ("lead", old.lead, new.lead),
            ("body", old.body, new.body)
        ] where before != after {
            changes[name] = Report.Change(before: before, after: after)
        }
        try Output.json(Report(editionID: new.id, from: old.version, to: new.version, changes: changes))
    }
}
