public import PostgresClient

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an import did.
public struct ImportResult: Codable, Sendable {
    /// Something in a line that the import did not keep, and why.
    public struct NotKept: Codable, Sendable, Equatable {
        public let line: Int
        public let what: String
    }

    /// Editions created.
    public let imported: Int
    /// Documents already imported before (by their uri).
    public let skipped: Int
    /// Everything the import could not keep, line by line; empty when nothing was lost.
    public let notKept: [NotKept]

    enum CodingKeys: String, CodingKey {
        case imported, skipped, notKept = "not_kept"
    }

    init(imported: Int, skipped: Int, notKept: [NotKept]) {
        self.imported = imported
        self.skipped = skipped
        self.notKept = notKept
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        imported = try c.decode(Int.self, forKey: .imported)
        skipped = try c.decode(Int.self, forKey: .skipped)
        notKept = try c.decodeIfPresent([NotKept].self, forKey: .notKept) ?? []
    }

    /// This result followed by `next`'s.
    func adding(_ next: ImportResult) -> ImportResult {
        ImportResult(
            imported: imported + next.imported, skipped: skipped + next.skipped, notKept: notKept + next.notKept)
    }
}

/// Bulk import, in one transaction, of either kind of file `newsdesk export
/// --all` writes (told apart by the first line):
///
/// - A newsroom archive (`--format newsdesk`): every document goes to the
///   database whole (`newsroom.import_archive`, Schema/import.sql), which
///   keeps everything it holds.
/// - ninjs documents, one a line (or any ninjs 3.x news item): rows go in with
///   COPY. ninjs has no field for much of a newsroom (publication apart from
///   creation, review, scheduling, history), so this keeps the text and what
///   is listed below, and reports line by line what else a document held.
///
/// From each document: `uri` (the key that makes a second run skip it),
/// `language`, the main headline, the summary description as lead, the main
/// (Markdown or plain text) body, `pubStatus` (usable → published, canceled →
/// withdrawn, withheld → draft), `firstCreated` as publication time,
/// `versionCreated`, `embargoedUntil`, and subjects whose `literal` is an
/// existing subject slug.
public struct Importer {
    public let connection: Connection

    public init(connection: Connection) {
        self.connection = connection
    }

    struct Document: Decodable {
        struct Text: Decodable {
            let role: String?
            let contentType: String?
            let value: String
        }
        struct Subject: Decodable {
            let literal: String?
        }
        /// Only what says the document holds more than a ninjs import keeps.
        struct Association: Decodable {
            let rel: String?
        }
        struct Genre: Decodable {
            let literal: String?
        }
        struct Person: Decodable {}
        let associations: [Association]?
        let people: [Person]?
        let genres: [Genre]?
        let uri: String
        let language: String?
        let headlines: [Text]?
        let descriptions: [Text]?
        let bodies: [Text]?
        let pubStatus: String?
        let firstCreated: String?
        let versionCreated: String?
        let embargoedUntil: String?
        let subjects: [Subject]?
    }

    static let columns = [
        "line", "uri", "lang", "slug", "headline", "lead", "body", "status", "published_at",
        "updated_at", "embargo_until", "subjects"
    ]

    /// One decoder for every line: making one costs more than a short line does.
    static let decoder = JSONDecoder()

    /// What a ninjs document holds that a ninjs import does not keep.
    static func notKept(_ document: Document, line: Int) -> ImportResult.NotKept? {
        let associations = document.associations ?? []
        func count(_ rel: String) -> Int { associations.filter { $0.rel == rel }.count }
        var parts: [String] = []
        if count("mainpicture") > 0 { parts.append("its photo") }
        if !(document.people ?? []).isEmpty { parts.append("its bylines") }
        if (document.genres ?? []).contains(where: { $0.literal == "video" }) { parts.append("its video mark") }
        if count("translatedfrom") > 0 { parts.append("the edition it was translated from") }
        if count("translation") > 0 { parts.append("its story's other editions") }
        let updates = count("liveupdate")
        if updates > 0 { parts.append(updates == 1 ? "1 live update" : "\(updates) live updates") }
        guard !parts.isEmpty else { return nil }
        return ImportResult.NotKept(
            line: line,
            what: "a ninjs import does not keep " + parts.joined(separator: ", ")
                + "; move a newsroom with export --all --format newsdesk")
    }

