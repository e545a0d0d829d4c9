import ArgumentParser
import Logging
import NewsdeskCore

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load a small sample newsroom and show its English recent-news feed and one story.",
        discussion: """
            Staff in four roles (hbondar reporter, pmelnyk editor, oivanova translator, akravets admin), \
            subjects, stories in three languages with live updates, and translations that lag behind their \
            source. Every step is taken under the login of the person whose job it is. Running it again only shows.
            """)

    @OptionGroup var connection: ConnectionOptions

    func run() throws {
        let logger = Logger(label: "newsdesk")
        let target = connection.target
        let demo = DemoNewsroom { login in
            try target.connect(as: login, environment: Environment.variables, logger: logger)
        }
        let desk = EditionDesk(connection: try connection.connect())
        if try demo.isLoaded() {
            Output.standardError("The demo newsroom is already loaded.")
        } else {
            try demo.load()
            Output.standardError("Loaded the demo newsroom.")
        }
        let feed = try FeedReader(connection: desk.connection).feed(
            {
                var q = FeedQuery(); q.language = "en"; return q
            }())
        Output.line("Recent news (en)\n")
        for item in feed.items {
            let markers = item.markers.isEmpty ? "" : "  [" + item.markers.joined(separator: ", ") + "]"
            Output.line("\(item.localTime.text)  \(item.headline)\(markers)")
        }
        let story = try desk.show("en/kyiv-metro-to-run-late-on-new-years-eve")
        Output.line("\n" + String(repeating: "─", count: 72) + "\n")
        Output.text(ReaderView(edition: story).text())
        let state = try TranslationDesk(connection: desk.connection).translations(story: story.storyID)
        Output.line(String(repeating: "─", count: 72) + "\n\nTranslations of story \(story.storyID):")
        for edition in state.editions {
            Output.line("  \(edition.lang)/\(edition.slug) v\(edition.version)  \(edition.standing)")
        }
        Output.line(
            """

            Try: newsdesk feed --lang uk · newsdesk show \(story.reference) --format html · newsdesk translations \(story.storyID)
                 newsdesk --as hbondar publish uk/kyivske-metro-pratsiuvatyme-dovshe-v-novorichnu-nich   (refused: reporters do not publish)
                 newsdesk --as pmelnyk audit · newsdesk --as pmelnyk audit verify
            """)
    }
}
