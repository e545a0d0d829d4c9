/// A column of a result: its name and type OID.
public struct Column: Sendable, Hashable {
    public let name: String
    public let oid: UInt32
}

/// One value of a row, as the server sent it in binary format.
public struct PostgresCell: Sendable {
    public let column: Column
    /// `nil` for SQL NULL.
    public let bytes: ArraySlice<UInt8>?

    /// Throws a decoding error that names the column.
    public func mismatch(_ expected: String) -> PostgresError {
        .decoding(column: column.name, "expected \(expected), found a value of type OID \(column.oid)")
    }
}

/// The rows a statement returned, copied out of libpq's result so they outlive it.
public struct QueryResult: Sendable, RandomAccessCollection {
    public let columns: [Column]
    let values: [[UInt8]?]
    /// Rows affected by INSERT/UPDATE/DELETE/COPY (from `PQcmdTuples`), else 0.
    public let affectedRows: Int
    let columnIndex: [String: Int]

    init(columns: [Column], values: [[UInt8]?], affectedRows: Int) {
        self.columns = columns
        self.values = values
        self.affectedRows = affectedRows
        var index: [String: Int] = [:]
        for (position, column) in columns.enumerated() where index[column.name] == nil {
            index[column.name] = position
        }
        columnIndex = index
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.isEmpty ? 0 : values.count / columns.count }
    public subscript(position: Int) -> Row { Row(result: self, number: position) }
}

/// One row of a ``QueryResult``. Decode columns by name or position:
///
/// ```swift
/// let id = try row.decode("id", as: Int64.self)
/// let lead = try row.decode("lead", as: String?.self)   // NULL → nil
/// ```
public struct Row: Sendable {
    let result: QueryResult
    let number: Int

    public var columns: [Column] { result.columns }

    public func cell(_ position: Int) -> PostgresCell {
        let value = result.values[number * result.columns.count + position]
        return PostgresCell(column: result.columns[position], bytes: value.map { $0[...] })
    }

    /// Decodes the column at `position` (0-based).
    public func decode<T: PostgresDecodable>(_ position: Int, as type: T.Type = T.self) throws -> T {
        guard position >= 0, position < result.columns.count else {
            throw PostgresError.decoding(column: "#\(position)", "the result has \(result.columns.count) columns")
        }
        let cell = cell(position)
        guard cell.bytes != nil else { return try T.decodeNull(column: cell.column.name) }
        return try T.decode(from: cell)
    }

    /// Decodes the column named `name`.
    public func decode<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        guard let position = result.columnIndex[name] else {
            throw PostgresError.decoding(column: name, "the result has no such column")
        }
        return try decode(position, as: type)
    }
}
