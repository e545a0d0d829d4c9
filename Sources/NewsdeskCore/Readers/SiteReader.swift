public import PostgresClient

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What the site reads (SPEC §11), through the functions in schema `site`:
/// only what readers may see at the moment of the call. The site's own login
/// (`newsdesk_site`) may call nothing else; staff may call these too.
///
/// Each call is one statement and one round trip. Errors: ``NewsdeskError``.
public struct SiteReader {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    /// How many stories an article page's "Recent news" lists.
    public static let recentItems = 10

    /// An article page by language and slug, `Document` being ``Edition`` for
    /// pages or ``JSONValue`` for the API (the document as the database gave
    /// it), with the `recentItems` newest stories of its language (none for 0).
    public func article<Document: JSONDocument>(
        lang: String, slug: String, as document: Document.Type = Edition.self, recentItems: Int = Self.recentItems
    ) throws -> ArticleLookup<Document> {
        try DeskCall.decode(
            ArticleLookup<Document>.self, "SELECT site.article(\(lang), \(slug), \(recentItems)::int)",
            on: connection)
    }

    /// The site's address and languages.
    public func about() throws -> SiteAbout {
        try DeskCall.decode(SiteAbout.self, "SELECT site.about()", on: connection)
    }

    /// A page of a feed, as `newsdesk feed` gives it.
    public func feed(_ query: FeedQuery) throws -> Feed {
        if let before = query.before, !FeedQuery.isCursor(before) {
            throw NewsdeskError(.badInput, "before: \"\(before)\" is not a cursor from a feed's next_cursor.")
        }
        return try DeskCall.decode(
            Feed.self,
            """
            SELECT site.feed(lang => \(query.language), subjects => \(query.subjects.isEmpty ? nil : query.subjects),
                             max_items => \(query.limit)::int, before => \(query.before))
            """, on: connection)
    }

    /// When readers last saw anything change (nil before the first public
    /// change): the Last-Modified of lists. Read it before the list, so that
    /// a change committed in between makes the list newer than it says.
    public func lastChange() throws -> Date? {
        struct LastChange: Decodable { let at: Date? }
        return try DeskCall.decode(LastChange.self, "SELECT site.last_change()", on: connection).at
    }

    /// Search over what readers may see.
    public func search(_ query: String, language: String?, limit: Int = 20) throws -> SearchResults {
        try DeskCall.decode(
            SearchResults.self, "SELECT site.search(\(query), \(language), \(limit)::int)", on: connection)
    }

    /// Every subject with its names, as `newsdesk subject list --json` gives them.
    public func subjects() throws -> JSONValue {
        try DeskCall.decode(JSONValue.self, "SELECT site.subjects()", on: connection)
    }

    /// The public changes after `cursor` (from the first when nil), oldest
    /// first; see ``PublicChanges``.
    public func changes(after cursor: String?, limit: Int = 100) throws -> PublicChanges {
        try DeskCall.decode(
            PublicChanges.self, "SELECT site.changes(\(cursor), \(limit)::int)", on: connection)
    }

    /// The channel a public change notifies when it commits (Schema/site.sql).
    static let changeChannel = "newsdesk_public_change"

    /// Asks to be told when public changes commit; see ``waitForChanges(upTo:)``.
    public func listenForChanges() throws {
        try DatabaseErrors.translating { try connection.listen(Self.changeChannel) }
    }

    /// Blocks the calling thread until a public change commits (after
    /// ``listenForChanges()``) or `timeout` passes. Whether one did, read
    /// ``changes(after:limit:)`` to see: notifications only wake.
    public func waitForChanges(upTo timeout: Duration) throws {
        _ = try DatabaseErrors.translating { try connection.waitForNotifications(timeout: timeout) }
    }

    /// The cursor from which only changes still to come are listed.
    public func changesNow() throws -> String {
        struct Now: Decodable { let cursor: String }
        return try DeskCall.decode(Now.self, "SELECT site.changes_now()", on: connection).cursor
    }

    /// One edition's public changes after change `id`, at most 100 (none
    /// when `id` is nil: only the newest id); nil when readers may not see
    /// the edition.
    public func editionChanges(lang: String, slug: String, after id: Int64?) throws -> EditionLiveChanges? {
        try DeskCall.decode(
            EditionLiveChanges?.self, "SELECT site.edition_changes(\(lang), \(slug), \(id))", on: connection)
    }
}

/// What an article address holds for readers.
public enum ArticleLookup<Document: JSONDocument>: JSONDocument {
    /// Readers may see it: the edition, the "Recent news" list of its
    /// language, the latest change readers could see on the page, the id
    /// of the edition's latest public change (its live page resumes there),
    /// and the time of the language's latest public change, as given (nil
    /// before any): a "Recent news" list read when that was the latest is
    /// still the list.
    case visible(Document, recent: [Feed.Item], modifiedAt: Date, lastEvent: Int64, languageChangedAt: String?)
    /// An old slug: the edition (`edition`, of story `story`) is at `lang/slug` now.
    case moved(lang: String, slug: String, edition: Int64, story: Int64)
    /// Public once, withdrawn now: what readers are told.
    case withdrawn(WithdrawnEdition)
    /// Not visible (yet), or no such edition: the same answer for both.
    case hidden

