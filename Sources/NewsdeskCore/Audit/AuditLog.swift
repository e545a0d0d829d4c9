import Crypto
public import PostgresClient

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One change, as the audit log recorded it (SPEC §4).
public struct AuditEvent: Codable, Sendable {
    public let seq: Int64
    public let at: Date
    public let localTime: LocalTime
    /// The database login that made the change.
    public let actor: String
    /// `edition.publish`, `story.create`, `refused`, `sql.update`, …
    public let action: String
    public let storyID: Int64?
    public let editionID: Int64?
    public let updateID: Int64?
    /// Before/after values and notes.
    public let detail: JSONValue
    /// The client's application_name.
    public let client: String
    public let hash: String

    enum CodingKeys: String, CodingKey {
        case seq, at, actor, action, detail, client, hash
        case localTime = "local_time"
        case storyID = "story_id"
        case editionID = "edition_id"
        case updateID = "update_id"
    }

    /// Writes every key of the SPEC §5 shape, null when the event has no
    /// story, edition or update, so scripts can rely on each being there.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(seq, forKey: .seq)
        try c.encode(at, forKey: .at)
        try c.encode(localTime, forKey: .localTime)
        try c.encode(actor, forKey: .actor)
        try c.encode(action, forKey: .action)
        try c.encode(storyID, forKey: .storyID)
        try c.encode(editionID, forKey: .editionID)
        try c.encode(updateID, forKey: .updateID)
        try c.encode(detail, forKey: .detail)
        try c.encode(client, forKey: .client)
        try c.encode(hash, forKey: .hash)
    }
}

/// Which events to list; every filter given must match.
public struct AuditFilter: Sendable {
    public var story: Int64?
    public var actor: String?
    public var action: String?
    /// `TIME` text, checked by the database.
    public var since: String?
    public var limit = 100

    public init() {}
}

/// The result of recomputing the hash chain.
public struct AuditVerification: Codable, Sendable {
    public let ok: Bool
    /// How many events were checked.
    public let events: Int
    /// The first event that does not match, if any.
    public let firstBadSeq: Int64?
    /// Why it does not match.
    public let reason: String?

    enum CodingKeys: String, CodingKey {
        case ok, events, reason, firstBadSeq = "first_bad_seq"
    }

    /// Every key, `first_bad_seq` and `reason` null for a sound chain.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ok, forKey: .ok)
        try c.encode(events, forKey: .events)
        try c.encode(firstBadSeq, forKey: .firstBadSeq)
        try c.encode(reason, forKey: .reason)
    }
}

/// The chain head to keep somewhere else (`newsdesk audit head > head.json`),
/// with a 4-byte fingerprint of every event's hash, so that a chain rewritten
/// and recomputed after it was taken is caught and the first rewritten event named.
public struct AuditHead: Codable, Sendable, Equatable {
    public let seq: Int64
    public let hash: String
    /// The first 8 hex digits of each event's hash, from seq 1 on.
    public let fingerprints: String

    /// What is wrong with a head read from a file (it may have been edited or
    /// damaged), or nil when it has the shape `audit head` writes: seq 0 or
    /// more, a 64-digit hex hash, and 8 hex digits per event.
    public var problem: String? {
        let isHex: (UInt8) -> Bool = {
            (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0)
        }
        if seq < 0 { return "seq is \(seq); it must be 0 or more" }
        if seq > Int64(Int32.max) { return "seq is \(seq), more events than the log can hold" }
        if hash.utf8.count != 64 || !hash.utf8.allSatisfy(isHex) { return "hash must be 64 hexadecimal digits" }
        if fingerprints.utf8.count != Int(seq) * 8 || !fingerprints.utf8.allSatisfy(isHex) {
            return "fingerprints must be 8 hexadecimal digits for each of its \(seq) events"
        }
        return nil
    }
}

/// Reading and verifying the audit log. Editors and admins only (the
/// database checks, and records a refusal).
public struct AuditLog {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    public func events(_ filter: AuditFilter) throws -> [AuditEvent] {
        struct Listing: Decodable { let events: [AuditEvent] }
        // Refusals wait outside the chain until the next append; this chains
        // them first (or records this reader's own refusal), so the listing is whole.
        _ = try DeskCall.decode(JSONValue.self, "SELECT desk.audit_access()", on: connection)
        return try DeskCall.decode(
            Listing.self,
            """
            SELECT desk.audit_events(story => \(filter.story), actor => \(filter.actor), action => \(filter.action),
                                     since => \(filter.since), max_events => \(filter.limit)::int)
            """, on: connection
        ).events
    }

