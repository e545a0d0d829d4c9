public import PostgresClient

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A failure the newsroom can act on: what kind of failure it is, and a
/// message that says what happened and what to do.
///
/// The categories say what went wrong, not how a program reports it: the
/// command-line tool alone turns a category into an exit code (SPEC §5), so
/// another front end (a web service) can map them its own way. Every public
/// call of the core that talks to the database throws this, never a raw
/// ``PostgresError``: `init(_: PostgresError)` in `Database/DatabaseErrors.swift`
/// is the one translation.
public struct NewsdeskError: Error, Sendable, CustomStringConvertible {
    public enum Category: Sendable, Equatable {
        /// No such edition, story, update, version, login or subject.
        case notFound
        /// The action is not allowed in the edition's current state.
        case wrongState
        /// The acting login lacks the role for the action. The database
        /// recorded the refusal in the audit log (or refused it outright,
        /// for SQL the login may not run at all).
        case permission
        /// Refused by another rule (the schema is newer than this binary,
        /// an audit chain that does not verify, anything the server refused).
        case refused
        /// A stale `--expect-version`: someone saved the edition since.
        case conflict(Conflict)
        /// The input data is bad (encoding, length, format, an unknown language).
        case badInput
        /// The database cannot be reached or started.
        case unavailable
        /// A statement, lock or idle-in-transaction timeout (or a cancel)
        /// stopped the command; nothing was saved.
        case timeout
        /// The database is too busy (a serialization failure or deadlock that
        /// kept recurring, too many connections, shutting down).
        case busy
        /// The connection broke while the command ran; whether the change
        /// was saved is in the outcome.
        case connectionLost(PostgresError.CommandOutcome)
        /// The command line itself is wrong.
        case usage
    }

    /// Who saved the edition after the version an edit was based on.
    public struct Conflict: Sendable, Equatable {
        /// The edition's version now.
        public let currentVersion: Int
        /// The login that saved it.
        public let savedBy: String
        /// When; nil if the database's answer did not say.
        public let savedAt: Date?

        public init(currentVersion: Int, savedBy: String, savedAt: Date?) {
            self.currentVersion = currentVersion
            self.savedBy = savedBy
            self.savedAt = savedAt
        }
    }

    public let category: Category
    public let message: String
    /// The database's own error when this one translates it: for logs and
    /// for tests that want the SQLSTATE, never for the user's message.
    public let underlying: PostgresError?

    public init(_ category: Category, _ message: String, underlying: PostgresError? = nil) {
        self.category = category
        self.message = message
        self.underlying = underlying
    }

    /// The conflict's details when the category is `.conflict`.
    public var conflict: Conflict? {
        if case .conflict(let conflict) = category { return conflict }
        return nil
    }

    public var description: String { message }
}
