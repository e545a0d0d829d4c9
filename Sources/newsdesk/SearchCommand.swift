import ArgumentParser
import NewsdeskCore

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search published stories: headline matches first, then lead, then body; newest first within each.",
        discussion: """
            Words, "quoted phrases", -excluded words and `or`. English and Russian words match their other forms \
            (stemming); Ukrainian matches the forms you type.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "What to look for.") var query: String
    @Option(help: "Only editions in this language.", completion: NewsroomCompletion.languages) var lang: String?
    @Option(help: "At most this many results.") var limit = 20
    @OptionGroup var output: JSONOption

    func run() throws {
        let query = try TextField(name: "query", maximumBytes: 500).clean(query)
        let results = try FeedReader(connection: connection.connect()).search(
            query, language: lang, limit: TextInput.int32(limit, field: "limit"))
        if output.json { return try Output.json(results) }
        if results.items.isEmpty { Output.line("Nothing found for \(query).") }
        for hit in results.items {
            Output.line("\(hit.localTime.text)  \(hit.lang)/\(hit.slug)\n  \(hit.headline)\n  \(hit.snippet)\n")
        }
    }
}
