import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NewsdeskCore
import PostgresClient

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

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port (0: any free one).") var port = 8080
    @Option(help: "Database connections for reading, each on its own thread.") var connections = 8
    @Option(help: "Requests that may wait for a connection before the site answers 503.") var queue = 256
    @Option(help: "Megabytes of rendered answers kept in memory (0: none).") var cacheMb = 32
    @Option(name: .customLong("as"), help: ArgumentHelp("Read as this login.", valueName: "login"))
    var login = "newsdesk_site"

    func validate() throws {
        guard (1...200).contains(connections) else { throw ValidationError("--connections: from 1 to 200.") }
        guard (0...65535).contains(port) else { throw ValidationError("--port: from 0 to 65535.") }
        guard queue >= 0 else { throw ValidationError("--queue: 0 or more.") }
        guard (0...4096).contains(cacheMb) else { throw ValidationError("--cache-mb: from 0 to 4096.") }
    }

    func run() async throws {
        var logger = Logger(label: "newsdesk.serve")
        logger.logLevel =
            ProcessInfo.processInfo.environment["NEWSDESK_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .info
        let environment = ProcessInfo.processInfo.environment
        let target = DatabaseTarget.resolve(environment: environment)
        let login = login
        // The database's notices (a migration's "already exists, skipping") are not the site's news.
        var databaseLogger = logger
        databaseLogger.logLevel = max(logger.logLevel, .warning)
        let connect: @Sendable () throws -> Connection = { [databaseLogger] in
            let connection = try target.connect(as: login, environment: environment, logger: databaseLogger)
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
        let hub = LiveHub()
        let cache = PageCache(budget: cacheMb * 1024 * 1024)
        let follower = ChangeFollower(hub: hub, cache: cache, logger: logger, connect: connect)
        let pool = ReadPool(size: connections, maxWaiting: queue, logger: logger, connect: connect)
        let site = Site(
            pool: pool, hub: hub, follower: follower, cache: cache, metrics: SiteMetrics(), logger: logger, about: about
        )
        follower.start()
        var http = HTTP1Channel.Configuration(idleTimeout: .seconds(60))
        http.httpDecoder = .init(maxHeaderFieldSize: 8 * 1024, maxHeaderListSize: 16 * 1024, maxHeaderFieldCount: 100)
        let app = Application(
            responder: SiteResponder(site: site),
            server: .http1(configuration: http),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? 0
                // Written straight to the descriptor: whoever started the
                // server (a test, a script) reads this line to know the port.
                FileHandle.standardOutput.write(Data("Listening on http://\(host):\(bound)\n".utf8))
            },
            logger: logger)
        try await app.runService()
        try await follower.stop()
        try await pool.shutdown()
    }
}
