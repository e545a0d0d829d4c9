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
    /// to repeat. Called inside an open transaction, `body` joins it (no
    /// retry: only the outermost transaction can restart).
    ///
    /// ```swift
    /// let id = try connection.transaction(isolation: .serializable) { db in
    ///     try db.query("INSERT INTO story DEFAULT VALUES RETURNING id")[0].decode("id", as: Int64.self)
    /// }
    /// ```
    public func transaction<T>(
        isolation: IsolationLevel = .readCommitted,
        maxAttempts: Int = 5,
        _ body: (Connection) throws -> T
    ) throws -> T {
        if isInTransaction { return try body(self) }
        var attempt = 1
        while true {
            do {
                return try runTransactionOnce(isolation: isolation, body)
            } catch let error as PostgresError where error.isRetryable && attempt < maxAttempts {
                logger.debug("retrying transaction", metadata: ["sqlstate": "\(error.sqlState)", "attempt": "\(attempt)"])
                Self.pauseBeforeRetry(attempt: attempt)
                attempt += 1
            }
        }
    }

    private func runTransactionOnce<T>(isolation: IsolationLevel, _ body: (Connection) throws -> T) throws -> T {
        try execute(Query(unsafeSQL: "BEGIN ISOLATION LEVEL \(isolation.rawValue)"))
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

    /// Waits a random 0.5–1.5 × (5 ms · 2^attempt), so that two transactions
    /// that collided do not collide again in lockstep.
    static func pauseBeforeRetry(attempt: Int) {
        let base = 5_000.0 * Double(1 << min(attempt, 6))
        let micros = base * Double.random(in: 0.5...1.5)
        usleep(UInt32(micros))
    }
}
