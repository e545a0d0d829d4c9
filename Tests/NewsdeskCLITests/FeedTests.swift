import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

@Suite("Feeds: what readers see, page by page")
struct FeedTests {
    static func publish(_ newsroom: TestNewsroom, _ headline: String, lang: String = "en", video: Bool = false) throws
        -> Edition
    {
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
        let tagged = try newsroom.json(
            Edition.self,
            [
                "story", "new", "--lang", "en", "--headline", "Tagged at birth",
                "--subject", "kyiv", "--subject", "energy"
            ])
        #expect(Set(tagged.subjects) == ["kyiv", "energy"])
        let misspelt = try newsroom.run(["story", "new", "--lang", "en", "--headline", "Lost", "--subject", "enrgy"])
        #expect(misspelt.status == 65 && misspelt.stderr.contains("Did you mean energy?"))
        // Every unknown subject is named at once, in the order typed, each once.
        let twoTypos = try newsroom.run([
            "story", "new", "--lang", "en", "--headline", "Lost", "--subject", "enrgy", "--subject", "kyiv",
            "--subject", "kyev", "--subject", "enrgy"
        ])
        #expect(twoTypos.status == 65)
        let lines = twoTypos.stderr.split(separator: "\n")
        #expect(
            lines.first == """
                Error: subject: there is no subject "enrgy". Did you mean energy? There is no subject "kyev". \
                Did you mean kyiv?
                """, "\(twoTypos.stderr)")
        // What was typed is kept.
        #expect(lines.count == 2 && lines[1].hasPrefix("Your text was kept in "), "\(twoTypos.stderr)")
        let unknown = try newsroom.run(["feed", "--subject", "energi"])
        #expect(unknown.status == 65)
        #expect(unknown.stderr.contains("Did you mean energy?"))
        // Past five, the rest are counted, not each compared with every subject.
        let many = try newsroom.run(["feed"] + (1...7).flatMap { ["--subject", "zz\($0)"] })
        #expect(many.status == 65)
        #expect(
            many.stderr == """
                Error: subject: there is no subject "zz1". There is no subject "zz2". There is no subject "zz3". \
                There is no subject "zz4". There is no subject "zz5". And 2 more unknown subjects.

                """, "\(many.stderr)")

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
        let scheduled = try desk.publish(
            desk.createStory(NewStory(lang: "en", headline: "Scheduled")).reference, at: soon)
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
                        (try? desk.publish(draft.reference)) != nil
                    {
                        count += 1
                    }
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

    @Test("RSS 2.0 and Atom 1.0 pass feedparser without its bozo flag, and Atom passes RFC 4287's RELAX NG grammar")
    func validators() throws {
        let newsroom = try TestNewsroom("feedparser")
        #expect(try newsroom.run(["subject", "add", "kyiv", "--name", "en=Kyiv", "--name", "uk=Київ"]).status == 0)
        let english = try Self.publish(newsroom, "Kyiv City Council calls emergency session & more <today>")
        _ = try Self.publish(newsroom, "Київрада скликає сесію", lang: "uk")
        #expect(try newsroom.run(["tag", String(english.storyID), "kyiv"]).status == 0)
        let python = try #require(
            ProcessInfo.processInfo.environment["NEWSDESK_TEST_PYTHON"],
            "scripts/test provides a Python with feedparser")
        let filters: [[String]] = [["--lang", "en"], ["--lang", "uk"], [], ["--subject", "kyiv"]]
        for format in ["rss", "atom"] {
            for filter in filters {
                let feed = try newsroom.run(["feed", "--format", format] + filter)
                #expect(feed.status == 0)
                let path = NSTemporaryDirectory() + "newsdesk-feed-\(UUID().uuidString.prefix(6)).xml"
                try feed.stdout.write(toFile: path, atomically: true, encoding: .utf8)
                let script = """
                    import feedparser, json, sys
                    d = feedparser.parse(sys.argv[1])
                    print(json.dumps({"bozo": d.bozo, "version": d.version, "titles": [e.title for e in d.entries],
                                      "dated": all(e.get("published_parsed") for e in d.entries)}))
                    """
                let result = try CommandLineTool.runProgram(python, ["-c", script, path]).stdout
                let parsed = try #require(
                    try JSONSerialization.jsonObject(with: Data(result.utf8)) as? [String: Any], "\(result)")
                #expect(parsed["bozo"] as? Int == 0, "\(format) \(filter): \(result)")
                #expect(
                    (parsed["version"] as? String)?.hasPrefix(format == "rss" ? "rss20" : "atom10") == true, "\(result)"
                )
                #expect((parsed["titles"] as? [String])?.count == (filter.isEmpty ? 2 : 1))
                #expect(parsed["dated"] as? Bool == true)
                if format == "atom" {
                    let grammar = SharedFixtures.directory.appending(path: "atom/atom.rnc").path
                    // jing prints each error on stdout, and nothing for a valid document.
                    #expect(
                        try CommandLineTool.runProgram("/usr/bin/jing", ["-c", grammar, path]).stdout == "", "\(filter)"
                    )
                }
            }
        }
    }

    @Test(
        "entries are identified by the edition's permanent address; each feed has its own id, self link, title and language"
    )
    func identities() throws {
        let newsroom = try TestNewsroom("feedids")
        #expect(try newsroom.run(["subject", "add", "kyiv", "--name", "en=Kyiv", "--name", "uk=Київ"]).status == 0)
        let story = try Self.publish(newsroom, "Київрада скликає сесію", lang: "uk")
        #expect(try newsroom.run(["tag", String(story.storyID), "kyiv"]).status == 0)
        let site = "https://newsroom.example"

        let before = try newsroom.run(["feed", "--format", "atom", "--lang", "uk"]).stdout
        #expect(try newsroom.run(["edit", story.reference, "--slug", "kyivrada-sesiia"]).status == 0)
        let after = try newsroom.run(["feed", "--format", "atom", "--lang", "uk"]).stdout
        let entryID = "<id>\(site)/editions/\(story.id)</id>"
        #expect(before.contains(entryID) && after.contains(entryID), "\(after)")
        #expect(after.contains("<entry xml:lang=\"uk\">"))
        #expect(after.contains("href=\"\(site)/uk/kyivrada-sesiia\""), "the link follows the slug")

        func feedID(_ arguments: [String]) throws -> String {
            let atom = try newsroom.run(["feed", "--format", "atom"] + arguments).stdout
            let selfLink = try #require(
                atom.firstMatch(of: /<link rel="self" type="application\/atom\+xml" href="([^"]*)"\/>/))
            let id = try #require(atom.firstMatch(of: /<feed[^>]*>\n<title>[^<]*<\/title>\n<id>([^<]*)<\/id>/))
            #expect(selfLink.1 == id.1)
            return String(id.1)
        }
        #expect(try feedID([]) == "\(site)/atom.xml")
        #expect(try feedID(["--lang", "uk"]) == "\(site)/uk/atom.xml")
        #expect(try feedID(["--lang", "UK", "--subject", "kyiv"]) == "\(site)/uk/atom.xml?subject=kyiv")
        #expect(try feedID(["--subject", "kyiv"]) == "\(site)/atom.xml?subject=kyiv")

        let rss = try newsroom.run(["feed", "--format", "rss", "--lang", "uk", "--subject", "kyiv"]).stdout
        #expect(rss.contains("<title>Новини: Київ</title>"))
        #expect(rss.contains("<atom:link href=\"\(site)/uk/rss.xml?subject=kyiv\" rel=\"self\""))
        #expect(rss.contains("<guid isPermaLink=\"false\">\(site)/editions/\(story.id)</guid>"))
        #expect(rss.contains("<item xml:lang=\"uk\">"))
    }

    @Test("--lang is one of the newsroom's languages, in any case; another is bad input")
    func languages() throws {
        let newsroom = try TestNewsroom("feedlang")
        let story = try Self.publish(newsroom, "Kyiv", lang: "en")
        #expect(try newsroom.json(Feed.self, ["feed", "--lang", "EN"]).items.map(\.editionID) == [story.id])
        let unknown = try newsroom.run(["feed", "--lang", "de", "--format", "atom"])
        #expect(unknown.status == 65)
        #expect(unknown.stdout.isEmpty)
        #expect(
            unknown.stderr == "Error: lang: this newsroom does not publish in \"de\"; it publishes in uk, ru, en.\n")
    }

    @Test("an embargoed story is dated and ordered by when readers could first see it")
    func embargoLift() throws {
        let newsroom = try TestNewsroom("feedembargo")
        let desk = try newsroom.desk()
        let lift = Date().addingTimeInterval(1.5)
        var embargoed = NewStory(lang: "en", headline: "Embargoed report")
        embargoed.embargoUntil = RFC3339.string(from: lift)
        let early = try desk.publish(desk.createStory(embargoed).reference)
        let meanwhile = try Self.publish(newsroom, "Published meanwhile")
        Thread.sleep(forTimeInterval: 2)

        let feed = try newsroom.json(Feed.self, ["feed"])
        #expect(feed.items.map(\.editionID) == [early.id, meanwhile.id])
        let item = try #require(feed.items.first)
        #expect(abs(item.publishedAt.timeIntervalSince(lift)) < 0.001, "dated by the embargo's lift")
        #expect(item.markers.isEmpty, "lifting an embargo is not an update")
        let shown = try newsroom.json(Edition.self, ["show", early.reference, "--json"])
        #expect(shown.publishedAt == item.publishedAt)
        let ninjs = try newsroom.run(["show", early.reference, "--format", "ninjs"]).stdout
        #expect(ninjs.contains("\"embargoedUntil\" : \"\(RFC3339.string(from: item.publishedAt))\""), "\(ninjs)")
    }
}
