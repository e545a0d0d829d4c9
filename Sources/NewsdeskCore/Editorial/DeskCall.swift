public import PostgresClient
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// SQLSTATEs the newsroom's database functions raise (class ND), each with
/// a message written for people.
extension SQLState {
    /// No such edition, story or version.
    public static let notFound = SQLState("NDNF0")
    /// The action is not allowed in the edition's current state.
    public static let wrongState = SQLState("NDST0")
    /// `--expect-version` was stale.
    public static let versionConflict = SQLState("NDCF0")
    /// A value the database checked is bad (a time that does not exist, an unknown language).
    public static let badInput = SQLState("NDIN0")
}

/// Someone saved the edition after the version this edit was based on.
public struct EditConflict: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let currentVersion: Int
    public let savedBy: String
    public let savedAt: Date?

    public var description: String { message }
}

enum DeskError {
    /// Turns the database's refusals into the newsroom's errors; anything
    /// else passes through unchanged.
    static func translate(_ error: any Error) -> any Error {
        guard let error = error as? PostgresError, error.kind == .server else { return error }
        switch error.sqlState {
        case .notFound, .wrongState:
            return NewsdeskError(.refused, error.message + (error.hint.map { " " + $0 } ?? ""))
        case .badInput:
            return NewsdeskError(.badInput, error.message)
        case .checkViolation:
            // The database's own text rules (0012_gatekeeping.sql), reached only
            // when text passed no TextField check first (a library caller, an
            // import): each constraint is named after its field.
            guard let constraint = error.constraint, constraint.hasSuffix("_is_clean_text") else { return error }
            let field = constraint.dropLast("_is_clean_text".count).replacing("_", with: " ")
            return NewsdeskError(.badInput, """
                \(field): the newsroom does not store this text: it holds control, bidirectional, invisible or \
                non-character code points, is not in Unicode NFC, or (for a photo) is not an http(s) address.
                """)
        case .versionConflict:
            struct Detail: Decodable {
                let version: Int
                let saved_by: String
                let saved_at: String
            }
            let detail = error.detail.flatMap { try? JSONDecoder().decode(Detail.self, from: Data($0.utf8)) }
            return EditConflict(message: error.message, currentVersion: detail?.version ?? 0,
                                savedBy: detail?.saved_by ?? "someone", savedAt: detail.flatMap { RFC3339.date(from: $0.saved_at) })
        default:
            return error
        }
    }
}

/// Calls a `desk` function that returns one JSON document, and turns its
/// refusals and errors into the newsroom's errors.
enum DeskCall {
    static func decode<T: Decodable>(_ type: T.Type, _ query: Query, on connection: Connection) throws -> T {
        let text: String
        do {
            text = try connection.query(query)[0].decode(0, as: String.self)
        } catch {
            throw DeskError.translate(error)
        }
        // A refusal comes back as {"refused": {...}} (jsonb writes that key
        // first) so that the database can record it and still commit.
        if text.hasPrefix("{\"refused\"") {
            let refusal = try JSONDecoder().decode(RefusalEnvelope.self, from: Data(text.utf8)).refused
            throw NewsdeskError(.refused, "Permission denied: \(refusal.message) The refusal was recorded in the audit log.")
        }
        return try NewsroomJSON.decoder().decode(type, from: Data(text.utf8))
    }
}

/// What a `desk` function returns instead of acting when the actor lacks the role.
struct RefusalEnvelope: Decodable {
    struct Refused: Decodable {
        let message: String
    }
    let refused: Refused
}
