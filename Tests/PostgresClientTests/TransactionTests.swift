import Foundation
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Transactions")
struct TransactionTests {
    let database: TestDatabase
    let connection: Connection

    init() throws {
        database = try TestDatabase.create("tx")
        connection = try database.connect()
        try connection.execute(
            "CREATE TABLE live_update (edition_id int8, seq int8, body text, PRIMARY KEY (edition_id, seq))")
    }

    func count() throws -> Int {
        try connection.query("SELECT count(*) AS n FROM live_update")[0].decode("n")
    }

    struct Refusal: Error {}

    @Test("a thrown error rolls the transaction back and is the error the caller sees")
    func rollback() throws {
        #expect(throws: Refusal.self) {
            try connection.transaction { db in
                try db.execute("INSERT INTO live_update VALUES (1, 1, 'first')")
                throw Refusal()
            }
        }
        #expect(try count() == 0)
        #expect(!connection.isInTransaction)
    }

    @Test("the first error wins even when the transaction is already aborted")
    func firstErrorWins() throws {
        let error = #expect(throws: PostgresError.self) {
            try connection.transaction { db in
                try db.execute("INSERT INTO live_update VALUES (1, 1, 'first')")
                _ = try? db.execute("INSERT INTO live_update VALUES (1, 1, 'duplicate')")  // aborts the transaction
                try db.execute("INSERT INTO live_update VALUES (1, 2, 'second')")  // 25P02, the error we expect
            }
        }
        #expect(error?.sqlState == .inFailedSQLTransaction)
        #expect(try count() == 0)
    }

    @Test("a committed transaction returns its value")
    func commit() throws {
        let seq: Int = try connection.transaction { db in
            try db.execute("INSERT INTO live_update VALUES (1, 1, 'first')")
            return try db.query("SELECT max(seq) AS seq FROM live_update")[0].decode("seq")
        }
        #expect(seq == 1)
        #expect(try count() == 1)
    }

    @Test("a real serialization conflict between two connections is retried and then succeeds")
    func serializationRetry() throws {
        let rival = try database.connect()
        var attempts = 0
        let seq: Int = try connection.transaction(isolation: .serializable) { db in
            attempts += 1
            let next: Int = try db.query(
                "SELECT coalesce(max(seq), 0) + 1 AS next FROM live_update WHERE edition_id = 1")[0].decode("next")
            if attempts == 1 {
                // Another writer reads the same state and commits its append first: write skew.
                try rival.transaction(isolation: .serializable) { other in
                    _ = try other.query(
                        "SELECT coalesce(max(seq), 0) + 1 AS next FROM live_update WHERE edition_id = 1")
                    try other.execute("INSERT INTO live_update VALUES (1, 1, 'rival')")
                }
            }
            try db.execute("INSERT INTO live_update VALUES (1, \(next), 'ours')")
            return next
        }
        #expect(attempts == 2)
        #expect(seq == 2)
        let bodies = try connection.query("SELECT body FROM live_update ORDER BY seq").map {
            try $0.decode("body", as: String.self)
        }
        #expect(bodies == ["rival", "ours"])
    }

    @Test("retries are bounded: a conflict that never clears surfaces as a serialization failure")
    func boundedRetries() throws {
        var attempts = 0
        let error = #expect(throws: PostgresError.self) {
            try connection.transaction(maxAttempts: 3) { db in
                attempts += 1
                try db.execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = 'conflict'; END $$")
            }
        }
        #expect(error?.sqlState == .serializationFailure)
        #expect(attempts == 3)
    }

    @Test("a deadlock is retried too")
    func deadlockRetry() throws {
        var attempts = 0
        try connection.transaction { db in
            attempts += 1
            if attempts == 1 {
                try db.execute("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01', MESSAGE = 'deadlock'; END $$")
            }
            try db.execute("INSERT INTO live_update VALUES (2, 1, 'after deadlock')")
        }
        #expect(attempts == 2)
        #expect(try count() == 1)
    }

    func bodies() throws -> [String] {
        try connection.query("SELECT body FROM live_update ORDER BY edition_id, seq").map { try $0.decode("body") }
    }

    @Test("a nested transaction that throws undoes only its own work; the outer one commits the rest")
    func nestedRollbackKeepsOuterWork() throws {
        try connection.transaction { db in
            try db.execute("INSERT INTO live_update VALUES (1, 1, 'outer before')")
            #expect(throws: Refusal.self) {
                try db.transaction { inner in
                    try inner.execute("INSERT INTO live_update VALUES (1, 2, 'inner, undone')")
                    throw Refusal()
                }
            }
            // A failed statement inside the savepoint does not abort the outer transaction either.
            #expect(throws: PostgresError.self) {
                try db.transaction { inner in try inner.execute("INSERT INTO live_update VALUES (1, 1, 'duplicate')") }
            }
            try db.execute("INSERT INTO live_update VALUES (1, 3, 'outer after')")
        }
        #expect(try bodies() == ["outer before", "outer after"])
        #expect(!connection.isInTransaction)
    }

    @Test("a nested transaction at the open transaction's level runs in it and commits with it")
    func nestedSameIsolation() throws {
        let levels: [String] = try connection.transaction(isolation: .repeatableRead) { db in
            try db.execute("INSERT INTO live_update VALUES (1, 1, 'outer')")
            return try db.transaction(isolation: .repeatableRead) { inner in
                try inner.execute("INSERT INTO live_update VALUES (1, 2, 'inner')")
                // Unspecified: whatever the open transaction runs at, one level deeper.
                let deeper: String = try inner.transaction { deepest in
                    try deepest.query("SHOW transaction_isolation")[0].decode(0)
                }
                return [try inner.query("SHOW transaction_isolation")[0].decode(0), deeper]
            }
        }
        #expect(levels == ["repeatable read", "repeatable read"])
        #expect(try bodies() == ["outer", "inner"])
    }

    @Test("a nested transaction that asks for another isolation level is refused, not silently joined")
    func nestedOtherIsolationRefused() throws {
        var ran = false
        let error = #expect(throws: PostgresError.self) {
            try connection.transaction(isolation: .readCommitted) { db in
                try db.execute("INSERT INTO live_update VALUES (1, 1, 'outer')")
                try db.transaction(isolation: .serializable) { _ in ran = true }
            }
        }
        #expect(error?.kind == .isolationMismatch(outer: .readCommitted, requested: .serializable))
        #expect(!ran)
        #expect(try count() == 0)
    }

    @Test("inside a transaction the caller began with BEGIN, the server says which level it runs at")
    func nestedInsideManualBegin() throws {
        try connection.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        defer { _ = try? connection.execute("ROLLBACK") }
        #expect(throws: PostgresError.self) {
            try connection.transaction(isolation: .repeatableRead) { _ in }
        }
        _ = try connection.transaction(isolation: .serializable) { db in
            try db.execute("INSERT INTO live_update VALUES (1, 1, 'inner')")
        }
        #expect(connection.isInTransaction)
        #expect(try count() == 1)
    }
}

