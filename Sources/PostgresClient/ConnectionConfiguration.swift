#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The libpq connection parameters for one connection, as keyword/value pairs
/// handed to `PQconnectdbParams` (never interpolated into a conninfo string).
///
/// Whatever is not given here comes from libpq's own defaults: `PGHOST`,
/// `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`, `PGSERVICE`, `PGSSLMODE`,
/// service files and `.pgpass` all keep working.
public struct ConnectionConfiguration: Sendable, Equatable {
    public struct Parameter: Sendable, Equatable {
        public var keyword: String
        public var value: String
        public init(_ keyword: String, _ value: String) {
            self.keyword = keyword
            self.value = value
        }
    }

    /// In order; a later keyword overrides an earlier one, and the first
    /// `dbname` may be a `postgres://` URI that libpq expands.
    public var parameters: [Parameter]

    public init(_ parameters: [Parameter] = []) {
        self.parameters = parameters
    }

    /// Settings from a `postgres://` or `postgresql://` URI (or a conninfo string).
    public static func url(_ url: String) -> ConnectionConfiguration {
        ConnectionConfiguration([Parameter("dbname", url)])
    }

    /// The server the environment names: `DATABASE_URL` when it is set (a
    /// `postgres://` URI), else nothing explicit, so libpq reads `PGHOST`,
    /// `PGPORT`, `PGDATABASE`, `PGSERVICE`, `.pgpass` and service files itself.
    public static func environment(_ variables: [String: String]) -> ConnectionConfiguration {
        if let url = variables["DATABASE_URL"], !url.isEmpty { return .url(url) }
        return ConnectionConfiguration()
    }

    /// Adds (or overrides) one parameter.
    public func with(_ keyword: String, _ value: String) -> ConnectionConfiguration {
        var copy = self
        copy.parameters.append(Parameter(keyword, value))
        return copy
    }

    /// Calls `body` with the NULL-terminated keyword and value arrays libpq's
    /// `…Params` functions take, `fallback_application_name` first and the
    /// first `dbname` (which may be a URI that libpq expands) before the rest,
    /// so that what follows it can override it.
    func withLibpqParameters<Result>(
        applicationName: String,
        _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafePointer<CChar>?>) -> Result
    ) -> Result {
        var parameters = self.parameters
        parameters.insert(Parameter("fallback_application_name", applicationName), at: 0)
        if let uri = parameters.firstIndex(where: { $0.keyword == "dbname" }) {
            parameters.insert(parameters.remove(at: uri), at: 0)
        }
        let keywords = parameters.map { strdup($0.keyword) } + [nil]
        let values = parameters.map { strdup($0.value) } + [nil]
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        return keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { keys in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { vals in
                body(keys.baseAddress!, vals.baseAddress!)
            }
        }
    }
}
