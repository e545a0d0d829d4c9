import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NewsdeskCore
import PostgresClient
import ServeOptions
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// `newsdesk serve`: the site's pages, JSON API and live updates over HTTP
/// (SPEC §11). Reads as the site's login, which sees only what readers may.
@main
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "newsdesk serve",
        abstract: "Serve the site's pages, JSON API and live updates over HTTP.",
        discussion: """
            The database is the one newsdesk uses (DATABASE_URL, PGHOST…, else the embedded one). \
            Prints "Listening on http://HOST:PORT" once it accepts requests; stops on SIGINT or SIGTERM.
            """)

    @OptionGroup var options: ServeOptions

    func run() async throws {
        Self.allowEveryDescriptor()
        var logger = Logger(label: "newsdesk.serve") { SiteLogHandler(StreamLogHandler.standardError(label: $0)) }
        logger.logLevel =
            ProcessInfo.processInfo.environment["NEWSDESK_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        let environment = ProcessInfo.processInfo.environment
        let target = DatabaseTarget.resolve(environment: environment)
        let login = options.login, host = options.host
        // The database's notices (a migration's "already exists, skipping") are not the site's news.
        var databaseLogger = logger
        databaseLogger.logLevel = max(logger.logLevel, .warning)
        let connect: @Sendable () throws -> Connection = { [databaseLogger] in
            // Sessions of its own: the site keeps its own pool, listens for
            // changes, and sets each session's statement timeout.
            let connection = try target.connect(
                as: login, environment: environment, logger: databaseLogger, session: true)
            // A session of its own, which runs the same few statements all
            // day: each is parsed and planned once.
            connection.keepsPreparedStatements = true
            // A page that waits longer than this is better answered with an error.
            try connection.execute("SET statement_timeout = '10s'")
            return connection
        }
        let about: SiteAbout
        do {
            about = try SiteReader(connection: try connect()).about()
        } catch let error as NewsdeskError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            throw ExitCode(69)
        }
        // Pages read from the replica NEWSDESK_READ_URL names, when it is set;
        // changes are followed on the primary.
        let replicaReads: ReplicaReads?
        do {
            replicaReads = try ReadReplica.configured(environment: environment).map {
                ReplicaReads(replica: $0, login: login, logger: logger, databaseLogger: databaseLogger)
            }
        } catch let error as NewsdeskError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            throw ExitCode(64)
        }
        let hub = LiveHub()
        let cache = PageCache(budget: options.cacheMb * 1024 * 1024)
        let follower = ChangeFollower(
            hub: hub, cache: cache, logger: logger, replicaReads: replicaReads, connect: connect)
        let pool = ReadPool(
            size: options.connections, maxWaiting: options.queue, logger: logger, replicaReads: replicaReads,
            connect: connect)
        let requestLog = RequestLog()
        let site = Site(
            pool: pool, hub: hub, follower: follower, cache: cache, metrics: SiteMetrics(), logger: logger,
            requestLog: requestLog.logger(label: logger.label, level: logger.logLevel), about: about)
        let logFlusher = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                requestLog.flush()
            }
        }
        defer {
            logFlusher.cancel()
            requestLog.flush()
        }
        follower.start()
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderFieldSize = 8 * 1024
        decoderLimits.maxHeaderListSize = 16 * 1024
        decoderLimits.maxHeaderFieldCount = 100
        let app = Application(
            responder: SiteResponder(site: site),
            server: SiteChannel.server(
                site: site, idleTimeout: .seconds(options.idleSeconds), decoderLimits: decoderLimits),
            configuration: .init(address: .hostname(host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                // Written straight to the descriptor: whoever started the
                // server (a test, a script) reads this line to know the port.
                FileHandle.standardOutput.write(Data("Listening on http://\(host):\(bound)\n".utf8))
            },
            logger: logger)
        // The server, then what ends the live pages: a service group stops
        // its services last first, so the pages end before the server
        // waits for its open answers.
        try await ServiceGroup(
            configuration: .init(
                services: [app, LivePagesClosing(hub: hub)], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger)
        ).run()
        try await follower.stop()
        try await pool.shutdown()
    }

    /// Every connection, a live page's too, holds a descriptor, and a
    /// process that runs out of them ends (libdispatch traps), where it
    /// should only turn connections away. So the server raises its soft
    /// limit (often 1,024) to the hard one, the most the operator allows.
    static func allowEveryDescriptor() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
