public import PostgresClient

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A new story and its first edition, as a reporter writes it.
public struct NewStory: Sendable {
    public var lang: String
    public var headline: String
    public var lead: String = ""
    public var body: String = ""
    public var photo: Edition.Photo?
    /// Logins; the acting login when empty.
    public var bylines: [String] = []
    /// Subject slugs to tag the story with.
    public var subjects: [String] = []
    public var video = false
    /// `TIME` text, checked by the database (RFC 3339, or newsroom-local).
    public var embargoUntil: String?

    public init(lang: String, headline: String) {
        self.lang = lang
        self.headline = headline
    }
}

/// What an edit changes; `nil` leaves a field as it is.
public struct EditionChanges: Sendable, Equatable {
    public var headline: String?
    public var lead: String?
    public var body: String?
    public var photoURL: String?
    public var caption: String?
    public var credit: String?
    public var video: Bool?
    public var slug: String?
    public var embargoUntil: String?
    public var clearEmbargo = false
    /// Staff logins to credit, and to stop crediting (editors only).
    public var addBylines: [String] = []
    public var removeBylines: [String] = []

    public init(headline: String? = nil, lead: String? = nil, body: String? = nil) {
        self.headline = headline
        self.lead = lead
        self.body = body
    }

    /// Whether the edit changes any field at all.
    public var isEmpty: Bool { self == EditionChanges() }

    /// The same changes with every text field checked and normalised (SPEC §7).
    func cleaned() throws -> EditionChanges {
        var clean = self
        clean.headline = try TextField.headline.clean(ifGiven: headline)
        clean.lead = try TextField.lead.clean(ifGiven: lead)
        clean.body = try TextField.body.clean(ifGiven: body)
        clean.caption = try TextField.caption.clean(ifGiven: caption)
        clean.credit = try TextField.credit.clean(ifGiven: credit)
        return clean
    }
}

/// The editorial lifecycle of editions (SPEC §2), one database call per
/// action: each is a function in schema `desk` that checks the rules, saves
/// the revision and returns the edition, all in one round trip and one commit.
///
/// ```swift
/// let desk = EditionDesk(connection: connection)
/// let draft = try desk.createStory(NewStory(lang: "uk", headline: "Київрада скликає сесію"))
/// let live = try desk.publish(draft.reference)
/// ```
///
/// Errors: ``NewsdeskError`` only: `.notFound` for an unknown edition,
/// `.wrongState`, `.permission` for a login without the role (recorded in the
/// audit log), `.badInput` for a bad time or language, `.conflict` for a stale
/// `expectVersion`, and the database's own failures (see ``DatabaseErrors``).
public struct EditionDesk {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// Creates a story with its first edition, a draft. The slug comes from
    /// the headline. With `idempotencyKey`, repeating the same call returns
    /// the first result instead of creating a second story.
    public func createStory(_ story: NewStory, idempotencyKey: String? = nil) throws -> Edition {
        // The text rules (SPEC §7) are the database's; checking them here too
        // gives a library caller the same message, naming the field, as the CLI.
        let headline = try TextField.headline.clean(story.headline)
        let lead = try TextField.lead.clean(story.lead)
        let body = try TextField.body.clean(story.body)
        let caption = try TextField.caption.clean(ifGiven: story.photo?.caption)
        let credit = try TextField.credit.clean(ifGiven: story.photo?.credit)
        let slug = Slug.make(from: headline, language: story.lang)
        if let photo = story.photo { _ = try WebURL.clean(photo.url, .photoURL) }
        return try edition(
            """
            SELECT desk.create_story(
                idempotency_key => \(idempotencyKey), subjects => \(story.subjects.isEmpty ? nil : story.subjects), lang => \(story.lang), headline => \(headline), lead => \(lead), body => \(body),
                photo_url => \(story.photo?.url), photo_caption => \(caption),
                photo_credit => \(credit),
                bylines => \(story.bylines.isEmpty ? nil : story.bylines), video => \(story.video),
                slug => \(slug), embargo_until => \(story.embargoUntil))
            """)
    }

    /// Saves a new revision. With `expectVersion`, a newer saved version makes
    /// this throw ``NewsdeskError`` `.conflict` (who saved it, and when) and save nothing. With `correction`, the
    /// edit of a published edition is a public correction. A `minor` edit is a
    /// silent fix: readers see no "updated", and translations that were
    /// current stay current. With `scheduledFor` (a later `TIME`), a published
    /// edition's revision is saved now and seen by readers from then on;
    /// `cancelScheduled` drops such a revision before its time.
    public func edit(
        _ reference: String, _ changes: EditionChanges, expectVersion: Int? = nil,
        correction: String? = nil, minor: Bool = false, scheduledFor: String? = nil, cancelScheduled: Bool = false,
        idempotencyKey: String? = nil
    ) throws -> Edition {
        let call = try editCall(
            reference, changes, expectVersion: expectVersion, correction: correction, minor: minor,
            scheduledFor: scheduledFor, cancelScheduled: cancelScheduled, idempotencyKey: idempotencyKey,
            brief: false)
        return try decode(Edition.self, "SELECT \(call)")
    }

