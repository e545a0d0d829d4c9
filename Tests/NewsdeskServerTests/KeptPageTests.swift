import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

/// A reader's article reads its edition's document from a kept page
/// (newsroom.reader_page, Schema/site.sql "Kept pages") while nothing the
/// page shows has changed. These tests change each thing a page shows and
/// check that the page readers get is, at once, the document composed from
/// the newsroom as it is: a page kept past a change would fail them.
@Suite("Kept reader pages")
struct KeptPageTests {
    /// One edition's page as the site serves it, the document composed at
    /// the same moment, and whether the site used a kept document.
    struct Page {
        let served: String
        let composed: String
        let kept: Bool
    }

    static func page(_ newsroom: TestNewsroom, _ edition: Edition) throws -> Page {
        let row = try newsroom.connect().query(
            """
            SELECT (site.article(e.lang, e.slug, 0)->'edition')::text AS served,
                   newsroom.compose(newsroom.as_seen(e), NULL, true)::text AS composed,
                   EXISTS (SELECT 1 FROM newsroom.reader_page p
                           WHERE p.story_id = e.story_id AND p.edition_id = e.id
                             AND newsroom.page_stands(p, newsroom.page_generation())) AS kept
            FROM newsroom.edition e WHERE e.id = \(edition.id)
            """)[0]
        return Page(
            served: try row.decode("served", as: String.self), composed: try row.decode("composed", as: String.self),
            kept: try row.decode("kept", as: Bool.self))
    }

