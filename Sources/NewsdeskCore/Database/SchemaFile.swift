import Crypto

/// One file of `Schema/`: an area's current functions, procedures and
/// triggers (`editions.sql`, `audit.sql`, …), written as `CREATE OR REPLACE`.
/// The migrator applies every file, in file-name order, after the versioned
/// migrations whenever any of them changed. `git log Schema/editions.sql` is
/// the history of the editorial rules.
public struct SchemaFile: Sendable, Equatable {
    /// The file name, e.g. `editions.sql`.
    public let fileName: String
    /// The SQL script.
    public let sql: String

    public init(fileName: String, sql: String) {
        self.fileName = fileName
        self.sql = sql
    }

    /// The area the file holds (`editions` for `editions.sql`).
    public var name: String {
        fileName.hasSuffix(".sql") ? String(fileName.dropLast(4)) : fileName
    }

    /// SHA-256 of the text, in hex: what the database records in `schema_file`
    /// (the same digest the server computes for migrations).
    public var checksum: String {
        SHA256.hash(data: Array(sql.utf8)).map { byte in
            String(byte >> 4, radix: 16) + String(byte & 0x0F, radix: 16)
        }.joined()
    }

    /// Every schema file this binary knows, in the order they are applied.
    public static var all: [SchemaFile] { embedded }
}
