public import PostgresClient

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A tag from the newsroom's vocabulary (SPEC §1).
public struct Subject: Codable, Sendable {
    public let slug: String
    /// Name per language: "Russia" / "Росія" / "Россия".
    public let names: [String: String]
    public let parent: String?
    /// IPTC Media Topic URI.
    public let mediatopic: String?
    /// How many stories carry it.
    public let stories: Int

    public func name(in language: String) -> String {
        names[language] ?? names["en"] ?? slug
    }
}

/// A story's subjects after tagging.
public struct StoryTags: Codable, Sendable {
    public let storyID: Int64
    public let subjects: [String]

    enum CodingKeys: String, CodingKey {
        case subjects, storyID = "story_id"
    }
}

/// Subjects (editors and admins manage them; reporters tag stories).
public struct SubjectDesk {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    public func add(
        _ slug: String, names: [String: String], parent: String? = nil, mediatopic: String? = nil,
        idempotencyKey: String? = nil
    ) throws -> Subject {
        if let mediatopic { _ = try WebURL.clean(mediatopic, .mediatopic) }
        return try DeskCall.decode(
            Subject.self,
            """
            SELECT desk.subject_add(\(slug), \(JSONB(encoding: names)), \(parent), \(mediatopic), \(idempotencyKey))
            """, on: connection)
    }

    /// Sets the names given; names in other languages stay.
    public func rename(_ slug: String, names: [String: String], idempotencyKey: String? = nil) throws -> Subject {
        try DeskCall.decode(
            Subject.self, "SELECT desk.subject_rename(\(slug), \(JSONB(encoding: names)), \(idempotencyKey))",
            on: connection)
    }

    public func list() throws -> [Subject] {
        struct Listing: Decodable { let subjects: [Subject] }
        return try DeskCall.decode(Listing.self, "SELECT desk.subject_list()", on: connection).subjects
    }

    public func tag(story: Int64, _ subjects: [String], idempotencyKey: String? = nil) throws -> StoryTags {
        try DeskCall.decode(
            StoryTags.self, "SELECT desk.tag_story(\(story), \(subjects), false, \(idempotencyKey))", on: connection)
    }

    public func untag(story: Int64, _ subjects: [String], idempotencyKey: String? = nil) throws -> StoryTags {
        try DeskCall.decode(
            StoryTags.self, "SELECT desk.tag_story(\(story), \(subjects), true, \(idempotencyKey))", on: connection)
    }
}
