import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

@Suite("Full-text search")
struct SearchTests {
    @Test("finds the sample story by a word from its body in each language, and ranks a headline match first")
    func sampleStory() throws {
        let newsroom = try TestNewsroom("search")
        let sample = try SharedFixtures.newsroom().story
        var ids: [String: Int64] = [:]
        for lang in ["uk", "ru", "en"] {
            let text = try #require(sample.editions[lang])
            var story = NewStory(lang: lang, headline: text.headline)
            story.lead = text.lead
            story.body = text.body
            let desk = try newsroom.desk()
            ids[lang] = try desk.publish(desk.createStory(story).reference).id
        }
        // A body word in each language, each by the form in the text (other forms: UkrainianSearchTests).
        for (lang, word) in [("en", "pipelines"), ("ru", "трубопроводы"), ("uk", "трубопроводу")] {
            let results = try newsroom.json(SearchResults.self, ["search", word, "--lang", lang])
            #expect(results.items.map(\.editionID) == [ids[lang]!], "\(lang): \(results.items.map(\.headline))")
            #expect(results.items.first?.snippetParts.contains { $0.match } == true)
        }
        // A story with the word only in its body ranks below the one with it in the headline.
        var other = NewStory(lang: "en", headline: "City budget for next year")
        other.body = "Spending on district heating grows by a tenth."
        let desk = try newsroom.desk()
        let bodyOnly = try desk.publish(desk.createStory(other).reference)
        let heating = try newsroom.json(SearchResults.self, ["search", "heating", "--lang", "en"])
        #expect(heating.items.map(\.editionID) == [ids["en"]!, bodyOnly.id])
        #expect(heating.items[0].rank > heating.items[1].rank)
        // Drafts are not found.
        _ = try desk.createStory(NewStory(lang: "en", headline: "Secret heating plan"))
        #expect(try newsroom.json(SearchResults.self, ["search", "secret"]).items.isEmpty)
    }

    @Test("where the words are found orders the results: headline, then lead, then body, newest first in each")
    func tiers() throws {
        let newsroom = try TestNewsroom("searchtiers")
        let desk = try newsroom.desk()
        func publish(_ headline: String, lead: String = "", body: String = "") throws -> Int64 {
            var story = NewStory(lang: "en", headline: headline)
            story.lead = lead
            story.body = body
            return try desk.publish(desk.createStory(story).reference).id
        }
        // Published oldest first, so that "newest first" and "best first" disagree.
        let olderHeadline = try publish("Ferry timetable changes")
        let inBody = try publish("Port news", body: "The ferry leaves at nine.")
        let inLead = try publish("Harbour works", lead: "The ferry pier is closed.")
        let newerHeadline = try publish("Ferry returns to the river")
        let results = try newsroom.json(SearchResults.self, ["search", "ferry", "--lang", "en"])
        #expect(results.items.map(\.editionID) == [newerHeadline, olderHeadline, inLead, inBody])
        #expect(results.items.map(\.matchedIn) == ["headline", "headline", "lead", "body"])
        let firstTwo = try newsroom.json(SearchResults.self, ["search", "ferry", "--lang", "en", "--limit", "2"])
        #expect(firstTwo.items.map(\.editionID) == [newerHeadline, olderHeadline])
    }

