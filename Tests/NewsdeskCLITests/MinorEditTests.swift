import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Minor edits: silent fixes")
struct MinorEditTests {
    struct Listing: Decodable { let events: [AuditEvent] }

    static func audit(_ newsroom: TestNewsroom, story: Int64, action: String) throws -> [AuditEvent] {
        let result = try newsroom.run(["audit", "--story", String(story), "--action", action, "--json"])
        guard result.status == 0 else { throw TestSetupError("audit failed: \(result)") }
        return try NewsroomJSON.decoder().decode(Listing.self, from: Data(result.stdout.utf8)).events
    }

    @Test("edit --minor: no updated marker, translations that were current stay current, history and audit say minor")
    func minorEdit() throws {
        let newsroom = try TestNewsroom("minoredit")
        let desk = try newsroom.desk()
        var story = NewStory(lang: "en", headline: "Council meets")
        story.body = "The counsil meets today."
        let source = try desk.publish(desk.createStory(story).reference)
        let ukrainian = try newsroom.json(
            Edition.self, ["translate", source.reference, "--to", "uk", "--headline", "Рада збирається"])
        let russian = try newsroom.json(
            Edition.self, ["translate", source.reference, "--to", "ru", "--headline", "Совет собирается"])
        // The Russian edition falls behind: an ordinary edit, which readers see as an update.
        let edited = try newsroom.json(Edition.self, ["edit", source.reference, "--lead", "The council meets."])
        #expect(try newsroom.json(Edition.self, ["show", source.reference]).updatedAt! > source.updatedAt!)
        #expect(
            try newsroom.json(Feed.self, ["feed", "--lang", "en"]).items.first { $0.editionID == source.id }?.markers
                == ["updated"])
        _ = try newsroom.json(
            Edition.self, ["translate", ukrainian.reference, "--refresh", "--headline", "Рада збирається сьогодні"])
        #expect(try TranslationTests.state(newsroom, story: source.storyID, "uk").stale == false)
        #expect(try TranslationTests.state(newsroom, story: source.storyID, "ru").stale == true)

        let fix = try newsroom.run(["edit", source.reference, "--body", "The council meets today.", "--minor"])
        #expect(fix.status == 0, "\(fix)")
        #expect(fix.stdout == "Saved a minor edit to \(source.reference) (edition \(source.id), version 3).\n")
        let fixed = try newsroom.json(Edition.self, ["show", source.reference])
        #expect(fixed.body == "The council meets today." && fixed.version == 3)
        #expect(fixed.updatedAt == edited.updatedAt, "a minor edit moves no \"updated\" time")
        // The Ukrainian translation followed version 2, so it follows 3; the Russian one is still behind.
        let uk = try TranslationTests.state(newsroom, story: source.storyID, "uk")
        #expect(uk.stale == false && uk.source?.version == 3)
        let ru = try TranslationTests.state(newsroom, story: source.storyID, "ru")
        #expect(ru.stale == true && ru.source?.version == 1)
        #expect(ukrainian.id != russian.id)

        let history = try newsroom.json(EditionHistory.self, ["history", source.reference])
        #expect(history.entries.filter { $0.version != nil }.map(\.action) == ["create", "edit", "minor"])
        let event = try #require(try Self.audit(newsroom, story: source.storyID, action: "edition.edit").last)
        #expect(event.detail["minor"] == .bool(true))
        #expect(event.detail["translations_kept_current"] == .array([.integer(ukrainian.id)]))

