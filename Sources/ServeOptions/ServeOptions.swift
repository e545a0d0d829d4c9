public import ArgumentParser

/// The options of `newsdesk serve`, declared once: `newsdesk` parses them
/// (so its help and errors list them) and hands them to `newsdesk-server`,
/// which parses them again to run with them.
public struct ServeOptions: ParsableArguments, Sendable {
    @Option(help: "The address to listen on.") public var host = "127.0.0.1"
    @Option(help: "The port (0: any free one).") public var port = 8080
    @Option(help: "Database connections for reading, each on its own thread.") public var connections = 8
    @Option(help: "Requests that may wait for a connection before the site answers 503.") public var queue = 256
    @Option(help: "Megabytes of rendered answers kept in memory (0: none).") public var cacheMb = 32
    @Option(help: "Seconds a connection may stay idle before the site closes it.") public var idleSeconds = 60
    @Option(name: .customLong("as"), help: ArgumentHelp("Read as this login.", valueName: "login"))
    public var login = "newsdesk_site"

    public init() {}

    public func validate() throws {
        guard (1...200).contains(connections) else { throw ValidationError("--connections: from 1 to 200.") }
        guard (0...65535).contains(port) else { throw ValidationError("--port: from 0 to 65535.") }
        guard queue >= 0 else { throw ValidationError("--queue: 0 or more.") }
        guard (0...4096).contains(cacheMb) else { throw ValidationError("--cache-mb: from 0 to 4096.") }
        guard (1...3600).contains(idleSeconds) else { throw ValidationError("--idle-seconds: from 1 to 3600.") }
    }

    /// The same options as arguments, for the server program.
    public var arguments: [String] {
        [
            "--host", host, "--port", String(port), "--connections", String(connections), "--queue", String(queue),
            "--cache-mb", String(cacheMb), "--idle-seconds", String(idleSeconds), "--as", login
        ]
    }
}
