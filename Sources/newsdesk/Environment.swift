import Logging
import NewsdeskCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the process environment says, read once.
enum Environment {
    static let variables: [String: String] = ProcessInfo.processInfo.environment

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