@Suite("COPY")
struct CopyTests {
    let connection: Connection

    init() throws {
        connection = try TestDatabase.create("copy").connect()
        try connection.execute("CREATE TABLE edition (id int8 PRIMARY KEY, headline text NOT NULL, lead text)")
    }

    @Test("COPY loads 100,000 rows with tabs, newlines, backslashes and NULLs intact")
    func bulk() throws {
        let rows = (1...100_000).lazy.map { number -> [String?] in
            [String(number), "Новина \(number)\tз табом\nі рядком \\ ✓", number % 10 == 0 ? nil : "lead \(number)"]
        }
        let loaded = try connection.copy(into: "edition", columns: ["id", "headline", "lead"], rows: rows)
        #expect(loaded == 100_000)
        let summary = try connection.query(
            """
            SELECT count(*) AS n, count(lead) AS leads,
                   (SELECT headline FROM edition WHERE id = 777) AS sample
            FROM edition
            """)[0]
        #expect(try summary.decode("n", as: Int.self) == 100_000)
        #expect(try summary.decode("leads", as: Int.self) == 90_000)
        #expect(try summary.decode("sample", as: String.self) == "Новина 777\tз табом\nі рядком \\ ✓")
    }

    @Test("a NUL in any row aborts the whole COPY: nothing is loaded")
    func nulAborts() throws {
        let rows: [[String?]] = [["1", "fine", nil], ["2", "bro\u{0}ken", nil]]
        let error = #expect(throws: PostgresError.self) {
            try connection.copy(into: "edition", columns: ["id", "headline", "lead"], rows: rows)
        }
        #expect(error?.kind == .invalidParameter(position: 2))
        #expect(try connection.query("SELECT count(*) AS n FROM edition")[0].decode("n", as: Int.self) == 0)
        // The connection is still usable.
        try connection.execute("INSERT INTO edition VALUES (9, 'after', NULL)")
    }

    @Test("a row the server rejects aborts the COPY with its SQLSTATE")
    func serverRejects() throws {
        let rows: [[String?]] = [["1", "one", nil], ["1", "again", nil]]
        let error = #expect(throws: PostgresError.self) {
            try connection.copy(into: "edition", columns: ["id", "headline", "lead"], rows: rows)
        }
        #expect(error?.sqlState == .uniqueViolation)
        #expect(try connection.query("SELECT count(*) AS n FROM edition")[0].decode("n", as: Int.self) == 0)
    }
}

