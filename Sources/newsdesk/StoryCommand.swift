import ArgumentParser
import NewsdeskCore

struct StoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "story",
        abstract: "Create stories.",
        subcommands: [New.self]
    )

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "new",
            abstract: "Create a story and its first edition, as a draft.",
            discussion: """
                The slug comes from the headline: Ukrainian by the national transliteration table of 2010, \
                Russian by ICAO Doc 9303, other languages as written. The acting login is the byline unless \
                --byline is given.
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The edition's language: uk, ru, en, …", completion: NewsroomCompletion.languages) var lang:
            String
        @Option(parsing: .unconditional, help: "The headline (one line).") var headline: String
        @Option(parsing: .unconditional, help: "The lead paragraph.") var lead: String?
        @Option(parsing: .unconditional, help: "The body, in Markdown.") var body: String?
        @Option(
            name: .customLong("body-file"),
            help: ArgumentHelp("Read the body from a file, or - for stdin.", valueName: "file"))
        var bodyFile: String?
        @Option(help: ArgumentHelp("The main photo's URL.", valueName: "url")) var photo: String?
        @Option(parsing: .unconditional, help: "The photo's caption.") var caption: String?
        @Option(parsing: .unconditional, help: "The photo's credit.") var credit: String?
        @Option(
            name: .customLong("byline"),
            help: ArgumentHelp("A bylined login; repeat for several, in order.", valueName: "login"),
            completion: NewsroomCompletion.logins)
        var bylines: [String] = []
        @Option(
            name: .customLong("subject"),
            help: ArgumentHelp("Tag the story with a subject; repeat for several.", valueName: "slug"),
            completion: NewsroomCompletion.subjects)
        var subjects: [String] = []
        @Flag(help: "Mark the story as video.") var video = false
        @Option(
            name: .customLong("embargo-until"),
            help: ArgumentHelp("Hidden from readers until this TIME.", valueName: "time"))
        var embargoUntil: String?
        @OptionGroup var output: JSONOption
        @OptionGroup var idempotency: IdempotencyOption

        func validate() throws {
            if (caption != nil || credit != nil) && photo == nil {
                throw ValidationError("--caption and --credit describe a photo: give --photo URL too.")
            }
        }

        func run() throws {
            var story = NewStory(lang: lang, headline: try TextField.headline.clean(headline))
            story.lead = try TextInput.optional(lead, .lead) ?? ""
            story.body = try TextInput.body(text: body, file: bodyFile) ?? ""
            if let photo {
                story.photo = Edition.Photo(
                    url: try WebURL.clean(photo, .photoURL),
                    caption: try TextInput.optional(caption, .caption),
                    credit: try TextInput.optional(credit, .credit))
            }
            story.bylines = try bylines.map { try TextField.login.clean($0) }
            story.video = video
            story.subjects = subjects
            story.embargoUntil = embargoUntil
            let typed = EditionChanges(headline: story.headline, lead: story.lead, body: story.body)
            let edition = try keepingTyped(typed, edition: "\(lang)-new-story", basedOn: nil) {
                try EditionDesk(connection: connection.connect()).createStory(
                    story, idempotencyKey: try idempotency.value())
            }
            try EditionOutput.print(
                edition, json: output.json,
                summary: """
                    Created draft \(EditionOutput.label(edition)) of story \(edition.storyID).
                    """)
        }
    }
}

/// Runs `body`; if it fails after the user typed text, the text is kept in a
/// file and the error says where: the whole text when `original` (the
/// edition's text the changes were made to) can be had, else the changes.
func keepingTyped<T>(
    _ changes: EditionChanges, correction: String? = nil, edition: String, basedOn version: Int?,
    original: () -> EditorText? = { nil }, _ body: () throws -> T
) throws -> T {
    do {
        return try body()
    } catch {
        let typed = changes.headline != nil || changes.lead != nil || changes.body != nil || correction != nil
        let whole = typed ? original()?.applying(changes) : nil
        let kept =
            whole.map { UnsavedText.keep($0, correction: correction, edition: edition, basedOn: version) }
            ?? UnsavedText.keep(changes, correction: correction, edition: edition, basedOn: version)
        guard let path = kept else { throw error }
        throw KeptText(underlying: error, path: path)
    }
}

/// An error after which the user's text was kept in a file.
struct KeptText: Error {
    let underlying: any Error
    let path: String
}
