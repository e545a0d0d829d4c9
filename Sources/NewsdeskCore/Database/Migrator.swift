public import PostgresClient
#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A migration recorded in the database's bookkeeping table.
public struct AppliedMigration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let appliedAt: Date
}

/// Where a database stands against the migrations this binary ships.
public struct MigrationStatus: Sendable {
    public let applied: [AppliedMigration]
    public let pending: [Migration]
    /// Applied in the database but unknown to this binary (a newer binary ran here).
    public let unknown: [AppliedMigration]
}

/// Brings a database's schema up to date with ``Migration/all``.
///
/// Each migration runs in its own transaction together with its bookkeeping
/// row, so a failed one leaves nothing behind. A session-level advisory lock
/// makes concurrent runs wait for each other: the first applies, the others
/// find nothing left to do.
public struct Migrator: Sendable {
    /// Key of the advisory lock every `newsdesk db migrate` takes.
    static let lockKey: Int64 = 0x6E65_7773_6465_736B  // "newsdesk"

    public let migrations: [Migration]

    public init(migrations: [Migration] = Migration.all) {
        self.migrations = migrations
    }

    /// Reports applied, pending and unknown migrations without changing anything.
    public func status(_ connection: Connection) throws -> MigrationStatus {
        let applied = try appliedMigrations(connection)
        let known = Set(migrations.map(\.version))
        let appliedVersions = Set(applied.map(\.version))
        return MigrationStatus(
            applied: applied.filter { known.contains($0.version) },
            pending: migrations.filter { !appliedVersions.contains($0.version) },
            unknown: applied.filter { !known.contains($0.version) })
    }

    /// Applies every pending migration in order and returns them.
    ///
    /// - Throws: ``NewsdeskError`` (`.refused`) when the database holds a
    ///   migration this binary does not know, or one whose text differs from
    ///   the shipped file; ``PostgresError`` when a migration fails.
    @discardableResult
    public func migrate(_ connection: Connection) throws -> [Migration] {
        try connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))") }

        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migration (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        let current = try status(connection)
        if let newer = current.unknown.first {
            throw NewsdeskError(.refused, """
                The database has migration \(newer.version) (\(newer.name)), which this newsdesk does not know: \
                it was migrated by a newer version. Use that version, or a database of your own.
                """)
        }
        try verifyChecksums(connection, applied: current.applied)
        for migration in current.pending {
            try connection.transaction { db in
                try db.executeScript(unsafeSQL: migration.sql)
                try db.execute("""
                    INSERT INTO schema_migration (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex'))
                    """)
            }
        }
        return current.pending
    }

    /// A shipped migration must never change: compare the stored checksums
    /// with the texts this binary carries (hashed by the server, in one query).
    private func verifyChecksums(_ connection: Connection, applied: [AppliedMigration]) throws {
        let shipped = migrations.filter { migration in applied.contains { $0.version == migration.version } }
        guard !shipped.isEmpty else { return }
        let edited = try connection.query("""
            SELECT m.version
            FROM unnest(\(shipped.map { String($0.version) })::int[], \(shipped.map(\.sql))::text[]) AS s(version, sql)
            JOIN schema_migration m ON m.version = s.version
            WHERE m.checksum <> encode(sha256(convert_to(s.sql, 'UTF8')), 'hex')
            ORDER BY m.version
            """)
        if let first = edited.first {
            let version = try first.decode("version", as: Int.self)
            throw NewsdeskError(.refused, """
                Migration \(version) in the database differs from the one shipped with this newsdesk. \
                Shipped migrations must not be edited; add a new migration instead.
                """)
        }
    }

    private func appliedMigrations(_ connection: Connection) throws -> [AppliedMigration] {
        let rows: QueryResult
        do {
            rows = try connection.query("SELECT version, name, applied_at FROM schema_migration ORDER BY version")
        } catch let error as PostgresError where error.sqlState == .undefinedTable && !connection.isInTransaction {
            return []  // a database no newsdesk has migrated yet
        }
        return try rows.map {
            AppliedMigration(version: try $0.decode("version"), name: try $0.decode("name"),
                             appliedAt: try $0.decode("applied_at"))
        }
    }
}
