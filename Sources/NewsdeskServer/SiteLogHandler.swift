import Logging

/// swift-log's `StreamLogHandler`, with its metadata rendered when a line is
/// written rather than each time a field is set.
///
/// Hummingbird sets one field (the request id) on its logger for every
/// request, and `StreamLogHandler` renders all of its metadata again at each
/// change: four to five percent of the server's work for an answer from
/// memory, for lines that are almost never written (the site logs warnings
/// and errors this way; each request's line goes through ``RequestLog``).
/// The lines are the same: the fields are handed over with the message.
struct SiteLogHandler: LogHandler {
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(_ stream: StreamLogHandler) {
        self.stream = stream
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { stream.metadataProvider }
        set { stream.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        }
        stream.log(event: event)
    }
}