    /// The page after `step`: the same as the document composed now, and
    /// kept (built again by the change's own commit) when `kept`.
    static func expectPage(
        _ newsroom: TestNewsroom, _ edition: Edition, after step: String, kept: Bool = true,
        shows: [String] = [], hides: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let page = try page(newsroom, edition)
        #expect(
            page.served == page.composed, "\(step): the page is the document as it is now",
            sourceLocation: sourceLocation)
        #expect(page.kept == kept, "\(step): kept", sourceLocation: sourceLocation)
        for text in shows {
            #expect(page.served.contains(text), "\(step): shows \(text)", sourceLocation: sourceLocation)
        }
        for text in hides {
            #expect(!page.served.contains(text), "\(step): no longer shows \(text)", sourceLocation: sourceLocation)
        }
    }

    @Test(
        "a kept page follows every change its page shows: edits, live updates, subjects, the language switch, names, settings and time"
    )
    func followsEveryChange() throws {
        let newsroom = try TestNewsroom("kept")
        #expect(try newsroom.run(["subject", "add", "kyiv", "--name", "en=Kyiv", "--name", "uk=Київ"]).status == 0)
        #expect(try newsroom.run(["subject", "add", "energy", "--name", "uk=Енергетика"]).status == 0)
        let desk = try newsroom.desk()
        let uk = try desk.publish(desk.createStory(NewStory(lang: "uk", headline: "Засідання Київради")).reference)
        #expect(try newsroom.run(["tag", String(uk.storyID), "kyiv"]).status == 0)
        let translation = try newsroom.json(
            Edition.self, ["translate", uk.reference, "--to", "en", "--headline", "Kyiv council meets"])
        let en = try desk.publish(translation.reference)
        try Self.expectPage(newsroom, uk, after: "publication", shows: ["Засідання Київради", en.slug, "Київ"])

        _ = try desk.edit(uk.reference, EditionChanges(lead: "Депутати зібралися в п'ятницю."))
        try Self.expectPage(newsroom, uk, after: "an edit", shows: ["Депутати зібралися в п'ятницю."])

        let update = try newsroom.json(LiveUpdate.self, ["update", "add", uk.reference, "--body", "Почалося."])
        // A live update is not built as it commits (the site's page cache holds a live page between
        // updates): its page is composed until the next edit builds it.
        try Self.expectPage(newsroom, uk, after: "a live update", kept: false, shows: ["Почалося."])
        #expect(try newsroom.run(["update", "edit", String(update.id), "--body", "Почалося о 10:00."]).status == 0)
        try Self.expectPage(newsroom, uk, after: "an update's edit", kept: false, shows: ["Почалося о 10:00."])
        #expect(try newsroom.run(["update", "key", String(update.id)]).status == 0)
        try Self.expectPage(newsroom, uk, after: "a key event", kept: false, shows: ["\"key\": true"])
        #expect(try newsroom.run(["update", "withdraw", String(update.id), "--reason", "Помилка."]).status == 0)
        try Self.expectPage(newsroom, uk, after: "an update's withdrawal", kept: false, hides: ["Почалося о 10:00."])

        #expect(try newsroom.run(["tag", String(uk.storyID), "energy"]).status == 0)
        try Self.expectPage(newsroom, uk, after: "a tag", shows: ["Енергетика"])
        #expect(try newsroom.run(["subject", "rename", "kyiv", "--name", "uk=Київ-місто"]).status == 0)
        // A rename may touch thousands of stories: their pages are composed until built.
        try Self.expectPage(newsroom, uk, after: "a subject's new name", kept: false, shows: ["Київ-місто"])

        // The other edition's changes: the language switch.
        _ = try desk.unpublish(en.reference, reason: "Переклад перевіряють.")
        try Self.expectPage(newsroom, uk, after: "the translation's withdrawal", hides: [en.slug])
        _ = try desk.republish(en.reference)
        try Self.expectPage(newsroom, uk, after: "the translation's return", shows: [en.slug])

        // Names of staff and settings show on every page: every page is
        // composed again until built again. (An update by the staff login
        // the CLI acts as names its author.)
        #expect(try newsroom.run(["update", "add", uk.reference, "--body", "Триває."]).status == 0)
        let owner = try newsroom.connect()
        try Self.expectPage(newsroom, uk, after: "another live update", kept: false, shows: ["Триває."])
        try owner.execute(
            "UPDATE newsroom.staff SET names = '{\"uk\": \"Ольга Коваль\"}' WHERE login = \(newsroom.staffLogin)")
        try Self.expectPage(newsroom, uk, after: "a staff member's new name", kept: false, shows: ["Ольга Коваль"])
        try owner.execute("UPDATE newsroom.newsroom_setting SET value = 'https://news.example' WHERE key = 'site_url'")
        try Self.expectPage(newsroom, uk, after: "a new site address", kept: false, shows: ["https://news.example"])
        let built = try owner.query("SELECT newsroom.keep_pages(100) AS n")[0].decode("n", as: Int32.self)
        #expect(built == 2)
        try Self.expectPage(newsroom, uk, after: "keep_pages", shows: ["Ольга Коваль", "https://news.example"])

        // Time alone: a third edition under embargo joins the switch when the embargo lifts.
        let ru = try newsroom.json(
            Edition.self, ["translate", uk.reference, "--to", "ru", "--headline", "Заседание Киевсовета"])
        let lift = Date().addingTimeInterval(3)
        #expect(
            try newsroom.run(["edit", ru.reference, "--embargo-until", RFC3339.string(from: lift)]).status == 0)
        _ = try desk.publish(ru.reference)
        try Self.expectPage(newsroom, uk, after: "an embargoed translation", hides: [ru.slug])
        Thread.sleep(until: lift.addingTimeInterval(0.5))
        try Self.expectPage(newsroom, uk, after: "the embargo's lift", kept: false, shows: [ru.slug])
    }

    @Test("a change made in a transaction that reads one snapshot is not built from it, and the page is composed")
    func snapshotTransactions() throws {
        let newsroom = try TestNewsroom("keptsnapshot")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        try Self.expectPage(newsroom, live, after: "publication")
        let staff = try newsroom.connect(as: newsroom.staffLogin)
        try staff.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        _ = try staff.query("SELECT desk.edit_edition(\(live.reference), lead => 'Begun.')")
        try staff.execute("COMMIT")
        try Self.expectPage(newsroom, live, after: "an edit in REPEATABLE READ", kept: false, shows: ["Begun."])
    }

    @Test("two languages of one story changed at once: one waits for the other, and both are saved")
    func twoLanguagesAtOnce() throws {
        let newsroom = try TestNewsroom("keptboth")
        let desk = try newsroom.desk()
        let uk = try desk.publish(desk.createStory(NewStory(lang: "uk", headline: "Засідання Київради")).reference)
        let ru = try desk.publish(
            newsroom.json(Edition.self, ["translate", uk.reference, "--to", "ru", "--headline", "Заседание Киевсовета"])
                .reference)
        // The withdrawal of one language counts on the other's page and holds
        // it; an edit of the other, meanwhile, holds its own edition and
        // counts its page. (With a foreign key from pages to editions, the
        // withdrawal's commit then needed the edited edition's row: deadlock.)
        let results = try runConcurrently(2) { index -> String in
            if index == 0 {
                Thread.sleep(forTimeInterval: 0.5)  // while the withdrawal is open
                return try newsroom.run(["edit", uk.reference, "--lead", "Депутати зібралися в п'ятницю."]).description
            }
            let withdrawing = try newsroom.connect(as: newsroom.staffLogin)
            try withdrawing.executeScript(
                unsafeSQL: "BEGIN; SELECT desk.unpublish_edition('\(ru.reference)', 'Переклад перевіряють.')")
            Thread.sleep(forTimeInterval: 2)
            try withdrawing.execute("COMMIT")
            return "committed"
        }
        #expect(results[0].hasPrefix("exit 0"), "\(results[0])")
        #expect(results[1] == "committed")
        #expect(try desk.show(ru.reference).status == .withdrawn)
        try Self.expectPage(newsroom, uk, after: "both", shows: ["Депутати зібралися в п'ятницю."], hides: [ru.slug])
    }

    @Test("a page built after a reader's moment is not given to that reader: it may show what came due since")
    func builtAfterTheReadersMoment() throws {
        let newsroom = try TestNewsroom("keptmoment")
        let desk = try newsroom.desk()
        let uk = try desk.publish(desk.createStory(NewStory(lang: "uk", headline: "Засідання Київради")).reference)
        let ru = try newsroom.json(
            Edition.self, ["translate", uk.reference, "--to", "ru", "--headline", "Заседание Киевсовета"])
        let due = Date().addingTimeInterval(2)
        _ = try desk.publish(ru.reference, at: RFC3339.string(from: due))
        // A reader's transaction whose moment is before the translation is due…
        let reader = try newsroom.connect()
        try reader.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        _ = try reader.query("SELECT now()")
        Thread.sleep(until: due.addingTimeInterval(0.5))
        // …and the page built after it, with the translation in its switch.
        _ = try desk.edit(uk.reference, EditionChanges(lead: "Депутати зібралися."))
        let row = try reader.query(
            """
            SELECT (site.article(e.lang, e.slug, 0)->'edition')::text AS served,
                   newsroom.compose(newsroom.as_seen(e), NULL, true)::text AS composed
            FROM newsroom.edition e WHERE e.id = \(uk.id)
            """)[0]
        let served = try row.decode("served", as: String.self)
        #expect(served == (try row.decode("composed", as: String.self)))
        #expect(!served.contains(ru.slug))
        try reader.execute("COMMIT")
        try Self.expectPage(newsroom, uk, after: "the translation's time", shows: [ru.slug, "Депутати зібралися."])
    }

}
