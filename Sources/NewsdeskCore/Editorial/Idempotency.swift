public import PostgresClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `--idempotency-key` for any action: a command repeated with the same key
/// and the same request (after a lost connection, say) happens once and
/// returns the first result; the same key with another request is refused.
public enum Idempotency {
    /// Runs `body` at most once per `key` and login. Without a key, just runs it.
    ///
    /// The claim, the action and the remembered result share one transaction,
    /// so a crash leaves no half-claimed key. A permission refusal is committed
    /// (the database's record of it stays) and then thrown.
    public static func once<T: Codable>(
        _ key: String?, action: String, request: [String: String?], on connection: Connection, _ body: () throws -> T
    ) throws -> T {
        guard let key else { return try body() }
        var refusal: (any Error)?
        let result: T? = try connection.transaction { db in
            let stored: String?
            do {
                stored = try db.query("""
                    SELECT desk.claim_idempotency_key(\(key), \(action), \(JSONB(encoding: request)))::text AS stored
                    """)[0].decode("stored")
            } catch {
                throw DeskError.translate(error)
            }
            if let stored, stored != "null" {
                return try NewsroomJSON.decoder().decode(T.self, from: Data(stored.utf8))
            }
            do {
                let value = try body()
                let text = String(decoding: try NewsroomJSON.encoder().encode(value), as: UTF8.self)
                try db.execute("SELECT desk.remember_idempotency_key(\(key), \(JSONB(text)))")
                return value
            } catch let error as NewsdeskError where error.category == .refused && error.message.hasPrefix("Permission denied") {
                refusal = error
                return nil
            }
        }
        if let refusal { throw refusal }
        guard let result else { throw NewsdeskError(.refused, "The command did not run.") }
        return result
    }
}
