import Logging
import NewsdeskCore

#if canImport(Glibc)
import Glibc
#endif

/// What the process environment says, read once.
enum Environment {
    /// Read straight from `environ`: `ProcessInfo.environment` costs about
    /// 0.4 ms at start-up (callgrind), and every command pays it.
    static let variables: [String: String] = {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            // Split at the byte: a search by Characters costs a third as much again.
            let text = String(cString: pointer)
            if let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) {
                variables[String(text[..<equals])] = String(text[text.utf8.index(after: equals)...])
            }
            entry += 1
        }
        return variables
    }()

    /// The configured server, or the embedded database, which reports on
    /// stderr what it did on first use.
    static var databaseTarget: DatabaseTarget {
        DatabaseTarget.resolve(environment: variables) { Output.standardError($0) }
    }

    /// `NEWSDESK_LOG_LEVEL` (trace … critical); warnings and worse by default.
    static var logLevel: Logger.Level {
        variables["NEWSDESK_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
    }
}
