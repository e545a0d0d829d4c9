import ArgumentParser
import NewsdeskCore

/// `newsdesk edit`: a new revision of an edition.
struct EditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Save a new revision of an edition.",
        discussion: """
            With no --headline, --lead, --body or --body-file, opens the edition in $VISUAL or $EDITOR and saves \
            what you change, refusing if someone else saved in the meantime. With --expect-version N, the edit is \
            refused (exit 2) unless N is still the newest version; your text is then kept in a file whose path is \
            printed; `edit EDITION --from-file FILE` takes it up again: the fields you did not change keep what \
            others saved since, and a field both changed is named (exit 2). On a published edition, \
            --correction NOTE makes the edit a public correction, told to readers; a plain edit shows readers \
            that the story was updated; --minor (a typo, a broken link) shows them nothing and keeps \
            translations that were current, current.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The edition: its id, or LANG/slug.") var edition: String
    @Option(parsing: .unconditional, help: "A new headline.") var headline: String?
    @Option(parsing: .unconditional, help: "A new lead.") var lead: String?
    @Option(parsing: .unconditional, help: "A new body, in Markdown.") var body: String?
    @Option(
        name: .customLong("body-file"),
        help: ArgumentHelp("Read the new body from a file, or - for stdin.", valueName: "file"))
    var bodyFile: String?
    @Option(help: ArgumentHelp("A new main photo URL.", valueName: "url")) var photo: String?
    @Option(parsing: .unconditional, help: "A new photo caption.") var caption: String?
    @Option(parsing: .unconditional, help: "A new photo credit.") var credit: String?
    @Option(help: "A new slug (the old one keeps working).") var slug: String?
    @Flag(inversion: .prefixedNo, help: "Mark or unmark the story as video.") var video: Bool?
    @Option(
        name: .customLong("embargo-until"),
        help: ArgumentHelp("Hide it from readers until this TIME.", valueName: "time"))
    var embargoUntil: String?
    @Flag(name: .customLong("no-embargo"), help: "Remove the embargo.") var noEmbargo = false
    @Option(name: .customLong("expect-version"), help: "Refuse unless this is still the newest version.")
    var expectVersion: Int?
    @Option(
        parsing: .unconditional, help: ArgumentHelp("Make this a public correction with this note.", valueName: "note"))
    var correction: String?
    @Flag(help: "A silent fix: no \"updated\" for readers, translations stay current.") var minor = false
    @Option(
        name: .customLong("add-byline"),
        help: ArgumentHelp("Credit this staff login too (editors; repeatable).", valueName: "login"),
        completion: NewsroomCompletion.logins)
    var addBylines: [String] = []
    @Option(
        name: .customLong("remove-byline"),
        help: ArgumentHelp("Stop crediting this login (editors; repeatable).", valueName: "login"),
        completion: NewsroomCompletion.logins)
    var removeBylines: [String] = []
    @Option(
        name: .customLong("from-file"),
        help: ArgumentHelp(
            "Save the text in this file (a kept file, or any in the editor's format: Headline:, Lead:, a blank line, the body).",
            valueName: "file"))
    var fromFile: String?
    @Option(
        name: .customLong("at"),
        help: ArgumentHelp(
            "Save now what readers see from this later TIME on (a published edition's text, photo, video mark).",
            valueName: "time"))
    var scheduledFor: String?
    @Flag(name: .customLong("cancel-scheduled"), help: "Drop the revision scheduled with --at before its time.")
    var cancelScheduled = false
    @OptionGroup var output: JSONOption
    @OptionGroup var idempotency: IdempotencyOption

    func validate() throws {
        if embargoUntil != nil && noEmbargo { throw ValidationError("Give --embargo-until or --no-embargo, not both.") }
        if cancelScheduled && scheduledFor != nil {
            throw ValidationError("Give --at or --cancel-scheduled, not both.")
        }
        if minor && correction != nil {
            throw ValidationError("Give --minor or --correction, not both: a correction is told to readers.")
        }
        if let expectVersion, expectVersion < 1 { throw ValidationError("--expect-version must be 1 or more.") }
        if fromFile != nil && (headline != nil || lead != nil || body != nil || bodyFile != nil) {
            throw ValidationError(
                "--from-file holds the headline, lead and body; give it without --headline, --lead, --body or --body-file."
            )
        }
    }

    func run() throws {
        if let expectVersion { try TextInput.int32(expectVersion, field: "expect-version") }
        var changes = EditionChanges()
        changes.headline = try TextInput.optional(headline, .headline)
        changes.lead = try TextInput.optional(lead, .lead)
        changes.body = try TextInput.body(text: body, file: bodyFile)
        changes.photoURL = try photo.map { try WebURL.clean($0, .photoURL) }
        changes.caption = try TextInput.optional(caption, .caption)
        changes.credit = try TextInput.optional(credit, .credit)
        changes.video = video
        changes.embargoUntil = embargoUntil
        changes.clearEmbargo = noEmbargo
        changes.addBylines = addBylines
        changes.removeBylines = removeBylines
        if let slug {
            let clean = try TextField.slug.clean(slug)
            guard Slug.isValid(clean) else {
                throw NewsdeskError(
                    .badInput, "slug: use lower-case Latin letters, digits and single hyphens (such as kyiv-heating).")
            }
            changes.slug = clean
        }
        var note = try TextInput.optional(correction, .correction)
        let desk = try EditionDesk(connection: connection.connect())

        var basedOn = expectVersion
        // The edition's text the changes are made to, for a kept file that holds the whole text.
        var original: EditorText?
        if let fromFile {
            let current = try desk.show(edition)
            let typed = try EditorText.read(TextInput.readAll(fromFile, field: "from-file"), field: "from-file")
            let merged =
                if let version = typed.basedOn, version != current.version {
                    try typed.changes(base: desk.show(edition, version: version), current: current, file: fromFile)
                } else {
                    try typed.changes(from: current)
                }
            note = try note ?? typed.correction.map { try TextField.correction.clean($0) }
            guard let merged, merged.headline != nil || merged.lead != nil || merged.body != nil || note != nil else {
                Output.line("No changes; nothing saved.")
                return
            }
            (changes.headline, changes.lead, changes.body) = (merged.headline, merged.lead, merged.body)
            basedOn = current.version
            original = EditorText(current)
        } else if changes.isEmpty && note == nil && !cancelScheduled {
            // Asked first, so that nobody types what they may not save.
            if let refusal = try desk.editRefusal(edition) {
                throw NewsdeskError(.permission, "Permission denied: \(refusal) Nothing was opened.")
            }
            let current = try desk.show(edition)
            guard let edited = try EditorSession.edit(current) else {
                Output.line("No changes; nothing saved.")
                return
            }
            changes = edited
            basedOn = expectVersion ?? current.version
            original = EditorText(current)
        }
        // With options and --expect-version: the text they were written against, if it can still be read.
        let writtenAgainst: () -> EditorText? = { [basedOn, original] in
            original ?? basedOn.flatMap { version in (try? desk.show(edition, version: version)).map(EditorText.init) }
        }
        let key = try idempotency.value()
        let kind = note != nil ? "Saved a correction to" : minor ? "Saved a minor edit to" : "Saved"
        // One line to print needs only the saved version, not the edition's
        // document. (With a key, the document is what a repeat answers.)
        if !output.json && scheduledFor == nil && !cancelScheduled && key == nil {
            let saved = try keepingTyped(
                changes, correction: note, edition: edition, basedOn: basedOn, original: writtenAgainst
            ) {
                try desk.saveRevision(edition, changes, expectVersion: basedOn, correction: note, minor: minor)
            }
            return Output.line(
                "\(kind) \(EditionOutput.label(reference: saved.reference, id: saved.id, version: saved.version)).")
        }
        let saved = try keepingTyped(
            changes, correction: note, edition: edition, basedOn: basedOn, original: writtenAgainst
        ) {
            try desk.edit(
                edition, changes, expectVersion: basedOn, correction: note, minor: minor, scheduledFor: scheduledFor,
                cancelScheduled: cancelScheduled, idempotencyKey: key)
        }
        if cancelScheduled {
            return try EditionOutput.print(
                saved, json: output.json, summary: "Cancelled the revision scheduled for \(saved.reference).")
        }
        if scheduledFor != nil, let pending = saved.scheduledRevision {
            let when = EditionOutput.when(pending.localTime, saved)
            return try EditionOutput.print(
                saved, json: output.json,
                summary: "Scheduled version \(pending.version) of \(saved.reference): readers see it from \(when); "
                    + "until then, version \(saved.version).")
        }
        try EditionOutput.print(saved, json: output.json, summary: "\(kind) \(EditionOutput.label(saved)).")
    }
}

/// The lifecycle commands share their shape: an edition, maybe a note, one call.
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "submit", abstract: "Send a draft for review.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The edition: its id, or LANG/slug.") var edition: String
    @OptionGroup var output: JSONOption
    @OptionGroup var idempotency: IdempotencyOption

    func run() throws {
        let result = try EditionDesk(connection: connection.connect()).submit(
            edition, idempotencyKey: try idempotency.value())
        try EditionOutput.print(
            result, json: output.json, summary: "Submitted \(EditionOutput.label(result)) for review.")
    }
}

struct ReturnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "return", abstract: "Send an edition in review back to its reporter as a draft, with a note.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The edition: its id, or LANG/slug.") var edition: String
    @Option(parsing: .unconditional, help: "What the reporter should change.") var note: String
    @OptionGroup var output: JSONOption
    @OptionGroup var idempotency: IdempotencyOption

    func run() throws {
        let note = try TextField.note.clean(note)
        let result = try EditionDesk(connection: connection.connect())
            .returnToDraft(edition, note: note, idempotencyKey: try idempotency.value())
        try EditionOutput.print(result, json: output.json, summary: "Returned \(EditionOutput.label(result)) to draft.")
    }
}

struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish an edition now, or schedule it with --at.",
        discussion: """
            TIME is an instant with an offset (2023-10-26T16:43+03:00) or a newsroom-local time \
            (2023-10-26 16:43) that exists exactly once. A scheduled edition appears to readers from that \
            time on; nothing needs to run then. --published-at records an earlier first publication (an \
            archive, a story first published elsewhere): readers and feeds date it so, and the audit log \
            keeps both times.
            """)
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The edition: its id, or LANG/slug.") var edition: String
    @Option(help: ArgumentHelp("Publish at this TIME instead of now.", valueName: "time")) var at: String?
    @Option(
        name: .customLong("published-at"),
        help: ArgumentHelp("Publish now, dated as first published at this earlier TIME.", valueName: "time"))
    var publishedAt: String?
    @OptionGroup var output: JSONOption
    @OptionGroup var idempotency: IdempotencyOption

    func validate() throws {
        if at != nil && publishedAt != nil {
            throw ValidationError("Give --at (a later time) or --published-at (an earlier one), not both.")
        }
    }

    func run() throws {
        let result = try EditionDesk(connection: connection.connect()).publish(
            edition, at: at, firstPublished: publishedAt, idempotencyKey: try idempotency.value())
        let summary =
            result.status == .scheduled
            ? "Scheduled \(EditionOutput.label(result)) for \(EditionOutput.when(result.scheduledLocal, result))."
            : publishedAt != nil
                ? "Published \(EditionOutput.label(result)), dated \(EditionOutput.when(result.publishedLocal, result))."
                : "Published \(EditionOutput.label(result))."
        try EditionOutput.print(result, json: output.json, summary: summary)
    }
}

struct UnpublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpublish", abstract: "Withdraw a published or scheduled edition, giving the reason.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The edition: its id, or LANG/slug.") var edition: String
    @Option(parsing: .unconditional, help: "Why it is withdrawn.") var reason: String
    @OptionGroup var output: JSONOption
    @OptionGroup var idempotency: IdempotencyOption

    func run() throws {
        let reason = try TextField.reason.clean(reason)
        let result = try EditionDesk(connection: connection.connect())
            .unpublish(edition, reason: reason, idempotencyKey: try idempotency.value())
        try EditionOutput.print(result, json: output.json, summary: "Withdrew \(EditionOutput.label(result)).")
    }
}

struct RepublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "republish", abstract: "Publish a withdrawn edition again.")
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The edition: its id, or LANG/slug.") var edition: String
    @OptionGroup var output: JSONOption
    @OptionGroup var idempotency: IdempotencyOption

    func run() throws {
        let result = try EditionDesk(connection: connection.connect()).republish(
            edition, idempotencyKey: try idempotency.value())
        try EditionOutput.print(result, json: output.json, summary: "Republished \(EditionOutput.label(result)).")
    }
}

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Make an earlier version the newest again (as a new revision; history stays)."
    )
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The edition: its id, or LANG/slug.") var edition: String
    @Argument(help: "The version to restore.") var version: Int
    @OptionGroup var output: JSONOption
    @OptionGroup var idempotency: IdempotencyOption

    func run() throws {
        try TextInput.int32(version, field: "version")
        let result = try EditionDesk(connection: connection.connect())
            .restore(edition, version: version, idempotencyKey: try idempotency.value())
        try EditionOutput.print(
            result, json: output.json,
            summary: "Restored version \(version) of \(result.reference) as version \(result.version).")
    }
}
