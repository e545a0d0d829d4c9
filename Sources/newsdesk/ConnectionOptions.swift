import ArgumentParser
import Logging
import NewsdeskCore
import PostgresClient

/// Options every command that talks to the database shares.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("as"), help: ArgumentHelp("Act as this staff login (default: PGUSER).", valueName: "login"))
    var login: String?

    var target: DatabaseTarget { Environment.databaseTarget }

    func connect(logger: Logger = Logger(label: "newsdesk")) throws -> Connection {
        try target.connect(as: login, environment: Environment.variables, logger: logger, headStart: HeadStart.take())
    }
}