        // An ordinary edit after it is an update again, and makes the Ukrainian translation stale.
        #expect(try newsroom.run(["edit", source.reference, "--headline", "Council meets at noon"]).status == 0)
        #expect(try newsroom.json(Edition.self, ["show", source.reference]).updatedAt! > edited.updatedAt!)
        #expect(try TranslationTests.state(newsroom, story: source.storyID, "uk").stale == true)
    }

    @Test("--minor with --correction is refused: by the tool (exit 64) and by the database for plain SQL")
    func minorIsNotACorrection() throws {
        let newsroom = try TestNewsroom("minorcorrection")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let both = try newsroom.run([
            "edit", live.reference, "--body", "Fixed.", "--minor", "--correction", "Wrong day."
        ])
        #expect(both.status == 64)
        #expect(both.stderr.contains("Give --minor or --correction, not both: a correction is told to readers."))
        // The same rule for anyone connecting as staff with plain SQL.
        let editor = try newsroom.connect(as: newsroom.staffLogin)
        let error = #expect(throws: PostgresError.self) {
            try editor.execute(
                "SELECT desk.edit_edition(reference => \(live.reference), body => 'Fixed.', correction => 'Wrong day.', minor => true)"
            )
        }
        #expect(
            error?.message.hasPrefix("minor: a correction is told to readers") == true, "\(String(describing: error))")
        #expect(try newsroom.json(Edition.self, ["show", live.reference]).version == 1, "nothing was saved")
    }

    @Test("update edit --minor keeps the update's edited time and sets no updated on the edition")
    func minorUpdateEdit() throws {
        let newsroom = try TestNewsroom("minorupdate")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let added = try newsroom.json(LiveUpdate.self, ["update", "add", live.reference, "--body", "The sesion began."])
        let before = try newsroom.json(Edition.self, ["show", live.reference])

        let fix = try newsroom.run(["update", "edit", String(added.id), "--body", "The session began.", "--minor"])
        #expect(fix.status == 0, "\(fix)")
        #expect(fix.stdout.hasPrefix("Made a minor edit to update \(added.id) (#1 on edition \(live.id), "))
        let fixed = try newsroom.json(
            LiveUpdate.self, ["update", "edit", String(added.id), "--kind", "update", "--minor"])
        #expect(fixed.body == "The session began." && fixed.editedAt == nil && fixed.version == 3)
        let after = try newsroom.json(Edition.self, ["show", live.reference])
        #expect(after.updatedAt == before.updatedAt)
        #expect(after.updates.map(\.body) == ["The session began."])
        let event = try #require(try Self.audit(newsroom, story: live.storyID, action: "update.edit").first)
        #expect(event.detail["minor"] == .bool(true))

        // An ordinary edit shows readers it was edited, and when.
        let edited = try newsroom.json(
            LiveUpdate.self, ["update", "edit", String(added.id), "--body", "It began at ten."])
        #expect(edited.editedAt != nil)
        #expect(try newsroom.json(Edition.self, ["show", live.reference]).updatedAt! > before.updatedAt!)
    }
}

