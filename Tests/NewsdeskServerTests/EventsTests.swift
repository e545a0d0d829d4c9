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

        let all = try Self.events(newsroom)
        #expect(
            all.map(\.kind) == [
                "edition.published", "update.added", "edition.edited", "update.withdrawn", "edition.withdrawn",
                "edition.published"
            ])
        #expect(all.allSatisfy { $0.editionID == live.id && $0.lang == "en" && $0.slug == live.slug })
        #expect(all[0].surrogateKeys == ["edition-\(live.id)", "story-\(live.storyID)", "feed-en", "subject-kyiv"])
        #expect(all.map(\.id) == all.map(\.id).sorted())
        #expect(all.map(\.at) == all.map(\.at).sorted())

        // From a cursor: only what came after it.
        let rest = try Self.events(newsroom, ["--after", all[2].cursor])
        #expect(rest.map(\.id) == all.dropFirst(3).map(\.id))
        #expect(try Self.events(newsroom, ["--after", all.last!.cursor]).isEmpty)
        #expect(try Self.events(newsroom, ["--after", "now"]).isEmpty)

        let text = try newsroom.run(["events"])
        #expect(text.status == 0)
        #expect(
            text.stdout.split(separator: "\n").first?.hasSuffix(
                "edition.published              en/\(live.slug)  purge: edition-\(live.id) story-\(live.storyID) feed-en subject-kyiv"
            ) == true, "\(text.stdout)")
        let bad = try newsroom.run(["events", "--after", "yesterday"])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("after: \"yesterday\" is not a cursor from newsdesk events."))
    }
}