    private enum Field: String, CodingKey {
        case state, edition, recent, lang, slug, id
        case storyID = "story_id"
        case modifiedAt = "modified_at"
        case lastEvent = "last_event"
        case languageChangedAt = "language_changed_at"
    }

    public init(json: JSONValue) throws {
        let field = try JSONFields(json, keyedBy: Field.self)
        switch try field(.state) as String {
        case "visible":
            self = .visible(
                try field(.edition), recent: try field(.recent), modifiedAt: try field(.modifiedAt),
                lastEvent: try field(.lastEvent),
                languageChangedAt: try field.optional(.languageChangedAt))
        case "moved":
            self = .moved(
                lang: try field(.lang), slug: try field(.slug), edition: try field(.id), story: try field(.storyID))
        case "withdrawn":
            self = .withdrawn(try field(.edition))
        default:
            self = .hidden
        }
    }
}

/// A withdrawn edition, as far as readers are told: its headline and why.
public struct WithdrawnEdition: JSONDocument, Encodable, Sendable {
    public let id: Int64
    public let storyID: Int64
    public let lang: String
    public let slug: String
    public let headline: String
    public let withdrawalReason: String?
    public let withdrawnAt: Date?

    public init(json: JSONValue) throws {
        let field = try JSONFields(json, keyedBy: CodingKeys.self)
        id = try field(.id)
        storyID = try field(.storyID)
        lang = try field(.lang)
        slug = try field(.slug)
        headline = try field(.headline)
        withdrawalReason = try field.optional(.withdrawalReason)
        withdrawnAt = try field.optional(.withdrawnAt)
    }

    enum CodingKeys: String, CodingKey {
        case id, lang, slug, headline
        case storyID = "story_id"
        case withdrawalReason = "withdrawal_reason"
        case withdrawnAt = "withdrawn_at"
    }
}

/// One change readers can see: an edition published, edited or withdrawn, a
/// scheduled time or an embargo's lift come, a live update added, edited,
/// withdrawn, marked as a key event or not.
public struct PublicChange: Codable, Sendable {
    /// Its place in commit order; a live page's event id.
    public let id: Int64
    /// Where `newsdesk events --after` continues from, after this change.
    public let cursor: String
    /// `edition.published`, `edition.scheduled_time_reached`,
    /// `edition.embargo_lifted`, `edition.edited`, `edition.withdrawn`,
    /// `edition.hidden` (readers saw it and may not until a later time),
    /// `update.added`, `update.edited`, `update.withdrawn`, `update.key_on`,
    /// `update.key_off`.
    public let kind: String
    /// When readers could first see it.
    public let at: Date
    public let storyID: Int64
    public let editionID: Int64
    public let lang: String
    public let slug: String
    public let updateID: Int64?
    /// The live update as readers see it now (a withdrawn one: only that it was).
    public let update: JSONValue?
    /// What a cache holding pages tagged with these keys should purge.
    public let surrogateKeys: [String]

    enum CodingKeys: String, CodingKey {
        case id, cursor, kind, at, lang, slug, update
        case storyID = "story_id"
        case editionID = "edition_id"
        case updateID = "update_id"
        case surrogateKeys = "surrogate_keys"
    }
}

/// A page of public changes: `events` oldest first, the `cursor` to go on
/// from, whether `more` are waiting, and when the next change already
/// recorded for later (a scheduled time, an embargo) comes due.
public struct PublicChanges: Codable, Sendable {
    public let events: [PublicChange]
    public let cursor: String?
    public let more: Bool
    public let nextDue: Date?

    enum CodingKeys: String, CodingKey {
        case events, cursor, more
        case nextDue = "next_due"
    }
}

/// One edition's public changes after an event id, a page at a time, and
/// the newest id (or, with `more`, the page's last).
public struct EditionLiveChanges: Codable, Sendable {
    public let editionID: Int64
    public let events: [PublicChange]
    /// More changes follow `lastID` than one answer gives: ask again after it.
    public let more: Bool
    public let lastID: Int64

    enum CodingKeys: String, CodingKey {
        case events, more
        case editionID = "edition_id"
        case lastID = "last_id"
    }
}

/// The site's address and its languages, first the front page's.
public struct SiteAbout: Codable, Sendable {
    public let siteURL: String
    public let languages: [String]

    enum CodingKeys: String, CodingKey {
        case languages
        case siteURL = "site_url"
    }
}
