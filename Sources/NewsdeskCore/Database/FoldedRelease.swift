import PostgresClient

/// The migrations 0001–0012 of the first release, which `0001_baseline.sql`
/// folds into one file. A database they made holds exactly the baseline's
/// tables, so it is adopted rather than migrated: its bookkeeping rows are
/// replaced by the baseline's, and the schema files then replace its
/// functions. The old files are kept under Tests/Fixtures/released-migrations
/// for the test that builds such a database and upgrades it.
enum FoldedRelease {
    /// Version, name and SHA-256 of each folded migration, as its bookkeeping row holds them.
    static let migrations: [(version: Int, name: String, checksum: String)] = [
        (1, "newsroom", "dc21a90b5e3a3de17a16ad8ec8a6260529ec64b13ca02b3f3faad17ec532b45b"),
        (2, "staff_and_audit", "98d7bab656497094e6914aacfb12d173166e185035e37f12a3869b9699e26c82"),
        (3, "editions", "0c695b9841aaca70056d0ba8a5c14778c46e3bcd0250a7bfd7ddeaca39f17758"),
        (4, "live_updates", "15e3cefa73306a8cc49ce4b809c93b8d706910541c08eecfc18b42f8743c4836"),
        (5, "translations", "8cbb11a8fe0f7535613e163a083799930e5926087fe4124b03937a0e53fdd33d"),
        (6, "subjects_and_feeds", "2f2c978bb13557ab20b5573c4aea59fe3224f4a97a490c11a6534735371c5092"),
        (7, "search", "0e63679bdd69dfa451fb96ef0a1448951c8437f599b5629e255ae5fa92e0d7ee"),
        (8, "export", "6e05af5e4ff58e143524571331be3cc44e92425693fda1628fdd0dcf83c5031e"),
        (9, "import", "93371a7aa68e7384c8f178d706d43cbb718285635a55dc8dacbe7c850122302f"),
        (10, "idempotency", "6d63158005bc06a30aaa7daa3c4e01e2dd229e78869611b165e93ab79748a3fb"),
        (11, "big_newsroom", "a8e95e8761950760cd655f54d61e0a3d8dc3da221a17fc59e29be0006939cac2"),
        (12, "gatekeeping", "745bbd3201e96e3580a661212d1a30ca16300abc93a68e78b22947dcec781858")
    ]

    /// Replaces the folded release's bookkeeping with the baseline's, inside
    /// the migrator's transaction; says whether it did. A database with only
    /// part of that release, or with edited files, is refused.
    static func adopt(_ db: Connection, shipped: [Migration]) throws -> Bool {
        guard let baseline = shipped.first(where: { $0.version == 1 }), baseline.name != migrations[0].name else {
            return false  // this binary ships the folded files themselves (the upgrade test builds such a database)
        }
        let rows = try db.query("SELECT version, name, checksum FROM schema_migration ORDER BY version")
        let recorded = try rows.map {
            (
                version: try $0.decode("version", as: Int.self), name: try $0.decode("name", as: String.self),
                checksum: try $0.decode("checksum", as: String.self)
            )
        }
        guard recorded.first.map({ $0.version == 1 && $0.name == migrations[0].name }) == true else { return false }
        let folded = recorded.prefix(migrations.count)
        guard folded.count == migrations.count,
            zip(folded, migrations).allSatisfy({
                $0.version == $1.version && $0.name == $1.name && $0.checksum == $1.checksum
            })
        else {
            let last = recorded.last!
            throw NewsdeskError(
                .refused,
                """
                The database was made by an earlier newsdesk and stops at migration \(last.version) (\(last.name)). \
                This newsdesk upgrades databases of the release with migrations 1–\(migrations.count); \
                bring it there with that release first.
                """)
        }
        try db.execute(
            """
            WITH folded AS (DELETE FROM schema_migration WHERE version <= \(migrations.count) RETURNING applied_at)
            INSERT INTO schema_migration (version, name, checksum, applied_at)
            SELECT \(baseline.version), \(baseline.name), encode(sha256(convert_to(\(baseline.sql), 'UTF8')), 'hex'),
                   max(applied_at)
            FROM folded
            """)
        return true
    }
}
