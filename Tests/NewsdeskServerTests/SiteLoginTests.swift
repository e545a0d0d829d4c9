import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

/// The site reads as newsdesk_site. Attacked here as psql would, through
/// that login: it must see only what readers see, whatever it calls.
@Suite("The site's login sees only what readers see")
struct SiteLoginTests {
    @Test("newsdesk_site calls the site functions and nothing else: no desk action, no table, no staff data")
    func onlySiteFunctions() throws {
        let newsroom = try TestNewsroom("sitelogin")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let site = try newsroom.connect(as: "newsdesk_site")

        for attempt in [
            "SELECT desk.show_edition('\(live.reference)')", "SELECT desk.feed('en')",
            "SELECT desk.publish_edition('\(live.reference)')", "SELECT * FROM newsroom.edition",
            "SELECT * FROM newsroom.public_change", "SELECT * FROM newsroom.staff",
            "SELECT * FROM newsroom.reader_page", "UPDATE newsroom.reader_page SET document = '{}'",
            "SELECT newsroom.keep_pages(10)", "SELECT newsroom.build_page(\(live.storyID), \(live.id))",
            "SELECT newsroom.compose_edition(\(live.id), NULL, true)",
            "SELECT newsroom.record_public_change('edition.published', e, NULL, now()) FROM newsroom.edition e",
            "INSERT INTO newsroom.public_change (visible_at, kind, story_id, edition_id) VALUES (now(), 'edition.published', \(live.storyID), \(live.id))",
            "SELECT desk.staff_list()", "SELECT desk.audit_head()", "SELECT logins.admit('x')",
            "SELECT pg_advisory_xact_lock(1)", "SELECT pg_advisory_lock(1, 2)",
            "SELECT pg_try_advisory_xact_lock(1, 2)",
            "SELECT lo_from_bytea(0, 'kept outside every table')", "SELECT lo_create(0)", "SELECT lo_creat(-1)",
            "CREATE TABLE site.mine (x int)",
            "CREATE FUNCTION site.mine() RETURNS int LANGUAGE sql AS 'SELECT 1'"
        ] {
            #expect(throws: PostgresError.self, "\(attempt)") { try site.execute(Query(unsafeSQL: attempt)) }
        }
        // What it may call works, and returns only the public document.
        let article = try site.query("SELECT site.article('en', \(live.slug))::text AS a")[0].decode(
            "a", as: String.self)
        #expect(article.contains("\"state\": \"visible\""))
        for staffOnly in ["review_note", "withdrawn_updates", "saved_by", "scheduled_at"] {
            #expect(!article.contains("\"\(staffOnly)\""), "\(staffOnly)")
        }
        #expect(
            try site.query("SELECT site.changes()::text AS c")[0].decode("c", as: String.self).contains(
                "edition.published"))
    }

    @Test(
        "drafts, review notes, schedules, embargoes and unpublished translations stay hidden from every site function")
    func nothingUnpublished() throws {
        let newsroom = try TestNewsroom("sitehidden")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "uk", headline: "Засідання Київради")).reference)
        // A translation still in draft: its slug must not reach readers through the language switch.
        let draftTranslation = try newsroom.json(
            Edition.self, ["translate", live.reference, "--to", "en", "--headline", "Secret draft headline"])
        let returned = try desk.createStory(NewStory(lang: "en", headline: "Returned draft"))
        _ = try desk.submit(returned.reference)
        _ = try desk.returnToDraft(returned.reference, note: "Confidential note for the reporter")
        let later = RFC3339.string(from: Date().addingTimeInterval(3600))
        let scheduled = try desk.publish(
            desk.createStory(NewStory(lang: "en", headline: "Scheduled secret")).reference, at: later)
        var embargo = NewStory(lang: "en", headline: "Embargoed secret")
        embargo.embargoUntil = later
        let embargoed = try desk.publish(desk.createStory(embargo).reference)
        _ = try newsroom.run(["update", "add", embargoed.reference, "--body", "Embargoed update"])

        let site = try newsroom.connect(as: "newsdesk_site")
        var everything = ""
        for call in [
            "site.article('uk', '\(live.slug)')", "site.article('en', '\(draftTranslation.slug)')",
            "site.article('en', '\(returned.slug)')", "site.article('en', '\(scheduled.slug)')",
            "site.article('en', '\(embargoed.slug)')", "site.feed()", "site.feed('en')", "site.search('secret')",
            "site.search('draft')", "site.search('note')", "site.changes()",
            "site.edition_changes('en', '\(embargoed.slug)', 0)",
            "site.edition_changes('en', '\(returned.slug)', 0)", "site.subjects()", "site.about()"
        ] {
            let text = try site.query(Query(unsafeSQL: "SELECT (\(call))::text AS t"))[0].decode("t", as: String?.self)
            everything += (text ?? "") + "\n"
        }
        for secret in [
            draftTranslation.slug, "Secret draft headline", "Returned draft", "Confidential note", "Scheduled secret",
            "Embargoed secret", "Embargoed update"
        ] {
            #expect(!everything.contains(secret), "\(secret) reached the site")
        }
        #expect(everything.contains("Засідання Київради"))
    }

    @Test("the record of public changes cannot be rewritten, by staff or by the owner's own functions")
    func recordIsImmutable() throws {
        let newsroom = try TestNewsroom("siterecord")
        let desk = try newsroom.desk()
        _ = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let admin = try newsroom.connect()
        for change in [
            "UPDATE newsroom.public_change SET kind = 'edition.edited'", "DELETE FROM newsroom.public_change"
        ] {
            #expect(throws: PostgresError.self, "\(change)") { try admin.execute(Query(unsafeSQL: change)) }
        }
        #expect(try newsroom.count("newsroom.public_change") == 1)
        let staff = try newsroom.connect(as: newsroom.staffLogin)
        #expect(throws: PostgresError.self) { try staff.execute("DELETE FROM newsroom.public_change") }
        // Staff may read what readers read.
        #expect(
            try staff.query("SELECT site.changes()::text AS c")[0].decode("c", as: String.self).contains(
                "council-meets"))
    }
}
