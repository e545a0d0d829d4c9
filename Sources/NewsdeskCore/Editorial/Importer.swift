public import PostgresClient

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What an import did.
public struct ImportResult: Codable, Sendable {
    /// Editions created.
    public let imported: Int
    /// Documents already imported before (by their uri).
    public let skipped: Int
}

/// Bulk import of ninjs documents, one a line (what `newsdesk export --all`
/// writes, or any ninjs 3.x news item): rows go in with COPY, and the
/// database creates the stories and editions in one transaction.
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

    /// Turns one line into a staging row; throws a bad-input error naming the line.
    static func row(_ line: Substring.UTF8View, number: Int) throws -> [String?] {
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
        return [
            String(number), try TextField(name: "uri", maximumBytes: 2_000).clean(document.uri), lang,
            Slug.make(from: clean, language: lang), clean, lead, body, status, try time(document.firstCreated),
            try time(document.versionCreated), try time(document.embargoedUntil),
            "{" + subjects.joined(separator: ",") + "}"
        ]
    }

    /// Imports every line of `text`; `progress` hears how many lines were sent.
    public func load(_ text: String, progress: (Int, Int) -> Void = { _, _ in }) throws -> ImportResult {
        // Lines are split on the UTF-8 bytes: splitting the String itself would
        // break it into grapheme clusters first, and keep "\r\n" whole.
        let blank: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r")]
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .enumerated()
            .filter { !$0.element.allSatisfy(blank.contains) }
        // Decoding and checking the documents is most of the tool's own work on a big file.
        let rows = try TwoThreads.map(lines) { try Self.row($0.element, number: $0.offset + 1) }
        return try DatabaseErrors.translating { try stage(rows, progress: progress) }
    }

    /// Sends the checked rows in batches, all in one transaction.
    private func stage(_ rows: [[String?]], progress: (Int, Int) -> Void) throws -> ImportResult {
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
            var sent = 0
            var total = ImportResult(imported: 0, skipped: 0)
            while sent < rows.count {
                var end = sent
                var bytes = 0
                while end < rows.count, end - sent < Self.batchRows, bytes < Self.batchBytes {
                    bytes += rows[end].reduce(0) { $0 + ($1?.utf8.count ?? 0) }
                    end += 1
                }
                try db.copy(into: "import_staging", columns: Self.columns, rows: rows[sent..<end])
                let result = try DeskCall.decode(
                    ImportResult.self,
                    """
                    SELECT desk.import_editions(ARRAY(
                        SELECT ROW(s.*)::desk.import_row FROM pg_temp.import_staging s ORDER BY s.line))
                    """, on: db)
                try db.execute("TRUNCATE pg_temp.import_staging")
                total = ImportResult(
                    imported: total.imported + result.imported, skipped: total.skipped + result.skipped)
                sent = end
                progress(sent, rows.count)
            }
            return total
        }
    }

    /// Most documents, and text, per call of the import function: its
    /// argument is one value, which PostgreSQL limits to 1 GB, and a smaller
    /// one keeps each statement well inside a staff login's statement
    /// timeout. Each call records one `edition.import` event.
    static let batchRows = 20_000
    static let batchBytes = 64 << 20
}
