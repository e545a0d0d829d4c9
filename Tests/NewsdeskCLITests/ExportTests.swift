import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

@Suite("ninjs export")
struct ExportTests {
    struct Verdict: Decodable {
        let file: String
        let line: Int
        let valid: Bool
        let error: String?
    }

    /// Runs the ninjs 3.1 validator (Tests/ninjs_validate.py, jsonschema) over `files`.
    static func validate(_ files: [String]) throws -> [Verdict] {
        let python = try #require(
            ProcessInfo.processInfo.environment["NEWSDESK_TEST_PYTHON"], "scripts/test provides jsonschema")
        let script = CommandLineTool.packageRoot.appending(path: "Tests/ninjs_validate.py").path
        let result = try CommandLineTool.runProgram(python, [script, SharedFixtures.directory.path] + files)
        #expect(result.status == 0, "\(result.stderr)")
        return try result.stdout.split(separator: "\n")
            .map { try JSONDecoder().decode(Verdict.self, from: Data($0.utf8)) }
    }

    static func suite(_ kind: String) throws -> [String] {
        try ["3.1", "3.0"].flatMap { version in
            let directory = SharedFixtures.directory.appending(path: "ninjs/test_suite/\(version)/\(kind)")
            return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map {
                directory.appending(path: $0).path
            }
        }
    }

    @Test(
        "every exported edition of the sample newsroom is valid ninjs 3.1, by a validator that passes and fails the official suite"
    )
    func sampleNewsroom() throws {
        let newsroom = try TestNewsroom("export")
        let fixture = try SharedFixtures.newsroom()
        for subject in fixture.subjects {
            var arguments = ["subject", "add", subject.slug]
            for (lang, name) in subject.names.sorted(by: { $0.key < $1.key }) {
                arguments += ["--name", "\(lang)=\(name)"]
            }
            if let uri = subject.mediatopic { arguments += ["--mediatopic", uri] }
            #expect(try newsroom.run(arguments).status == 0)
        }
        var story: Int64 = 0
        var original = ""
        for lang in ["uk", "ru", "en"] {
            let text = try #require(fixture.story.editions[lang])
            var arguments = ["--headline", text.headline, "--lead", text.lead, "--body", text.body]
            let edition: Edition
            if lang == "uk" {
                arguments += ["--photo", fixture.story.photo.url, "--caption", text.caption, "--credit", text.credit]
                edition = try newsroom.json(Edition.self, ["story", "new", "--lang", "uk"] + arguments)
                story = edition.storyID
                original = edition.reference
                #expect(try newsroom.run(["tag", String(story)] + fixture.story.subjects).status == 0)
            } else {
                edition = try newsroom.json(Edition.self, ["translate", original, "--to", lang] + arguments)
            }
            #expect(try newsroom.run(["publish", edition.reference]).status == 0)
            #expect(
                try newsroom.run([
                    "update", "add", edition.reference, "--body", fixture.story.liveUpdates[0].body[lang]!
                ]).status == 0)
        }
        _ = try newsroom.desk().createStory(NewStory(lang: "en", headline: "A draft, exported as withheld"))
        // A photo address with letters outside ASCII is exported as a valid URI.
        var photographed = NewStory(lang: "uk", headline: "Фото з кирилицею")
        photographed.photo = Edition.Photo(url: "https://example.org/фото.jpg", caption: nil, credit: nil)
        _ = try newsroom.desk().createStory(photographed)

        let export = try newsroom.run(["export", "--all", "--format", "ninjs"])
        #expect(export.status == 0, "\(export)")
        let lines = export.stdout.split(separator: "\n")
        #expect(lines.count == 5)
        let exported = NSTemporaryDirectory() + "newsdesk-export-\(UUID().uuidString.prefix(6)).ndjson"
        try export.stdout.write(toFile: exported, atomically: true, encoding: .utf8)

        // A document of ours with one field broken must fail, or the validator proves nothing.
        var broken = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        broken["pubStatus"] = "maybe"
        let brokenPath = NSTemporaryDirectory() + "newsdesk-broken-\(UUID().uuidString.prefix(6)).json"
        try JSONSerialization.data(withJSONObject: broken).write(to: URL(fileURLWithPath: brokenPath))

        let passing = try Self.suite("should_pass"), failing = try Self.suite("should_fail")
        let verdicts = try Self.validate([exported, brokenPath] + passing + failing)
        for verdict in verdicts where verdict.file == exported {
            #expect(verdict.valid, "line \(verdict.line): \(verdict.error ?? "")")
        }
        #expect(verdicts.filter { $0.file == exported }.count == 5)
        #expect(verdicts.first { $0.file == brokenPath }?.valid == false)
        for verdict in verdicts where passing.contains(verdict.file) {
            #expect(verdict.valid, "\(verdict.file): \(verdict.error ?? "")")
        }
        for verdict in verdicts where failing.contains(verdict.file) {
            #expect(!verdict.valid, "\(verdict.file) should fail")
        }
        #expect(verdicts.filter { failing.contains($0.file) }.count == failing.count)

        // The Ukrainian edition carries what SPEC §6 asks for.
        let uk = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(uk["language"] as? String == "uk")
        #expect(uk["pubStatus"] as? String == "usable")
        #expect(uk["version"] as? String == "1")
        let subjects = try #require(uk["subjects"] as? [[String: Any]])
        #expect(
            subjects.contains {
                $0["name"] as? String == "Енергетика"
                    && $0["uri"] as? String == "http://cv.iptc.org/newscodes/mediatopic/20000250"
            })
        #expect(
            subjects.contains {
                $0["literal"] as? String == "kyiv" && $0["uri"] as? String == "https://newsroom.example/subjects/kyiv"
            },
            "a subject without a Media Topic has the newsroom's URI")
        let associations = try #require(uk["associations"] as? [[String: Any]])
        let association = try #require(associations.first)
        #expect(association["rel"] as? String == "mainpicture")
        #expect(association["uri"] as? String == fixture.story.photo.url)
        #expect(association["by"] as? String == fixture.story.editions["uk"]!.credit)

        // Every document has a creation time no later than its version's, drafts included.
        let documents = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        for document in documents {
            let created = try #require(
                (document["firstCreated"] as? String).flatMap(RFC3339.date(from:)), "\(document)")
            let saved = try #require((document["versionCreated"] as? String).flatMap(RFC3339.date(from:)))
            #expect(created <= saved)
        }
        #expect(
            (documents[4]["associations"] as? [[String: Any]])?.first?["uri"] as? String
                == "https://example.org/%D1%84%D0%BE%D1%82%D0%BE.jpg")

        // Story grouping, translations and bylines are machine-readable.
        func altID(_ document: [String: Any], _ role: String) -> String? {
            (document["altIds"] as? [[String: Any]])?.first { $0["role"] as? String == role }?["value"] as? String
        }
        let storyURI = "https://newsroom.example/stories/\(story)"
        #expect(documents.prefix(3).allSatisfy { altID($0, "story") == storyURI })
        #expect(altID(documents[3], "story") != storyURI)
        let translations = associations.filter { $0["rel"] as? String == "translation" }
        #expect(Set(translations.compactMap { $0["language"] as? String }) == ["ru", "en"])
        let ruSource = (documents[1]["associations"] as? [[String: Any]])?.first {
            $0["rel"] as? String == "translatedfrom"
        }
        #expect(ruSource?["uri"] as? String == uk["uri"] as? String)
        #expect(ruSource?["version"] as? String == "1")
        let shown = try newsroom.json(Edition.self, ["show", original, "--json"])
        #expect((uk["people"] as? [[String: Any]])?.compactMap { $0["literal"] as? String } == shown.bylines)
        #expect((uk["people"] as? [[String: Any]])?.allSatisfy { $0["rel"] as? String == "author" } == true)

        // Live updates are items of their own, not text.
        let update = try #require(associations.first { $0["rel"] as? String == "liveupdate" })
        let posted = try #require(shown.updates.first)
        #expect(update["uri"] as? String == "https://newsroom.example/updates/\(posted.id)")
        #expect(altID(update, "seq") == "1")
        #expect((update["genres"] as? [[String: Any]])?.first?["literal"] as? String == "update")
        #expect(update["firstCreated"] as? String == RFC3339.string(from: posted.postedAt))
        #expect(update["pubStatus"] as? String == "usable")
        #expect((update["people"] as? [[String: Any]])?.first?["literal"] as? String == posted.author)
        #expect(
            (update["bodies"] as? [[String: Any]])?.first?["value"] as? String
                == fixture.story.liveUpdates[0].body["uk"])
        let mainBodies = try #require(uk["bodies"] as? [[String: Any]])
        #expect(mainBodies.count == 2, "the body as Markdown and HTML, and nothing else")
        let single = try newsroom.run([
            "export", "uk/kyivrada-sklykaie-pozacherhovu-sesiiu-cherez-opalennia", "--format", "ninjs"
        ])
        #expect(single.status == 0)
        #expect(single.stdout.contains("\"headlines\""))
        let viaShow = try newsroom.run([
            "show", "uk/kyivrada-sklykaie-pozacherhovu-sesiiu-cherez-opalennia", "--format", "ninjs"
        ])
        #expect(viaShow.stdout == single.stdout)
    }
}
