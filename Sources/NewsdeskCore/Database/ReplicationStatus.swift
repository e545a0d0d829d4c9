public import PostgresClient

/// What `db status` reports about streaming replication.
public enum ReplicationStatus {
    /// A standby the primary streams its log to, as the primary sees it.
    public struct Standby: Sendable, Encodable {
        public let name: String
        public let state: String?
        /// Milliseconds from a commit on the primary until the standby had
        /// written, flushed and replayed it; nil while nothing is in flight,
        /// or when this login may not see them (it needs `pg_read_all_stats`).
        public let writeLagMilliseconds: Double?
        public let flushLagMilliseconds: Double?
        public let replayLagMilliseconds: Double?
        /// How many bytes of log the standby has still to replay.
        public let behindBytes: Int64?

        enum CodingKeys: String, CodingKey {
            case name, state, writeLagMilliseconds = "write_lag_ms", flushLagMilliseconds = "flush_lag_ms"
            case replayLagMilliseconds = "replay_lag_ms", behindBytes = "behind_bytes"
        }
    }

    /// The standbys streaming from the server behind `connection`.
    public static func standbys(on connection: Connection) throws -> [Standby] {
        try DatabaseErrors.translating {
            try connection.query(
                """
                SELECT coalesce(nullif(application_name, ''), 'pid ' || pid) AS name, state,
                       (extract(epoch FROM write_lag) * 1000)::float8 AS write_lag,
                       (extract(epoch FROM flush_lag) * 1000)::float8 AS flush_lag,
                       (extract(epoch FROM replay_lag) * 1000)::float8 AS replay_lag,
                       pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS behind
                FROM pg_stat_replication ORDER BY 1
                """
            ).map { row in
                Standby(
                    name: try row.decode("name"), state: try row.decode("state"),
                    writeLagMilliseconds: try row.decode("write_lag"),
                    flushLagMilliseconds: try row.decode("flush_lag"),
                    replayLagMilliseconds: try row.decode("replay_lag"),
                    behindBytes: try row.decode("behind"))
            }
        }
    }

    /// The read replica, as it sees itself.
    public struct Replica: Sendable, Encodable {
        /// False when libpq reached a primary (a multi-host URL may fall back to one).
        public let inRecovery: Bool
        public let replayed: String?
        /// Replay stopped by `pg_wal_replay_pause()`: reads there stay as they are.
        public let replayPaused: Bool
        /// Milliseconds since the primary committed the newest transaction
        /// the replica has replayed: its lag while the primary is busy, and
        /// growing while it is idle.
        public let lastReplayedCommitAgeMilliseconds: Double?

        enum CodingKeys: String, CodingKey {
            case inRecovery = "in_recovery", replayed, replayPaused = "replay_paused"
            case lastReplayedCommitAgeMilliseconds = "last_replayed_commit_age_ms"
        }
    }

    public static func replica(on connection: Connection) throws -> Replica {
        let row = try DatabaseErrors.translating {
            try connection.query(
                """
                SELECT pg_is_in_recovery() AS recovery, pg_last_wal_replay_lsn()::text AS replayed,
                       pg_is_in_recovery() AND pg_is_wal_replay_paused() AS paused,
                       (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS age
                """)[0]
        }
        return Replica(
            inRecovery: try row.decode("recovery"), replayed: try row.decode("replayed"),
            replayPaused: try row.decode("paused"),
            lastReplayedCommitAgeMilliseconds: try row.decode("age"))
    }
}