@Suite("A lost connection says whether anything was committed")
struct ConnectionLossTests {
    let database: TestDatabase

    init() throws {
        database = try TestDatabase.create("loss")
        try database.connect().executeScript(
            unsafeSQL: """
                CREATE TABLE live_update (body text);
                -- Runs at COMMIT: makes the commit slow enough to cut the connection during it.
                CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS
                    $$ BEGIN PERFORM pg_sleep(2); RETURN NULL; END $$;
                CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON live_update
                    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();
                """)
    }

    /// Terminates the backend of `victim` as soon as it is busy with a statement that contains `marker`.
    func terminate(whenRunning marker: String, pid: Int) {
        let configuration = database.configuration
        // A thread of its own: the test blocks a pool thread, and the pool on two cores is small.
        Thread {
            guard let killer = try? Connection(configuration: configuration, logger: .test) else { return }
            for _ in 0..<200 {
                let busy =
                    (try? killer.query(
                        """
                        SELECT count(*) AS n FROM pg_stat_activity
                        WHERE pid = \(pid) AND state = 'active' AND query LIKE \("%" + marker + "%")
                        """)[0].decode("n", as: Int.self)) ?? 0
                if busy > 0 {
                    _ = try? killer.query("SELECT pg_terminate_backend(\(pid)::int)")
                    return
                }
                usleep(20_000)
            }
        }.start()
    }

    @Test("lost inside an open transaction: known, nothing committed")
    func insideTransaction() throws {
        let connection = try database.connect()
        let pid: Int = try connection.query("SELECT pg_backend_pid() AS pid")[0].decode("pid")
        terminate(whenRunning: "pg_sleep(5)", pid: pid)
        let error = #expect(throws: PostgresError.self) {
            try connection.transaction { db in
                try db.execute("INSERT INTO live_update VALUES ('in flight')")
                try db.execute("SELECT pg_sleep(5)")
            }
        }
        #expect(error?.kind == .connectionLost(.notCommitted))
        let count: Int = try database.connect().query("SELECT count(*) AS n FROM live_update")[0].decode("n")
        #expect(count == 0)
    }

    @Test("lost during COMMIT: the outcome is reported as unknown")
    func duringCommit() throws {
        let connection = try database.connect()
        let pid: Int = try connection.query("SELECT pg_backend_pid() AS pid")[0].decode("pid")
        terminate(whenRunning: "COMMIT", pid: pid)
        let error = #expect(throws: PostgresError.self) {
            try connection.transaction { db in
                try db.execute("INSERT INTO live_update VALUES ('committing')")
            }
        }
        #expect(error?.kind == .connectionLost(.unknown))
        #expect(error?.sqlState == .connectionFailure)
    }
}
