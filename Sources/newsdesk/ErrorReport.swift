import NewsdeskCore
import PostgresClient

/// The one place that turns an error into what the user sees: a message that
/// says what happened and what to do, and an exit code from SPEC §5. Never a
/// stack trace, never a bare SQLSTATE.
struct ErrorReport {
    let message: String
    let exitCode: Int32

    /// The report for a newsroom or database error; nil for errors that
    /// ArgumentParser reports itself (usage, help, version).
    init?(_ error: any Error) {
        switch error {
        case let kept as KeptText:
            guard let inner = ErrorReport(kept.underlying) else { return nil }
            message = inner.message + "\nYour text was kept in \(kept.path)."
            exitCode = inner.exitCode
        case let conflict as EditConflict:
            message = "Conflict: \(conflict.message) Nothing was saved; look at their version (newsdesk show) and edit again."
            exitCode = NewsdeskError.Category.conflict.rawValue
        case let error as NewsdeskError:
            message = "Error: \(error.message)"
            exitCode = error.exitCode
        case let error as PostgresError:
            (message, exitCode) = Self.describe(error)
        default:
            return nil
        }
    }

    private static func describe(_ error: PostgresError) -> (String, Int32) {
        switch error.kind {
        case .connectionFailed:
            return ("Error: cannot connect to the database: \(error.message)", NewsdeskError.Category.unavailable.rawValue)
        case .connectionLost(.notCommitted):
            return ("Error: the connection to the database was lost; nothing was saved. Run the command again.",
                    NewsdeskError.Category.temporary.rawValue)
        case .connectionLost(.unknown):
            return ("""
                Error: the connection to the database was lost while saving; the change may or may not have been \
                made. Check before repeating it, or repeat it with the same --idempotency-key.
                """, NewsdeskError.Category.temporary.rawValue)
        case .invalidParameter:
            return ("Error: \(error.message).", NewsdeskError.Category.badInput.rawValue)
        default:
            break
        }
        switch error.sqlState {
        case .queryCanceled, .lockNotAvailable, .idleInTransactionSessionTimeout:
            // The server's statement, lock or idle-in-transaction timeout (or a
            // cancel): the transaction was rolled back, so nothing was saved.
            let why = switch error.sqlState {
            case .queryCanceled: "the command took too long and the database stopped it"
            case .lockNotAvailable: "what the command needed was locked by someone else's work for too long"
            default: "the session waited too long inside a transaction and the database closed it"
            }
            return ("Error: \(why) (\(error.message)); nothing was saved. Try again in a moment.",
                    NewsdeskError.Category.temporary.rawValue)
        case .serializationFailure, .deadlockDetected, .tooManyConnections, .cannotConnectNow,
             .adminShutdown, .crashShutdown:
            return ("Error: the database is busy (\(error.message)). Try again in a moment.",
                    NewsdeskError.Category.temporary.rawValue)
        case .insufficientPrivilege:
            return ("Error: permission denied: \(error.message).", NewsdeskError.Category.refused.rawValue)
        default:
            var text = "Error: the database refused the command: \(error.message)."
            if let hint = error.hint { text += "\n\(hint)" }
            return (text, NewsdeskError.Category.refused.rawValue)
        }
    }
}
