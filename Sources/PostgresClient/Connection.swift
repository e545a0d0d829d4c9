import CLibPQ
public import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection.
///
/// libpq calls block, and a `PGconn` must never be used by two threads at once,
/// so a `Connection` is a plain synchronous class that is not `Sendable`: give
/// each thread or task its own.
///
/// ```swift
/// let connection = try Connection(configuration: .url("postgres://localhost/newsroom"), logger: logger)
/// let rows = try connection.query("SELECT headline FROM edition WHERE id = \(id)")
/// ```
public final class Connection {
    let handle: OpaquePointer
    public let logger: Logger
    /// Keeps the notice sink alive for as long as libpq may call it.
    private let noticeSink: NoticeSink
    /// Statements sent to the server since the connection was made (each a round trip).
    public private(set) var roundTrips = 0
    /// The isolation level of the transaction ``transaction(isolation:maxAttempts:_:)``
    /// began, while it is open; nil otherwise (or when the caller sent BEGIN itself).
    var openTransactionIsolation: IsolationLevel?
    /// How many savepoints of nested transactions are open.
    var savepointDepth = 0

    /// Whether each statement with parameters is prepared on the server
    /// once, under a name, and run by that name after: the server then
    /// parses and plans it once for the session instead of at every call (an
    /// article page on a million editions: 3 % of the server's work).
    /// Statements without parameters (BEGIN, COMMIT, SET, a health check) run
    /// unnamed as before: a transaction's own statements must never depend on
    /// a name the session may have lost. Only for a session of the
    /// connection's own: a pooler in transaction mode (PgBouncer before 1.21)
    /// runs each transaction in whichever server session is free, where the
    /// name means nothing. Off by default.
    public var keepsPreparedStatements = false
    /// The statements prepared so far, by their text and parameter types.
    private var preparedStatements: [PreparedKey: String] = [:]
    /// How many names this session has used: never one twice, and never
    /// more than the limit, even for statements prepared again.
    private var preparedCount = 0
    /// A session prepares at most this many; others run unnamed, as when off.
    static let preparedStatementLimit = 64

    private struct PreparedKey: Hashable {
        let sql: String
        let types: [Oid]
    }

    /// Connects, or throws a ``PostgresError`` of kind `.connectionFailed`.
    ///
    /// - Parameters:
    ///   - configuration: keyword/value pairs for `PQconnectdbParams`.
    ///   - applicationName: shown in `pg_stat_activity` unless the configuration names another.
    public convenience init(
        configuration: ConnectionConfiguration, applicationName: String = "newsdesk", logger: Logger
    ) throws {
        let connection = configuration.withLibpqParameters(applicationName: applicationName) { keywords, values in
            PQconnectdbParams(keywords, values, 1)
        }
        guard let connection else {
            throw PostgresError(
                kind: .connectionFailed, sqlState: .sqlClientUnableToEstablishConnection,
                message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            defer { PQfinish(connection) }
            throw Self.connectionFailure(connection)
        }
        self.init(established: connection, logger: logger)
    }

    /// Takes over a `PGconn` that has finished connecting (see ``PendingConnection``).
    init(established connection: OpaquePointer, logger: Logger) {
        handle = connection
        self.logger = logger
        noticeSink = NoticeSink(logger: logger)
        PQsetNoticeReceiver(handle, noticeReceiver, Unmanaged.passUnretained(noticeSink).toOpaque())
    }

    /// The error for a connection that could not be made, in libpq's words.
    static func connectionFailure(_ connection: OpaquePointer) -> PostgresError {
        let message = trimmedMessage(PQerrorMessage(connection))
        return PostgresError(
            kind: .connectionFailed, sqlState: .sqlClientUnableToEstablishConnection,
            message: message.isEmpty ? "could not connect to the server" : message)
    }

    deinit {
        PQfinish(handle)
    }

    /// Runs a statement and returns its rows, decoded lazily by ``Row``.
    @discardableResult
    public func query(_ query: Query) throws -> QueryResult {
        for (index, binding) in query.bindings.enumerated() {
            try binding.validate(position: index + 1)
        }
        let sql = query.sql
        let outcome = outcomeIfLost(sql: sql)
        let bindings = query.bindings
        var types = bindings.map { Oid($0.oid) }
        var lengths = bindings.map { Int32($0.bytes?.count ?? 0) }
        var formats = bindings.map { $0.format.rawValue }
        // Copies that stay valid for the whole call, NUL-terminated for the
        // text format (libpq reads text parameters as C strings).
        let buffers: [UnsafeMutablePointer<CChar>?] = bindings.map { binding in
            guard let bytes = binding.bytes else { return nil }
            let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
            bytes.withUnsafeBytes { source in
                UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress!, byteCount: bytes.count)
            }
            buffer[bytes.count] = 0
            return buffer
        }
        defer { buffers.forEach { $0?.deallocate() } }
        var values = buffers.map { UnsafePointer($0) }
        if keepsPreparedStatements, !bindings.isEmpty, let name = try preparedName(sql, types: types) {
            countRoundTrip(sql)
            let result = PQexecPrepared(handle, name, Int32(bindings.count), &values, &lengths, &formats, 1)
            defer { PQclear(result) }
            do {
                try check(result, outcome: outcome)
                return Self.extract(result!)
            } catch let error as PostgresError
                where error.sqlState == .invalidSQLStatementName || error.sqlState == .featureNotSupported
            {
                // Deallocated (by a DISCARD or DEALLOCATE in this session), or
                // its kept plan no longer fits ("cached plan must not change
                // result type", after a migration; known by its SQLSTATE, as
                // the message is in the server's language): prepared afresh at
                // the next call, and this one, outside a transaction, runs
                // unnamed (a statement the server does not support fails the
                // same way again).
                preparedStatements[PreparedKey(sql: sql, types: types)] = nil
                if isInTransaction { throw error }
                if error.sqlState == .featureNotSupported {
                    // Best effort: the name counts against the limit either way.
                    let statement = "DEALLOCATE \(name)"
                    countRoundTrip(statement)
                    PQclear(PQexec(handle, statement))
                }
            }
        }
        countRoundTrip(sql)
        let result = PQexecParams(handle, sql, Int32(bindings.count), &types, &values, &lengths, &formats, 1)
        defer { PQclear(result) }
        try check(result, outcome: outcome)
        return Self.extract(result!)
    }

