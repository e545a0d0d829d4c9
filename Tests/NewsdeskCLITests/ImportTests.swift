import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Bulk import")
struct ImportTests {
    @Test("10,000 editions through COPY, then the same file again: no duplicates")
    func tenThousand() throws {
        let newsroom = try TestNewsroom("import")
        #expect(try newsroom.run(["subject", "add", "kyiv", "--name", "en=Kyiv"]).status == 0)
        var lines: [String] = []
        for index in 0..<10_000 {
            let lang = ["uk", "ru", "en"][index % 3]
            let document: [String: Any] = [
                "uri": "urn:archive:story:\(index)", "language": lang,
                "headlines": [["role": "main", "value": "Архівна новина \(index)"]],
                "descriptions": [["role": "summary", "value": "Лід \(index)"]],
                "bodies": [["role": "main", "contentType": "text/markdown", "value": "Текст новини \(index)"]],
                "pubStatus": index % 10 == 0 ? "withheld" : "usable",
                "firstCreated": "2024-01-0\(1 + index % 9)T10:00:00Z",
                "subjects": [["name": "Kyiv", "literal": "kyiv"]]
            ]
            lines.append(String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self))
        }
        let file = NSTemporaryDirectory() + "newsdesk-import-\(UUID().uuidString.prefix(6)).ndjson"
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)

        let first = try newsroom.json(ImportResult.self, ["import", file])
        #expect(first.imported == 10_000 && first.skipped == 0)
        #expect(try newsroom.count("newsroom.edition") == 10_000)
        let again = try newsroom.json(ImportResult.self, ["import", file])
        #expect(again.imported == 0 && again.skipped == 10_000)
        #expect(try newsroom.count("newsroom.edition") == 10_000)
        #expect(try newsroom.count("newsroom.story_subject") == 10_000)
        let published = try newsroom.connect().query(
            "SELECT count(*) AS n FROM newsroom.edition WHERE status = 'published'")[0]
            .decode("n", as: Int.self)
        #expect(published == 9_000)
        #expect(try newsroom.auditActions().filter { $0 == "edition.import" }.count == 2)
        let shown = try newsroom.desk().show("uk/arkhivna-novyna-3")
        #expect(shown.lead == "Лід 3" && shown.body == "Текст новини 3")
        #expect(shown.publishedAt == RFC3339.date(from: "2024-01-04T10:00:00Z"))
    }

    @Test("an export imported into another newsroom round-trips; into the same one it adds nothing")
    func roundTrip() throws {
        let source = try TestNewsroom("exportsrc")
        let desk = try source.desk()
        var story = NewStory(lang: "uk", headline: "Експортована новина")
        story.lead = "Лід"
        story.body = "**Тіло**"
        _ = try desk.publish(desk.createStory(story).reference)
        let export = try source.run(["export", "--all"])
        let file = NSTemporaryDirectory() + "newsdesk-roundtrip-\(UUID().uuidString.prefix(6)).ndjson"
        try export.stdout.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try source.json(ImportResult.self, ["import", file]).imported == 0)
        let target = try TestNewsroom("exportdst")
        #expect(try target.json(ImportResult.self, ["import", file]).imported == 1)
        let copied = try target.desk().show("uk/eksportovana-novyna")
        #expect(copied.headline == "Експортована новина" && copied.lead == "Лід" && copied.body == "**Тіло**")
        #expect(copied.status == .published)
    }

    @Test("a slug already taken, or used twice in one file, gets the next free one; CRLF and blank lines are fine")
    func slugCollisions() throws {
        let newsroom = try TestNewsroom("importslug")
        _ = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Bridge reopens"))
        let file = NSTemporaryDirectory() + "newsdesk-slugs-\(UUID().uuidString.prefix(6)).ndjson"
        let lines = [
            #"{"uri": "urn:s:1", "language": "en", "headlines": [{"value": "Bridge reopens"}], "pubStatus": "usable"}"#,
            "",
            #"{"uri": "urn:s:2", "language": "en", "headlines": [{"value": "Bridge reopens"}]}"#,
            #"{"uri": "urn:s:3", "language": "en", "headlines": [{"value": "Ferry resumes"}]}"#,
            #"{"uri": "urn:s:4", "language": "en", "headlines": [{"value": "Ferry resumes"}]}"#
        ]
        try (lines.joined(separator: "\r\n") + "\r\n").write(toFile: file, atomically: true, encoding: .utf8)

        let result = try newsroom.json(ImportResult.self, ["import", file])
        #expect(result.imported == 4 && result.skipped == 0)
        let rows = try newsroom.connect().query(
            """
            SELECT i.uri || ' ' || e.slug || ' v' || r.version || ' ' || r.slug AS line
            FROM newsroom.edition_import i
            JOIN newsroom.edition e ON e.id = i.edition_id
            JOIN newsroom.edition_revision r ON r.edition_id = e.id
            ORDER BY i.uri
            """)
        #expect(
            try rows.map { try $0.decode("line", as: String.self) } == [
                "urn:s:1 bridge-reopens-2 v1 bridge-reopens-2", "urn:s:2 bridge-reopens-3 v1 bridge-reopens-3",
                "urn:s:3 ferry-resumes v1 ferry-resumes", "urn:s:4 ferry-resumes-2 v1 ferry-resumes-2"
            ])
        #expect(try newsroom.desk().show("en/bridge-reopens-2").status == .published)
    }

    @Test("in a big file (read on two threads) the first bad line is the one named, and nothing is written")
    func badLinesInBigFile() throws {
        let newsroom = try TestNewsroom("importbadbig")
        func file(badLines: Set<Int>) throws -> String {
            let lines = (1...3_000).map { number in
                badLines.contains(number)
                    ? #"{"uri": "urn:big:\#(number)", "language": "en"}"#
                    : #"{"uri": "urn:big:\#(number)", "language": "en", "headlines": [{"value": "Story \#(number)"}]}"#
            }
            let path = NSTemporaryDirectory() + "newsdesk-badbig-\(UUID().uuidString.prefix(6)).ndjson"
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        // Both in the second half, then one in each half: the earlier line is named either way.
        for (bad, named) in [(Set([2_400, 2_900]), 2_400), (Set([700, 2_100]), 700)] {
            let result = try newsroom.run(["import", try file(badLines: bad)])
            #expect(result.status == 65, "\(result)")
            #expect(result.stderr.contains("line \(named):"), "\(result)")
        }
        #expect(try newsroom.count("newsroom.edition") == 0)
        #expect(try newsroom.json(ImportResult.self, ["import", try file(badLines: [])]).imported == 3_000)
    }

    @Test("a bad line stops the import with its number, and nothing is written")
    func badLine() throws {
        let newsroom = try TestNewsroom("importbad")
        let file = NSTemporaryDirectory() + "newsdesk-bad-\(UUID().uuidString.prefix(6)).ndjson"
        try """
        {"uri": "urn:a", "language": "en", "headlines": [{"value": "Fine"}]}

        {"uri": "urn:b", "language": "en"}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try newsroom.run(["import", file])
        #expect(result.status == 65, "\(result)")
        // The blank line counts: the message names the line as the file has it.
        #expect(result.stderr.contains("line 3"), "\(result)")
        #expect(try newsroom.count("newsroom.edition") == 0)
    }
}
