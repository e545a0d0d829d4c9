import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The isolation level a transaction runs at.
public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension Connection {
    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    ///
    /// The first error always wins: if ROLLBACK fails too, the error from
    /// `body` (or from COMMIT) is the one thrown. Serialization failures and
    /// deadlocks (SQLSTATE 40001, 40P01) run the whole transaction again, up to
    /// `maxAttempts` times, after a short random pause, so `body` must be safe
    /// to repeat.
    ///
    /// Called inside an open transaction, `body` runs in a SAVEPOINT of it:
    /// released when `body` returns, rolled back to when it throws, so a
    /// failed inner step undoes only its own work and the outer transaction
    /// goes on. It is never retried (only the outermost transaction can
    /// restart), and it cannot change the isolation level, which PostgreSQL
    /// fixes for the whole transaction: asking for a level other than the open
    /// transaction's throws a ``PostgresError`` of kind `.isolationMismatch`
    /// instead of silently running with less isolation than asked for.
    ///
    /// ```swift
    /// let id = try connection.transaction(isolation: .serializable) { db in
    ///     try db.query("INSERT INTO story DEFAULT VALUES RETURNING id")[0].decode("id", as: Int64.self)
    /// }
    /// ```
    ///
    /// - Parameter isolation: the level to run at; nil means READ COMMITTED
    ///   for a new transaction, and whatever the open transaction runs at
    ///   when nested.
    public func transaction<T>(
        isolation: IsolationLevel? = nil,
        maxAttempts: Int = 5,
        _ body: (Connection) throws -> T
    ) throws -> T {
        if isInTransaction { return try savepoint(isolation: isolation, body) }
        var attempt = 1
        while true {
            do {
                return try runTransactionOnce(isolation: isolation ?? .readCommitted, body)
            } catch let error as PostgresError where error.isRetryable && attempt < maxAttempts {
                logger.debug(
                    "retrying transaction", metadata: ["sqlstate": "\(error.sqlState)", "attempt": "\(attempt)"])
                Self.pauseBeforeRetry(attempt: attempt)
                attempt += 1
            }
        }
    }

    private func runTransactionOnce<T>(isolation: IsolationLevel, _ body: (Connection) throws -> T) throws -> T {
        try execute(Query(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolation.rawValue)"))
        openTransactionIsolation = isolation
        defer { openTransactionIsolation = nil }
        do {
            let value = try body(self)
            try execute("COMMIT")
            return value
        } catch {
            // Best effort: the connection may be gone, or COMMIT may already
            // have ended the transaction. Whatever ROLLBACK says, the original
            // error is what the caller needs.
            if !isBroken && isInTransaction {
                _ = try? execute("ROLLBACK")
            }
            throw error
        }
    }

    /// Runs `body` in a savepoint of the open transaction.
    private func savepoint<T>(isolation requested: IsolationLevel?, _ body: (Connection) throws -> T) throws -> T {
        if let requested {
            let outer = try currentIsolation()
            guard outer == requested else {
                throw PostgresError(
                    kind: .isolationMismatch(outer: outer, requested: requested), sqlState: .activeSQLTransaction,
                    message: """
                        a \(requested.rawValue) transaction was asked for inside an open \(outer.rawValue) \
                        transaction, whose isolation level cannot change
                        """)
            }
        }
        savepointDepth += 1
        defer { savepointDepth -= 1 }
        // Depth-numbered names, so a savepoint inside a savepoint is its own.
        let name = "newsdesk_nested_\(savepointDepth)"
        try execute(Query(unsafeSQL: "SAVEPOINT \(name)"))
        do {
            let value = try body(self)
            try execute(Query(unsafeSQL: "RELEASE SAVEPOINT \(name)"))
            return value
        } catch {
            // Best effort, as for ROLLBACK: the first error is the caller's.
            if !isBroken && isInTransaction {
                _ = try? execute(Query(unsafeSQL: "ROLLBACK TO SAVEPOINT \(name)"))
                _ = try? execute(Query(unsafeSQL: "RELEASE SAVEPOINT \(name)"))
            }
            throw error
        }
    }

    /// The open transaction's isolation level: known when ``transaction(isolation:maxAttempts:_:)``
    /// began it, else asked of the server (a transaction the caller began with BEGIN).
    private func currentIsolation() throws -> IsolationLevel {
        if let openTransactionIsolation { return openTransactionIsolation }
        let level = try query("SHOW transaction_isolation")[0].decode(0, as: String.self)
        guard let isolation = IsolationLevel(rawValue: level.uppercased()) else {
            throw PostgresError(
                kind: .unexpectedResponse, sqlState: .connectionException,
                message: "the server reported an unknown isolation level \"\(level)\"")
        }
        return isolation
    }

    /// Waits a random 0.5–1.5 × (5 ms · 2^attempt), so that two transactions
    /// that collided do not collide again in lockstep.
    static func pauseBeforeRetry(attempt: Int) {
        let base = 5_000.0 * Double(1 << min(attempt, 6))
        let micros = base * Double.random(in: 0.5...1.5)
        usleep(UInt32(micros))
    }
}
