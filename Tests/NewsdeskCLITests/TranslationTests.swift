import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

@Suite("Translations kept in step with their source")
struct TranslationTests {
    static func state(_ newsroom: TestNewsroom, story: Int64, _ lang: String) throws -> TranslationState {
        let all = try newsroom.json(StoryTranslations.self, ["translations", String(story)])
        return try #require(all.editions.first { $0.lang == lang })
    }

    @Test("the sample story: missing updates, staleness after an edit, a refresh that follows the new version")
    func sampleStory() throws {
        let newsroom = try TestNewsroom("translations")
        let suffix = UUID().uuidString.prefix(6).lowercased()
        let translator = "t_translator_\(suffix)", reporter = "t_reporter_\(suffix)"
        try newsroom.addStaff(translator, ["translator"], names: ["en": "Iryna Koval", "uk": "Ірина Коваль"])
        try newsroom.addStaff(reporter, ["reporter"])
        let sample = try SharedFixtures.newsroom().story
        let uk = try #require(sample.editions["uk"]), en = try #require(sample.editions["en"]),
            ru = try #require(sample.editions["ru"])

        let original = try newsroom.json(
            Edition.self,
            [
                "story", "new", "--lang", "uk", "--headline", uk.headline,
                "--lead", uk.lead, "--body", uk.body
            ])
        #expect(try newsroom.run(["publish", original.reference]).status == 0)
        let update = try newsroom.json(
            LiveUpdate.self, ["update", "add", original.reference, "--body", sample.liveUpdates[0].body["uk"]!])

        let english = try newsroom.json(
            Edition.self,
            [
                "--as", translator, "translate", original.reference, "--to", "en",
                "--headline", en.headline, "--lead", en.lead, "--body", en.body
            ])
        #expect(english.status == .draft && english.slug == en.expectedSlug)
        #expect(english.translatedFrom == Edition.Source(editionID: original.id, version: 1))
        // The translator is credited apart from the authors, and may edit the draft.
        #expect(english.bylines == [newsroom.staffLogin] && english.translators == [translator])
        #expect(english.translatorNames == [translator: "Iryna Koval"])
        let shownEnglish = try newsroom.run(["show", english.reference]).stdout
        #expect(shownEnglish.contains("\nBy \(newsroom.staffLogin). Translated by Iryna Koval\n"), "\(shownEnglish)")
        #expect(
            try newsroom.run(["show", english.reference, "--format", "html"]).stdout.contains(
                "<p class=\"byline\">By \(newsroom.staffLogin). Translated by Iryna Koval</p>"))
        let ninjs = try newsroom.run(["export", english.reference, "--format", "ninjs"]).stdout
        #expect(ninjs.contains("\"rel\" : \"translator\""), "\(ninjs)")
        #expect(
            try newsroom.json(WorkList.self, ["--as", translator, "list", "--mine", "--json"]).items.map(\.id)
                == [english.id], "a translator's list --mine holds what they translated")
        let russian = try newsroom.json(
            Edition.self,
            [
                "--as", translator, "translate", original.reference, "--to", "ru",
                "--headline", ru.headline
            ])
        #expect(russian.lead == uk.lead, "fields not given are prefilled from the source")

        for lang in ["en", "ru"] {
            let state = try Self.state(newsroom, story: original.storyID, lang)
            #expect(state.missingUpdates == [update.id], "\(lang)")
            #expect(!state.stale)
            #expect(state.source?.editionID == original.id && state.source?.version == 1)
        }
        #expect(try Self.state(newsroom, story: original.storyID, "uk").source == nil)

        let translated = try newsroom.json(
            LiveUpdate.self,
            [
                "--as", translator, "update", "translate", String(update.id),
                "--to", "en", "--body", sample.liveUpdates[0].body["en"]!
            ])
        #expect(translated.translationOf == update.id)
        #expect(translated.postedAt == update.postedAt)
        #expect(try Self.state(newsroom, story: original.storyID, "en").missingUpdates.isEmpty)
        #expect(try Self.state(newsroom, story: original.storyID, "ru").missingUpdates == [update.id])

        // The source is edited: both translations are stale.
        let edited = uk.body.replacing("чотирьох", with: "п'яти")
        #expect(
            try newsroom.run([
                "edit", original.reference, "--body", edited, "--correction", "П'ять районів, а не чотири."
            ]).status == 0)
        #expect(try Self.state(newsroom, story: original.storyID, "en").stale)
        #expect(try Self.state(newsroom, story: original.storyID, "ru").stale)

        // Refreshing English shows the source's change and follows the new version.
        let newEnglish = en.body.replacing("four city districts", with: "five city districts")
        let refresh = try newsroom.run([
            "--as", translator, "translate", "--refresh", english.reference, "--body", newEnglish
        ])
        #expect(refresh.status == 0, "\(refresh)")
        #expect(
            refresh.stdout.contains(
                "- **Деталі:** За словами Петренка, депутати розглянуть виділення коштів на заміну аварійних ділянок трубопроводу в чотирьох районах міста."
            ))
        #expect(
            refresh.stdout.contains(
                "+ **Деталі:** За словами Петренка, депутати розглянуть виділення коштів на заміну аварійних ділянок трубопроводу в п'яти районах міста."
            ))
        let english2 = try Self.state(newsroom, story: original.storyID, "en")
        #expect(!english2.stale && english2.source?.version == 2 && english2.version == 2)
        #expect(try Self.state(newsroom, story: original.storyID, "ru").stale)
        #expect(try newsroom.desk().show(english.reference).body == newEnglish)

        // A second Ukrainian edition is refused; a reporter cannot translate.
        let second = try newsroom.run(["translate", english.reference, "--to", "uk"])
        #expect(second.status == 1)
        #expect(second.stderr.contains("already has its uk edition"))
        let byReporter = try newsroom.run(["--as", reporter, "translate", original.reference, "--to", "en"])
        #expect(byReporter.status == 1)
        #expect(byReporter.stderr.contains("translator"))
        let reporterUpdate = try newsroom.run([
            "--as", reporter, "update", "translate", String(update.id), "--to", "ru", "--body", "x"
        ])
        #expect(reporterUpdate.status == 1)

        #expect(
            try newsroom.auditActions().filter { $0.hasPrefix("translation.") || $0 == "update.translate" }
                == ["translation.create", "translation.create", "update.translate", "translation.refresh"])
        // The language switch lists the editions readers can open, the current one marked.
        let before = try newsroom.run(["show", original.reference]).stdout
        #expect(!before.contains("Eng"), "an unpublished translation is not offered")
        #expect(try newsroom.run(["publish", english.reference]).status == 0)
        let text = try newsroom.run(["show", original.reference]).stdout
        #expect(text.contains("\n\n[Укр] Eng\n\n"), "\(text)")
        #expect(try newsroom.run(["show", english.reference]).stdout.contains("\n\nУкр [Eng]\n\n"))
    }

    @Test(
        "a translation takes the photo line in its own language; what the translator leaves out comes from the source")
    func photoLine() throws {
        let newsroom = try TestNewsroom("translationphoto")
        let sample = try SharedFixtures.newsroom().story
        let uk = try #require(sample.editions["uk"]), en = try #require(sample.editions["en"])
        let original = try newsroom.json(
            Edition.self,
            [
                "story", "new", "--lang", "uk", "--headline", uk.headline, "--photo", sample.photo.url,
                "--caption", uk.caption, "--credit", uk.credit
            ])
        let english = try newsroom.json(
            Edition.self,
            [
                "translate", original.reference, "--to", "en", "--headline", en.headline, "--caption", en.caption,
                "--credit", en.credit
            ])
        #expect(english.photo == Edition.Photo(url: sample.photo.url, caption: en.caption, credit: en.credit))
        let russian = try newsroom.json(
            Edition.self, ["translate", original.reference, "--to", "ru", "--caption", "Здание Киевсовета."])
        #expect(russian.photo == Edition.Photo(url: sample.photo.url, caption: "Здание Киевсовета.", credit: uk.credit))
        // The reader view of the translation says it in its language.
        let shown = try newsroom.run(["show", english.reference])
        #expect(shown.stdout.contains("\(en.caption) \(en.credit)"), "\(shown.stdout)")

        let refresh = try newsroom.run(["translate", english.reference, "--refresh", "--caption", "Other."])
        #expect(refresh.status == 64)
        #expect(
            refresh.stderr.hasPrefix(
                "Error: --caption and --credit go with --to; a translation's photo line changes with edit.\n"))
        let tooLong = try newsroom.run([
            "translate", original.reference, "--to", "en", "--credit", String(repeating: "x", count: 301)
        ])
        #expect(tooLong.status == 65 && tooLong.stderr.contains("credit"), "\(tooLong)")
    }

    @Test("a chain ru ← uk, en ← ru reports staleness along the chain")
    func chain() throws {
        let newsroom = try TestNewsroom("translationchain")
        let desk = try newsroom.desk()
        let uk = try desk.createStory(NewStory(lang: "uk", headline: "Ланцюжок перекладів"))
        let ru = try newsroom.json(
            Edition.self, ["translate", uk.reference, "--to", "ru", "--headline", "Цепочка переводов"])
        let en = try newsroom.json(
            Edition.self, ["translate", ru.reference, "--to", "en", "--headline", "A chain of translations"])
        #expect(en.translatedFrom?.editionID == ru.id)
        _ = try desk.edit(uk.reference, EditionChanges(lead: "Новий лід"))
        var ruState = try Self.state(newsroom, story: uk.storyID, "ru")
        var enState = try Self.state(newsroom, story: uk.storyID, "en")
        #expect(ruState.stale && !enState.stale && enState.staleUpstream)
        #expect(try newsroom.run(["translate", "--refresh", ru.reference, "--lead", "Новый лид"]).status == 0)
        ruState = try Self.state(newsroom, story: uk.storyID, "ru")
        enState = try Self.state(newsroom, story: uk.storyID, "en")
        #expect(!ruState.stale && enState.stale && !enState.staleUpstream)
        let diffOnly = try newsroom.run(["translate", "--refresh", en.reference, "--diff-only"])
        #expect(diffOnly.stdout.contains("+ Новый лид"))
        #expect(try Self.state(newsroom, story: uk.storyID, "en").stale, "--diff-only saves nothing")
    }

    @Test("a refresh says what the translator did: new text, or --no-change; with neither it is refused")
    func refreshNeedsAStatement() throws {
        let newsroom = try TestNewsroom("translationnochange")
        let desk = try newsroom.desk()
        let uk = try desk.createStory(NewStory(lang: "uk", headline: "Сесія Київради"))
        let en = try newsroom.json(
            Edition.self, ["translate", uk.reference, "--to", "en", "--headline", "Kyiv council session"])
        _ = try desk.edit(uk.reference, EditionChanges(lead: "Депутати зберуться в середу."))
        #expect(try Self.state(newsroom, story: uk.storyID, "en").stale)

        let silent = try newsroom.run(["translate", "--refresh", en.reference])
        #expect(silent.status == 65)
        #expect(silent.stdout.contains("+ Депутати зберуться в середу."), "the source's change is still shown")
        #expect(
            silent.stderr.hasSuffix(
                "Error: \(en.reference): give the new text (--headline, --lead, --body), or --no-change if the translation needs none for \(uk.reference) version 2.\n"
            ), "\(silent.stderr)")
        #expect(try Self.state(newsroom, story: uk.storyID, "en").stale, "nothing was recorded")
        let both = try newsroom.run(["translate", "--refresh", en.reference, "--no-change", "--lead", "Wednesday."])
        #expect(both.status == 65)
        #expect(both.stderr.contains("no-change: it says the translation needs no new text"))
        #expect(try newsroom.run(["translate", uk.reference, "--to", "ru", "--no-change"]).status == 64)

        let followed = try newsroom.run(["translate", "--refresh", en.reference, "--no-change"])
        #expect(followed.status == 0, "\(followed)")
        #expect(followed.stdout.hasSuffix("\(en.reference) now follows \(uk.reference) version 2, with no change.\n"))
        let state = try Self.state(newsroom, story: uk.storyID, "en")
        #expect(!state.stale && state.source?.version == 2)
        let after = try newsroom.json(Edition.self, ["show", en.reference])
        #expect(after.version == 1 && after.lead == en.lead, "no new revision: the text stands")
        let history = try newsroom.json(EditionHistory.self, ["history", en.reference])
        #expect(history.entries.last?.action == "follow")
        #expect(history.entries.last?.note == "follows \(uk.reference) version 2 with no change")
        let again = try newsroom.run(["translate", "--refresh", en.reference, "--no-change"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already follows \(uk.reference) version 2; there is nothing to refresh."))
    }

    @Test("the editions table keeps its columns aligned when an address is longer than the usual column")
    func longAddressTable() throws {
        let newsroom = try TestNewsroom("translations")
        let original = try newsroom.json(
            Edition.self,
            [
                "story", "new", "--lang", "uk", "--headline",
                "Київрада затвердила план реконструкції мосту Патона після року затримок і суперечок"
            ])
        let english = try newsroom.json(
            Edition.self, ["translate", original.reference, "--to", "en", "--headline", "Paton bridge plan"])
        let longest = "uk/\(original.slug)"
        #expect(longest.count > 50, "\(longest)")

        let table = try newsroom.run(["translations", String(original.storyID)])
        let width = longest.count + 1
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: width, withPad: " ", startingAt: 0) }
        #expect(
            table.stdout
                == pad("uk", 4) + pad(longest, width) + pad("draft", 11) + "v1  original\n"
                + pad("en", 4) + pad("en/\(english.slug)", width) + pad("draft", 11) + "v1  from uk v1\n",
            "\(table.stdout)")
        #expect(table.status == 0 && table.stderr.isEmpty, "\(table)")
    }
}
