import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Public changes: newsdesk events, and what time alone changes")
struct EventsTests {
    static func events(_ newsroom: TestNewsroom, _ arguments: [String] = []) throws -> [PublicChange] {
        let result = try newsroom.run(["events", "--json"] + arguments)
        guard result.status == 0 else { throw TestSetupError("events failed: \(result)") }
        return try result.stdout.split(separator: "\n").map {
            try NewsroomJSON.decoder().decode(PublicChange.self, from: Data($0.utf8))
        }
    }

    @Test("every public change once, in order, with the keys to purge; --after resumes; bad cursors are refused")
    func stream() throws {
        let newsroom = try TestNewsroom("events")
        #expect(try newsroom.run(["subject", "add", "kyiv", "--name", "en=Kyiv"]).status == 0)
        let desk = try newsroom.desk()
        let draft = try desk.createStory(NewStory(lang: "en", headline: "Council meets"))
        #expect(try newsroom.run(["tag", String(draft.storyID), "kyiv"]).status == 0)
        #expect(try Self.events(newsroom).isEmpty)  // a draft is nobody's business yet
        let live = try desk.publish(draft.reference)
        let update = try newsroom.json(LiveUpdate.self, ["update", "add", live.reference, "--body", "Begun."])
        _ = try desk.edit(live.reference, EditionChanges(lead: "The council met on Friday."))
        #expect(try newsroom.run(["update", "withdraw", String(update.id), "--reason", "Duplicate."]).status == 0)
        #expect(try newsroom.run(["unpublish", live.reference, "--reason", "Cancelled."]).status == 0)
        #expect(try newsroom.run(["republish", live.reference]).status == 0)
        // Its page's "Subjects:" line changes: tagging and untagging a public story are edits.
        #expect(try newsroom.run(["subject", "add", "energy", "--name", "en=Energy"]).status == 0)
        #expect(try newsroom.run(["tag", String(live.storyID), "energy"]).status == 0)
        #expect(try newsroom.run(["untag", String(live.storyID), "energy"]).status == 0)
        // So does renaming one of its subjects; renaming a subject it no longer has changes nothing there.
        #expect(try newsroom.run(["subject", "rename", "kyiv", "--name", "en=Kyiv City"]).status == 0)
        #expect(try newsroom.run(["subject", "rename", "energy", "--name", "en=Power"]).status == 0)

        let all = try Self.events(newsroom)
        #expect(
            all.map(\.kind) == [
                "edition.published", "update.added", "edition.edited", "update.withdrawn", "edition.withdrawn",
                "edition.published", "edition.edited", "edition.edited", "edition.edited"
            ])
        #expect(all.allSatisfy { $0.editionID == live.id && $0.lang == "en" && $0.slug == live.slug })
        #expect(
            all[0].surrogateKeys == ["edition-\(live.id)", "story-\(live.storyID)", "feed", "feed-en", "subject-kyiv"])
        #expect(all.map(\.id) == all.map(\.id).sorted())
        #expect(all.map(\.at) == all.map(\.at).sorted())
        // Each of these was public at once: recorded with one reading of the
        // clock, so none looks deferred and is dropped once the story is withdrawn.
        let deferred = try newsroom.connect().query(
            "SELECT count(*) FROM newsroom.public_change WHERE visible_at <> recorded_at")
        #expect(try deferred[0].decode(0) as Int64 == 0)

        // From a cursor: only what came after it.
        let rest = try Self.events(newsroom, ["--after", all[2].cursor])
        #expect(rest.map(\.id) == all.dropFirst(3).map(\.id))
        #expect(try Self.events(newsroom, ["--after", all.last!.cursor]).isEmpty)
        #expect(try Self.events(newsroom, ["--after", "now"]).isEmpty)

        let text = try newsroom.run(["events"])
        #expect(text.status == 0)
        #expect(
            text.stdout.split(separator: "\n").first?.hasSuffix(
                "edition.published              en/\(live.slug)  purge: edition-\(live.id) story-\(live.storyID) feed feed-en subject-kyiv"
            ) == true, "\(text.stdout)")
        let bad = try newsroom.run(["events", "--after", "yesterday"])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("after: \"yesterday\" is not a cursor from newsdesk events."))
    }

    @Test(
        "an embargo set on a story readers can see takes it off the site at once: caches are told, its live page ends; it returns when the embargo lifts"
    )
    func heldBack() throws {
        let newsroom = try TestNewsroom("eventshidden")
        let desk = try newsroom.desk()
        let story = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Early report")).reference)
        let server = try SiteServer(newsroom)
        defer { server.stop() }
        let page = "/en/\(story.slug)"
        // Twice: the second answer comes from the page cache, which the change must empty.
        #expect(try server.request(page).status == 200)
        #expect(try server.request(page).status == 200)
        #expect(try server.request("/en/").body.contains("Early report"))
        let stream = try server.openEvents(page + "/live")
        defer { stream.close() }
        #expect(stream.wait(for: "retry: 3000", seconds: 10))
        let before = try #require(try Self.events(newsroom).last).cursor

        let lift = Date().addingTimeInterval(4)
        let held = try newsroom.run(["edit", story.reference, "--embargo-until", RFC3339.string(from: lift)])
        #expect(held.status == 0, "\(held)")
        #expect(try server.request(page, within: 2) { $0.status == 404 }.status == 404)
        #expect(
            !(try server.request("/en/", within: 2) { !$0.body.contains("Early report") }.body.contains("Early report"))
        )
        #expect(stream.wait(for: "event: edition.hidden", seconds: 5), "\(stream.text)")
        let hidden = try Self.events(newsroom, ["--after", before])
        #expect(hidden.map(\.kind) == ["edition.hidden"])
        #expect(hidden.first?.surrogateKeys.contains("edition-\(story.id)") == true)

        Thread.sleep(until: lift.addingTimeInterval(0.5))
        #expect(try server.request(page, within: 2) { $0.status == 200 }.status == 200)
        #expect(
            try Self.events(newsroom, ["--after", before]).map(\.kind) == ["edition.hidden", "edition.embargo_lifted"])
    }

    @Test(
        "an embargo lifting and a scheduled time arriving show in pages and in events --follow, though no transaction happens then"
    )
    func timeAlone() throws {
        let newsroom = try TestNewsroom("eventstime")
        let desk = try newsroom.desk()
        let soon = Date().addingTimeInterval(4)
        let scheduled = try desk.publish(
            desk.createStory(NewStory(lang: "en", headline: "Scheduled story")).reference,
            at: RFC3339.string(from: soon))
        var embargo = NewStory(lang: "en", headline: "Embargoed story")
        embargo.embargoUntil = RFC3339.string(from: soon.addingTimeInterval(0.5))
        let embargoed = try desk.publish(desk.createStory(embargo).reference)
        // A schedule that was moved: its first time must not count.
        let moved = try desk.publish(
            desk.createStory(NewStory(lang: "en", headline: "Moved story")).reference, at: RFC3339.string(from: soon))
        _ = try desk.publish(moved.reference, at: RFC3339.string(from: Date().addingTimeInterval(3600)))

        let server = try SiteServer(newsroom)
        defer { server.stop() }
        let followed = NSTemporaryDirectory() + "newsdesk-follow-" + UUID().uuidString.prefix(8)
        let follower = try ProcessRunner.start(
            [CommandLineTool.binary.path, "events", "--follow", "--json", "--after", "now"],
            environment: newsroom.environment, outputTo: followed)
        defer {
            follower.stop()
            try? FileManager.default.removeItem(atPath: followed)
            try? FileManager.default.removeItem(atPath: followed + ".stderr")
        }
        #expect(try server.request("/en/\(scheduled.slug)").status == 404)
        #expect(try server.request("/en/\(embargoed.slug)").status == 404)
        // Twice: the second answer comes from the page cache, which the due time must empty.
        #expect(!(try server.request("/en/").body.contains("Scheduled story")))
        #expect(!(try server.request("/en/").body.contains("Scheduled story")))

        Thread.sleep(until: soon.addingTimeInterval(0.5))
        // The server reads the record of changes once a second: the time
        // has come for both within that second.
        #expect(try server.request("/en/\(scheduled.slug)", within: 2) { $0.status == 200 }.status == 200)
        #expect(try server.request("/en/\(embargoed.slug)", within: 2) { $0.status == 200 }.status == 200)
        #expect(
            try server.request("/en/", within: 2) { $0.body.contains("Embargoed story") }.body.contains(
                "Scheduled story"))
        #expect(try server.request("/en/\(moved.slug)").status == 404)

        // events --follow reads again when the next change comes due.
        let deadline = Date().addingTimeInterval(10)
        var kinds: [String] = []
        while Date() < deadline {
            let lines = ((try? String(contentsOfFile: followed, encoding: .utf8)) ?? "").split(separator: "\n")
            let changes = try lines.map { try NewsroomJSON.decoder().decode(PublicChange.self, from: Data($0.utf8)) }
            kinds = changes.map { "\($0.kind) \($0.editionID)" }
            if kinds.count >= 2 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(kinds == ["edition.scheduled_time_reached \(scheduled.id)", "edition.embargo_lifted \(embargoed.id)"])
        let all = try Self.events(newsroom).map { "\($0.kind) \($0.editionID)" }
        #expect(all == kinds)
    }
}
