public import PostgresClient

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One page of the "Recent news" list (SPEC §5 `feed --json` shape).
public struct Feed: JSONDocument, Encodable, Sendable {
    public struct Item: JSONDocument, Encodable, Sendable {
        public let editionID: Int64
        public let storyID: Int64
        public let lang: String
        public let slug: String
        public let headline: String
        public let lead: String
        public let publishedAt: Date
        public let updatedAt: Date?
        /// The time the list shows (publication, or last change with `--order updated`).
        public let localTime: LocalTime
        /// `updated`, `video`.
        public let markers: [String]

        enum CodingKeys: String, CodingKey {
            case lang, slug, headline, lead, markers
            case editionID = "edition_id"
            case storyID = "story_id"
            case publishedAt = "published_at"
            case updatedAt = "updated_at"
            case localTime = "local_time"
        }

        public init(json: JSONValue) throws {
            let field = try JSONFields(json, keyedBy: CodingKeys.self)
            editionID = try field(.editionID)
            storyID = try field(.storyID)
            lang = try field(.lang)
            slug = try field(.slug)
            headline = try field(.headline)
            lead = try field(.lead)
            publishedAt = try field(.publishedAt)
            updatedAt = try field.optional(.updatedAt)
            localTime = try field(.localTime)
            markers = try field(.markers)
        }

        /// Every key of the SPEC §5 shape, `updated_at` null when there is none.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(editionID, forKey: .editionID)
            try c.encode(storyID, forKey: .storyID)
            try c.encode(lang, forKey: .lang)
            try c.encode(slug, forKey: .slug)
            try c.encode(headline, forKey: .headline)
            try c.encode(lead, forKey: .lead)
            try c.encode(publishedAt, forKey: .publishedAt)
            try c.encode(updatedAt, forKey: .updatedAt)
            try c.encode(localTime, forKey: .localTime)
            try c.encode(markers, forKey: .markers)
        }
    }

    /// A subject the feed is filtered by, named in the feed's language.
    public struct Subject: JSONDocument, Encodable, Sendable {
        public let slug: String
        public let name: String

        public init(json: JSONValue) throws {
            let field = try JSONFields(json, keyedBy: CodingKeys.self)
            slug = try field(.slug)
            name = try field(.name)
        }

        enum CodingKeys: String, CodingKey {
            case slug, name
        }
    }

    public let items: [Item]
    /// Pass as `before` for the next page; nil on the last page.
    public let nextCursor: String?
    public let siteURL: String
    public let timezone: String
    /// The language the feed is of (the newsroom's own tag), nil for all.
    public let lang: String?
    /// The subjects it is filtered by; empty for every story.
    public let subjects: [Subject]

    enum CodingKeys: String, CodingKey {
        case items, timezone, lang, subjects
        case nextCursor = "next_cursor"
        case siteURL = "site_url"
    }

    public init(json: JSONValue) throws {
        let field = try JSONFields(json, keyedBy: CodingKeys.self)
        items = try field(.items)
        nextCursor = try field.optional(.nextCursor)
        siteURL = try field(.siteURL)
        timezone = try field(.timezone)
        lang = try field.optional(.lang)
        subjects = try field(.subjects)
    }

    public var site: SiteAddress { SiteAddress(siteURL: siteURL) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
        try c.encode(siteURL, forKey: .siteURL)
        try c.encode(timezone, forKey: .timezone)
        try c.encode(lang, forKey: .lang)
        try c.encode(subjects, forKey: .subjects)
    }
}

/// What a feed shows.
public struct FeedQuery: Sendable {
    public enum Order: String, Sendable, CaseIterable {
        case published, updated
    }

    public var language: String?
    /// Any of these subjects.
    public var subjects: [String] = []
    public var order: Order = .published
    public var limit = 20
    public var before: String?

    public init() {}

    /// Whether `text` has the shape of a `next_cursor`: `MICROS-ID`, the sort
    /// time in microseconds since 1970 (up to the year 9999) and an edition
    /// id, both decimal. Checked here so that a mistyped cursor is bad input
    /// rather than an overflow inside the database.
    public static func isCursor(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2,
            parts.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 19 && $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }
            ),
            let micros = Int64(parts[0]), let id = Int64(parts[1])
        else { return false }
        return micros <= 253_402_300_799_999_999 && id >= 1
    }
}

/// Reading what readers see: only published editions whose scheduled time
/// and embargo have passed.
public struct FeedReader {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    public func feed(_ query: FeedQuery) throws -> Feed {
        if let before = query.before, !FeedQuery.isCursor(before) {
            throw NewsdeskError(.badInput, "before: \"\(before)\" is not a cursor from a feed's next_cursor.")
        }
        return try DeskCall.decode(
            Feed.self,
            """
            SELECT desk.feed(lang => \(query.language), subjects => \(query.subjects.isEmpty ? nil : query.subjects),
                             sort => \(query.order.rawValue), max_items => \(query.limit)::int, before => \(query.before))
            """, on: connection)
    }
}