    /// The name `sql` is prepared under in this session, preparing it now if
    /// it is new; nil when the session has already used as many names as it may.
    private func preparedName(_ sql: String, types: [Oid]) throws -> String? {
        let key = PreparedKey(sql: sql, types: types)
        if let name = preparedStatements[key] { return name }
        while preparedCount < Self.preparedStatementLimit {
            preparedCount += 1
            let name = "newsdesk_\(preparedCount)"
            countRoundTrip(sql)
            let result = PQprepare(handle, name, sql, Int32(types.count), types)
            defer { PQclear(result) }
            do {
                try check(result, outcome: outcomeIfLost(sql: sql))
            } catch let error as PostgresError where error.sqlState == .duplicatePreparedStatement && !isInTransaction {
                // The session had the name before this connection knew it (a
                // pooler in session mode that does not reset what it lends): the next one.
                continue
            }
            preparedStatements[key] = name
            return name
        }
        return nil
    }

    /// Runs a statement for its effect and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: Query) throws -> Int {
        try self.query(query).affectedRows
    }

    /// Runs a script of several statements (a migration file) with the simple
    /// query protocol, which the extended protocol does not allow. It takes no
    /// parameters, so only trusted text belongs here.
    public func executeScript(unsafeSQL script: String) throws {
        guard !script.utf8.contains(0) else {
            throw PostgresError(
                kind: .invalidParameter(position: 0), sqlState: .characterNotInRepertoire,
                message: "the script contains a NUL byte")
        }
        let outcome = outcomeIfLost(sql: script)
        countRoundTrip(script)
        let result = PQexec(handle, script)
        defer { PQclear(result) }
        try check(result, outcome: outcome)
    }

    /// What the server says about itself and this session. Never includes a password.
    public var server: ServerInfo {
        ServerInfo(
            host: PQhost(handle).map { String(cString: $0) } ?? "",
            port: PQport(handle).map { String(cString: $0) } ?? "",
            database: PQdb(handle).map { String(cString: $0) } ?? "",
            user: PQuser(handle).map { String(cString: $0) } ?? "",
            serverVersion: parameterStatus("server_version") ?? "")
    }

    /// A run-time parameter the server reports (`server_version`, `TimeZone`, …).
    public func parameterStatus(_ name: String) -> String? {
        PQparameterStatus(handle, name).map { String(cString: $0) }
    }

    /// Whether the connection is inside an open transaction block.
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// Every statement sent goes through here: counted, and logged at debug
    /// level (SQL text only, never values) so round trips can be audited.
    func countRoundTrip(_ sql: String) {
        roundTrips += 1
        logger.debug("statement", metadata: ["sql": "\(sql.prefix(200))"])
    }

    // MARK: - Results and errors

    /// If the connection breaks during `sql`, did anything commit? Inside an open
    /// transaction (and not the COMMIT itself) the answer is known: no.
    func outcomeIfLost(sql: String) -> PostgresError.CommandOutcome {
        guard isInTransaction else { return .unknown }
        let verb = sql.drop(while: { $0.isWhitespace }).prefix(6).uppercased()
        return verb.hasPrefix("COMMIT") || verb.hasPrefix("END") ? .unknown : .notCommitted
    }

    func check(_ result: OpaquePointer?, outcome: PostgresError.CommandOutcome) throws {
        let status = result.map { PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY, PGRES_COPY_IN:
            return
        default:
            break
        }
        if isBroken {
            let reason =
                result.flatMap { PQresultErrorField($0, CLibPQ_DIAG_MESSAGE_PRIMARY) }.map { String(cString: $0) }
                ?? Self.trimmedMessage(PQerrorMessage(handle))
            let consequence =
                outcome == .notCommitted
                ? "the transaction was not committed"
                : "whether the command took effect is unknown"
            throw PostgresError(
                kind: .connectionLost(outcome), sqlState: .connectionFailure,
                message: "the connection to the server was lost (\(reason)); \(consequence)")
        }
        guard let result else {
            throw PostgresError(
                kind: .unexpectedResponse, sqlState: .connectionException,
                message: Self.trimmedMessage(PQerrorMessage(handle)))
        }
        throw Self.serverError(result, fallback: Self.trimmedMessage(PQerrorMessage(handle)))
    }

    static func serverError(_ result: OpaquePointer, fallback: String) -> PostgresError {
        func field(_ code: Int32) -> String? {
            PQresultErrorField(result, code).map { String(cString: $0) }
        }
        return PostgresError(
            kind: .server,
            sqlState: field(CLibPQ_DIAG_SQLSTATE).map(SQLState.init(rawValue:)) ?? .internalError,
            message: field(CLibPQ_DIAG_MESSAGE_PRIMARY) ?? fallback,
            detail: field(CLibPQ_DIAG_MESSAGE_DETAIL),
            hint: field(CLibPQ_DIAG_MESSAGE_HINT),
            constraint: field(CLibPQ_DIAG_CONSTRAINT_NAME),
            table: field(CLibPQ_DIAG_TABLE_NAME),
            column: field(CLibPQ_DIAG_COLUMN_NAME),
            schema: field(CLibPQ_DIAG_SCHEMA_NAME))
    }

    static func trimmedMessage(_ pointer: UnsafePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        let text = String(cString: pointer)
        return String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// Copies every value out of `result` (which the caller then clears).
    static func extract(_ result: OpaquePointer) -> QueryResult {
        let rowCount = Int(PQntuples(result))
        let fieldCount = Int(PQnfields(result))
        let columns = (0..<fieldCount).map { field in
            Column(name: String(cString: PQfname(result, Int32(field))), oid: UInt32(PQftype(result, Int32(field))))
        }
        var values: [[UInt8]?] = []
        values.reserveCapacity(rowCount * fieldCount)
        for row in 0..<Int32(rowCount) {
            for field in 0..<Int32(fieldCount) {
                if PQgetisnull(result, row, field) == 1 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, field))
                    let start = UnsafeRawPointer(PQgetvalue(result, row, field)!)
                    values.append(Array(UnsafeRawBufferPointer(start: start, count: length)))
                }
            }
        }
        let affected = PQcmdTuples(result).map { Int(String(cString: $0)) ?? 0 } ?? 0
        return QueryResult(columns: columns, values: values, affectedRows: affected)
    }
}

// A PGconn must never be used from two threads at once.
@available(*, unavailable)
extension Connection: Sendable {}

/// Where a connection goes and as whom.
public struct ServerInfo: Sendable, Equatable {
    /// A host name, an address, or the directory of a Unix socket.
    public let host: String
    public let port: String
    public let database: String
    public let user: String
    public let serverVersion: String
}

/// Holds the logger that server NOTICEs and WARNINGs go to, instead of stderr.
final class NoticeSink {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}

private let noticeReceiver: PQnoticeReceiver = { context, result in
    guard let context, let result else { return }
    let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
    let severity = PQresultErrorField(result, CLibPQ_DIAG_SEVERITY_NONLOCALIZED).map { String(cString: $0) } ?? "NOTICE"
    let message = PQresultErrorField(result, CLibPQ_DIAG_MESSAGE_PRIMARY).map { String(cString: $0) } ?? ""
    let sqlState = PQresultErrorField(result, CLibPQ_DIAG_SQLSTATE).map { String(cString: $0) } ?? ""
    sink.logger.info("\(message)", metadata: ["severity": "\(severity)", "sqlstate": "\(sqlState)"])
}
