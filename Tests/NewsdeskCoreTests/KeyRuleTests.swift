import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

/// The layout a distributed PostgreSQL (Citus) could shard by story
/// (Migrations/0010_keys_by_story.sql, docs/scale-out.md), checked against
/// the catalog of a migrated database: a table added without a kind, or a key
/// that would stop a story's rows living together on one node, fails here.
@Suite("Keys by story")
struct KeyRuleTests {
    /// Sharded by story: each with the column that names its story.
    static let distributed: [String: String] = [
        "newsroom.story": "id",
        "newsroom.edition": "story_id",
        "newsroom.edition_revision": "story_id",
        "newsroom.edition_correction": "story_id",
        "newsroom.edition_event": "story_id",
        "newsroom.live_update": "story_id",
        "newsroom.live_update_revision": "story_id",
        "newsroom.story_subject": "story_id",
        "newsroom.public_change": "story_id",
        "newsroom.reader_page": "story_id"
    ]
    /// A copy on every node: small, rarely written, or looked up by value
    /// (the slug and import-uri claims).
    static let reference: Set = [
        "newsroom.language", "newsroom.staff", "newsroom.staff_role", "newsroom.subject", "newsroom.newsroom_setting",
        "newsroom.reader_page_generation", "newsroom.ukrainian_word_form", "newsroom.ukrainian_stop_word",
        "newsroom.edition_slug",
        "newsroom.edition_import", "newsroom.story_import", "newsroom.update_import"
    ]
    /// On the coordinator only.
    static let local: Set = [
        "newsroom.audit_event", "newsroom.audit_head", "newsroom.audit_pending", "newsroom.idempotency",
        "newsroom.ukrainian_word_form_load", "public.schema_migration", "public.schema_file"
    ]

    /// A migrated database, shared by the suite's tests (they only read its catalog).
    static let database: Result<TestDatabase, any Error> = Result {
        let database = try TestDatabase.create("keys")
        _ = try Migrator().migrate(try database.connect())
        return database
    }

    private func connect() throws -> Connection { try Self.database.get().connect() }

    @Test("every table of the newsroom is distributed by story, a reference table or local, exactly one of them")
    func everyTableHasAKind() throws {
        let tables = try connect().query(
            """
            SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('newsroom', 'public', 'desk', 'site') ORDER BY 1
            """
        ).map { try $0.decode("name", as: String.self) }
        let kinds = [Set(Self.distributed.keys), Self.reference, Self.local]
        for table in tables {
            #expect(kinds.filter { $0.contains(table) }.count == 1, "\(table) needs exactly one kind")
        }
        let classified = kinds.reduce(Set<String>()) { $0.union($1) }
        #expect(classified == Set(tables), "classified tables that do not exist: \(classified.subtracting(tables))")
    }

    @Test("the primary key and every unique key of a distributed table lead with its story column")
    func keysLeadWithTheStory() throws {
        let keys = try connect().query(
            """
            SELECT i.indrelid::regclass::text AS owner, i.indexrelid::regclass::text AS key,
                   (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = i.indkey[0])::text AS first
            FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
            WHERE i.indisunique AND c.relnamespace = 'newsroom'::regnamespace
            """
        ).map {
            (
                try $0.decode("owner", as: String.self), try $0.decode("key", as: String.self),
                try $0.decode("first", as: String?.self)
            )
        }
        var checked = 0
        for (owner, key, first) in keys {
            guard let column = Self.distributed[owner] else { continue }
            #expect(first == column, "\(key) on \(owner) must lead with \(column), not \(first ?? "an expression")")
            checked += 1
        }
        #expect(checked >= Self.distributed.count, "every distributed table has at least its primary key")
        let primaryKeys = try connect().query(
            "SELECT conrelid::regclass::text AS owner FROM pg_constraint WHERE contype = 'p'"
        ).map { try $0.decode("owner", as: String.self) }
        #expect(Set(Self.distributed.keys).isSubset(of: Set(primaryKeys)))
    }

    @Test("foreign keys among distributed tables carry the story; none points from a reference or local table at one")
    func foreignKeysStayWithinAStory() throws {
        let foreignKeys = try connect().query(
            """
            SELECT conname::text AS name, conrelid::regclass::text AS owner, confrelid::regclass::text AS target,
                   (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = conrelid AND a.attnum = conkey[1])::text AS first,
                   (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = confrelid AND a.attnum = confkey[1])::text AS target_first
            FROM pg_constraint WHERE contype = 'f' AND connamespace = 'newsroom'::regnamespace
            """)
        #expect(foreignKeys.count > 10)
        for row in foreignKeys {
            let name: String = try row.decode("name"), owner: String = try row.decode("owner")
            let target: String = try row.decode("target")
            guard let targetColumn = Self.distributed[target] else { continue }  // to a reference table: allowed
            guard let ownColumn = Self.distributed[owner] else {
                Issue.record("\(name): \(owner) is not distributed by story but points at \(target), which is")
                continue
            }
            #expect(
                try row.decode("first", as: String.self) == ownColumn,
                "\(name) on \(owner) must start with \(ownColumn)")
            #expect(
                try row.decode("target_first", as: String.self) == targetColumn,
                "\(name) must reach \(target) through \(targetColumn)")
        }
    }

    @Test(
        "on two clusters, with story hash-partitioned and one shard a foreign table, a one-story write and read touch one node"
    )
    func oneStoryOneNode() throws {
        let demo = CommandLineTool.packageRoot.appending(path: "scripts/sharding-demo").path
        let run = try CommandLineTool.runProgram(demo, [])
        #expect(run.status == 0, "\(run)")
        let stories = run.stdout.split(separator: "== Story ").map(String.init)
        try #require(stories.count == 2, "\(run)")
        let (onA, onB) = (stories[0], stories[1])
        #expect(onA.contains("(its rows live on node a)") && onB.contains("(its rows live on node b)"))
        // Node a's story: its own shards only, nothing sent to node b.
        #expect(
            onA.contains("Update on public.story_on_a") && onA.contains("Index Scan using story_on_a_pkey"), "\(onA)")
        #expect(!onA.contains("Foreign") && !onA.contains("_on_b"), "\(onA)")
        #expect(onA.contains(/rows of story \d+ on node a: 2; on node b: 0/))
        // Node b's story: every step is sent to node b, for that story alone.
        let id = try #require(onB.prefixMatch(of: /\d+/)).output
        #expect(onB.contains("Foreign Update on public.story_on_b"), "\(onB)")
        #expect(
            onB.contains(
                "Remote SQL: UPDATE public.story_on_b SET headline = 'Harbour reopens at dawn'::text WHERE ((story_id = \(id)))"
            ))
        #expect(
            onB.contains("Remote SQL: SELECT story_id, headline FROM public.story_on_b WHERE ((story_id = \(id)))"),
            "\(onB)")
        #expect(
            onB.contains("Remote SQL: SELECT story_id, body FROM public.live_update_on_b WHERE ((story_id = \(id)))"),
            "\(onB)")
        #expect(!onB.contains("_on_a"), "\(onB)")
        #expect(onB.contains(/rows of story \d+ on node a: 0; on node b: 2/))
    }
}
