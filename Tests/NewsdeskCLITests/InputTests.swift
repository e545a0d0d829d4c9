import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

@Suite("Bad input through the built binary: exit 65, the field named, nothing written")
struct InputTests {
    /// One bad input and where it goes in.
    struct BadInput: CustomTestStringConvertible, Sendable {
        let name: String
        let field: String
        /// Arguments after `story new --lang uk`, as raw bytes.
        let arguments: [[UInt8]]
        let stdin: [UInt8]?
        var testDescription: String { name }

        init(
            _ name: String, field: String, headline: [UInt8] = Array("Заголовок".utf8), body: [UInt8]? = nil,
            viaStdin: Bool = false
        ) {
            self.name = name
            self.field = field
            var arguments: [[UInt8]] = [Array("--headline".utf8), headline]
            if let body, !viaStdin {
                let path = NSTemporaryDirectory() + "newsdesk-input-\(UUID().uuidString.prefix(8))"
                precondition(FileManager.default.createFile(atPath: path, contents: Data(body)), "cannot write \(path)")
                arguments += [Array("--body-file".utf8), Array(path.utf8)]
            } else if body != nil {
                arguments += [Array("--body-file".utf8), Array("-".utf8)]
            }
            self.arguments = arguments
            self.stdin = viaStdin ? body : nil
        }
    }

    static let cases: [BadInput] = [
        BadInput("NUL at the start of a body file", field: "body", body: [0] + Array("текст".utf8)),
        BadInput("NUL in the middle of a body file", field: "body", body: Array("те".utf8) + [0] + Array("кст".utf8)),
        BadInput("NUL at the end of a body on stdin", field: "body", body: Array("текст".utf8) + [0], viaStdin: true),
        BadInput("a lone continuation byte in the headline", field: "headline", headline: [0x4B, 0x80, 0x79]),
        BadInput("a truncated sequence in the headline", field: "headline", headline: Array("Ки".utf8) + [0xD1]),
        BadInput("an overlong encoding in a body file", field: "body", body: [0x41, 0xC0, 0xAF]),
        BadInput("a UTF-16 surrogate in UTF-8 on stdin", field: "body", body: [0xED, 0xA0, 0x80], viaStdin: true),
        BadInput("0xFF in the headline", field: "headline", headline: [0xFF]),
        BadInput(
            "a right-to-left override in the headline", field: "headline", headline: Array("Київ\u{202E}тесть".utf8)),
        BadInput("a bidi isolate in the body", field: "body", body: Array("a\u{2067}b".utf8)),
        BadInput("a zero-width space in the headline", field: "headline", headline: Array("Ки\u{200B}їв".utf8)),
        BadInput("a byte-order mark in the headline", field: "headline", headline: Array("\u{FEFF}Київ".utf8)),
        BadInput(
            "an over-long headline", field: "headline",
            headline: Array(String(repeating: "Дуже довгий заголовок ", count: 20).utf8)),
        BadInput("an escape sequence in the headline", field: "headline", headline: Array("Київ\u{1B}[31m".utf8))
    ]

    @Test("bad input is refused", arguments: cases)
    func refused(_ input: BadInput) throws {
        let newsroom = try TestNewsroom("input")
        let before = try newsroom.count("newsroom.edition")
        let result = try CommandLineTool.run(
            rawArguments: [Array("story".utf8), Array("new".utf8), Array("--lang".utf8), Array("uk".utf8)]
                + input.arguments,
            environment: newsroom.environment, stdin: input.stdin)
        #expect(result.status == 65, "\(result)")
        #expect(result.stderr.contains(input.field), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(try newsroom.count("newsroom.edition") == before)
        #expect(try newsroom.count("newsroom.story") == 0)
    }

    @Test("NFD input is stored in NFC")
    func nfd() throws {
        let newsroom = try TestNewsroom("nfd")
        let decomposed = "Ки\u{0456}\u{0308}в і Cafe\u{0301}"
        let edition = try newsroom.json(
            Edition.self,
            [
                "story", "new", "--lang", "uk", "--headline", decomposed,
                "--body", "Caf\u{0065}\u{0301}"
            ])
        #expect(edition.headline.unicodeScalars.map(\.value) == "Київ і Café".unicodeScalars.map(\.value))
        #expect(edition.body.unicodeScalars.count == 4)
        #expect(edition.slug == "kyiv-i-cafe")
    }

    @Test("a text that begins with a dash is text: a Markdown list, a negative number, a quoted reply")
    func leadingDash() throws {
        let newsroom = try TestNewsroom("leadingdash")
        let edition = try newsroom.json(
            Edition.self,
            [
                "story", "new", "--lang", "en", "--headline", "Frost in Kyiv", "--lead", "-12 °C overnight.",
                "--body", "- schools closed\n- buses late", "--photo", "https://example.org/frost.jpg",
                "--caption", "-- Left to right: the square, the river.", "--credit", "Agency"
            ])
        #expect(edition.lead == "-12 °C overnight.")
        #expect(edition.body == "- schools closed\n- buses late")
        #expect(edition.photo?.caption == "-- Left to right: the square, the river.")
        let edited = try newsroom.json(Edition.self, ["edit", edition.reference, "--lead", "--5 °C by noon."])
        #expect(edited.lead == "--5 °C by noon.")
        #expect(try newsroom.run(["publish", edition.reference]).status == 0)
        let update = try newsroom.json(LiveUpdate.self, ["update", "add", edition.reference, "--body", "- more snow"])
        #expect(update.body == "- more snow")
        // An option given no text at all is still a usage error.
        let missing = try newsroom.run(["update", "add", edition.reference, "--body"])
        #expect(missing.status == 64)
        #expect(missing.stderr.hasPrefix("Error: Missing value for '--body <body>'"), "\(missing.stderr)")
    }