    /// Saves a new revision as ``edit(_:_:expectVersion:correction:minor:scheduledFor:cancelScheduled:idempotencyKey:)``
    /// does, now, and answers only which edition and version were saved: the
    /// edition's document (with every live update) is neither built nor sent,
    /// which is most of an edit's time. For a caller that prints no more.
    public func saveRevision(
        _ reference: String, _ changes: EditionChanges, expectVersion: Int? = nil, correction: String? = nil,
        minor: Bool = false
    ) throws -> SavedVersion {
        let call = try editCall(
            reference, changes, expectVersion: expectVersion, correction: correction, minor: minor,
            scheduledFor: nil, cancelScheduled: false, idempotencyKey: nil, brief: true)
        // Five fields read as columns: a command that prints one line should
        // not pay for starting a JSON decoder (about a twentieth of its CPU).
        let row = try DatabaseErrors.translating {
            try connection.query(
                """
                SELECT r->'refused'->>'message' AS refused, (r->>'id')::bigint AS id,
                       (r->>'story_id')::bigint AS story_id, r->>'lang' AS lang, r->>'slug' AS slug,
                       (r->>'version')::integer AS version
                FROM \(call) AS r
                """)[0]
        }
        if let refused = try row.decode("refused", as: String?.self) { throw DeskCall.refusal(refused) }
        return SavedVersion(
            id: try row.decode("id"), storyID: try row.decode("story_id"), lang: try row.decode("lang"),
            slug: try row.decode("slug"), version: try row.decode("version"))
    }

    /// The `desk.edit_edition` call for these arguments, for a statement to embed.
    private func editCall(
        _ reference: String, _ changes: EditionChanges, expectVersion: Int?, correction: String?, minor: Bool,
        scheduledFor: String?, cancelScheduled: Bool, idempotencyKey: String?, brief: Bool
    ) throws -> Query {
        if let url = changes.photoURL { _ = try WebURL.clean(url, .photoURL) }
        let changes = try changes.cleaned()
        let correction = try TextField.correction.clean(ifGiven: correction)
        return """
            desk.edit_edition(
                reference => \(reference), expect_version => \(expectVersion)::int,
                headline => \(changes.headline), lead => \(changes.lead), body => \(changes.body),
                photo_url => \(changes.photoURL), photo_caption => \(changes.caption), photo_credit => \(changes.credit),
                video => \(changes.video), slug => \(changes.slug), embargo_until => \(changes.embargoUntil),
                clear_embargo => \(changes.clearEmbargo), correction => \(correction), minor => \(minor),
                add_bylines => \(changes.addBylines.isEmpty ? nil : changes.addBylines),
                remove_bylines => \(changes.removeBylines.isEmpty ? nil : changes.removeBylines),
                scheduled_for => \(scheduledFor), cancel_scheduled => \(cancelScheduled), brief => \(brief),
                idempotency_key => \(idempotencyKey))
            """
    }

    /// Draft → in review.
    public func submit(_ reference: String, idempotencyKey: String? = nil) throws -> Edition {
        try edition("SELECT desk.submit_edition(\(reference), \(idempotencyKey))")
    }

    /// In review → draft, with a note for the reporter.
    public func returnToDraft(_ reference: String, note: String, idempotencyKey: String? = nil) throws -> Edition {
        try edition("SELECT desk.return_edition(\(reference), \(try TextField.note.clean(note)), \(idempotencyKey))")
    }

    /// Publishes now, or schedules for `at` (a `TIME` text), which must be
    /// later. With `firstPublished` (a past `TIME`), records an earlier first
    /// publication: readers and feeds date it so, and the audit log keeps both times.
    public func publish(
        _ reference: String, at time: String? = nil, firstPublished: String? = nil, idempotencyKey: String? = nil
    ) throws -> Edition {
        try edition(
            """
            SELECT desk.publish_edition(reference => \(reference), publish_at => \(time),
                published_at => \(firstPublished), idempotency_key => \(idempotencyKey))
            """)
    }

    /// Published or scheduled → withdrawn, with the reason.
    public func unpublish(_ reference: String, reason: String, idempotencyKey: String? = nil) throws -> Edition {
        try edition(
            "SELECT desk.unpublish_edition(\(reference), \(try TextField.reason.clean(reason)), \(idempotencyKey))")
    }

