/// Every failure the wrapper reports: an error from the server, a connection
/// that could not be made or was lost, a parameter refused before sending, or a
/// column that does not decode as asked.
///
/// `description` carries the SQLSTATE and the server's primary message but
/// never a bound value nor the server's `detail` (which quotes row data, as in
/// `Key (slug)=(…) already exists`). Use ``expandedDescription`` when the data
/// is wanted on purpose.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, at the level a caller acts on.
    public enum Kind: Sendable, Equatable {
        /// The server refused a statement; see ``PostgresError/sqlState``.
        case server
        /// No connection could be made.
        case connectionFailed
        /// The connection broke while a command was in flight.
        case connectionLost(CommandOutcome)
        /// A parameter was refused before it reached libpq (NUL byte or invalid UTF-8).
        case invalidParameter(position: Int)
        /// A column did not decode as the requested Swift type.
        case decoding(column: String)
        /// The server answered in a way the wrapper did not expect.
        case unexpectedResponse
        /// A nested transaction asked for an isolation level other than the
        /// open transaction's, which cannot change once it has begun.
        case isolationMismatch(outer: IsolationLevel, requested: IsolationLevel)
    }

    /// Whether a command whose connection broke took effect.
    public enum CommandOutcome: Sendable, Equatable {
        /// The connection broke inside an open transaction before COMMIT was
        /// sent: the server rolls it back, nothing was committed.
        case notCommitted
        /// The connection broke while the server may have been committing (a
        /// COMMIT or a statement outside a transaction): it may or may not
        /// have taken effect.
        case unknown
    }

    public var kind: Kind
    /// The SQLSTATE; `08006` for lost connections, `08001` for failed ones.
    public var sqlState: SQLState
    /// The server's (or wrapper's) primary message. Never contains bound values.
    public var message: String
    public var detail: String?
    public var hint: String?
    public var constraint: String?
    public var table: String?
    public var column: String?
    public var schema: String?

    public init(
        kind: Kind, sqlState: SQLState, message: String, detail: String? = nil, hint: String? = nil,
        constraint: String? = nil, table: String? = nil, column: String? = nil, schema: String? = nil
    ) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
        self.constraint = constraint
        self.table = table
        self.column = column
        self.schema = schema
    }

    /// Serialization failures and deadlocks: running the transaction again may succeed.
    public var isRetryable: Bool {
        kind == .server && (sqlState == .serializationFailure || sqlState == .deadlockDetected)
    }

    public var description: String {
        var text = "\(message) (SQLSTATE \(sqlState.rawValue)"
        if let constraint { text += ", constraint \(constraint)" }
        if let table { text += ", table \(table)" }
        if case .decoding(let column) = kind { text += ", column \(column)" }
        return text + ")"
    }

    /// ``description`` plus the server's detail and hint, which may quote data.
    public var expandedDescription: String {
        var text = description
        if let detail { text += "\nDETAIL: \(detail)" }
        if let hint { text += "\nHINT: \(hint)" }
        return text
    }

    static func decoding(column: String, _ message: String) -> PostgresError {
        PostgresError(
            kind: .decoding(column: column), sqlState: .dataException,
            message: "column \"\(column)\": \(message)", column: column)
    }
}
