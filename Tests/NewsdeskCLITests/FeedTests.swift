import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

@Suite("Feeds: what readers see, page by page")
struct FeedTests {
    static func publish(_ newsroom: TestNewsroom, _ headline: String, lang: String = "en", video: Bool = false) throws -> Edition {
        var story = NewStory(lang: lang, headline: headline)
        story.video = video
        let desk = try newsroom.desk()
        return try desk.publish(desk.createStory(story).reference)
    }

    @Test("by language and subject, newest first, with updated and video markers")
    func languagesSubjectsMarkers() throws {
        let newsroom = try TestNewsroom("feeds")
        #expect(try newsroom.run(["subject", "add", "kyiv", "--name", "en=Kyiv", "--name", "uk=Київ"]).status == 0)
        #expect(try newsroom.run(["subject", "add", "energy", "--name", "en=Energy"]).status == 0)
        let first = try Self.publish(newsroom, "First story")
        let second = try Self.publish(newsroom, "Second story", video: true)
        let ukrainian = try Self.publish(newsroom, "Українська новина", lang: "uk")
        _ = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Unpublished draft"))
        #expect(try newsroom.run(["tag", String(first.storyID), "kyiv", "energy"]).status == 0)
        #expect(try newsroom.run(["tag", String(second.storyID), "energy"]).status == 0)
        #expect(try newsroom.run(["tag", String(ukrainian.storyID), "kyiv"]).status == 0)
        #expect(try newsroom.run(["update", "add", first.reference, "--body", "More news"]).status == 0)

        let english = try newsroom.json(Feed.self, ["feed", "--lang", "en"])
        #expect(english.items.map(\.headline) == ["Second story", "First story"])
        #expect(english.items[0].markers == ["video"])
        #expect(english.items[1].markers == ["updated"])
        let byUpdate = try newsroom.json(Feed.self, ["feed", "--lang", "en", "--order", "updated"])
        #expect(byUpdate.items.map(\.headline) == ["First story", "Second story"])
        let kyiv = try newsroom.json(Feed.self, ["feed", "--subject", "kyiv"])
        #expect(Set(kyiv.items.map(\.editionID)) == [first.id, ukrainian.id])
        let ukrainianFeed = try newsroom.json(Feed.self, ["feed", "--lang", "uk"])
        #expect(ukrainianFeed.items.map(\.editionID) == [ukrainian.id])
        let tagged = try newsroom.json(Edition.self, ["story", "new", "--lang", "en", "--headline", "Tagged at birth",
                                                      "--subject", "kyiv", "--subject", "energy"])
        #expect(Set(tagged.subjects) == ["kyiv", "energy"])
        let misspelt = try newsroom.run(["story", "new", "--lang", "en", "--headline", "Lost", "--subject", "enrgy"])
        #expect(misspelt.status == 65 && misspelt.stderr.contains("Did you mean energy?"))
        let unknown = try newsroom.run(["feed", "--subject", "energi"])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("Did you mean energy?"))

        // The reader view names subjects in the edition's language and lists related stories.
        let text = try newsroom.run(["show", first.reference]).stdout
        #expect(text.contains("Subjects: Kyiv, Energy") || text.contains("Subjects: Energy, Kyiv"))
        #expect(text.contains("More on this:\n- Second story (en/second-story)"))
        #expect(try newsroom.run(["show", ukrainian.reference]).stdout.contains("Теми: Київ"))
    }

    @Test("scheduled and embargoed editions are invisible until their time")
    func scheduledAndEmbargoed() throws {
        let newsroom = try TestNewsroom("feedtime")
        let desk = try newsroom.desk()
        let soon = RFC3339.string(from: Date().addingTimeInterval(1.5))
        let scheduled = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Scheduled")).reference, at: soon)
        var embargoed = NewStory(lang: "en", headline: "Embargoed")
        embargoed.embargoUntil = soon
        let underEmbargo = try desk.publish(desk.createStory(embargoed).reference)
        #expect(try newsroom.json(Feed.self, ["feed"]).items.isEmpty)
        Thread.sleep(forTimeInterval: 2)
        let later = try newsroom.json(Feed.self, ["feed"]).items.map(\.editionID)
        #expect(Set(later) == [scheduled.id, underEmbargo.id])
    }

    @Test("paging never repeats or skips an item while others publish")
    func stablePaging() throws {
        let newsroom = try TestNewsroom("feedpaging")
        let existing = try (0..<30).map { try Self.publish(newsroom, "Existing \($0)").id }
        let publishing = Results<Int>(count: 1)
        let publisher = Thread {
            var count = 0
            if let desk = try? newsroom.desk() {
                for index in 0..<15 {
                    if let draft = try? desk.createStory(NewStory(lang: "en", headline: "Breaking \(index)")),
                       (try? desk.publish(draft.reference)) != nil { count += 1 }
                }
            }
            publishing.set(0, .success(count))
        }
        publisher.start()
        var seen: [Int64] = []
        var cursor: String?
        repeat {
            let page = try newsroom.json(Feed.self, ["feed", "--limit", "7"] + (cursor.map { ["--before", $0] } ?? []))
            seen += page.items.map(\.editionID)
            cursor = page.nextCursor
        } while cursor != nil
        while publishing.values[0] == nil { usleep(10_000) }
        #expect(Set(seen).count == seen.count, "an item was repeated")
        #expect(Set(existing).isSubset(of: Set(seen)), "an item was skipped")
    }

    @Test("RSS 2.0 and Atom 1.0 are read by feedparser without its bozo flag")
    func feedparser() throws {
        let newsroom = try TestNewsroom("feedparser")
        _ = try Self.publish(newsroom, "Kyiv City Council calls emergency session & more <today>")
        _ = try Self.publish(newsroom, "Київрада скликає сесію", lang: "uk")
        let python = try #require(ProcessInfo.processInfo.environment["NEWSDESK_TEST_PYTHON"],
                                  "scripts/test provides a Python with feedparser")
        for format in ["rss", "atom"] {
            for lang in ["en", "uk"] {
                let feed = try newsroom.run(["feed", "--format", format, "--lang", lang])
                #expect(feed.status == 0)
                let path = NSTemporaryDirectory() + "newsdesk-feed-\(UUID().uuidString.prefix(6)).xml"
                try feed.stdout.write(toFile: path, atomically: true, encoding: .utf8)
                let script = """
                    import feedparser, json, sys
                    d = feedparser.parse(sys.argv[1])
                    print(json.dumps({"bozo": d.bozo, "version": d.version, "titles": [e.title for e in d.entries],
                                      "dated": all(e.get("published_parsed") for e in d.entries)}))
                    """
                let result = try run(python, ["-c", script, path])
                let parsed = try #require(try JSONSerialization.jsonObject(with: Data(result.utf8)) as? [String: Any], "\(result)")
                #expect(parsed["bozo"] as? Int == 0, "\(format) \(lang): \(result)")
                #expect((parsed["version"] as? String)?.hasPrefix(format == "rss" ? "rss20" : "atom10") == true, "\(result)")
                #expect((parsed["titles"] as? [String])?.count == 1)
                #expect(parsed["dated"] as? Bool == true)
            }
        }
    }

    /// Runs a program and returns its stdout.
    func run(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = NSTemporaryDirectory() + "newsdesk-python-\(UUID().uuidString.prefix(6)).out"
        try Data().write(to: URL(fileURLWithPath: output))
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        try process.run()
        // Polled rather than waitUntilExit(), which needs a free dispatch thread.
        while process.isRunning { usleep(20_000) }
        return try String(contentsOfFile: output, encoding: .utf8)
    }
}