    /// Turns one line into a staging row; throws a bad-input error naming the line.
    static func row(_ line: Substring.UTF8View, number: Int) throws -> (row: [String?], notKept: ImportResult.NotKept?)
    {
        let document: Document
        do {
            document = try decoder.decode(Document.self, from: Data(line))
        } catch {
            throw NewsdeskError(.badInput, "line \(number): not a ninjs document (\(error)).")
        }
        let lang = document.language ?? "en"
        guard let headline = (document.headlines?.first { $0.role == "main" } ?? document.headlines?.first)?.value
        else {
            throw NewsdeskError(.badInput, "line \(number): the document has no headline.")
        }
        let clean = try TextField.headline.clean(headline)
        let lead = try TextField.lead.clean(
            (document.descriptions?.first { $0.role == "summary" } ?? document.descriptions?.first)?.value ?? "")
        let body = try TextField.body.clean(
            (document.bodies?.first {
                $0.role == "main" || $0.contentType == "text/markdown" || $0.contentType == "text/plain"
            })?.value ?? "")
        let status =
            switch document.pubStatus {
            case "usable": "published"
            case "canceled": "withdrawn"
            default: "draft"
            }
        func time(_ text: String?) throws -> String? {
            guard let text else { return nil }
            guard let date = RFC3339.date(from: text) else {
                throw NewsdeskError(.badInput, "line \(number): \"\(text)\" is not an RFC 3339 time.")
            }
            return RFC3339.string(from: date)
        }
        let subjects = (document.subjects ?? []).compactMap(\.literal).filter(Slug.isValid)
        let row: [String?] = [
            String(number), try TextField(name: "uri", maximumBytes: 2_000).clean(document.uri), lang,
            Slug.make(from: clean, language: lang), clean, lead, body, status, try time(document.firstCreated),
            try time(document.versionCreated), try time(document.embargoedUntil),
            "{" + subjects.joined(separator: ",") + "}"
        ]
        return (row, notKept(document, line: number))
    }