    /// Recomputes every event's hash here, independently of the database's
    /// own functions, and compares with what is stored (and with `head`, a
    /// head taken earlier, when given).
    /// - Throws: ``NewsdeskError`` `.badInput` when `head` is malformed.
    public func verify(against head: AuditHead? = nil) throws -> AuditVerification {
        if let problem = head?.problem { throw NewsdeskError(.badInput, "head: \(problem).") }
        if let problem = try DatabaseErrors.translating({ try readerProblem() }) {
            return AuditVerification(ok: false, events: 0, firstBadSeq: nil, reason: problem)
        }
        let (links, stored) = try chain()
        return Self.verify(links, storedHead: stored, against: head)
    }

    /// The MD5 of the bodies of `desk.audit_chain()` and `desk.audit_head()`
    /// as the migrations create them. The chain is read through them, so
    /// whoever could replace them (the owner, a superuser) could serve a
    /// chain that verifies; a replaced body is caught here. (A test migrates a
    /// fresh database and fails when a migration changes them.)
    static let readerSources = [
        "audit_chain": "9b06a5250f1217c343476a91b9fba120",
        "audit_head": "216655c430d1e7b6c1a8f18b17febb7c"
    ]

    /// Why the chain as read cannot be trusted, or nil: a reading function
    /// replaced, given other settings or no longer running as the owner, or
    /// the log's table swapped for a view, given rules, child tables or
    /// row-level policies that can hide events.
    func readerProblem() throws -> String? {
        let rows = try connection.query(
            """
            SELECT p.proname::text AS name, md5(p.prosrc) AS source, p.prosecdef AS definer,
                   pg_get_userbyid(p.proowner)::text AS owner, coalesce(array_to_string(p.proconfig, ';'), '') AS config
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'desk' AND p.proname IN ('audit_chain', 'audit_head')
            """)
        var found: [String: Bool] = [:]
        for row in rows {
            let name = try row.decode("name", as: String.self)
            let intact =
                try row.decode("source", as: String.self) == Self.readerSources[name]
                && row.decode("definer", as: Bool.self) && row.decode("owner", as: String.self) == "newsdesk_owner"
                // Its settings too: another search_path could swap the operators its body uses.
                && row.decode("config", as: String.self) == "search_path=pg_catalog, pg_temp;lock_timeout=5s"
            found[name] = (found[name] ?? true) && intact
        }
        for name in Self.readerSources.keys.sorted() where found[name] != true {
            return "desk.\(name)() is not the function newsdesk installed, so the chain it reads cannot be trusted"
        }
        let table = try connection.query(
            """
            SELECT c.relkind::text AS kind, c.relrowsecurity AS policies,
                   EXISTS (SELECT 1 FROM pg_rewrite r WHERE r.ev_class = c.oid)
                   OR EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = c.oid) AS rules
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'newsroom' AND c.relname = 'audit_event'
            """)
        guard let log = table.first, try log.decode("kind", as: String.self) == "r",
            try !log.decode("policies", as: Bool.self), try !log.decode("rules", as: Bool.self)
        else {
            return
                "newsroom.audit_event is no longer a plain table (a view, rules, child tables or row policies), so events may be hidden"
        }
        return nil
    }

    /// The current head, after checking the chain: a head of a broken chain
    /// is worth nothing.
    public func head() throws -> AuditHead {
        let (links, stored) = try chain()
        let verification = Self.verify(links, storedHead: stored, against: nil)
        guard verification.ok else {
            throw NewsdeskError(
                .refused,
                """
                The audit chain does not verify (first bad event: \(verification.firstBadSeq ?? 0), \
                \(verification.reason ?? "")); not taking a head of it.
                """)
        }
        return AuditHead(
            seq: links.last?.seq ?? 0, hash: links.last.map { hex($0.hash) } ?? hex(Self.genesis),
            fingerprints: links.map { hex(Array($0.hash.prefix(4))) }.joined())
    }

    // MARK: - The chain

    /// One event as the chain covers it.
    public struct Link: Sendable {
        public var seq: Int64
        public var atMicros: Int64
        public var actor: String
        public var action: String
        public var storyID: Int64?
        public var editionID: Int64?
        public var updateID: Int64?
        public var client: String
        public var detail: String
        public var prevHash: [UInt8]
        public var hash: [UInt8]
    }

    static let genesis = [UInt8](repeating: 0, count: 32)

    /// The bytes an event's hash covers: each field as `<byte length>:<text>;`,
    /// the same encoding as the database's `newsroom.audit_canonical`.
    public static func canonical(_ link: Link) -> [UInt8] {
        let fields = [
            String(link.seq), String(link.atMicros), link.actor, link.action,
            link.storyID.map(String.init) ?? "", link.editionID.map(String.init) ?? "",
            link.updateID.map(String.init) ?? "", link.client, link.detail
        ]
        var bytes: [UInt8] = []
        for field in fields {
            bytes += Array("\(field.utf8.count):".utf8) + Array(field.utf8) + [UInt8(ascii: ";")]
        }
        return bytes
    }

