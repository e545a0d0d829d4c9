import ArgumentParser
import NewsdeskCore

/// `--name LANG=NAME`, repeated.
func parseNames(_ entries: [String], field: String = "name") throws -> [String: String] {
    var names: [String: String] = [:]
    for entry in entries {
        guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
            throw ValidationError("--\(field) takes LANG=NAME, such as uk=Київ.")
        }
        names[String(entry[..<equals])] = try TextField(name: field, maximumBytes: 200).clean(
            String(entry[entry.index(after: equals)...]))
    }
    return names
}

struct SubjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject",
        abstract: "The newsroom's subjects (editors and admins manage them).",
        subcommands: [Add.self, List.self, Rename.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a subject.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Its slug: lower-case Latin letters, digits and hyphens.") var slug: String
        @Option(
            help: ArgumentHelp("Its name in a language, as LANG=NAME; repeat per language.", valueName: "lang=name"))
        var name: [String] = []
        @Option(help: "A broader subject it belongs to.") var parent: String?
        @Option(help: ArgumentHelp("Its IPTC Media Topic URI.", valueName: "uri")) var mediatopic: String?
        @OptionGroup var output: JSONOption
        @OptionGroup var idempotency: IdempotencyOption

        func run() throws {
            let slug = try TextField.slug.clean(slug)
            let names = try parseNames(name)
            let mediatopic = try mediatopic.map { try WebURL.clean($0, .mediatopic) }
            let subject = try SubjectDesk(connection: connection.connect())
                .add(
                    slug, names: names, parent: parent, mediatopic: mediatopic, idempotencyKey: try idempotency.value())
            if output.json { return try Output.json(subject) }
            Output.line(
                "Added subject \(subject.slug) (\(subject.names.sorted { $0.key < $1.key }.map(\.value).joined(separator: " / ")))."
            )
        }
    }

    struct Rename: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rename", abstract: "Change a subject's name in some languages.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The subject's slug (it does not change).") var slug: String
        @Option(help: ArgumentHelp("A new name, as LANG=NAME; repeat per language.", valueName: "lang=name")) var name:
            [String] = []
        @OptionGroup var output: JSONOption
        @OptionGroup var idempotency: IdempotencyOption

        func run() throws {
            let names = try parseNames(name)
            if names.isEmpty { throw ValidationError("Give at least one --name LANG=NAME.") }
            let subject = try SubjectDesk(connection: connection.connect())
                .rename(slug, names: names, idempotencyKey: try idempotency.value())
            if output.json { return try Output.json(subject) }
            Output.line("Renamed subject \(subject.slug).")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the subjects as a tree.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Show names in this language.") var lang = "en"
        @OptionGroup var output: JSONOption

        func run() throws {
            let subjects = try SubjectDesk(connection: connection.connect()).list()
            if output.json {
                struct Listing: Encodable { let subjects: [Subject] }
                return try Output.json(Listing(subjects: subjects))
            }
            func show(parent: String?, depth: Int) {
                for subject in subjects where subject.parent == parent {
                    Output.line(
                        String(repeating: "  ", count: depth)
                            + "\(subject.name(in: lang)) (\(subject.slug), \(subject.stories) \(subject.stories == 1 ? "story" : "stories"))"
                    )
                    show(parent: subject.slug, depth: depth + 1)
                }
            }
            show(parent: nil, depth: 0)
        }
    }
}

struct TagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "Tag a story with subjects.")
    @OptionGroup var tags: TagOptions

    func run() throws { try tags.apply(remove: false) }
}

struct UntagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "untag", abstract: "Remove subjects from a story.")
    @OptionGroup var tags: TagOptions

    func run() throws { try tags.apply(remove: true) }
}

/// What `tag` and `untag` share.
struct TagOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The story's id.") var story: Int64
    @Argument(help: "Subject slugs.", completion: NewsroomCompletion.subjects) var subjects: [String]
    @OptionGroup var output: JSONOption
    @OptionGroup var idempotency: IdempotencyOption

    func apply(remove: Bool) throws {
        let desk = SubjectDesk(connection: try connection.connect()), key = try idempotency.value()
        let tags =
            try remove
            ? desk.untag(story: story, subjects, idempotencyKey: key)
            : desk.tag(story: story, subjects, idempotencyKey: key)
        if output.json { return try Output.json(tags) }
        Output.line(
            "Story \(tags.storyID): \(tags.subjects.isEmpty ? "no subjects" : tags.subjects.joined(separator: ", ")).")
    }
}

struct FeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "Recent news as readers see it: newest first, by language and subject, a page at a time.",
        discussion: "Pass a page's next cursor as --before to get the next page; pages never repeat or skip an item.")

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, rss, atom
    }

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Only editions in this language.", completion: NewsroomCompletion.languages) var lang: String?
    @Option(help: "Only stories on this subject; repeat for any of several.", completion: NewsroomCompletion.subjects)
    var subject: [String] = []
    @Option(help: "published (default) or updated.") var order: String = "published"
    @Option(help: "Items per page (at most 500).") var limit = 20
    @Option(help: ArgumentHelp("The next_cursor of the previous page.", valueName: "cursor")) var before: String?
    @Option(help: "table (default), json, rss or atom.") var format: Format = .table
    @Flag(help: "The same as --format json.") var json = false

    func validate() throws {
        guard FeedQuery.Order(rawValue: order) != nil else { throw ValidationError("--order is published or updated.") }
        if limit < 1 { throw ValidationError("--limit must be 1 or more.") }
    }

    func run() throws {
        var query = FeedQuery()
        query.language = lang
        query.subjects = subject
        query.order = FeedQuery.Order(rawValue: order) ?? .published
        query.limit = try TextInput.int32(limit, field: "limit")
        query.before = before
        let feed = try FeedReader(connection: connection.connectForReading()).feed(query)
        switch json ? .json : format {
        case .json: try Output.json(feed)
        case .rss: Output.markup(FeedFormats.rss(feed))
        case .atom: Output.markup(FeedFormats.atom(feed))
        case .table:
            for item in feed.items {
                let markers = item.markers.isEmpty ? "" : "  [" + item.markers.joined(separator: ", ") + "]"
                Output.line(
                    "\(item.localTime.text)  \(item.headline)\(markers)\n                  \(feed.site.page(lang: item.lang, slug: item.slug))"
                )
            }
            if let next = feed.nextCursor { Output.line("More: --before \(next)") }
        }
    }
}
