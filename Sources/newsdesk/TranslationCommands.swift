import ArgumentParser
import NewsdeskCore

struct TranslateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translate",
        abstract: "Translate an edition into another language, or refresh a translation.",
        discussion: """
            `translate EDITION --to LANG` creates the story's edition in LANG as a draft, prefilled from EDITION \
            where you give no --headline, --lead or --body, and records the source version it follows. \
            `translate --refresh TRANSLATION` shows what changed in the source since that version, then saves \
            your edit as following the source's current version, or, with --no-change, records that the \
            translation needs none; --diff-only just shows.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The source edition (or, with --refresh, the translation): id or LANG/slug.") var edition: String
    @Option(help: "The language to translate into.", completion: NewsroomCompletion.languages) var to: String?
    @Flag(help: "Refresh an existing translation against its source.") var refresh = false
    @Flag(name: .customLong("diff-only"), help: "With --refresh: show the source's changes, save nothing.")
    var diffOnly = false
    @Flag(
        name: .customLong("no-change"),
        help: "With --refresh: the translation needs no new text for the source's changes; it follows them as it is.")
    var noChange = false
    @Option(parsing: .unconditional, help: "The translated headline.") var headline: String?
    @Option(parsing: .unconditional, help: "The translated lead.") var lead: String?
    @Option(parsing: .unconditional, help: "The translated body, in Markdown.") var body: String?
    @Option(
        name: .customLong("body-file"),
        help: ArgumentHelp("Read the body from a file, or - for stdin.", valueName: "file"))
    var bodyFile: String?
    @Option(parsing: .unconditional, help: "The photo's caption in the new language (else the source's).")
    var caption: String?
    @Option(parsing: .unconditional, help: "The photo's credit in the new language (else the source's).")
    var credit: String?
    @OptionGroup var output: JSONOption
    @OptionGroup var idempotency: IdempotencyOption

    func validate() throws {
        if refresh == (to != nil) {
            throw ValidationError("Give --to LANG to translate, or --refresh to refresh a translation.")
        }
        if diffOnly && !refresh { throw ValidationError("--diff-only goes with --refresh.") }
        if noChange && !refresh { throw ValidationError("--no-change goes with --refresh.") }
        if noChange && diffOnly { throw ValidationError("Give --no-change or --diff-only, not both.") }
        if refresh && (caption != nil || credit != nil) {
            throw ValidationError("--caption and --credit go with --to; a translation's photo line changes with edit.")
        }
    }

    func run() throws {
        var changes = EditionChanges(
            headline: try TextInput.optional(headline, .headline),
            lead: try TextInput.optional(lead, .lead),
            body: try TextInput.body(text: body, file: bodyFile))
        changes.caption = try TextInput.optional(caption, .caption)
        changes.credit = try TextInput.optional(credit, .credit)
        let connection = try connection.connect()
        let translations = TranslationDesk(connection: connection)
        guard refresh else {
            let created = try keepingTyped(changes, edition: "\(edition)-\(to ?? "")", basedOn: nil) {
                try translations.translate(
                    edition, to: to ?? "", headline: changes.headline, lead: changes.lead, body: changes.body,
                    caption: changes.caption, credit: changes.credit, idempotencyKey: try idempotency.value())
            }
            return try EditionOutput.print(
                created, json: output.json,
                summary: """
                    Created draft translation \(EditionOutput.label(created)) from edition \(created.translatedFrom?.editionID ?? 0) \
                    version \(created.translatedFrom?.version ?? 0).
                    """)
        }
        let desk = EditionDesk(connection: connection)
        let translation = try desk.show(edition)
        guard let source = translation.translatedFrom else {
            throw NewsdeskError(.refused, "\(translation.reference) is not a translation; there is nothing to refresh.")
        }
        let current = try desk.show(String(source.editionID))
        if !output.json {
            if current.version == source.version {
                Output.line("The source \(current.reference) has not changed since version \(source.version).")
            } else {
                let (old, new) = try desk.versions(String(source.editionID), source.version, current.version)
                Output.text(RevisionDiff.render(old: old, new: new))
            }
        }
        if diffOnly { return }
        let refreshed = try keepingTyped(changes, edition: edition, basedOn: translation.version) {
            try translations.refresh(
                edition, changes, expectVersion: translation.version, noChange: noChange,
                idempotencyKey: try idempotency.value())
        }
        let summary =
            noChange
            ? "\(refreshed.reference) now follows \(current.reference) version \(current.version), with no change."
            : "Saved \(EditionOutput.label(refreshed)), now following \(current.reference) version \(current.version)."
        try EditionOutput.print(refreshed, json: output.json, summary: summary)
    }
}

struct TranslationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "translations",
        abstract: "Show a story's editions: which follow which source, which are stale, which miss updates.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The story's id.") var story: Int64
    @OptionGroup var output: JSONOption

    func run() throws {
        let state = try TranslationDesk(connection: connection.connectForReading()).translations(story: story)
        if output.json { return try Output.json(state) }
        let rows = state.editions.map { [$0.lang, "\($0.lang)/\($0.slug)", $0.status.words, "v\($0.version)"] }
        let columns = Columns(rows, usual: [4, 50, 11])
        for (edition, row) in zip(state.editions, rows) {
            Output.line(columns.line(row) + "  " + edition.standing)
        }
    }
}

extension TranslationState {
    /// How the edition stands against its source, as `translations` and the
    /// demo print it: "from uk v1  STALE (source is at v2)  missing updates:
    /// 1, 3", or "original".
    var standing: String {
        guard let source else { return "original" }
        var words = "from \(source.lang) v\(source.version)"
        if stale { words += "  STALE (source is at v\(source.currentVersion))" }
        if staleUpstream { words += "  (its source is stale too)" }
        if !missingUpdates.isEmpty {
            words += "  missing updates: \(missingUpdates.map(String.init).joined(separator: ", "))"
        }
        return words
    }
}

extension UpdateCommand {
    struct Translate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "translate",
            abstract: "Add a live update's translation to the story's edition in another language.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: UpdateCommand.updateHelp) var update: String
        @Option(help: "The language of the edition to add it to.", completion: NewsroomCompletion.languages) var to:
            String
        @Option(parsing: .unconditional, help: "The translated text.") var body: String?
        @Option(
            name: .customLong("body-file"),
            help: ArgumentHelp("Read the text from a file, or - for stdin.", valueName: "file"))
        var bodyFile: String?
        @OptionGroup var output: JSONOption
        @OptionGroup var idempotency: IdempotencyOption

        func run() throws {
            guard let text = try TextInput.body(text: body, file: bodyFile, field: UpdateCommand.bodyField) else {
                throw ValidationError("Give the translated text with --body or --body-file.")
            }
            let translated = try keepingTyped(
                EditionChanges(body: text), edition: "update-\(update)-\(to)", basedOn: nil
            ) {
                try TranslationDesk(connection: connection.connect())
                    .translateUpdate(update, to: to, body: text, idempotencyKey: try idempotency.value())
            }
            try UpdateOutput.print(translated, json: output.json, verb: "Translated update \(update) as")
        }
    }
}
