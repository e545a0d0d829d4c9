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
    /// Writes the lines; its own metadata and provider stay empty, so the
    /// fields come only with each message, merged here in its order.
    private var stream: StreamLogHandler
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(_ stream: StreamLogHandler) {
        self.stream = stream
        self.metadataProvider = stream.metadataProvider
        self.stream.metadataProvider = nil
    }

    var logLevel: Logger.Level {
        get { stream.logLevel }
        set { stream.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        event.metadata = event.fields(logger: metadata, provider: metadataProvider)
        stream.log(event: event)
    }
}

extension LogEvent {
    /// A line's fields as `StreamLogHandler` merges them: the logger's, then
    /// the provider's, then the message's own, each winning over the one before.
    func fields(logger: Logger.Metadata, provider: Logger.MetadataProvider?) -> Logger.Metadata {
        var fields = logger
        if let provided = provider?.get() { fields.merge(provided) { _, provided in provided } }
        if let explicit = metadata { fields.merge(explicit) { _, explicit in explicit } }
        return fields
    }
}
