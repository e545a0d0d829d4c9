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

/// Where a database stands against the migrations and schema files this binary ships.
public struct MigrationStatus: Sendable {
    public let applied: [AppliedMigration]
    public let pending: [Migration]
    /// Applied in the database but unknown to this binary (a newer binary ran here).
    public let unknown: [AppliedMigration]
    /// Schema files whose shipped text the database does not have yet.
    public let changedSchemaFiles: [SchemaFile]
}

/// What one `migrate` run applied.
public struct MigrationRun: Sendable {
    /// The versioned migrations applied, in order.
    public let migrations: [Migration]
    /// The schema files applied (all of them, or none when nothing changed).
    public let schemaFiles: [SchemaFile]
    /// The migrations 0001–0012 of an earlier release that the baseline replaced.
    public let adoptedRelease: Bool

    public var isEmpty: Bool { migrations.isEmpty && schemaFiles.isEmpty && !adoptedRelease }
}

/// Brings a database's schema up to date: first the versioned migrations
/// (``Migration/all``, DDL), then the schema files (``SchemaFile/all``, the
/// functions and triggers) whenever a migration was applied or a file's text
/// changed.
///
/// The whole run is one transaction, so a failure leaves the database as it
/// was. A session-level advisory lock makes concurrent runs wait for each
/// other: the first applies, the others find nothing left to do.
public struct Migrator: Sendable {
    /// Key of the advisory lock every `newsdesk db migrate` takes.
    static let lockKey: Int64 = 0x6E65_7773_6465_736B  // "newsdesk"

    public let migrations: [Migration]
    public let schemaFiles: [SchemaFile]

    public init(migrations: [Migration] = Migration.all, schemaFiles: [SchemaFile] = SchemaFile.all) {
        self.migrations = migrations
        self.schemaFiles = schemaFiles
    }

    /// Reports applied, pending and unknown migrations and changed schema files without changing anything.
    public func status(_ connection: Connection) throws -> MigrationStatus {
        try DatabaseErrors.translating { try readStatus(connection) }
    }

    /// One query on a migrated database (`db status` is a round trip); two
    /// on one that lacks either bookkeeping table (new, or of the first release).
    private func readStatus(_ connection: Connection) throws -> MigrationStatus {
        let applied: [AppliedMigration]
        let changed: [SchemaFile]
        do {
            let rows = try connection.query(
                """
                SELECT version, name, applied_at, NULL::text AS checksum FROM schema_migration
                UNION ALL
                SELECT NULL, name, NULL, checksum FROM schema_file
                ORDER BY 1
                """)
            var migrated: [AppliedMigration] = []
            var stored: [String: String] = [:]
            for row in rows {
                if let version = try row.decode("version", as: Int?.self) {
                    migrated.append(
                        AppliedMigration(
                            version: version, name: try row.decode("name"), appliedAt: try row.decode("applied_at")))
                } else {
                    stored[try row.decode("name")] = try row.decode("checksum")
                }
            }
            applied = migrated
            changed = changedSchemaFiles(stored: stored)
        } catch let error as PostgresError where error.sqlState == .undefinedTable && !connection.isInTransaction {
            applied = try appliedMigrations(connection)
            changed = try changedSchemaFiles(connection)
        }
        let known = Set(migrations.map(\.version))
        let appliedVersions = Set(applied.map(\.version))
        return MigrationStatus(
            applied: applied.filter { known.contains($0.version) },
            pending: migrations.filter { !appliedVersions.contains($0.version) },
            unknown: applied.filter { !known.contains($0.version) },
            changedSchemaFiles: changed)
    }

    /// Applies every pending migration in order, then the schema files if
    /// anything changed, and says what it applied.
    ///
    /// - Throws: ``NewsdeskError`` (`.refused`) when the database holds a
    ///   migration this binary does not know, or one whose text differs from
    ///   the shipped file; the database's error, translated, when a migration
    ///   fails (its SQLSTATE in ``NewsdeskError/underlying``).
    @discardableResult
    public func migrate(_ connection: Connection) throws -> MigrationRun {
        try DatabaseErrors.translating { try applyPending(connection) }
    }

