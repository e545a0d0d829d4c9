/// One versioned migration: a file `Migrations/NNNN_name.sql`, shipped inside
/// the binary (see the EmbedMigrations build plugin). Versioned migrations hold
/// DDL only (tables, types, indexes, roles, data), are forward-only and never
/// edited once shipped; a change is a new file. Functions and triggers live in
/// ``SchemaFile``s.
public struct Migration: Sendable, Equatable {
    /// The file name, e.g. `0001_newsroom.sql`.
    public let fileName: String
    /// The SQL script, run in one transaction.
    public let sql: String

    public init(fileName: String, sql: String) {
        self.fileName = fileName
        self.sql = sql
    }

    /// The number the file name starts with (`1` for `0001_newsroom.sql`).
    public var version: Int {
        Int(fileName.prefix(while: \.isNumber)) ?? 0
    }

    /// The file name without its number and extension (`newsroom`).
    public var name: String {
        var stem = fileName.drop(while: \.isNumber)
        if stem.first == "_" { stem = stem.dropFirst() }
        if stem.hasSuffix(".sql") { stem = stem.dropLast(4) }
        return String(stem)
    }

    /// Every migration this binary knows, in order.
    public static var all: [Migration] { embedded }

    /// The schema this binary installs: the newest migration as `NNNN_name`
    /// and a fingerprint of the schema files (stored with the embedded database).
    public static var latestIdentifier: String {
        (all.last.map { "\($0.version)_\($0.name)" } ?? "0") + "+" + SchemaFile.embeddedFingerprint
    }
}
