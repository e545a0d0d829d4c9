import CLibPQ

extension Connection {
    /// Loads rows with `COPY table (columns) FROM STDIN`, the fastest way into
    /// PostgreSQL, and returns how many rows the server stored.
    ///
    /// `schema` qualifies the table when given. Values use COPY's text format; `nil` is SQL NULL. A value holding a NUL
    /// byte aborts the whole COPY before it is sent, so nothing is loaded.
    ///
    /// ```swift
    /// try connection.copy(into: "subject", columns: ["slug", "name_en"],
    ///                     rows: [["kyiv", "Kyiv"], ["energy", "Energy"]])
    /// ```
    @discardableResult
    public func copy(
        into table: String, inSchema schema: String? = nil, columns: [String], rows: some Sequence<[String?]>
    ) throws -> Int {
        let target = (schema.map { quoteIdentifier($0) + "." } ?? "") + quoteIdentifier(table)
        let statement =
            "COPY \(target) (\(columns.map(quoteIdentifier).joined(separator: ", "))) FROM STDIN"
        let outcome = outcomeIfLost(sql: statement)
        countRoundTrip(statement)
        let start = PQexec(handle, statement)
        let startStatus = start.map { PQresultStatus($0) }
        defer { PQclear(start) }
        guard startStatus == PGRES_COPY_IN else {
            try check(start, outcome: outcome)
            throw PostgresError(
                kind: .unexpectedResponse, sqlState: .connectionException,
                message: "the server did not enter COPY mode")
        }

        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        var failure: PostgresError?
        rowLoop: for (number, row) in rows.enumerated() {
            guard row.count == columns.count else {
                failure = PostgresError(
                    kind: .invalidParameter(position: number + 1), sqlState: .dataException,
                    message: "row \(number + 1) has \(row.count) values for \(columns.count) columns")
                break
            }
            for (field, value) in row.enumerated() {
                if field > 0 { buffer.append(0x09) }
                guard let value else {
                    buffer += [0x5C, 0x4E]  // \N
                    continue
                }
                for byte in value.utf8 {
                    switch byte {
                    case 0:
                        failure = PostgresError(
                            kind: .invalidParameter(position: number + 1),
                            sqlState: .characterNotInRepertoire,
                            message: "row \(number + 1), column \(columns[field]) contains a NUL byte")
                        break rowLoop
                    case 0x5C: buffer += [0x5C, 0x5C]
                    case 0x09: buffer += [0x5C, 0x74]
                    case 0x0A: buffer += [0x5C, 0x6E]
                    case 0x0D: buffer += [0x5C, 0x72]
                    default: buffer.append(byte)
                    }
                }
            }
            buffer.append(0x0A)
            if buffer.count >= 1 << 16 {
                try sendCopyData(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        if failure == nil, !buffer.isEmpty { try sendCopyData(buffer) }
        // Ending with an error message makes the server abort the COPY, so a
        // refused row leaves nothing behind.
        let ended = failure.map { PQputCopyEnd(handle, $0.message) } ?? PQputCopyEnd(handle, nil)
        guard ended == 1 else { try check(nil, outcome: outcome); return 0 }
        var affected = 0
        var serverError: PostgresError?
        while let result = PQgetResult(handle) {
            defer { PQclear(result) }
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                affected = Connection.extract(result).affectedRows
            } else if serverError == nil {
                do { try check(result, outcome: outcome) } catch let error as PostgresError { serverError = error }
            }
        }
        if let failure { throw failure }
        if let serverError { throw serverError }
        return affected
    }

    private func sendCopyData(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(handle, $0.baseAddress, Int32($0.count)) }
        }
        if sent != 1 { try check(nil, outcome: .unknown) }
    }
}