    /// Withdrawn → published again.
    public func republish(_ reference: String, idempotencyKey: String? = nil) throws -> Edition {
        try edition("SELECT desk.republish_edition(\(reference), \(idempotencyKey))")
    }

    /// Makes the content of `version` the newest revision (history is kept).
    public func restore(_ reference: String, version: Int, idempotencyKey: String? = nil) throws -> Edition {
        try edition("SELECT desk.restore_edition(\(reference), \(version)::int, \(idempotencyKey))")
    }

    /// The edition now, at `version`, or as it stood at `time` (a `TIME` text).
    public func show(_ reference: String, version: Int? = nil, at time: String? = nil) throws -> Edition {
        try edition("SELECT desk.show_edition(\(reference), \(version)::int, \(time))")
    }

    /// Revisions and lifecycle changes, oldest first.
    public func history(_ reference: String) throws -> EditionHistory {
        try decode(EditionHistory.self, "SELECT desk.edition_history(\(reference))")
    }

    /// Editions in id order after `afterID`, a page at a time (for export).
    /// Each is read on its own: one whose document cannot be read comes back
    /// as a failure with its id, and the rest of the page is still there.
    ///
    ///     let page = try desk.editions(after: 0)
    ///     for entry in page {
    ///         switch entry.edition {
    ///         case .success(let edition): print(edition.headline)
    ///         case .failure(let error): print("edition \(entry.id): \(error)")
    ///         }
    ///     }
    ///     // the next page: try desk.editions(after: page.last!.id)
    ///
    /// Throws when the page itself cannot be read (the database refused or was lost).
    public func editions(after afterID: Int64, limit: Int = 500) throws -> [ExportEntry] {
        var entries: [ExportEntry] = []
        var previous = afterID
        for element in try decode([ExportEntry.Element].self, "SELECT desk.all_editions(\(afterID), \(limit)::int)") {
            // A document too broken to name its id is placed after the one before it.
            let id = element.id ?? previous
            entries.append(ExportEntry(id: id, edition: element.edition))
            previous = id
        }
        return entries
    }

    /// One page of the newsroom archive (`export --format newsdesk`): each
    /// edition's id and its archive document as JSON text, in id order. The
    /// document is everything stored about the edition (Schema/export.sql,
    /// `newsroom.edition_archive`); ``Importer`` reads it back.
    public func archive(after afterID: Int64, limit: Int = 200) throws -> [(id: Int64, document: String)] {
        try DatabaseErrors.translating {
            try connection.query(
                """
                SELECT (p->>'id')::bigint AS id, (p->'document')::text AS document
                FROM jsonb_array_elements(desk.archive_editions(\(afterID), \(limit)::int)) p
                """
            ).map { (try $0.decode("id", as: Int64.self), try $0.decode("document", as: String.self)) }
        }
    }

    /// Why the acting login may not edit `reference`, or nil when it may:
    /// asked before an editor opens, so that nobody types what they may not
    /// save. The database decides, with the words an edit would get.
    public func editRefusal(_ reference: String) throws -> String? {
        try DatabaseErrors.translating {
            try connection.query("SELECT desk.edit_refusal(\(reference))")[0].decode(0, as: String?.self)
        }
    }

    /// Two versions of an edition, for a diff.
    public func versions(_ reference: String, _ first: Int, _ second: Int) throws -> (Edition, Edition) {
        let documents = try decode(
            [Edition].self,
            """
            SELECT jsonb_build_array(desk.show_edition(\(reference), \(first)::int), desk.show_edition(\(reference), \(second)::int))
            """)
        return (documents[0], documents[1])
    }

    private func edition(_ query: Query) throws -> Edition {
        try decode(Edition.self, query)
    }

    private func decode<T: Decodable>(_ type: T.Type, _ query: Query) throws -> T {
        try DeskCall.decode(type, query, on: connection)
    }

    private func decode<T: JSONDocument>(_ type: T.Type, _ query: Query) throws -> T {
        try DeskCall.decode(type, query, on: connection)
    }
}

/// One edition of an export page: its document, or why it could not be read.
public struct ExportEntry {
    public let id: Int64
    public let edition: Result<Edition, any Error>

    /// Reads one element of the page and keeps a failure instead of
    /// throwing it, so that one edition cannot take its page down with it.
    struct Element: JSONDocument {
        enum Key: String, CodingKey { case id }
        let id: Int64?
        let edition: Result<Edition, any Error>

        init(json: JSONValue) {
            id = try? JSONFields(json, keyedBy: Key.self).optional(.id)
            edition = Result { try Edition(json: json) }
        }
    }
}
