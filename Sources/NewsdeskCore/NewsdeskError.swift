/// A failure the newsroom can act on, with the exit code the CLI reports for it
/// (SPEC §5). Each carries a message that says what happened and what to do.
public struct NewsdeskError: Error, Sendable, CustomStringConvertible {
    public enum Category: Int32, Sendable {
        /// Refused by a rule: not found, wrong state, permission.
        case refused = 1
        /// A stale `--expect-version`.
        case conflict = 2
        /// The command line itself is wrong.
        case usage = 64
        /// The input data is bad (encoding, length, format).
        case badInput = 65
        /// The database cannot be reached or started.
        case unavailable = 69
        /// Temporary: retry later.
        case temporary = 75
    }

    public let category: Category
    public let message: String

    public init(_ category: Category, _ message: String) {
        self.category = category
        self.message = message
    }

    public var exitCode: Int32 { category.rawValue }
    public var description: String { message }
}