    public static func hash(_ link: Link, previous: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: previous + canonical(link)))
    }

    /// Checks links in order: seq without gaps, each prev_hash the hash before
    /// it, each hash recomputed from the content; then the stored head and,
    /// if given, an earlier head's fingerprints.
    public static func verify(_ links: [Link], storedHead: (seq: Int64, hash: [UInt8]), against head: AuditHead?)
        -> AuditVerification
    {
        var firstBad: (seq: Int64, reason: String)?
        func fail(_ seq: Int64, _ reason: String) {
            if firstBad == nil || seq < firstBad!.seq { firstBad = (seq, reason) }
        }
        var previous = genesis
        for (index, link) in links.enumerated() {
            let expectedSeq = Int64(index + 1)
            if link.seq != expectedSeq {
                fail(
                    expectedSeq, link.seq > expectedSeq ? "event \(expectedSeq) is missing" : "events are out of order")
                break
            }
            if link.prevHash != previous {
                fail(link.seq, "its previous hash does not match the event before it")
                break
            }
            if hash(link, previous: previous) != link.hash {
                fail(link.seq, "its content does not match its hash")
                break
            }
            previous = link.hash
        }
        let lastSeq = links.last?.seq ?? 0
        if firstBad == nil {
            if storedHead.seq > lastSeq {
                fail(lastSeq + 1, "events after \(lastSeq) are missing")
            } else if storedHead.seq < lastSeq {
                fail(storedHead.seq + 1, "event \(storedHead.seq + 1) was added outside the chain")
            } else if storedHead.hash != (links.last?.hash ?? genesis) {
                fail(lastSeq, "the chain head does not match the last event")
            }
        }
        if let head, head.problem == nil {
            let fingerprints = Array(head.fingerprints.utf8)
            let known = min(Int(head.seq), fingerprints.count / 8)
            for index in 0..<min(known, links.count) {
                let stored = hex(Array(links[index].hash.prefix(4)))
                if Array(stored.utf8) != Array(fingerprints[(index * 8)..<(index * 8 + 8)]) {
                    fail(Int64(index + 1), "it differs from the head taken earlier (the chain was rewritten)")
                    break
                }
            }
            if head.seq > lastSeq { fail(lastSeq + 1, "events up to \(head.seq) were in the head taken earlier") }
            if head.seq >= 1, Int(head.seq) <= links.count, hex(links[Int(head.seq) - 1].hash) != head.hash {
                fail(head.seq, "it differs from the head taken earlier (the chain was rewritten)")
            }
        }
        return AuditVerification(
            ok: firstBad == nil, events: links.count, firstBadSeq: firstBad?.seq, reason: firstBad?.reason)
    }

    /// The chain and the stored head, read in one snapshot.
    private func chain() throws -> ([Link], (seq: Int64, hash: [UInt8])) {
        _ = try DeskCall.decode(JSONValue.self, "SELECT desk.audit_access()", on: connection)
        return try DatabaseErrors.translating {
            try connection.transaction(isolation: .repeatableRead) { db in
                let rows = try db.query("SELECT * FROM desk.audit_chain()")
                let headRow = try db.query("SELECT (desk.audit_head())::text")
                let links = try rows.map { row in
                    Link(
                        seq: try row.decode("seq"), atMicros: try row.decode("at_micros"),
                        actor: try row.decode("actor"),
                        action: try row.decode("action"), storyID: try row.decode("story_id"),
                        editionID: try row.decode("edition_id"), updateID: try row.decode("update_id"),
                        client: try row.decode("client"), detail: try row.decode("detail"),
                        prevHash: try row.decode("prev_hash", as: ByteA.self).bytes,
                        hash: try row.decode("hash", as: ByteA.self).bytes)
                }
                struct Head: Decodable { let seq: Int64; let hash: String }
                let head = try JSONDecoder().decode(
                    Head.self, from: Data(try headRow[0].decode(0, as: String.self).utf8))
                return (links, (head.seq, bytes(fromHex: head.hash)))
            }
        }
    }
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    text.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
}

func bytes(fromHex text: String) -> [UInt8] {
    var result: [UInt8] = []
    var iterator = text.utf8.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        guard let h = hexValue(high), let l = hexValue(low) else { return [] }
        result.append(h << 4 | l)
    }
    return result
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case 0x30...0x39: digit - 0x30
    case 0x61...0x66: digit - 0x61 + 10
    case 0x41...0x46: digit - 0x41 + 10
    default: nil
    }
}