    /// Imports every line of `text`; `progress` hears how many lines were sent.
    /// With `idempotencyKey`, running the same import again with the same key
    /// changes nothing and returns the first run's result.
    public func load(
        _ text: String, idempotencyKey: String? = nil, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> ImportResult {
        // Lines are split on the UTF-8 bytes: splitting the String itself would
        // break it into grapheme clusters first, and keep "\r\n" whole.
        let blank: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")]
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .enumerated()
            .filter { !$0.element.allSatisfy(blank.contains) }
        if let first = lines.first, Self.isArchive(first.element) {
            let documents = lines.map { (line: $0.offset + 1, document: String(decoding: $0.element, as: UTF8.self)) }
            return try DatabaseErrors.translating {
                try importArchive(documents, idempotencyKey: idempotencyKey, progress: progress)
            }
        }
        // Decoding and checking the documents is most of the tool's own work on a big file.
        let rows = try TwoThreads.map(lines) { try Self.row($0.element, number: $0.offset + 1) }
        let result = try DatabaseErrors.translating {
            try stage(rows.map(\.row), idempotencyKey: idempotencyKey, progress: progress)
        }
        return ImportResult(
            imported: result.imported, skipped: result.skipped, notKept: rows.compactMap(\.notKept))
    }

    /// Whether a line is a newsroom archive document rather than ninjs.
    static func isArchive(_ line: Substring.UTF8View) -> Bool {
        struct Format: Decodable { let format: String? }
        return (try? decoder.decode(Format.self, from: Data(line)))?.format == "newsdesk-edition/1"
    }

    /// Sends archive documents in batches, all in one transaction. Each
    /// document is checked as JSON here so that a broken line is named; the
    /// database checks everything else.
    private func importArchive(
        _ documents: [(line: Int, document: String)], idempotencyKey: String?, progress: (Int, Int) -> Void
    ) throws -> ImportResult {
        for (line, document) in documents {
            guard case .object = try? Self.decoder.decode(JSONValue.self, from: Data(document.utf8)) else {
                throw NewsdeskError(.badInput, "line \(line): not a JSON document.")
            }
        }
        return try connection.transaction { db in
            try Self.inBatches(
                documents, size: { $0.document.utf8.count }, idempotencyKey: idempotencyKey, progress: progress
            ) { batch, key in
                let array =
                    "[" + batch.map { "{\"line\": \($0.line), \"document\": \($0.document)}" }.joined(separator: ",")
                    + "]"
                return try DeskCall.decode(
                    ImportResult.self, "SELECT desk.import_archive(\(array)::jsonb, \(key))", on: db)
            }
        }
    }

    /// Sends the checked rows in batches, all in one transaction.
    private func stage(
        _ rows: [[String?]], idempotencyKey: String?, progress: (Int, Int) -> Void
    ) throws -> ImportResult {
        try connection.transaction { db in
            // The staging table is the caller's own, and only the caller reads
            // it: each batch goes to the database function as an argument, so
            // nothing that runs with the owner's rights touches an object a
            // caller made.
            try db.executeScript(
                unsafeSQL: """
                    CREATE TEMP TABLE import_staging (
                        line integer, uri text, lang text, slug text, headline text, lead text, body text, status text,
                        published_at timestamptz, updated_at timestamptz, embargo_until timestamptz, subjects text[]
                    ) ON COMMIT DROP;
                    """)
            return try Self.inBatches(
                rows, size: { $0.reduce(0) { $0 + ($1?.utf8.count ?? 0) } }, idempotencyKey: idempotencyKey,
                progress: progress
            ) { batch, key in
                try db.copy(into: "import_staging", columns: Self.columns, rows: batch)
                let result = try DeskCall.decode(
                    ImportResult.self,
                    """
                    SELECT desk.import_editions(ARRAY(
                        SELECT ROW(s.*)::desk.import_row FROM pg_temp.import_staging s ORDER BY s.line), \(key))
                    """, on: db)
                try db.execute("TRUNCATE pg_temp.import_staging")
                return result
            }
        }
    }

    /// Hands `items` to `send` in batches of at most ``batchRows`` items and
    /// about ``batchBytes`` of text, and adds up what each returns. Each batch
    /// has its own idempotency key (the key, then `KEY#2`, `KEY#3` …), so a
    /// repeated run replays each batch's own result.
    static func inBatches<Item>(
        _ items: [Item], size: (Item) -> Int, idempotencyKey: String?, progress: (Int, Int) -> Void,
        send: (ArraySlice<Item>, String?) throws -> ImportResult
    ) throws -> ImportResult {
        var sent = 0
        var total = ImportResult(imported: 0, skipped: 0, notKept: [])
        var batch = 0
        while sent < items.count {
            var end = sent
            var bytes = 0
            while end < items.count, end - sent < batchRows, bytes < batchBytes {
                bytes += size(items[end])
                end += 1
            }
            batch += 1
            total = total.adding(try send(items[sent..<end], idempotencyKey.map { batch == 1 ? $0 : "\($0)#\(batch)" }))
            sent = end
            progress(sent, items.count)
        }
        return total
    }

    /// Most documents, and text, per call of the import function: its
    /// argument is one value, which PostgreSQL limits to 1 GB, and a smaller
    /// one keeps each statement well inside a staff login's statement
    /// timeout. Each call records one `edition.import` event.
    static let batchRows = 20_000
    static let batchBytes = 64 << 20
}
