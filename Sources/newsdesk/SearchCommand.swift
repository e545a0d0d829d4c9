import ArgumentParser
import NewsdeskCore

#if canImport(Glibc)
import Glibc
#endif

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search stories: headline matches first, then lead, then body; newest first within each.",
        discussion: """
            Words (all of them), "quoted phrases", -excluded words, `or` between two terms, and word* for words \
            beginning so. Words match their other forms in every language: English and Russian by stemming, \
            Ukrainian through its dictionary (Києві finds Київ); Ukrainian words as typed rank first. \
            With --all, also drafts, editions in review, scheduled and embargoed ones that you may see \
            (editors: all of them; reporters and translators: those crediting them), each with its status. \
            A query that begins with - goes after --: newsdesk search -- "-Київ Львів".
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "What to look for.") var query: String
    @Option(help: "Only editions in this language.", completion: NewsroomCompletion.languages) var lang: String?
    @Option(help: "At most this many results.") var limit = 20
    @Flag(help: "Also unpublished editions you may see.") var all = false
    @OptionGroup var output: JSONOption

    func run() throws {
        let query = try TextField(name: "query", maximumBytes: 500).clean(query)
        let results = try FeedReader(connection: connection.connectForReading()).search(
            query, language: lang, limit: TextInput.int32(limit, field: "limit"), everything: all)
        if output.json { return try Output.json(results) }
        if results.items.isEmpty { Output.line("Nothing found for \(query).") }
        // Found words in bold on a terminal; elsewhere the snippet as it reads.
        let bold = isatty(STDOUT_FILENO) == 1
        for hit in results.items {
            let snippet = hit.snippetParts.map { part in
                part.match && bold
                    ? "\u{1B}[1m\(TerminalText.visible(part.text))\u{1B}[0m" : TerminalText.visible(part.text)
            }.joined()
            let status =
                hit.status == "published" ? "" : "  [\(hit.status.split(separator: "_").joined(separator: " "))]"
            let embargo = hit.embargoUntil.map { "  [embargoed until \(RFC3339.string(from: $0))]" } ?? ""
            Output.formattedLine(
                "\(TerminalText.visible(hit.localTime.text))  \(TerminalText.visible(hit.lang))/\(TerminalText.visible(hit.slug))\(status)\(embargo)\n"
                    + "  \(TerminalText.visible(hit.headline))\n  \(snippet)\n")
        }
    }
}
