public import PostgresClient

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What `newsdesk list` asks for: editions by status, language, byline,
/// subject, embargo and staleness, the most recently saved first.
public struct WorkListQuery: Sendable {
    /// Any of these (empty: every status).
    public var statuses: [EditionStatus] = []
    public var language: String?
    /// Editions with this login on their byline.
    public var byline: String?
    /// Editions with the acting login on their byline (the database knows who acts).
    public var mine = false
    public var subject: String?
    /// Only editions under an embargo that has not lifted.
    public var embargoed = false
    /// Only translations behind their source: an older version, or live updates not yet translated.
    public var stale = false
    /// Only editions saved at or after this time (RFC 3339 or newsroom-local).
    public var since: String?
    public var limit = 20
    /// The `next_cursor` of the previous page.
    public var before: String?

    public init() {}
}

/// One page of a work list (`list --json`).
public struct WorkList: Codable, Sendable {
    public struct Item: Codable, Sendable {
        public let id: Int64
        public let storyID: Int64
        public let lang: String
        public let slug: String
        public let headline: String
        public let status: EditionStatus
        public let version: Int
        public let bylines: [String]
        public let savedAt: Date
        public let savedLocal: LocalTime
        /// The last change readers saw (nil before publication).
        public let updatedAt: Date?
        public let scheduledAt: Date?
        public let embargoUntil: Date?
        /// When a scheduled revision of it takes over, while one waits.
        public let revisionDueAt: Date?
        /// The editor's note when the edition was returned to its reporter.
        public let reviewNote: String?

        enum CodingKeys: String, CodingKey {
            case id, lang, slug, headline, status, version, bylines
            case storyID = "story_id"
            case savedAt = "saved_at"
            case savedLocal = "saved_local"
            case updatedAt = "updated_at"
            case scheduledAt = "scheduled_at"
            case embargoUntil = "embargo_until"
            case revisionDueAt = "revision_due_at"
            case reviewNote = "review_note"
        }

        /// Every key, null where there is no value, so scripts can rely on the shape.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(storyID, forKey: .storyID)
            try c.encode(lang, forKey: .lang)
            try c.encode(slug, forKey: .slug)
            try c.encode(headline, forKey: .headline)
            try c.encode(status, forKey: .status)
            try c.encode(version, forKey: .version)
            try c.encode(bylines, forKey: .bylines)
            try c.encode(savedAt, forKey: .savedAt)
            try c.encode(savedLocal, forKey: .savedLocal)
            try c.encode(updatedAt, forKey: .updatedAt)
            try c.encode(scheduledAt, forKey: .scheduledAt)
            try c.encode(embargoUntil, forKey: .embargoUntil)
            try c.encode(revisionDueAt, forKey: .revisionDueAt)
            try c.encode(reviewNote, forKey: .reviewNote)
        }
    }

    public let items: [Item]
    /// Pass as `before` for the next page; nil on the last page.
    public let nextCursor: String?
    public let timezone: String

    enum CodingKeys: String, CodingKey {
        case items, timezone
        case nextCursor = "next_cursor"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
        try c.encode(timezone, forKey: .timezone)
    }
}

/// The desk's work lists: one call of `desk.list_editions`, which decides
/// what the acting login may list and checks every filter.
public struct WorkLists {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    public func list(_ query: WorkListQuery) throws -> WorkList {
        if let before = query.before, !FeedQuery.isCursor(before) {
            throw NewsdeskError(.badInput, "before: \"\(before)\" is not a cursor from a list's next_cursor.")
        }
        let statuses = query.statuses.isEmpty ? nil : query.statuses.map(\.rawValue)
        return try DeskCall.decode(
            WorkList.self,
            """
            SELECT desk.list_editions(
                statuses => \(statuses), lang => \(query.language), byline => \(query.byline),
                subject => \(query.subject), embargoed => \(query.embargoed), stale => \(query.stale),
                since => \(query.since), before => \(query.before), max_items => \(query.limit)::int,
                mine => \(query.mine))
            """, on: connection)
    }
}
