import PostgresClient

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Full-text search results, best first: editions with the words in their
/// headline, then in their lead, then only in their body, and within each of
/// those the newest first.
public struct SearchResults: Codable, Sendable {
    public struct Hit: Codable, Sendable {
        public let editionID: Int64
        public let storyID: Int64
        public let lang: String
        public let slug: String
        public let headline: String
        /// Where the words were found first: `headline`, `lead` or `body`.
        public let matchedIn: String
        /// PostgreSQL's cover-density rank of the match, weighted headline over lead over body.
        public let rank: Double
        public let publishedAt: Date
        public let localTime: LocalTime
        /// A fragment with the matched words between « and ».
        public let snippet: String

        enum CodingKeys: String, CodingKey {
            case lang, slug, headline, rank, snippet
            case editionID = "edition_id"
            case storyID = "story_id"
            case publishedAt = "published_at"
            case localTime = "local_time"
            case matchedIn = "matched_in"
        }
    }

    public let query: String
    public let items: [Hit]
}

extension FeedReader {
    /// Searches what readers may see (web-search syntax: words, "phrases", -excluded, or).
    public func search(_ query: String, language: String? = nil, limit: Int = 20) throws -> SearchResults {
        try DeskCall.decode(
            SearchResults.self, "SELECT desk.search(\(query), \(language), \(limit)::int)", on: connection)
    }
}
