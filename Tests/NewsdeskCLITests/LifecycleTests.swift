import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("The editorial lifecycle through the built binary")
struct LifecycleTests {
    /// An action the tool offers on an edition, and the states it is allowed from.
    struct Action: CustomTestStringConvertible, Sendable {
        let name: String
        let arguments: @Sendable (String) -> [String]
        let allowedFrom: Set<EditionStatus>
        var testDescription: String { name }
    }

    static let actions: [Action] = [
        Action(name: "submit", arguments: { ["submit", $0] }, allowedFrom: [.draft]),
        Action(name: "return", arguments: { ["return", $0, "--note", "Check the figures"] }, allowedFrom: [.inReview]),
        Action(name: "publish", arguments: { ["publish", $0] }, allowedFrom: [.draft, .inReview, .scheduled]),
        Action(
            name: "publish --at", arguments: { ["publish", $0, "--at", "2099-01-01T12:00:00Z"] },
            allowedFrom: [.draft, .inReview, .scheduled]),
        Action(
            name: "unpublish", arguments: { ["unpublish", $0, "--reason", "Legal review"] },
            allowedFrom: [.published, .scheduled]),
        Action(name: "republish", arguments: { ["republish", $0] }, allowedFrom: [.withdrawn]),
        Action(
            name: "edit", arguments: { ["edit", $0, "--lead", "A new lead"] },
            allowedFrom: [.draft, .inReview, .scheduled, .published, .withdrawn])
    ]

    /// Brings a new edition into `status` through the library.
    static func edition(in status: EditionStatus, _ newsroom: TestNewsroom) throws -> Edition {
        let desk = try newsroom.desk()
        let draft = try desk.createStory(
            NewStory(lang: "en", headline: "Lifecycle \(status.rawValue) \(UUID().uuidString.prefix(6))"))
        switch status {
        case .draft: return draft
        case .inReview: return try desk.submit(draft.reference)
        case .scheduled: return try desk.publish(draft.reference, at: "2099-06-01T12:00:00Z")
        case .published: return try desk.publish(draft.reference)
        case .withdrawn:
            _ = try desk.publish(draft.reference)
            return try desk.unpublish(draft.reference, reason: "Test")
        }
    }

