import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Tampering with the audit log is detected")
struct TamperingTests {
    enum Tampering: CaseIterable {
        case changeDetail, deleteRow, insertRow, swapRows, recomputeChain
    }

    /// Runs `sql` as the superuser with the log's guard switched off, as an
    /// attacker with full access would: the DDL record first (ALTER EVENT
    /// TRIGGER is itself never recorded), then the append-only trigger, which
    /// fires even under session_replication_role = replica.
    static func tamper(_ connection: Connection, _ sql: String) throws {
        try connection.transaction { db in
            try db.executeScript(
                unsafeSQL: """
                    ALTER EVENT TRIGGER newsroom_ddl_is_recorded DISABLE;
                    ALTER TABLE newsroom.audit_event DISABLE TRIGGER audit_event_is_append_only;
                    """)
            try db.executeScript(unsafeSQL: sql)
            try db.executeScript(
                unsafeSQL: """
                    ALTER TABLE newsroom.audit_event ENABLE ALWAYS TRIGGER audit_event_is_append_only;
                    ALTER EVENT TRIGGER newsroom_ddl_is_recorded ENABLE;
                    """)
        }
    }

    /// Recomputes every hash from event `seq` on, and the head, as an
    /// attacker who knows the algorithm would after changing that event.
    static func recomputeChain(from seq: Int) -> String {
        """
        DO $$
        DECLARE
            link record;
            previous bytea := (SELECT prev_hash FROM newsroom.audit_event WHERE seq = \(seq));
            digest bytea;
        BEGIN
            FOR link IN SELECT * FROM newsroom.audit_event WHERE seq >= \(seq) ORDER BY seq LOOP
                digest := sha256(previous || newsroom.audit_canonical(link.seq, link.at, link.actor, link.action,
                    link.story_id, link.edition_id, link.update_id, link.client, link.detail));
                UPDATE newsroom.audit_event SET prev_hash = previous, hash = digest WHERE seq = link.seq;
                previous := digest;
            END LOOP;
            UPDATE newsroom.audit_head SET hash = previous;
        END
        $$;
        """
    }

    @Test("100 random trials: every one detected, and the first bad seq is the right one")
    func randomTrials() throws {
        let newsroom = try TestNewsroom("tamper")
        let desk = try newsroom.desk()
        for index in 0..<20 {
            let edition = try desk.createStory(NewStory(lang: "en", headline: "Tamper \(index)"))
            _ = try desk.edit(edition.reference, EditionChanges(lead: "Lead \(index)"))
            _ = try desk.publish(edition.reference)
        }
        let connection = try newsroom.connect()
        let log = AuditLog(connection: connection)
        let head = try log.head()
        let total = Int(head.seq)
        #expect(total == 61)  // and the staff.add of the newsroom's staff login
        try connection.executeScript(
            unsafeSQL: """
                CREATE TABLE public.audit_backup AS SELECT * FROM newsroom.audit_event;
                CREATE TABLE public.head_backup AS SELECT * FROM newsroom.audit_head;
                """)
        let restore = """
            DELETE FROM newsroom.audit_event;
            INSERT INTO newsroom.audit_event SELECT * FROM public.audit_backup;
            DELETE FROM newsroom.audit_head;
            INSERT INTO newsroom.audit_head SELECT * FROM public.head_backup;
            """
        var generator = SystemRandomNumberGenerator()
        var detected = 0
        for trial in 0..<100 {
            let kind = Tampering.allCases[trial % Tampering.allCases.count]
            let k = Int.random(in: 1...total, using: &generator)
            var expected = Int64(k)
            var useHead = false
            switch kind {
            case .changeDetail:
                try Self.tamper(
                    connection,
                    """
                    UPDATE newsroom.audit_event SET detail = detail || '{"tampered": \(trial)}' WHERE seq = \(k);
                    """)
            case .deleteRow:
                try Self.tamper(connection, "DELETE FROM newsroom.audit_event WHERE seq = \(k);")
            case .insertRow:
                // Make room at k and slip in a forged event there.
                try Self.tamper(
                    connection,
                    """
                    UPDATE newsroom.audit_event SET seq = seq + 1000000 WHERE seq >= \(k);
                    UPDATE newsroom.audit_event SET seq = seq - 1000000 + 1 WHERE seq >= 1000000;
                    INSERT INTO newsroom.audit_event (seq, at, actor, action, detail, client, prev_hash, hash)
                    SELECT \(k), now(), 'intruder', 'edition.publish', '{}', 'psql', prev_hash, hash
                    FROM newsroom.audit_event WHERE seq = \(k + 1);
                    UPDATE newsroom.audit_head SET seq = seq + 1;
                    """)
            case .swapRows:
                var other = Int.random(in: 1...total, using: &generator)
                while other == k { other = Int.random(in: 1...total, using: &generator) }
                expected = Int64(min(k, other))
                try Self.tamper(
                    connection,
                    """
                    UPDATE newsroom.audit_event a SET at = b.at, actor = b.actor, action = b.action, story_id = b.story_id,
                        edition_id = b.edition_id, update_id = b.update_id, detail = b.detail, client = b.client
                    FROM public.audit_backup b
                    WHERE (a.seq = \(k) AND b.seq = \(other)) OR (a.seq = \(other) AND b.seq = \(k));
                    """)
            case .recomputeChain:
                useHead = true
                try Self.tamper(
                    connection,
                    "UPDATE newsroom.audit_event SET actor = 'someone_else' WHERE seq = \(k);\n"
                        + Self.recomputeChain(from: k))
                // A recomputed chain is consistent in itself: only the head kept elsewhere shows it.
                #expect(try log.verify().ok, "trial \(trial): a recomputed chain should verify on its own")
            }
            let verification = try log.verify(against: useHead ? head : nil)
            #expect(!verification.ok, "trial \(trial) (\(kind), seq \(k)) was not detected")
            #expect(
                verification.firstBadSeq == expected, "trial \(trial) (\(kind), seq \(k)): reported \(verification)")
            if !verification.ok && verification.firstBadSeq == expected { detected += 1 }
            try Self.tamper(connection, restore)
            #expect(try log.verify(against: head).ok, "trial \(trial): restoring failed")
        }
        #expect(detected == 100)
    }

    @Test("a recomputed chain is caught through the binary with --against the saved head")
    func againstThroughBinary() throws {
        let newsroom = try TestNewsroom("tampercli")
        for index in 0..<5 { _ = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Story \(index)")) }
        let head = try newsroom.run(["audit", "head"])
        let file = NSTemporaryDirectory() + "newsdesk-head-\(UUID().uuidString.prefix(6)).json"
        try head.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        try Self.tamper(
            try newsroom.connect(),
            "UPDATE newsroom.audit_event SET actor = 'forger' WHERE seq = 3;\n"
                + Self.recomputeChain(from: 3))
        #expect(try newsroom.run(["audit", "verify"]).status == 0)
        let against = try newsroom.run(["audit", "verify", "--against", file])
        #expect(against.status == 1, "\(against)")
        #expect(against.stdout.contains("event 3"), "\(against)")
    }
}
