import ArgumentParser
import NewsdeskCore

/// `--idempotency-key KEY`, shared by the mutating commands. The database
/// does the rest: every desk action takes the key, and a repeat with the same
/// arguments changes nothing and returns the first result.
struct IdempotencyOption: ParsableArguments {
    @Option(
        name: .customLong("idempotency-key"), help: "Makes a repeated command happen once and print the same result.")
    var key: String?

    /// The key, checked against the text rules (at most 200 bytes, one line).
    func value() throws -> String? {
        try TextInput.optional(key, TextField(name: "idempotency-key", maximumBytes: 200))
    }
}
