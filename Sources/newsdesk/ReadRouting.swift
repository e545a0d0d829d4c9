import Logging
import NewsdeskCore
import PostgresClient

/// Sends reading commands to the streaming replica `NEWSDESK_READ_URL` names
/// (see ``ReadReplica``), and keeps the fence that makes them see the
/// user's own writes: after a command that may have written, the primary's
/// log position goes into a file under the user's newsdesk home; a reading
/// command waits for the replica to replay that far before it reads there
/// (``ReplayFence``).
///
/// The reading commands: `show`, `history`, `diff`, `list`, `feed`,
/// `search`, `export`, `translations`, `update list` and `update history`.
/// Everything else reads and writes on the primary.
enum ReadRouting {
    /// The replica the environment configures, nil without one.
    static func replica() throws -> ReadReplica? {
        try ReadReplica.configured(environment: Environment.variables)
    }

    /// Where the position of the user's own last write is kept.
    static var written: WrittenPosition {
        WrittenPosition(directory: EmbeddedDatabase.defaultHome(environment: Environment.variables))
    }

    /// Who reads on the replica: the login the same command would use on
    /// the primary. `--as` overrides the URL's user; else the URL's user,
    /// then `PGUSER`, as libpq decides; on the embedded database, whose
    /// default is its owner rather than the operating-system user, that
    /// default too.
    static func login(_ given: String?) -> String? {
        if let given { return given }
        guard case .embedded = Environment.databaseTarget, (Environment.variables["PGUSER"] ?? "").isEmpty else {
            return nil
        }
        return EmbeddedDatabase.superuser
    }

    /// Whether arguments not parsed yet name a reading command, so that the
    /// head start connects to the replica. Only a guess: a wrong one costs a
    /// second connection, never the routing.
    static func looksReading(_ words: ArraySlice<String>) -> Bool {
        guard let first = words.first else { return false }
        switch first {
        case "show", "history", "diff", "list", "feed", "search", "export", "translations": return true
        case "update": return ["list", "history"].contains(words.dropFirst().first ?? "")
        default: return false
        }
    }

    /// A connection to the replica for `login`, caught up with the user's own
    /// last write; else, as the fallback says, `primary()` or a refusal.
    static func connect(
        to replica: ReadReplica, as login: String?, logger: Logger, headStart: PendingConnection?,
        primary: () throws -> Connection
    ) throws -> Connection {
        let reader = self.login(login)
        let connection: Connection
        do {
            connection =
                try DatabaseTarget.claim(headStart, for: replica.configuration(as: reader), logger: logger)
                ?? replica.connect(as: reader, logger: logger)
        } catch let unreachable as ReadReplica.Unreachable {
            return try fallBack(replica, unreachable.reason, logger: logger, primary: primary)
        }
        guard let position = written.load(readURL: replica.url) else { return connection }
        let outcome: ReplayFence.Outcome
        do {
            outcome = try ReplayFence.wait(for: position, on: connection)
        } catch let error as NewsdeskError {
            return try fallBack(replica, error.message, logger: logger, primary: primary)
        }
        switch outcome {
        case .caughtUp(_, let asked, let waited):
            logger.debug(
                "the replica has replayed this user's last write (\(position)); asked \(asked) time\(asked == 1 ? "" : "s") in \(waited)"
            )
            return connection
        case .behind(let replayed):
            return try fallBack(
                replica,
                "after \(ReplayFence.bound) it had replayed the log to \(replayed), short of this user's last write at "
                    + "\(position).",
                logger: logger, primary: primary)
        }
    }

    private static func fallBack(
        _ replica: ReadReplica, _ reason: String, logger: Logger, primary: () throws -> Connection
    ) throws -> Connection {
        switch replica.fallback {
        case .fail: throw replica.refusal(reason)
        case .primary:
            logger.info("reading from the primary: the replica cannot serve this read: \(reason)")
            return try primary()
        }
    }

    // MARK: - After a write

    /// The primary connection of a command that may write, while a replica is configured.
    nonisolated(unsafe) private static var writer: Connection?

    /// Notes that `connection` (to the primary) may write, so that
    /// ``recordWrites()`` asks it for the log position afterwards. Nothing is
    /// kept without a read URL: no replica, no fence, no extra round trip.
    static func noteWriter(_ connection: Connection) {
        guard (Environment.variables[ReadReplica.urlVariable] ?? "").isEmpty == false else { return }
        writer = connection
    }

    /// Keeps the primary's log position after the command, when it used the
    /// primary in a way that may have written. A failure here costs the
    /// fence, never the command: what it wrote is committed.
    static func recordWrites() {
        guard let connection = writer, let replica = try? replica() else { return }
        writer = nil
        do {
            try written.record(try ReplayFence.primaryPosition(on: connection), readURL: replica.url)
        } catch {
            Logger(label: "newsdesk").warning(
                "could not keep the log position for \(ReadReplica.urlVariable)'s reads: \(error)")
        }
    }
}
