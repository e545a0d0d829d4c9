/// A five-character SQLSTATE code as PostgreSQL reports it.
///
/// Compare against the named constants instead of literal strings:
///
/// ```swift
/// catch let error as PostgresError where error.sqlState == .uniqueViolation { … }
/// ```
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// The two-character class (`23` for integrity constraint violations, …).
    public var errorClass: String { String(rawValue.prefix(2)) }

    // Class 08 — connection exception
    public static let connectionException = SQLState("08000")
    public static let connectionFailure = SQLState("08006")
    public static let sqlClientUnableToEstablishConnection = SQLState("08001")
    // Class 0A — feature not supported
    public static let featureNotSupported = SQLState("0A000")
    // Class 22 — data exception
    public static let dataException = SQLState("22000")
    public static let stringDataRightTruncation = SQLState("22001")
    public static let invalidTextRepresentation = SQLState("22P02")
    public static let invalidDatetimeFormat = SQLState("22007")
    public static let characterNotInRepertoire = SQLState("22021")
    public static let numericValueOutOfRange = SQLState("22003")
    // Class 23 — integrity constraint violation
    public static let integrityConstraintViolation = SQLState("23000")
    public static let notNullViolation = SQLState("23502")
    public static let foreignKeyViolation = SQLState("23503")
    public static let uniqueViolation = SQLState("23505")
    public static let checkViolation = SQLState("23514")
    public static let exclusionViolation = SQLState("23P01")
    // Class 25 — invalid transaction state
    public static let activeSQLTransaction = SQLState("25001")
    public static let inFailedSQLTransaction = SQLState("25P02")
    public static let readOnlySQLTransaction = SQLState("25006")
    public static let idleInTransactionSessionTimeout = SQLState("25P03")
    // Class 26 — invalid SQL statement name
    public static let invalidSQLStatementName = SQLState("26000")
    // Class 28 — invalid authorization specification
    public static let invalidAuthorizationSpecification = SQLState("28000")
    public static let invalidPassword = SQLState("28P01")
    // Class 40 — transaction rollback
    public static let transactionRollback = SQLState("40000")
    public static let serializationFailure = SQLState("40001")
    public static let deadlockDetected = SQLState("40P01")
    // Class 42 — syntax error or access rule violation
    public static let insufficientPrivilege = SQLState("42501")
    public static let syntaxError = SQLState("42601")
    public static let undefinedTable = SQLState("42P01")
    public static let undefinedColumn = SQLState("42703")
    public static let undefinedFunction = SQLState("42883")
    public static let duplicateObject = SQLState("42710")
    public static let duplicatePreparedStatement = SQLState("42P05")
    public static let undefinedObject = SQLState("42704")
    // Class 53 — insufficient resources
    public static let tooManyConnections = SQLState("53300")
    // Class 55 — object not in prerequisite state
    public static let lockNotAvailable = SQLState("55P03")
    // Class 57 — operator intervention
    public static let queryCanceled = SQLState("57014")
    public static let adminShutdown = SQLState("57P01")
    public static let crashShutdown = SQLState("57P02")
    public static let cannotConnectNow = SQLState("57P03")
    // Class P0 — PL/pgSQL
    public static let raiseException = SQLState("P0001")
    // Class XX — internal error
    public static let internalError = SQLState("XX000")
}
