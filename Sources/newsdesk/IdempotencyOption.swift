import ArgumentParser
import NewsdeskCore
import PostgresClient

/// `--idempotency-key KEY`, shared by the mutating commands.
struct IdempotencyOption: ParsableArguments {
    @Option(name: .customLong("idempotency-key"), help: "Makes a repeated command happen once and print the same result.")
    var key: String?

    /// Connects, then runs `body` once per key: what every mutating command does.
    func run<T: Codable>(_ action: String, _ request: [String: String?], connecting options: ConnectionOptions,
                         _ body: (Connection) throws -> T) throws -> T {
        let db = try options.connect()
        return try once(action, request, on: db) { try body(db) }
    }

    /// Runs `body` once per key (see ``Idempotency``).
    func once<T: Codable>(_ action: String, _ request: [String: String?], on connection: Connection,
                          _ body: () throws -> T) throws -> T {
        let key = try TextInput.optional(key, TextField(name: "idempotency-key", maximumBytes: 200))
        return try Idempotency.once(key, action: action, request: request, on: connection, body)
    }
}