@Suite("Bylines: editors credit and uncredit")
struct BylineTests {
    @Test(
        "an editor adds and removes names; a reporter may not; unknown names, absent names and an empty byline are refused"
    )
    func bylines() throws {
        let newsroom = try TestNewsroom("bylines")
        let suffix = UUID().uuidString.prefix(6).lowercased()
        let reporter = "b_reporter_\(suffix)", colleague = "b_colleague_\(suffix)", leaver = "b_leaver_\(suffix)"
        try newsroom.addStaff(reporter, ["reporter"])
        try newsroom.addStaff(colleague, ["reporter"])
        try newsroom.addStaff(leaver, ["reporter"])
        #expect(try newsroom.run(["staff", "deactivate", leaver]).status == 0)
        let draft = try newsroom.json(
            Edition.self, ["--as", reporter, "story", "new", "--lang", "en", "--headline", "Council meets"])
        #expect(draft.bylines == [reporter])

        // A reporter cannot put a colleague on their own draft, or take themselves off it.
        let byReporter = try newsroom.run(["--as", reporter, "edit", draft.reference, "--add-byline", colleague])
        #expect(byReporter.status == 1)
        #expect(byReporter.stderr.contains("Changing the byline of \(draft.reference) needs the editor role."))

        let added = try newsroom.json(
            Edition.self, ["edit", draft.reference, "--add-byline", colleague, "--add-byline", colleague])
        #expect(added.bylines == [reporter, colleague], "each name once, in the order given")
        let swapped = try newsroom.json(
            Edition.self, ["edit", draft.reference, "--remove-byline", reporter, "--add-byline", reporter])
        #expect(swapped.bylines == [colleague, reporter])

        for (arguments, message) in [
            (["--add-byline", "nobody_here"], "byline: nobody_here is not on the staff; see newsdesk staff list."),
            (["--add-byline", leaver], "byline: \(leaver) is not on the staff; see newsdesk staff list."),
            (
                ["--remove-byline", leaver],
                "byline: \(leaver) is not on the byline of \(draft.reference) (\(colleague), \(reporter))."
            ),
            (
                ["--remove-byline", colleague, "--remove-byline", reporter],
                "byline: \(draft.reference) would be credited to nobody; add a name before you remove the last."
            )
        ] {
            let refused = try newsroom.run(["edit", draft.reference] + arguments)
            #expect(refused.status == 65, "\(arguments)")
            #expect(refused.stderr == "Error: \(message)\n", "\(refused.stderr)")
        }
        let history = try newsroom.json(EditionHistory.self, ["history", draft.reference])
        #expect(history.entries.compactMap(\.version) == [1, 2, 3], "the refused edits saved nothing")
        let event = try #require(
            try MinorEditTests.audit(newsroom, story: draft.storyID, action: "edition.edit").first)
        #expect(event.detail["after"]?["bylines"] == .array([.string(reporter), .string(colleague)]))
    }

    @Test("restoring a version changes the byline only as an edit may: by an editor, and to people on the staff")
    func restoredBylines() throws {
        let newsroom = try TestNewsroom("bylines")
        let suffix = UUID().uuidString.prefix(6).lowercased()
        let reporter = "r_reporter_\(suffix)", colleague = "r_colleague_\(suffix)", leaver = "r_leaver_\(suffix)"
        for login in [reporter, colleague, leaver] { try newsroom.addStaff(login, ["reporter"]) }
        let draft = try newsroom.json(
            Edition.self, ["--as", reporter, "story", "new", "--lang", "en", "--headline", "Council meets"])
        #expect(try newsroom.run(["edit", draft.reference, "--add-byline", colleague]).status == 0)  // v2

        // The reporter may restore their draft, but not take their colleague off it that way.
        let byReporter = try newsroom.run(["--as", reporter, "restore", draft.reference, "1"])
        #expect(byReporter.status == 1, "\(byReporter)")
        #expect(
            byReporter.stderr.contains(
                "Restoring version 1 of \(draft.reference) would change its byline (\(reporter), not \(reporter), "
                    + "\(colleague)), which needs the editor role."), "\(byReporter.stderr)")
        #expect(try newsroom.run(["--as", reporter, "restore", draft.reference, "2"]).status == 0)  // v3, same byline

        // A version that credits someone who has left is not restored.
        #expect(try newsroom.run(["edit", draft.reference, "--add-byline", leaver]).status == 0)  // v4
        #expect(try newsroom.run(["edit", draft.reference, "--remove-byline", leaver]).status == 0)  // v5
        #expect(try newsroom.run(["staff", "deactivate", leaver]).status == 0)
        let credited = try newsroom.run(["restore", draft.reference, "4"])
        #expect(credited.status == 65)
        #expect(
            credited.stderr
                == "Error: byline: \(leaver) is not on the staff; restoring version 4 of \(draft.reference) would credit them again.\n"
        )

        // An editor restores the first version, byline and all.
        let restored = try newsroom.json(Edition.self, ["restore", draft.reference, "1"])
        #expect(restored.bylines == [reporter] && restored.version == 6)
        let history = try newsroom.json(EditionHistory.self, ["history", draft.reference])
        #expect(history.entries.compactMap(\.version) == [1, 2, 3, 4, 5, 6], "the refused restores saved nothing")
    }
}
