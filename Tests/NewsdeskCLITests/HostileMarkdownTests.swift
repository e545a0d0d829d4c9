import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Hostile Markdown through the command line")
struct HostileMarkdownCLITests {
    static let brackets = String(repeating: "[", count: 10 * 1024)

    /// A draft whose body is `markdown`, made as a reporter would: from stdin.
    static func draft(_ markdown: String, headline: String, in newsroom: TestNewsroom) throws -> Edition {
        let created = try newsroom.run(
            ["story", "new", "--lang", "en", "--headline", headline, "--body-file", "-", "--json"],
            stdin: markdown)
        #expect(created.status == 0, "\(created.stderr)")
        return try NewsroomJSON.decoder().decode(Edition.self, from: Data(created.stdout.utf8))
    }

    /// The edition id a ninjs document's uri ends with (`…/editions/ID`).
    static func editionID(_ document: [String: Any]) -> Int64? {
        (document["uri"] as? String)?.split(separator: "/").last.flatMap { Int64($0) }
    }

    @Test("a body of 10 KB of [ shows as HTML and text and exports")
    func brackets() throws {
        let newsroom = try TestNewsroom("mdbrackets")
        let edition = try Self.draft(Self.brackets, headline: "Brackets", in: newsroom)
        let html = try newsroom.run(["show", edition.reference, "--format", "html"])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(html.stdout.contains("<p>" + Self.brackets + "</p>"))
        let text = try newsroom.run(["show", edition.reference])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("\n\n" + Self.brackets + "\n"))
        let export = try newsroom.run(["export", edition.reference, "--format", "ninjs"])
        #expect(export.status == 0, "\(export.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])
        let bodies = try #require(document["bodies"] as? [[String: Any]])
        #expect(
            bodies.contains {
                $0["role"] as? String == "richtext" && ($0["value"] as? String)?.contains(Self.brackets) == true
            })
    }

    @Test("export --all writes every document with that draft among the others")
    func exportAll() throws {
        let newsroom = try TestNewsroom("mdexportall")
        var ids: [Int64] = []
        ids.append(try Self.draft("Before **it**.", headline: "Before", in: newsroom).id)
        ids.append(try Self.draft(Self.brackets, headline: "Brackets", in: newsroom).id)
        ids.append(try Self.draft(String(repeating: "<a ", count: 20_000), headline: "Tags", in: newsroom).id)
        ids.append(try Self.draft("After [the link](/en/before).", headline: "After", in: newsroom).id)
        let export = try newsroom.run(["export", "--all", "--format", "ninjs"])
        #expect(export.status == 0, "\(export.stderr)")
        #expect(export.stderr.isEmpty)
        let documents = try export.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(documents.map { Self.editionID($0) } == ids)
    }

    @Test("export --all writes the others when one document cannot be produced, names it, and exits 65")
    func exportAllWithABrokenDocument() throws {
        let newsroom = try TestNewsroom("mdexportbroken")
        let first = try Self.draft("First.", headline: "First", in: newsroom)
        let broken = try Self.draft("Second.", headline: "Second", in: newsroom)
        let third = try Self.draft("Third.", headline: "Third", in: newsroom)
        // Stands in for stored data the tool cannot read: the document of one
        // edition comes back with its headline a number.
        try newsroom.connect().executeScript(
            unsafeSQL: """
                ALTER FUNCTION desk.edition_document(bigint, integer) RENAME TO edition_document_intact;
                CREATE FUNCTION desk.edition_document(target bigint, at_version integer DEFAULT NULL) RETURNS jsonb
                LANGUAGE sql AS $$
                    SELECT CASE WHEN target = \(broken.id)
                        THEN jsonb_set(desk.edition_document_intact(target, at_version), '{headline}', '42')
                        ELSE desk.edition_document_intact(target, at_version) END
                $$;
                """)
        let export = try newsroom.run(["export", "--all", "--format", "ninjs"])
        #expect(export.status == 65, "\(export)")
        let documents = try export.stdout.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(documents.map { Self.editionID($0) } == [first.id, third.id])
        #expect(
            export.stderr.contains(
                "edition \(broken.id) was not exported: its stored document is malformed at headline"),
            "\(export.stderr)")
        #expect(
            export.stderr.contains("1 edition was not exported (\(broken.id)); every other edition was written."),
            "\(export.stderr)")
    }

    /// Bodies up to the 1 MiB limit that crashed the old renderer or would
    /// take minutes in a naive one.
    static let mebibyteBodies: [String] = [
        String(repeating: "![[]()", count: (1 << 20) / 6),
        String(repeating: ">", count: 1 << 20),
        String(repeating: "> * [", count: (1 << 20) / 5),
        String(repeating: ">", count: 500_000) + "a\n" + String(repeating: "b\n", count: 270_000),
        String(repeating: "<a ", count: (1 << 20) / 3)
    ]

    @Test("a 1 MiB hostile body shows as text and HTML", arguments: 0..<mebibyteBodies.count)
    func mebibyte(_ index: Int) throws {
        let newsroom = try TestNewsroom("mdmebibyte\(index)")
        let edition = try Self.draft(Self.mebibyteBodies[index], headline: "Hostile", in: newsroom)
        for format in ["text", "html"] {
            let shown = try newsroom.run(["show", edition.reference, "--format", format])
            #expect(shown.status == 0, "\(format): \(shown.stderr)")
            #expect(shown.stdout.hasPrefix(format == "html" ? "<article" : "Hostile\n"))
        }
    }

    @Test("plain text comes from the same parse as the HTML")
    func plainText() throws {
        let newsroom = try TestNewsroom("mdplain")
        let edition = try Self.draft(
            """
            ## Background

            The *council* said **so** in [a statement](/uk/novyny/1), see <https://newsroom.example/en/>.
            Mail [the desk](mailto:desk@newsroom.example). Not [this](javascript:alert(1)) <b>nor</b> `code`.

            1. first
            2. second
               - nested

            > Quoted
            > words

            <div>raw block</div>

            ```
            let x = 1
            ```
            """, headline: "Plain", in: newsroom)
        let text = try newsroom.run(["show", edition.reference])
        #expect(text.status == 0, "\(text.stderr)")
        // After the headline and byline:
        #expect(
            text.stdout.hasSuffix(
                "\n\n" + """
                    Background

                    The council said so in a statement (/uk/novyny/1), see https://newsroom.example/en/.
                    Mail the desk (mailto:desk@newsroom.example). Not this nor code.

                    1. first
                    2. second
                       - nested

                    > Quoted
                    > words

                    let x = 1

                    """), "\(text.stdout)")
    }
}
