import Foundation
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Statements a session prepares once")
struct PreparedStatementTests {
    /// The session's prepared statements, as the server lists them.
    private func prepared(_ connection: Connection) throws -> [String] {
        try connection.query("SELECT name || ' ' || statement AS s FROM pg_prepared_statements ORDER BY name")
            .map { try $0.decode("s", as: String.self) }
    }

    @Test("off by default: every statement runs unnamed, and the server keeps none")
    func offByDefault() throws {
        let connection = try TestDatabase.create("preparedoff").connect()
        #expect(try connection.query("SELECT \(2)::int + 3 AS n")[0].decode("n", as: Int.self) == 5)
        #expect(try prepared(connection).isEmpty)
    }

    @Test("on: a statement is prepared at its first run, then run by name with each call's values")
    func preparedOnce() throws {
        let connection = try TestDatabase.create("preparedon").connect()
        connection.keepsPreparedStatements = true
        for (value, expected) in [(2, 5), (40, 43), (-3, 0)] {
            #expect(try connection.query("SELECT \(value)::int + 3 AS n")[0].decode("n", as: Int.self) == expected)
        }
        #expect(try connection.query("SELECT \("Київ")::text AS t")[0].decode("t", as: String.self) == "Київ")
        // The listing, without parameters, runs unnamed, as BEGIN and COMMIT do.
        #expect(try prepared(connection) == ["newsdesk_1 SELECT $1::int + 3 AS n", "newsdesk_2 SELECT $1::text AS t"])
        // More runs of known statements prepare nothing new.
        #expect(try connection.query("SELECT \(1)::int + 3 AS n")[0].decode("n", as: Int.self) == 4)
        let inTransaction = try connection.transaction {
            try $0.query("SELECT \(5)::int + 3 AS n")[0].decode("n", as: Int.self)
        }
        #expect(inTransaction == 8)
        #expect(try prepared(connection).count == 2)
    }

    @Test("a statement the session deallocated runs all the same, and is prepared again at its next run")
    func deallocated() throws {
        let connection = try TestDatabase.create("prepareddrop").connect()
        connection.keepsPreparedStatements = true
        #expect(try connection.query("SELECT \(2)::int * 7 AS n")[0].decode("n", as: Int.self) == 14)
        try connection.executeScript(unsafeSQL: "DEALLOCATE ALL")
        #expect(try connection.query("SELECT \(3)::int * 7 AS n")[0].decode("n", as: Int.self) == 21)
        #expect(try connection.query("SELECT \(4)::int * 7 AS n")[0].decode("n", as: Int.self) == 28)
        let names = try prepared(connection)
        #expect(names.contains("newsdesk_2 SELECT $1::int * 7 AS n"), "\(names)")
        #expect(!names.contains { $0.hasPrefix("newsdesk_1 ") }, "names are not used twice: \(names)")
    }

    @Test("a statement whose kept plan no longer fits the table it reads runs all the same")
    func changedResultType() throws {
        let connection = try TestDatabase.create("preparedalter").connect()
        connection.keepsPreparedStatements = true
        try connection.execute("CREATE TABLE note (id int, body text)")
        try connection.execute("INSERT INTO note VALUES (1, 'first')")
        #expect(try connection.query("SELECT * FROM note WHERE id = \(1)::int").count == 1)
        try connection.execute("ALTER TABLE note ADD COLUMN author text DEFAULT 'ikovalenko'")
        let rows = try connection.query("SELECT * FROM note WHERE id = \(1)::int")
        #expect(try rows[0].decode("author", as: String.self) == "ikovalenko")
        // The stale statement is deallocated; the next run prepares it anew.
        #expect(try connection.query("SELECT * FROM note WHERE id = \(1)::int").count == 1)
        #expect(try prepared(connection) == ["newsdesk_2 SELECT * FROM note WHERE id = $1::int"])
    }

    @Test("a name the session already has (from before this connection knew it) is passed over")
    func nameTaken() throws {
        let connection = try TestDatabase.create("preparedtaken").connect()
        try connection.executeScript(unsafeSQL: "PREPARE newsdesk_1 AS SELECT 'left by an earlier client'")
        connection.keepsPreparedStatements = true
        #expect(try connection.query("SELECT \(6)::int * 7 AS n")[0].decode("n", as: Int.self) == 42)
        #expect(
            try prepared(connection) == [
                "newsdesk_1 PREPARE newsdesk_1 AS SELECT 'left by an earlier client'",
                "newsdesk_2 SELECT $1::int * 7 AS n"
            ])
    }

    @Test("a session prepares at most 64 statements; the rest run unnamed")
    func bounded() throws {
        let connection = try TestDatabase.create("preparedmany").connect()
        connection.keepsPreparedStatements = true
        for n in 1...70 {
            let added: Query = "SELECT \(7)::int + \(unsafeRaw: String(n)) AS n"
            #expect(try connection.query(added)[0].decode("n", as: Int.self) == 7 + n)
        }
        #expect(try prepared(connection).count == 64)
    }
}
