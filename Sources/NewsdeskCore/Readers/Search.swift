import PostgresClient

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Full-text search results, best first: editions with the words in their
/// headline, then in their lead, then only in their body; within each,
/// Ukrainian words as typed before their other forms, then the newest first.
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
        /// When readers first saw it; nil for an edition not published yet (`search --all`).
        public let publishedAt: Date?
        /// Published, or for an unpublished edition when it was last saved.
        public let localTime: LocalTime
        /// `published`, or for staff searching everything: `draft`, `in_review`, `scheduled`, `withdrawn`.
        public let status: String
        /// Until when an embargo holds it back, when one does.
        public let embargoUntil: Date?
        /// A fragment of the text around the words found, as plain text.
        public let snippet: String
        /// The same fragment in pieces, the words found marked.
        public let snippetParts: [SnippetPart]

        enum CodingKeys: String, CodingKey {
            case lang, slug, headline, rank, snippet, status
            case editionID = "edition_id"
            case storyID = "story_id"
            case publishedAt = "published_at"
            case localTime = "local_time"
            case matchedIn = "matched_in"
            case embargoUntil = "embargo_until"
            case snippetParts = "snippet_parts"
        }
    }

    /// A piece of a snippet: text, and whether it is a word the search found.
    public struct SnippetPart: Codable, Sendable, Equatable {
        public let text: String
        public let match: Bool
    }

    public let query: String
    public let items: [Hit]
}

extension FeedReader {
    /// Searches what readers may see, or with `everything` also the
    /// unpublished editions the acting login may see (the database decides:
    /// editors and admins all, reporters and translators those crediting
    /// them). Syntax: words, "phrases", -excluded, `or`, and `word*`.
    public func search(_ query: String, language: String? = nil, limit: Int = 20, everything: Bool = false) throws
        -> SearchResults
    {
        try DeskCall.decode(
            SearchResults.self, "SELECT desk.search(\(query), \(language), \(limit)::int, \(everything))",
            on: connection)
    }
}
