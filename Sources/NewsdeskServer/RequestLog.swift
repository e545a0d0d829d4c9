import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where the one line per request goes: gathered in memory and written to
/// standard error in one call once 32 KB have gathered or a tenth of a second
/// has passed, as nginx's `access_log … buffer= flush=` does. One write per
/// request cost between a twentieth and a sixth of the rate of answers served
/// from memory (two pairs of runs with and without the log). Warnings
/// and errors do not come here: the site's own logger writes them at once.
/// Lines of the last tenth of a second are lost if the process is killed.
final class RequestLog: Sendable {
    static let bufferLimit = 32 * 1024
    private let pending = Mutex<[UInt8]>([])

    /// The logger whose lines come here, formatted as every newsdesk log line.
    func logger(label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { [self] label in
            StreamLogHandler(label: label, stream: Stream(log: self))
        }
        logger.logLevel = level
        return logger
    }

    /// Writes what has gathered.
    func flush() {
        pending.withLock { bytes in
            Self.write(bytes)
            bytes.removeAll(keepingCapacity: true)
        }
    }

    private func append(_ text: String) {
        pending.withLock { bytes in
            bytes.append(contentsOf: text.utf8)
            // Written under the lock, so that lines keep their order.
            if bytes.count >= Self.bufferLimit {
                Self.write(bytes)
                bytes.removeAll(keepingCapacity: true)
            }
        }
    }

    private static func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // Standard error is gone: nothing else to tell it to.
                }
                offset += written
            }
        }
    }

    /// The stream swift-log's handler writes each formatted line to.
    struct Stream: TextOutputStream, Sendable {
        let log: RequestLog

        mutating func write(_ string: String) {
            log.append(string)
        }
    }
}