    @Test("a snippet from a Markdown body shows its words on one line, without the marks")
    func markdownSnippet() throws {
        let newsroom = try TestNewsroom("searchmarks")
        let desk = try newsroom.desk()
        var story = NewStory(lang: "en", headline: "Port news")
        story.body = """
            ## Closures

            The **ferry** to _Trukhaniv_ stops at `22:00`, says the [port](https://port.example).

            - Fare: 5 \\* 2
            > pier_side kiosk
            """
        let published = try desk.publish(desk.createStory(story).reference)
        let found = try newsroom.run(["search", "ferry", "--lang", "en"])
        #expect(found.status == 0 && found.stderr.isEmpty, "\(found.stderr)")
        let expected = """
            Port news — Closures The ferry to Trukhaniv stops at 22:00, says the port. Fare: 5 * 2 pier_side \
            kiosk
            """
        let results = try newsroom.json(SearchResults.self, ["search", "ferry", "--lang", "en"])
        #expect(results.items.map(\.editionID) == [published.id])
        #expect(results.items.first?.snippet == expected)
        #expect(results.items.first?.snippetParts.filter(\.match).map(\.text) == ["ferry"])
        // The terminal's result: the snippet is one indented line.
        #expect(found.stdout.split(separator: "\n").last == "  \(expected)")

        // Deep in a long body: the fragment around the word, as words.
        var long = NewStory(lang: "en", headline: "Harbour report")
        long.body =
            String(
                repeating: "The **harbour** office said works go on. [Notice](https://port.example/n)\n\n", count: 60)
            + "> The _pontoon_ bridge reopens on `Friday`.\n\n"
            + String(repeating: "- Boats run every **hour**\n", count: 60)
        _ = try desk.publish(desk.createStory(long).reference)
        let deep = try #require(
            try newsroom.json(SearchResults.self, ["search", "pontoon", "--lang", "en"]).items.first)
        #expect(deep.snippetParts.filter(\.match).map(\.text) == ["pontoon"])
        #expect(
            deep.snippet.contains("Notice The pontoon bridge reopens on Friday. Boats run every hour"),
            "\(deep.snippet)")
        #expect(!deep.snippet.contains(where: { "*_`[]()>\n".contains($0) }), "\(deep.snippet)")

        // Text that only looks like Markdown stays as written, and the word found is still marked.
        let nights = "Nights stay <zero for a week, forecasters said, then >5 degrees"
        let judge = "[Update]: The judge wrote [sic](emphasis added) in report_2026, and 2*3 here"
        for (word, text) in [("forecasters", nights), ("judge", judge)] {
            var lookalike = NewStory(lang: "en", headline: "Weather and courts")
            lookalike.body = text
            _ = try desk.publish(desk.createStory(lookalike).reference)
            let hit = try #require(try newsroom.json(SearchResults.self, ["search", word, "--lang", "en"]).items.first)
            #expect(hit.snippet == "Weather and courts — " + text)
            #expect(hit.snippetParts.filter(\.match).map(\.text) == [word])
        }

        // A link the fragment's edge cuts in two: its words stay, without its marks or address.
        let link = "[Kyiv Metro press service](https://kyivmetro.example/news/2026/12/metro-hours-new-year)"
        let counting =
            "One two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
        let cutAtStart =
            "\(counting) seventeen. The statement was published by the \(link) on Friday, and trams "
            + "will run late on the night. Twenty more words follow here to pad it out so the fragment can be cut."
        let cutAtEnd =
            "\(counting) seventeen eighteen nineteen twenty twentyone twentytwo. Buses will run late, "
            + "the statement from the \(link) said on Friday, and more words."
        for (word, text, edge) in [
            ("trams", cutAtStart, "Kyiv Metro press service on Friday, and trams will run late"),
            ("buses", cutAtEnd, "Buses will run late, the statement from the Kyiv Metro press service")
        ] {
            var cut = NewStory(lang: "en", headline: "Transport")
            cut.body = text
            _ = try desk.publish(desk.createStory(cut).reference)
            let hit = try #require(try newsroom.json(SearchResults.self, ["search", word, "--lang", "en"]).items.first)
            #expect(hit.snippet.contains(edge), "\(hit.snippet)")
            #expect(
                !hit.snippet.contains(where: { "[]()".contains($0) }) && !hit.snippet.contains("kyivmetro"),
                "\(hit.snippet)")
            #expect(hit.snippetParts.filter(\.match).map(\.text.localizedLowercase) == [word])
        }
    }
}