    private func applyPending(_ connection: Connection) throws -> MigrationRun {
        try connection.transaction { db in
            // Held to the transaction's end, never past it: a session lock
            // would outlive its migration in a connection pool that hands the
            // session to someone else after each transaction.
            try db.execute("SELECT pg_advisory_xact_lock(\(Self.lockKey))")
            try db.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migration (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            try db.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_file (
                    name text PRIMARY KEY,
                    checksum text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
            let adopted = try FoldedRelease.adopt(db, shipped: migrations)
            let current = try status(db)
            if let newer = current.unknown.first {
                throw NewsdeskError(
                    .refused,
                    """
                    The database has migration \(newer.version) (\(newer.name)), which this newsdesk does not know: \
                    it was migrated by a newer version. Use that version, or a database of your own.
                    """)
            }
            try verifyChecksums(db, applied: current.applied)
            for migration in current.pending {
                try db.executeScript(unsafeSQL: migration.sql)
                try db.execute(
                    """
                    INSERT INTO schema_migration (version, name, checksum)
                    VALUES (\(migration.version), \(migration.name), encode(sha256(convert_to(\(migration.sql), 'UTF8')), 'hex'))
                    """)
            }
            guard !current.pending.isEmpty || !current.changedSchemaFiles.isEmpty || adopted else {
                return MigrationRun(migrations: [], schemaFiles: [], adoptedRelease: false)
            }
            try applySchemaFiles(db)
            return MigrationRun(migrations: current.pending, schemaFiles: schemaFiles, adoptedRelease: adopted)
        }
    }

    /// Every schema file, in order, then the rules every object shares
    /// (`newsroom.secure_objects()`, Schema/access.sql). Function bodies are
    /// checked when first run rather than when created, as `pg_restore` does:
    /// the files refer to each other's functions in any order
    /// (plpgsql_check lints every body in the tests).
    private func applySchemaFiles(_ db: Connection) throws {
        guard !schemaFiles.isEmpty else { return }
        try db.execute("SET LOCAL check_function_bodies = off")
        for file in schemaFiles {
            try db.executeScript(unsafeSQL: file.sql)
        }
        try db.execute("CALL newsroom.secure_objects()")
        try db.execute("RESET check_function_bodies")
        try db.execute("DELETE FROM schema_file")
        try db.execute(
            """
            INSERT INTO schema_file (name, checksum)
            SELECT * FROM unnest(\(schemaFiles.map(\.fileName))::text[], \(schemaFiles.map(\.checksum))::text[])
            """)
    }

    /// Shipped schema files the database does not have in this exact text;
    /// all of them when it has a file no longer shipped (applying them records
    /// that; the retired file's functions stay until a versioned migration
    /// drops them). The checksums are computed here, so a status costs one
    /// small query.
    private func changedSchemaFiles(_ connection: Connection) throws -> [SchemaFile] {
        let rows: QueryResult
        do {
            rows = try connection.query("SELECT name, checksum FROM schema_file")
        } catch let error as PostgresError where error.sqlState == .undefinedTable && !connection.isInTransaction {
            return schemaFiles  // a database no newsdesk has migrated yet
        }
        var stored: [String: String] = [:]
        for row in rows { stored[try row.decode("name")] = try row.decode("checksum") }
        return changedSchemaFiles(stored: stored)
    }

    /// The shipped files whose checksum differs from `stored` (name → checksum).
    private func changedSchemaFiles(stored: [String: String]) -> [SchemaFile] {
        let changed = schemaFiles.filter { stored[$0.fileName] != $0.checksum }
        let shipped = Set(schemaFiles.map(\.fileName))
        if changed.isEmpty && stored.keys.contains(where: { !shipped.contains($0) }) { return schemaFiles }
        return changed
    }

    /// A shipped migration must never change: compare the stored checksums
    /// with the texts this binary carries (hashed by the server, in one query).
    private func verifyChecksums(_ connection: Connection, applied: [AppliedMigration]) throws {
        let shipped = migrations.filter { migration in applied.contains { $0.version == migration.version } }
        guard !shipped.isEmpty else { return }
        let edited = try connection.query(
            """
            SELECT m.version
            FROM unnest(\(shipped.map { String($0.version) })::int[], \(shipped.map(\.sql))::text[]) AS s(version, sql)
            JOIN schema_migration m ON m.version = s.version
            WHERE m.checksum <> encode(sha256(convert_to(s.sql, 'UTF8')), 'hex')
            ORDER BY m.version
            """)
        if let first = edited.first {
            let version = try first.decode("version", as: Int.self)
            throw NewsdeskError(
                .refused,
                """
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
            AppliedMigration(
                version: try $0.decode("version"), name: try $0.decode("name"),
                appliedAt: try $0.decode("applied_at"))
        }
    }
}
