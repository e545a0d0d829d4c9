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
        let text = try DatabaseErrors.translating {
            try connection.query(query)[0].decode(0, as: String.self)
        }
        // A refusal comes back as {"refused": {...}} instead of the answer, so
        // that the database can record it and still commit. The document is
        // parsed once: as the refusal when it has that field, else as `T`.
        switch try NewsroomJSON.decoder().decode(DeskReply<T>.self, from: Data(text.utf8)) {
        case .answer(let value):
            return value
        case .refused(let refusal):
            throw Self.refusal(refusal.message)
        }
    }

    /// The same for a ``JSONDocument``: read by ``JSONValue/init(parsing:)``,
    /// not through `Codable` (an edition, a feed: what pages and commands
    /// read most).
    static func decode<T: JSONDocument>(_ type: T.Type, _ query: Query, on connection: Connection) throws -> T {
        let text = try DatabaseErrors.translating {
            try connection.query(query)[0].decode(0, as: String.self)
        }
        let document = try JSONValue(parsing: text)
        if case .object(let fields) = document, let refused = fields["refused"] {
            throw Self.refusal(try JSONFields(refused, keyedBy: RefusalField.self)(.message))
        }
        return try T(json: document)
    }

    private enum RefusalField: String, CodingKey { case message }

    /// What a caller is told when the database refused it (and recorded so).
    static func refusal(_ message: String) -> NewsdeskError {
        NewsdeskError(.permission, "Permission denied: \(message) The refusal was recorded in the audit log.")
    }
}

/// What a `desk` function returns: its answer, or the refusal it recorded
/// when the actor lacks the role.
enum DeskReply<Answer: Decodable>: Decodable {
    struct Refusal: Decodable {
        let message: String
    }

    case answer(Answer)
    case refused(Refusal)

    private enum Field: String, CodingKey { case refused }

    init(from decoder: any Decoder) throws {
        // Recognised by the field, never by how the text happens to begin.
        // An answer that is not an object (a list) has no such field.
        if let object = try? decoder.container(keyedBy: Field.self), object.contains(.refused) {
            self = .refused(try object.decode(Refusal.self, forKey: .refused))
        } else {
            self = .answer(try Answer(from: decoder))
        }
    }
}
