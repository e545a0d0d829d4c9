import PostgresClient

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Calls a `desk` function that returns one JSON document, and turns its
/// refusals and errors into ``NewsdeskError``s.
enum DeskCall {
    static func decode<T: Decodable>(_ type: T.Type, _ query: Query, on connection: Connection) throws -> T {
        try answer(NewsroomJSON.decoder().decode(DeskReply<T>.self, from: Data(text(of: query, on: connection).utf8)))
    }

    /// The same for a ``JSONDocument``: read by ``JSONValue/init(parsing:)``,
    /// not through `Codable` (an edition, a feed: what pages and commands
    /// read most).
    static func decode<T: JSONDocument>(_ type: T.Type, _ query: Query, on connection: Connection) throws -> T {
        try answer(DeskReply<T>(json: JSONValue(parsing: text(of: query, on: connection))))
    }

    /// The document the call returned, as text.
    private static func text(of query: Query, on connection: Connection) throws -> String {
        try DatabaseErrors.translating {
            try connection.query(query)[0].decode(0, as: String.self)
        }
    }

    /// A refusal comes back as {"refused": {...}} instead of the answer, so
    /// that the database can record it and still commit. The document is
    /// read once: as the refusal when it has that field, else as the answer.
    private static func answer<T>(_ reply: DeskReply<T>) throws -> T {
        switch reply {
        case .answer(let value):
            return value
        case .refused(let refused):
            throw Self.refusal(refused.message)
        }
    }

    /// What a caller is told when the database refused it (and recorded so).
    static func refusal(_ message: String) -> NewsdeskError {
        NewsdeskError(.permission, "Permission denied: \(message) The refusal was recorded in the audit log.")
    }
}

/// What a `desk` function returns: its answer, or the refusal it recorded
/// when the actor lacks the role.
enum DeskReply<Answer: Decodable>: Decodable {
    struct Refusal: JSONDocument {
        let message: String

        init(json: JSONValue) throws {
            message = try JSONFields(json, keyedBy: CodingKeys.self)(.message)
        }

        enum CodingKeys: String, CodingKey { case message }
    }

    case answer(Answer)
    case refused(Refusal)

    private enum Field: String, CodingKey { case refused }

    // Recognised by the field, never by how the text happens to begin. An
    // answer that is not an object (a list) has no such field.

    init(from decoder: any Decoder) throws {
        if let object = try? decoder.container(keyedBy: Field.self), object.contains(.refused) {
            self = .refused(try object.decode(Refusal.self, forKey: .refused))
        } else {
            self = .answer(try Answer(from: decoder))
        }
    }
}

extension DeskReply where Answer: JSONDocument {
    init(json: JSONValue) throws {
        if case .object(let fields) = json, let refused = fields[Field.refused.stringValue] {
            self = .refused(try Refusal(json: refused))
        } else {
            self = .answer(try Answer(json: json))
        }
    }
}
