import Prometheus
import Synchronization

/// What `/metrics` reports, in Prometheus's text format: requests by route
/// and status, their latency, and the use of the read pool and live pages.
/// Routes are named (`article`, `feed`), never by the address asked for, so
/// the set of series stays small whatever readers request.
final class SiteMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    private let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(20),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)
    ]

    /// Each series once made, by its labels: asking the registry for a
    /// series builds and checks its name and help text and takes the
    /// registry's lock, which cost a twentieth of an answer from memory.
    private let requestCounters = Mutex<[String: Counter]>([:])
    private let latencies = Mutex<[String: DurationHistogram]>([:])
    private let cacheHits: Counter
    private let cacheMisses: Counter

    init() {
        let registry = PrometheusCollectorRegistry()
        func cacheAnswers(_ result: String) -> Counter {
            registry.makeCounter(
                descriptor: .init(
                    namespace: "newsdesk", metricName: "page_cache_answers", unitName: "total",
                    helpText: "Cacheable requests answered from memory (hit) or read from the database (miss)."),
                labels: [("result", result)])
        }
        self.registry = registry
        cacheHits = cacheAnswers("hit")
        cacheMisses = cacheAnswers("miss")
    }

    func request(route: String, status: Int, duration: Duration) {
        Self.series(requestCounters, "\(route) \(status)") {
            registry.makeCounter(
                descriptor: .init(
                    namespace: "newsdesk", metricName: "http_requests", unitName: "total",
                    helpText: "HTTP requests answered, by route and status."),
                labels: [("route", route), ("status", String(status))])
        }.increment()
        Self.series(latencies, route) {
            registry.makeDurationHistogram(
                descriptor: .init(
                    namespace: "newsdesk", metricName: "http_request_duration", unitName: "seconds",
                    helpText: "Time to answer a request (to the first byte of a live stream)."),
                labels: [("route", route)], buckets: latencyBuckets)
        }.record(duration)
    }

    /// The series kept under `key`, made by `make` the first time.
    private static func series<Series>(
        _ kept: borrowing Mutex<[String: Series]>, _ key: String, make: () -> Series
    ) -> Series {
        kept.withLock { series in
            if let made = series[key] { return made }
            let made = make()
            series[key] = made
            return made
        }
    }

    /// A cacheable request answered from the ``PageCache`` (`hit`) or read and rendered (`miss`).
    func cacheAnswer(hit: Bool) {
        (hit ? cacheHits : cacheMisses).increment()
    }

    /// The text `/metrics` serves, with the pool and live-page gauges read now.
    func exposition(
        poolSize: Int, busy: Int, waiting: Int, livePages: Int, changesSeen: Int, cache: (entries: Int, bytes: Int)
    ) -> [UInt8] {
        func gauge(_ name: String, _ help: String, _ value: Int) {
            registry.makeGauge(descriptor: .init(namespace: "newsdesk", metricName: name, unitName: "", helpText: help))
                .set(Int64(value))
        }
        gauge("read_pool_connections", "Connections in the read pool.", poolSize)
        gauge("read_pool_busy", "Read connections running a query now.", busy)
        gauge("read_pool_waiting", "Requests waiting for a read connection.", waiting)
        gauge("live_pages_open", "Server-sent event streams open.", livePages)
        gauge("public_changes_seen", "Public changes the server has followed since it started.", changesSeen)
        gauge("page_cache_entries", "Answers held in the page cache.", cache.entries)
        gauge("page_cache_bytes", "Bytes of answers held in the page cache.", cache.bytes)
        return registry.emitToBuffer()
    }
}
