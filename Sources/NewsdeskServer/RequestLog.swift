import Logging
import NewsdeskCore
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
    private let pending = Mutex<Pending>(Pending())

    private struct Pending {
        var bytes: [UInt8] = []
        /// The second the time below was formatted for, as nginx keeps its
        /// time text: formatting it was a third of a line's cost.
        var second = time_t(-1)
        var time: [UInt8] = []
    }

    /// The logger whose lines come here, formatted as every newsdesk log line.
    func logger(label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { [self] label in Handler(log: self, label: label) }
        logger.logLevel = level
        return logger
    }

    /// Writes what has gathered.
    func flush() {
        pending.withLock { pending in
            Self.write(pending.bytes)
            pending.bytes.removeAll(keepingCapacity: true)
        }
    }

    /// Adds `TIME LEVEL rest`, the time as swift-log's StreamLogHandler writes it.
    private func append(_ level: Logger.Level, _ rest: String) {
        pending.withLock { pending in
            var now = time(nil)
            if now != pending.second {
                var local = tm()
                var text = [CChar](repeating: 0, count: 64)
                localtime_r(&now, &local)
                let length = strftime(&text, text.count, "%Y-%m-%dT%H:%M:%S%z", &local)
                pending.time = text[..<length].map { UInt8(bitPattern: $0) }
                pending.second = now
            }
            pending.bytes.append(contentsOf: pending.time)
            pending.bytes.append(UInt8(ascii: " "))
            pending.bytes.append(contentsOf: level.rawValue.utf8)
            pending.bytes.append(UInt8(ascii: " "))
            pending.bytes.append(contentsOf: rest.utf8)
            // Written under the lock, so that lines keep their order.
            if pending.bytes.count >= Self.bufferLimit {
                Self.write(pending.bytes)
                pending.bytes.removeAll(keepingCapacity: true)
            }
        }
    }

    /// To standard error; if that is gone, there is nothing else to tell it to.
    private static func write(_ bytes: [UInt8]) {
        _ = Descriptor.writeAll(2, bytes)
    }

    /// The request log's swift-log handler: lines as `StreamLogHandler`
    /// writes them (`TIME LEVEL LABEL: FIELDS [SOURCE] MESSAGE`), into the
    /// buffer above.
    struct Handler: LogHandler {
        let log: RequestLog
        let label: String
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        var metadataProvider = LoggingSystem.metadataProvider

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            var fields = event.fields(logger: metadata, provider: metadataProvider)
            if let error = event.error {
                fields["error.message"] = "\(error)"
                fields["error.type"] = "\(String(reflecting: type(of: error)))"
            }
            let rendered = fields.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
            log.append(event.level, "\(label):\(rendered) [\(event.source)] \(event.message)\n")
        }
    }
}