    @Test("Kyiv local times that do not exist or happen twice are refused with an explanation")
    func kyivTimeCases() throws {
        let cases = try SharedFixtures.newsroom().timeCases
        let newsroom = try TestNewsroom("times")
        let draft = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Clock change"))
        for local in cases.nonexistentLocal {
            let result = try newsroom.run(["publish", draft.reference, "--at", local])
            #expect(result.status == 65, "\(result)")
            #expect(result.stderr.contains("does not exist in Europe/Kyiv"))
        }
        for local in cases.ambiguousLocal {
            let result = try newsroom.run(["publish", draft.reference, "--at", local])
            #expect(result.status == 65, "\(result)")
            #expect(result.stderr.contains("happens twice"))
            #expect(result.stderr.contains("+03:00") && result.stderr.contains("+02:00"))
        }
        #expect(try newsroom.desk().show(draft.reference).status == .draft)
        for (local, utc) in cases.ordinaryLocal {
            let edition = try newsroom.json(
                Edition.self,
                [
                    "story", "new", "--lang", "en", "--headline", "At \(local)",
                    "--embargo-until", local
                ])
            #expect(edition.embargoUntil == RFC3339.date(from: utc), "\(local)")
        }
        let garbage = try newsroom.run(["publish", draft.reference, "--at", "next Tuesday"])
        #expect(garbage.status == 65)
        #expect(garbage.stderr.contains("at:"))
        // A time that has passed is a mistake, not "now": refused, and the draft stays a draft.
        let past = try newsroom.run(["publish", draft.reference, "--at", "2024-06-01 09:00"])
        #expect(past.status == 65)
        #expect(
            past.stderr
                == "Error: at: 2024-06-01 09:00 (Kyiv time 2024-06-01 09:00) has passed; to publish now, leave out --at.\n"
        )
        #expect(try newsroom.desk().show(draft.reference).status == .draft)
    }
}

@Suite("Slugs through the built binary")
struct SlugCommandTests {
    @Test("every pair of the Ukrainian transliteration table becomes the slug of a new story")
    func transliterationTable() throws {
        let newsroom = try TestNewsroom("translit")
        for (ukrainian, latin) in try SharedFixtures.transliterationPairs() {
            let edition = try newsroom.json(Edition.self, ["story", "new", "--lang", "uk", "--headline", ukrainian])
            #expect(edition.slug == latin.lowercased().replacing(" ", with: "-"), "\(ukrainian)")
        }
    }

    @Test("50 concurrent stories with the same headline get 50 distinct slugs and no error")
    func concurrentSlugs() throws {
        let newsroom = try TestNewsroom("slugs50")
        let results = try runConcurrently(50) { _ in
            try newsroom.run(["story", "new", "--lang", "uk", "--headline", "Київрада скликає сесію", "--json"])
        }
        for result in results {
            #expect(result.status == 0, "\(result)")
            #expect(result.stderr.isEmpty)
        }
        let slugs = try results.map { try NewsroomJSON.decoder().decode(Edition.self, from: Data($0.stdout.utf8)).slug }
        #expect(Set(slugs).count == 50)
        #expect(Set(slugs) == Set(["kyivrada-sklykaie-sesiiu"] + (2...50).map { "kyivrada-sklykaie-sesiiu-\($0)" }))
    }

    @Test("a changed slug keeps the old one as a redirect, and a taken slug is refused")
    func oldSlugs() throws {
        let newsroom = try TestNewsroom("oldslug")
        let first = try newsroom.json(Edition.self, ["story", "new", "--lang", "uk", "--headline", "Старий заголовок"])
        let other = try newsroom.json(Edition.self, ["story", "new", "--lang", "uk", "--headline", "Інша новина"])
        let renamed = try newsroom.json(Edition.self, ["edit", first.reference, "--slug", "novyi-slug"])
        #expect(renamed.slug == "novyi-slug")
        let viaOld = try newsroom.json(Edition.self, ["show", "uk/staryi-zaholovok"])
        #expect(viaOld.id == first.id && viaOld.slug == "novyi-slug")
        let taken = try newsroom.run(["edit", other.reference, "--slug", "staryi-zaholovok"])
        #expect(taken.status == 65, "\(taken)")
        #expect(taken.stderr.contains("slug"))
        let malformed = try newsroom.run(["edit", other.reference, "--slug", "Not A Slug"])
        #expect(malformed.status == 65)
        // A slug typed without its language: the editions it names, old slugs too.
        let bare = try newsroom.run(["show", "novyi-slug"])
        #expect(bare.status == 65)
        #expect(bare.stderr == "Error: edition: \"novyi-slug\" needs its language: uk/novyi-slug.\n", "\(bare)")
        _ = try newsroom.json(Edition.self, ["translate", first.reference, "--to", "en", "--headline", "Novyi slug"])
        #expect(
            try newsroom.run(["show", "novyi-slug"]).stderr
                == "Error: edition: \"novyi-slug\" needs its language: uk/novyi-slug or en/novyi-slug.\n")
        let nothing = try newsroom.run(["show", "no-such-story"])
        #expect(nothing.status == 65)
        #expect(nothing.stderr.hasPrefix("Error: edition: \"no-such-story\" is neither an edition id nor LANG/slug"))
        let unknown = try newsroom.run(["show", "uk/no-such-story"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("There is no edition uk/no-such-story"))
    }
}