    @Test(
        "every action from every state: allowed ones succeed, the others exit 1, name the state and change nothing",
        arguments: actions)
    func transitions(_ action: Action) throws {
        let newsroom = try TestNewsroom("lifecycle")
        for status in EditionStatus.allCases {
            let before = try Self.edition(in: status, newsroom)
            let result = try newsroom.run(action.arguments(before.reference))
            let after = try newsroom.desk().show(before.reference)
            if action.allowedFrom.contains(status) {
                #expect(result.status == 0, "\(action.name) from \(status): \(result)")
            } else {
                #expect(result.status == 1, "\(action.name) from \(status): \(result)")
                #expect(
                    result.stderr.contains("it is \(status.words)"), "\(action.name) from \(status): \(result.stderr)")
                #expect(
                    after.status == before.status && after.version == before.version, "\(action.name) from \(status)")
                #expect(result.stdout.isEmpty)
            }
        }
    }

    @Test("8 concurrent publishes of one draft give one publication")
    func concurrentPublish() throws {
        let newsroom = try TestNewsroom("publish8")
        let draft = try newsroom.desk().createStory(NewStory(lang: "uk", headline: "Вісім редакторів"))
        let results = try runConcurrently(8) { _ in try newsroom.run(["publish", draft.reference]) }
        #expect(results.filter { $0.status == 0 }.count == 1, "\(results)")
        #expect(results.filter { $0.status == 1 }.count == 7, "\(results)")
        let history = try newsroom.desk().history(draft.reference)
        #expect(history.entries.filter { $0.action == "publish" }.count == 1)
        #expect(try newsroom.desk().show(draft.reference).status == .published)
    }

    @Test("a scheduled edition is published from its time on, with nothing running at that time")
    func scheduledBecomesPublished() throws {
        let newsroom = try TestNewsroom("schedule")
        let draft = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Scheduled briefing"))
        let soon = RFC3339.string(from: Date().addingTimeInterval(1.5))
        let scheduled = try newsroom.json(Edition.self, ["publish", draft.reference, "--at", soon])
        #expect(scheduled.status == .scheduled)
        #expect(scheduled.publishedAt == nil)
        Thread.sleep(forTimeInterval: 2)
        let later = try newsroom.json(Edition.self, ["show", draft.reference])
        #expect(later.status == .published)
        #expect(later.publishedAt.map { abs($0.timeIntervalSince(RFC3339.date(from: soon)!)) < 0.001 } == true)
    }

    @Test(
        "publish --published-at records an earlier first publication: dated so for readers and feeds, both times audited"
    )
    func backdated() throws {
        let newsroom = try TestNewsroom("backdate")
        let desk = try newsroom.desk()
        let newer = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Published today")).reference)
        let draft = try desk.createStory(NewStory(lang: "en", headline: "From the archive"))
        let result = try newsroom.run(["publish", draft.reference, "--published-at", "2023-10-26 16:43"])
        #expect(result.status == 0, "\(result)")
        #expect(
            result.stdout
                == "Published \(draft.reference) (edition \(draft.id), version 1), dated Thursday, 26 October 2023, 16:43 Europe/Kyiv.\n",
            "\(result.stdout)")
        let shown = try newsroom.json(Edition.self, ["show", draft.reference])
        #expect(shown.status == .published)
        #expect(shown.publishedAt == RFC3339.date(from: "2023-10-26T13:43:00Z"))
        #expect(shown.updatedAt == shown.publishedAt, "no \"updated\" marker")
        // Feeds put it where it belongs in time: after today's story.
        let feed = try newsroom.json(Feed.self, ["feed", "--lang", "en"])
        #expect(feed.items.map(\.editionID) == [newer.id, draft.id])
        #expect(feed.items[1].markers.isEmpty)
        let event = try #require(
            try newsroom.connect().query(
                """
                SELECT detail::text FROM newsroom.audit_event
                WHERE edition_id = \(draft.id) AND action = 'edition.publish'
                """
            ).first?.decode(0, as: String.self))
        let detail = try JSONDecoder().decode([String: JSONValue].self, from: Data(event.utf8))
        #expect(detail["published_at"] == .string("2023-10-26T13:43:00Z"))
        let recorded = try #require(detail["recorded_at"]?.string.flatMap(RFC3339.date(from:)))
        #expect(abs(recorded.timeIntervalSinceNow) < 60)
        let history = try newsroom.json(EditionHistory.self, ["history", draft.reference])
        #expect(
            history.entries.last?.action == "publish"
                && history.entries.last?.note == "first published 2023-10-26T13:43:00Z")

        let later = try desk.createStory(NewStory(lang: "en", headline: "Not yet"))
        let future = try newsroom.run(["publish", later.reference, "--published-at", "2099-01-01 10:00"])
        #expect(future.status == 65)
        #expect(
            future.stderr == "Error: published-at: 2099-01-01 10:00 has not come yet; to publish later, use --at.\n")
        let both = try newsroom.run([
            "publish", later.reference, "--published-at", "2023-01-01 10:00", "--at", "2099-01-01 10:00"
        ])
        #expect(both.status == 64)
        #expect(try desk.show(later.reference).status == .draft)
        // Reporters do not publish, backdated or not.
        let reporter = "p_reporter_\(UUID().uuidString.prefix(6).lowercased())"
        try newsroom.addStaff(reporter, ["reporter"])
        let own = try newsroom.json(
            Edition.self, ["--as", reporter, "story", "new", "--lang", "en", "--headline", "Mine"])
        #expect(
            try newsroom.run(["--as", reporter, "publish", own.reference, "--published-at", "2023-01-01 10:00"]).status
                == 1)
    }

    @Test(
        "edit --at: readers see a scheduled revision from its time on with nothing running then; it shows as pending; an edit in between is refused; it can be cancelled"
    )
    func scheduledRevision() throws {
        let newsroom = try TestNewsroom("scheduledrevision")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Old headline")).reference)
        let draft = try desk.createStory(NewStory(lang: "en", headline: "Only a draft"))
        let onDraft = try newsroom.run(["edit", draft.reference, "--headline", "Later", "--at", "2099-01-01 09:00"])
        #expect(onDraft.status == 1 && onDraft.stderr.contains("A scheduled revision is for a published edition"))
        let past = try newsroom.run(["edit", live.reference, "--headline", "Later", "--at", "2020-01-01 09:00"])
        #expect(past.status == 65)
        #expect(
            past.stderr.hasPrefix(
                "Error: at: 2020-01-01 09:00 has passed; to change the edition now, leave out --at.\n"))
        #expect(past.stderr.contains("Your text was kept in "), "what was typed is not lost")
        let withSlug = try newsroom.run([
            "edit", live.reference, "--headline", "Later", "--slug", "later", "--at", "2099-01-01 09:00"
        ])
        #expect(withSlug.status == 65)

        let due = Date().addingTimeInterval(2.5)
        let scheduled = try newsroom.run([
            "edit", live.reference, "--headline", "New headline", "--at", RFC3339.string(from: due)
        ])
        #expect(scheduled.status == 0, "\(scheduled)")
        #expect(scheduled.stdout.hasPrefix("Scheduled version 2 of \(live.reference): readers see it from "))
        #expect(scheduled.stdout.hasSuffix("; until then, version 1.\n"), "\(scheduled.stdout)")

        // Until then readers, feeds and staff see the old text; staff see what waits.
        let before = try newsroom.json(Edition.self, ["show", live.reference])
        #expect(before.headline == "Old headline" && before.version == 1)
        #expect(before.scheduledRevision?.version == 2)
        #expect(try newsroom.json(Feed.self, ["feed", "--lang", "en"]).items.first?.headline == "Old headline")
        let history = try newsroom.json(EditionHistory.self, ["history", live.reference])
        #expect(history.entries.last?.version == 2)
        #expect(history.entries.last?.note?.hasSuffix("(pending)") == true, "\(history.entries)")
        #expect(
            try newsroom.json(WorkList.self, ["list", "--json"]).items.first { $0.id == live.id }?.revisionDueAt != nil)
        let between = try newsroom.run(["edit", live.reference, "--lead", "A lead."])
        #expect(between.status == 1)
        #expect(between.stderr.contains("cancel it first (edit --cancel-scheduled)"), "\(between.stderr)")

        // From its time on, with nothing having run then.
        Thread.sleep(until: due.addingTimeInterval(0.3))
        let after = try newsroom.json(Edition.self, ["show", live.reference])
        #expect(after.headline == "New headline" && after.version == 2 && after.scheduledRevision == nil)
        #expect(after.updatedAt.map { abs($0.timeIntervalSince(due)) < 0.001 } == true)
        let item = try #require(try newsroom.json(Feed.self, ["feed", "--lang", "en"]).items.first)
        #expect(item.headline == "New headline" && item.markers == ["updated"])
        let events = try newsroom.run(["events", "--json"]).stdout
        #expect(events.split(separator: "\n").count == 2 && events.contains("\"kind\":\"edition.edited\""), "\(events)")
        // The next change starts from it.
        let next = try newsroom.json(Edition.self, ["edit", live.reference, "--lead", "A lead."])
        #expect(next.version == 3 && next.headline == "New headline")
        #expect(
            try newsroom.run(["events", "--json"]).stdout.split(separator: "\n").count == 3,
            "announced once, at its time")

        // Cancelled before its time: history keeps it, readers never see it, versions go on after it.
        #expect(
            try newsroom.run(["edit", live.reference, "--headline", "Never", "--at", "2099-01-01 09:00"]).status == 0)
        let cancelled = try newsroom.run(["edit", live.reference, "--cancel-scheduled"])
        #expect(
            cancelled.status == 0 && cancelled.stdout == "Cancelled the revision scheduled for \(live.reference).\n")
        #expect(try newsroom.json(Edition.self, ["show", live.reference]).scheduledRevision == nil)
        #expect(
            try newsroom.json(EditionHistory.self, ["history", live.reference]).entries.last?.action
                == "cancel_revision")
        let resumed = try newsroom.json(Edition.self, ["edit", live.reference, "--lead", "Another lead."])
        #expect(resumed.version == 5 && resumed.headline == "New headline")
        #expect(try newsroom.run(["edit", live.reference, "--cancel-scheduled"]).status == 1)
    }

    @Test("return sends a note back with the draft; history lists every step with its actor")
    func returnAndHistory() throws {
        let newsroom = try TestNewsroom("history")
        let draft = try newsroom.json(Edition.self, ["story", "new", "--lang", "en", "--headline", "Council votes"])
        #expect(try newsroom.run(["submit", draft.reference]).status == 0)
        let returned = try newsroom.json(Edition.self, ["return", draft.reference, "--note", "Add the vote count"])
        #expect(returned.status == .draft)
        #expect(returned.reviewNote == "Add the vote count")
        let history = try newsroom.json(EditionHistory.self, ["history", draft.reference])
        #expect(history.entries.map(\.action) == ["create", "submit", "return"])
        #expect(history.entries.allSatisfy { $0.actor == newsroom.staffLogin })
    }
}
