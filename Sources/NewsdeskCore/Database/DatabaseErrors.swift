public import PostgresClient

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SQLSTATEs the newsroom's database functions raise (class ND), each with
/// a message written for people (see `Schema/access.sql`).
extension SQLState {
    /// No such edition, story or version.
    public static let notFound = SQLState("NDNF0")
    /// The action is not allowed in the edition's current state.
    public static let wrongState = SQLState("NDST0")
    /// `--expect-version` was stale.
    public static let versionConflict = SQLState("NDCF0")
    /// A value the database checked is bad (a time that does not exist, an unknown language).
    public static let badInput = SQLState("NDIN0")
    /// Refused by a rule; the desk functions catch it to record the refusal,
    /// so it reaches a client only from a function called directly.
    public static let deskRefused = SQLState("NDRF0")
}

/// The one translation of database errors into the newsroom's.
///
/// Where it happens: at the core's public boundary. Every public call that
/// runs queries (the desks, feeds, search, the audit log, the importer, the
/// migrator, the embedded database) throws ``NewsdeskError`` only, by running
/// its queries through ``DatabaseErrors/translating(_:)`` (``DeskCall`` does
/// it for the `desk` functions). Code that uses ``Connection`` directly (the
/// tests, a caller's own SQL) still sees ``PostgresError``, which keeps the
/// SQLSTATE; a translated error keeps it too, in
/// ``NewsdeskError/underlying``.
package enum DatabaseErrors {
    /// Runs `body`, and throws any ``PostgresError`` it throws as the
    /// newsroom's error. Other errors pass through unchanged.
    package static func translating<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw translate(error)
        }
    }

    /// A ``PostgresError`` as the newsroom's error; anything else unchanged.
    package static func translate(_ error: any Error) -> any Error {
        guard let error = error as? PostgresError else { return error }
        return NewsdeskError(error)
    }
}

extension NewsdeskError {
    /// The newsroom's error for one of the database's, with the message the
    /// user sees: what happened and what to do, never a bare SQLSTATE.
    public init(_ error: PostgresError) {
        let (category, message) = Self.describe(error)
        self.init(category, message, underlying: error)
    }

    private static func describe(_ error: PostgresError) -> (Category, String) {
        switch error.kind {
        case .connectionFailed:
            return (.unavailable, "cannot connect to the database: \(error.message)")
        case .connectionLost(.notCommitted):
            return (
                .connectionLost(.notCommitted),
                "the connection to the database was lost; nothing was saved. Run the command again."
            )
        case .connectionLost(.unknown):
            return (
                .connectionLost(.unknown),
                """
                the connection to the database was lost while saving; the change may or may not have been \
                made. Check before repeating it, or repeat it with the same --idempotency-key.
                """
            )
        case .invalidParameter:
            return (.badInput, "\(error.message).")
        case .server, .decoding, .unexpectedResponse, .isolationMismatch:
            break
        }
        let withHint = error.message + (error.hint.map { " " + $0 } ?? "")
        switch error.sqlState {
        case .notFound:
            return (.notFound, withHint)
        case .wrongState:
            return (.wrongState, withHint)
        case .deskRefused:
            return (.refused, withHint)
        case .badInput:
            return (.badInput, error.message)
        case .versionConflict:
            return (
                .conflict(conflict(error)),
                """
                \(error.message) Nothing was saved; look at their version (newsdesk show) and edit again.
                """
            )
        case .checkViolation where error.constraint?.hasSuffix("_is_clean_text") == true:
            // The database's own text rules, reached only when text passed no
            // TextField check first (a library caller, an import): each
            // constraint is named after its field.
            let field = error.constraint!.dropLast("_is_clean_text".count).replacing("_", with: " ")
            return (
                .badInput,
                """
                \(field): the newsroom does not store this text: it holds control, bidirectional, invisible or \
                non-character code points, is not in Unicode NFC, or (for a photo) is not an http(s) address.
                """
            )
        case .queryCanceled, .lockNotAvailable, .idleInTransactionSessionTimeout:
            // The server's statement, lock or idle-in-transaction timeout (or a
            // cancel): the transaction was rolled back, so nothing was saved.
            let why =
                switch error.sqlState {
                case .queryCanceled: "the command took too long and the database stopped it"
                case .lockNotAvailable: "what the command needed was locked by someone else's work for too long"
                default: "the session waited too long inside a transaction and the database closed it"
                }
            return (.timeout, "\(why) (\(error.message)); nothing was saved. Try again in a moment.")
        case .serializationFailure, .deadlockDetected, .tooManyConnections, .cannotConnectNow,
            .adminShutdown, .crashShutdown:
            return (.busy, "the database is busy (\(error.message)). Try again in a moment.")
        case .insufficientPrivilege:
            return (.permission, "permission denied: \(error.message).")
        default:
            var text = "the database refused the command: \(error.message)."
            if let hint = error.hint { text += "\n\(hint)" }
            return (.refused, text)
        }
    }

    /// Who saved the edition since, from the JSON the database puts in the
    /// error's detail (`{"version", "saved_by", "saved_at"}`).
    private static func conflict(_ error: PostgresError) -> Conflict {
        struct Detail: Decodable {
            let version: Int
            let savedBy: String
            let savedAt: String
            enum CodingKeys: String, CodingKey {
                case version
                case savedBy = "saved_by"
                case savedAt = "saved_at"
            }
        }
        let detail = error.detail.flatMap { try? JSONDecoder().decode(Detail.self, from: Data($0.utf8)) }
        return Conflict(
            currentVersion: detail?.version ?? 0, savedBy: detail?.savedBy ?? "someone",
            savedAt: detail.flatMap { RFC3339.date(from: $0.savedAt) })
    }
}
