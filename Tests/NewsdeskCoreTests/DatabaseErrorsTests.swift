import NewsdeskCore
import PostgresClient
import Testing

/// The one translation of database errors: each kind of failure the server
/// or libpq reports lands in the category the newsroom acts on, and keeps
/// the original for logs.
@Suite("Database errors become the newsroom's")
struct DatabaseErrorsTests {
    static func server(
        _ state: SQLState, _ message: String = "it failed", hint: String? = nil,
        constraint: String? = nil, detail: String? = nil
    ) -> PostgresError {
        PostgresError(
            kind: .server, sqlState: state, message: message, detail: detail, hint: hint, constraint: constraint)
    }

    @Test(
        "each SQLSTATE class lands in its category",
        arguments: [
            (SQLState.queryCanceled, NewsdeskError.Category.timeout),
            (.lockNotAvailable, .timeout),
            (.idleInTransactionSessionTimeout, .timeout),
            (.serializationFailure, .busy),
            (.deadlockDetected, .busy),
            (.tooManyConnections, .busy),
            (.cannotConnectNow, .busy),
            (.adminShutdown, .busy),
            (.insufficientPrivilege, .permission),
            (.notFound, .notFound),
            (.wrongState, .wrongState),
            (.badInput, .badInput),
            (.uniqueViolation, .refused),
            (.syntaxError, .refused)
        ])
    func categories(_ state: SQLState, _ category: NewsdeskError.Category) {
        let error = NewsdeskError(Self.server(state))
        #expect(error.category == category)
        #expect(error.underlying?.sqlState == state)
        #expect(!error.message.contains(state.rawValue), "never a bare SQLSTATE: \(error.message)")
    }

    @Test("connections: failed is unavailable, lost says whether anything was saved")
    func connections() {
        let failed = NewsdeskError(
            PostgresError(
                kind: .connectionFailed, sqlState: .sqlClientUnableToEstablishConnection,
                message: "no such socket"))
        #expect(failed.category == .unavailable)
        #expect(failed.message == "cannot connect to the database: no such socket")
        let lost = NewsdeskError(
            PostgresError(kind: .connectionLost(.notCommitted), sqlState: .connectionFailure, message: "gone"))
        #expect(lost.category == .connectionLost(.notCommitted))
        #expect(lost.message.contains("nothing was saved"))
        let maybe = NewsdeskError(
            PostgresError(kind: .connectionLost(.unknown), sqlState: .connectionFailure, message: "gone"))
        #expect(maybe.category == .connectionLost(.unknown))
        #expect(maybe.message.contains("may or may not"))
    }

    @Test("a stale version carries who saved it, which version and when, as fields")
    func conflict() throws {
        let error = NewsdeskError(
            Self.server(
                .versionConflict, "en/budget has changed.",
                detail: #"{"version": 3, "saved_by": "pmelnyk", "saved_at": "2026-11-26T04:46:00Z"}"#))
        let conflict = try #require(error.conflict)
        #expect(conflict.currentVersion == 3)
        #expect(conflict.savedBy == "pmelnyk")
        #expect(conflict.savedAt == RFC3339.date(from: "2026-11-26T04:46:00Z"))
        #expect(error.message.hasPrefix("en/budget has changed. Nothing was saved"))
    }

    @Test("the text rules' check constraints name the field; other constraints are the database's refusal")
    func checkViolations() {
        let clean = NewsdeskError(Self.server(.checkViolation, constraint: "photo_caption_is_clean_text"))
        #expect(clean.category == .badInput)
        #expect(clean.message.hasPrefix("photo caption: the newsroom does not store this text"))
        let other = NewsdeskError(
            Self.server(
                .checkViolation, "new row violates check", hint: "Look closer.",
                constraint: "version_positive"))
        #expect(other.category == .refused)
        #expect(other.message == "the database refused the command: new row violates check.\nLook closer.")
    }

    @Test("not found keeps the database's hint")
    func hint() {
        let error = NewsdeskError(Self.server(.notFound, "There is no edition 7.", hint: "Name an edition by its id."))
        #expect(error.message == "There is no edition 7. Name an edition by its id.")
    }
}
