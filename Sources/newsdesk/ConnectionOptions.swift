import ArgumentParser
import Logging
import NewsdeskCore
import PostgresClient

/// Options every command that talks to the database shares.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .customLong("as"), help: ArgumentHelp("Act as this staff login (default: PGUSER).", valueName: "login"),
        completion: NewsroomCompletion.logins)
    var login: String?

    var target: DatabaseTarget { Environment.databaseTarget }

    /// Connects as `--as`, else `PGUSER`, else the default login. For an
    /// ``EditorialCommand`` on the embedded database with neither, the staff
    /// login named after the operating-system user is tried first; a
    /// superuser's session is then refused (see ``ActingLogin``). A
    /// `session` of one's own bypasses the embedded database's connection
    /// pool (see ``DatabaseTarget/connect(as:environment:logger:headStart:session:)``).
    ///
    /// The command may write: with a read replica configured, the primary's
    /// log position is kept after it (see ``ReadRouting``).
    func connect(logger: Logger = Logger(label: "newsdesk"), session: Bool = false) throws -> Connection {
        let connection = try connectToPrimary(logger: logger, session: session, headStart: HeadStart.take())
        ReadRouting.noteWriter(connection)
        return connection
    }

    /// Connects a command that only reads: to the replica `NEWSDESK_READ_URL`
    /// names, once it has replayed this user's last write, else (without a
    /// replica, or as `NEWSDESK_READ_FALLBACK` allows) to the primary.
    func connectForReading(logger: Logger = Logger(label: "newsdesk")) throws -> Connection {
        let headStart = HeadStart.take()
        guard let replica = try ReadRouting.replica() else {
            return try connectToPrimary(logger: logger, session: false, headStart: headStart)
        }
        return try ReadRouting.connect(to: replica, as: login, logger: logger, headStart: headStart) {
            try connectToPrimary(logger: logger, session: false, headStart: nil)
        }
    }

    private func connectToPrimary(logger: Logger, session: Bool, headStart: PendingConnection?) throws -> Connection {
        let target = target
        guard ActingLogin.isEditorial else {
            return try target.connect(
                as: login, environment: Environment.variables, logger: logger, headStart: headStart, session: session)
        }
        if let own = ActingLogin.ownLogin(given: login, target: target),
            let connection = try? target.connect(
                as: own, environment: Environment.variables, logger: logger, headStart: headStart, session: session)
        {
            try ActingLogin.check(connection)
            return connection
        }
        // No such login (or it may not log in): connect as before, which
        // reports a real connection problem, or refuses the superuser.
        let connection = try target.connect(
            as: login, environment: Environment.variables, logger: logger, headStart: headStart, session: session)
        try ActingLogin.check(connection)
        return connection
    }
}
