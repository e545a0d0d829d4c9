/// A SQL statement and its parameters.
///
/// Every interpolated value becomes a `$n` parameter; it is never spliced into
/// the SQL text:
///
/// ```swift
/// let rows = try connection.query("SELECT id FROM edition WHERE lang = \(lang) AND slug = \(slug)")
/// ```
///
/// SQL built from strings at run time has to be spelled out as unsafe:
/// `Query(unsafeSQL: text)` or `\(unsafeRaw: fragment)`. Identifiers go through
/// `\(identifier: name)`, which quotes them.
public struct Query: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Segment: Sendable {
        case sql(String)
        case parameter(Int)
    }

    var segments: [Segment]
    /// The values bound to `$1`, `$2`, … in order.
    public private(set) var bindings: [PostgresBinding]

    /// SQL text that was not written as a literal in the source. The caller
    /// vouches that it holds no user input.
    public init(unsafeSQL: String) {
        segments = [.sql(unsafeSQL)]
        bindings = []
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        segments = stringInterpolation.segments
        bindings = stringInterpolation.bindings
    }

    /// The statement with `$n` placeholders, as sent to the server.
    public var sql: String {
        var text = ""
        for segment in segments {
            switch segment {
            case .sql(let part): text += part
            case .parameter(let index): text += "$\(index + 1)"
            }
        }
        return text
    }

    /// The SQL text only: bound values never appear in logs or error messages.
    public var description: String { sql }

    /// Appends another query (its parameters are renumbered).
    public static func + (lhs: Query, rhs: Query) -> Query {
        var result = lhs
        let offset = lhs.bindings.count
        for segment in rhs.segments {
            switch segment {
            case .sql: result.segments.append(segment)
            case .parameter(let index): result.segments.append(.parameter(index + offset))
            }
        }
        result.bindings += rhs.bindings
        return result
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var segments: [Segment] = []
        var bindings: [PostgresBinding] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            bindings.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            segments.append(.sql(literal))
        }

        /// Binds `value` as the next `$n` parameter.
        public mutating func appendInterpolation(_ value: some PostgresEncodable) {
            segments.append(.parameter(bindings.count))
            bindings.append(value.postgresBinding)
        }

        /// Binds `value`, or SQL NULL when it is `nil`.
        public mutating func appendInterpolation(_ value: (some PostgresEncodable)?) {
            segments.append(.parameter(bindings.count))
            bindings.append(value?.postgresBinding ?? .null)
        }

        /// A quoted identifier (table, column, role name).
        public mutating func appendInterpolation(identifier: String) {
            segments.append(.sql(quoteIdentifier(identifier)))
        }

        /// A fragment of another query, with its own parameters.
        public mutating func appendInterpolation(_ fragment: Query) {
            let offset = bindings.count
            for segment in fragment.segments {
                switch segment {
                case .sql: segments.append(segment)
                case .parameter(let index): segments.append(.parameter(index + offset))
                }
            }
            bindings += fragment.bindings
        }

        /// SQL text spliced in as is. The caller vouches that it holds no user input.
        public mutating func appendInterpolation(unsafeRaw text: String) {
            segments.append(.sql(text))
        }
    }
}

/// Quotes an SQL identifier: `edition` → `"edition"`, `a"b` → `"a""b"`.
public func quoteIdentifier(_ name: String) -> String {
    "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
}
