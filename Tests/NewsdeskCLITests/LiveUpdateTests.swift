import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Live updates")
struct LiveUpdateTests {
    static func publishedEdition(_ newsroom: TestNewsroom, _ headline: String, lang: String = "en") throws -> Edition {
        let desk = try newsroom.desk()
        return try desk.publish(desk.createStory(NewStory(lang: lang, headline: headline)).reference)
    }

    /// Seqs of an edition's updates in order, as a reader sees them at this moment.
    static func seqs(_ connection: Connection, _ edition: Int64) throws -> [Int] {
        try connection.query("SELECT seq FROM newsroom.live_update WHERE edition_id = \(edition) ORDER BY seq")
            .map { try $0.decode("seq", as: Int.self) }
    }

    @Test(
        "16 writers × 250 appends over 4 editions: none lost, none doubled, seq gapless, every read a prefix of later ones"
    )
    func libraryLoad() throws {
        let newsroom = try TestNewsroom("updateload")
        let editions = try (0..<4).map { try Self.publishedEdition(newsroom, "Busy day \($0)") }
        let done = Results<Bool>(count: 1)
        // A reader watches one edition while the writers run.
        let reads = Results<[[Int]]>(count: 1)
        let reader = Thread {
            var snapshots: [[Int]] = []
            if let connection = try? newsroom.connect() {
                while done.values[0] == nil {
                    if let seqs = try? Self.seqs(connection, editions[0].id) { snapshots.append(seqs) }
                }
            }
            reads.set(0, .success(snapshots))
        }
        reader.start()
        _ = try runConcurrently(16) { writer in
            let desk = LiveUpdateDesk(connection: try newsroom.connect())
            for index in 0..<250 {
                _ = try desk.add(to: editions[(writer + index) % 4].reference, body: "Writer \(writer) update \(index)")
            }
        }
        done.set(0, .success(true))
        while reads.values[0] == nil { usleep(10_000) }
        let connection = try newsroom.connect()
        let bodies = try connection.query("SELECT body FROM newsroom.live_update").map {
            try $0.decode("body", as: String.self)
        }
        #expect(bodies.count == 4_000)
        #expect(Set(bodies).count == 4_000)
        for edition in editions {
            let seqs = try Self.seqs(connection, edition.id)
            #expect(seqs == Array(1...1_000))
        }
        let snapshots = try reads.values[0]!.get()
        #expect(snapshots.count > 1)
        for (earlier, later) in zip(snapshots, snapshots.dropFirst()) {
            #expect(earlier.count <= later.count && Array(later.prefix(earlier.count)) == earlier)
            #expect(earlier == (0..<earlier.count).map { $0 + 1 })
        }
        #expect(try newsroom.desk().show(editions[0].reference).updates.count == 1_000)
    }

    @Test("16 parallel newsdesk processes × 20 appends on one edition: gapless, nothing lost")
    func processLoad() throws {
        let newsroom = try TestNewsroom("updateprocs")
        let edition = try Self.publishedEdition(newsroom, "Breaking")
        let results = try runConcurrently(16) { writer in
            try (0..<20).map { index in
                try newsroom.run(["update", "add", edition.reference, "--body", "P\(writer)-\(index)"])
            }
        }.flatMap { $0 }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.filter { $0.status != 0 })")
        let connection = try newsroom.connect()
        #expect(try Self.seqs(connection, edition.id) == Array(1...320))
        let bodies = try connection.query("SELECT body FROM newsroom.live_update").map {
            try $0.decode("body", as: String.self)
        }
        #expect(Set(bodies) == Set((0..<16).flatMap { writer in (0..<20).map { "P\(writer)-\($0)" } }))
    }

    @Test("updates on drafts, withdrawn and unknown editions are refused with the documented exit codes")
    func refusals() throws {
        let newsroom = try TestNewsroom("updaterefuse")
        let desk = try newsroom.desk()
        let draft = try desk.createStory(NewStory(lang: "en", headline: "Still a draft"))
        let onDraft = try newsroom.run(["update", "add", draft.reference, "--body", "Too early"])
        #expect(onDraft.status == 1)
        #expect(onDraft.stderr.contains("it is draft; updates go on published editions"))
        let withdrawn = try desk.unpublish(Self.publishedEdition(newsroom, "Pulled").reference, reason: "Legal")
        let onWithdrawn = try newsroom.run(["update", "add", withdrawn.reference, "--body", "Too late"])
        #expect(onWithdrawn.status == 1)
        #expect(onWithdrawn.stderr.contains("it is withdrawn"))
        let unknown = try newsroom.run(["update", "add", "en/no-such-story", "--body", "Lost"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("There is no edition en/no-such-story"))
        let badKind = try newsroom.run(["update", "add", withdrawn.reference, "--body", "x", "--kind", "rumour"])
        #expect(badKind.status == 64)
        let noBody = try newsroom.run(["update", "add", withdrawn.reference])
        #expect(noBody.status == 64)
        #expect(try newsroom.count("newsroom.live_update") == 0)
    }

    @Test("edit and withdraw keep history; readers see the edit and never the withdrawn text")
    func editAndWithdraw() throws {
        let newsroom = try TestNewsroom("updateedit")
        let edition = try Self.publishedEdition(newsroom, "Evolving")
        let first = try newsroom.json(LiveUpdate.self, ["update", "add", edition.reference, "--body", "Ten injured"])
        let second = try newsroom.json(LiveUpdate.self, ["update", "add", edition.reference, "--body", "Wrong report"])
        let edited = try newsroom.json(
            LiveUpdate.self, ["update", "edit", String(first.id), "--body", "Twelve injured"])
        #expect(edited.version == 2 && edited.editedAt != nil)
        _ = try newsroom.json(LiveUpdate.self, ["update", "withdraw", String(second.id), "--reason", "Unconfirmed"])
        let history = try newsroom.json(UpdateHistory.self, ["update", "history", String(first.id)])
        #expect(history.versions.map(\.body) == ["Ten injured", "Twelve injured"])
        let withdrawnHistory = try newsroom.json(UpdateHistory.self, ["update", "history", String(second.id)])
        #expect(withdrawnHistory.versions.map(\.change) == ["add", "withdraw"])
        #expect(withdrawnHistory.versions.last?.note == "Unconfirmed")
        let text = try newsroom.run(["show", edition.reference]).stdout
        #expect(text.contains("Twelve injured"))
        #expect(text.contains("(edited "))
        #expect(!text.contains("Wrong report") && !text.contains("Ten injured"))
        let listing = try newsroom.json(UpdateListing.self, ["update", "list", edition.reference])
        #expect(listing.updates.map(\.seq) == [1, 2])
        #expect(listing.updates[1].withdrawnAt != nil)
        let shown = try newsroom.desk().show(edition.reference)
        #expect(shown.updates.map(\.id) == [first.id])
        #expect(shown.updatedAt! > shown.publishedAt!)
        #expect(
            Array(try newsroom.auditActions().suffix(4)) == [
                "update.add", "update.add", "update.edit", "update.withdraw"
            ])
    }

    @Test("an update is named by its id or as EDITION#N, the number readers see; other names are refused")
    func updateReferences() throws {
        let newsroom = try TestNewsroom("updatereference")
        let edition = try Self.publishedEdition(newsroom, "Numbered")
        let other = try Self.publishedEdition(newsroom, "Elsewhere")
        _ = try newsroom.json(LiveUpdate.self, ["update", "add", other.reference, "--body", "Not this one"])
        _ = try newsroom.json(LiveUpdate.self, ["update", "add", edition.reference, "--body", "First"])
        let second = try newsroom.json(LiveUpdate.self, ["update", "add", edition.reference, "--body", "Second"])
        #expect(second.seq == 2)
        // The page numbers it the same way.
        #expect(try newsroom.run(["show", edition.reference, "--format", "html"]).stdout.contains("id=\"update-2\""))

        let edited = try newsroom.json(
            LiveUpdate.self, ["update", "edit", "\(edition.reference)#2", "--body", "Second, corrected"])
        #expect(edited.id == second.id && edited.body == "Second, corrected")
        let byID = try newsroom.json(LiveUpdate.self, ["update", "key", "\(edition.id)#2"])
        #expect(byID.id == second.id && byID.key)
        let history = try newsroom.json(UpdateHistory.self, ["update", "history", "\(edition.reference)#2"])
        #expect(history.updateID == second.id && history.versions.count == 3)

        let missing = try newsroom.run(["update", "withdraw", "\(edition.reference)#9", "--reason", "No."])
        #expect(missing.status == 1)
        #expect(missing.stderr == "Error: There is no live update \(edition.reference)#9.\n", "\(missing.stderr)")
        let malformed = try newsroom.run(["update", "history", "second"])
        #expect(malformed.status == 65)
        #expect(
            malformed.stderr
                == "Error: update: \"second\" is neither a live update id nor EDITION#N (such as uk/kyivrada-sklykaie-sesiiu#2).\n",
            "\(malformed.stderr)")
        let noEdition = try newsroom.run(["update", "history", "en/no-such-story#1"])
        #expect(noEdition.status == 1 && noEdition.stderr.contains("There is no edition en/no-such-story."))
    }

    @Test("a reporter cannot edit or withdraw another reporter's update; editors can")
    func ownUpdatesOnly() throws {
        let newsroom = try TestNewsroom("updateowner")
        let suffix = UUID().uuidString.prefix(6).lowercased()
        let (alice, bob, editor) = ("u_alice_\(suffix)", "u_bob_\(suffix)", "u_editor_\(suffix)")
        try newsroom.addStaff(alice, ["reporter"])
        try newsroom.addStaff(bob, ["reporter"])
        try newsroom.addStaff(editor, ["editor"])
        var story = NewStory(lang: "en", headline: "Shared live page")
        story.bylines = [alice, bob]
        let edition = try newsroom.desk().publish(newsroom.desk().createStory(story).reference)
        let mine = try newsroom.json(
            LiveUpdate.self, ["--as", alice, "update", "add", edition.reference, "--body", "Alice's"])
        #expect(mine.author == alice)
        let edit = try newsroom.run(["--as", bob, "update", "edit", String(mine.id), "--body", "Bob was here"])
        #expect(edit.status == 1)
        #expect(edit.stderr.contains("editor role"))
        let withdraw = try newsroom.run(["--as", bob, "update", "withdraw", String(mine.id), "--reason", "Mine now"])
        #expect(withdraw.status == 1)
        #expect(
            try newsroom.run(["--as", alice, "update", "edit", String(mine.id), "--body", "Alice's, fixed"]).status == 0
        )
        #expect(try newsroom.run(["--as", editor, "update", "key", String(mine.id)]).status == 0)
        #expect(try newsroom.desk().show(edition.reference).updates.first?.body == "Alice's, fixed")
        // A reporter not on the byline may not append.
        var other = NewStory(lang: "en", headline: "Not Bob's")
        other.bylines = [alice]
        let notHis = try newsroom.desk().publish(newsroom.desk().createStory(other).reference)
        #expect(try newsroom.run(["--as", bob, "update", "add", notHis.reference, "--body", "x"]).status == 1)
    }

    @Test("idempotency: the same key 10 times gives one update; the same key with another body is refused")
    func idempotency() throws {
        let newsroom = try TestNewsroom("idempotency")
        let edition = try Self.publishedEdition(newsroom, "Retries")
        let results = try runConcurrently(10) { _ in
            try newsroom.run([
                "update", "add", edition.reference, "--body", "Once only", "--idempotency-key", "retry-1", "--json"
            ])
        }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results)")
        #expect(Set(results.map(\.stdout)).count == 1)
        #expect(try newsroom.count("newsroom.live_update") == 1)
        let different = try newsroom.run([
            "update", "add", edition.reference, "--body", "Something else", "--idempotency-key", "retry-1"
        ])
        #expect(different.status == 1)
        #expect(different.stderr.contains("already used for a different request"))
        #expect(try newsroom.count("newsroom.live_update") == 1)
        #expect(try newsroom.auditActions().filter { $0 == "update.add" }.count == 1)
        // Story creation takes a key too.
        let stories = try (0..<3).map { _ in
            try newsroom.json(
                Edition.self, ["story", "new", "--lang", "en", "--headline", "Keyed", "--idempotency-key", "story-1"])
        }
        #expect(Set(stories.map(\.id)).count == 1)
    }

    @Test("the sample story's update shows with its local time and label in all three languages")
    func fixtureUpdate() throws {
        let newsroom = try TestNewsroom("updatefixture")
        let sample = try SharedFixtures.newsroom().story
        let update = try #require(sample.liveUpdates.first)
        let expected = [
            "en": "Update: 26 October 2023, 17:20",
            "uk": "Оновлення: 26 жовтня 2023, 17:20",
            "ru": "Обновление: 26 октября 2023, 17:20"
        ]
        for lang in ["uk", "ru", "en"] {
            let edition = try Self.publishedEdition(newsroom, try #require(sample.editions[lang]).headline, lang: lang)
            let body = try #require(update.body[lang])
            let added = try newsroom.json(LiveUpdate.self, ["update", "add", edition.reference, "--body", body])
            try newsroom.connect().execute(
                """
                UPDATE newsroom.live_update SET posted_at = \(update.postedLocal)::timestamp AT TIME ZONE 'Europe/Kyiv'
                WHERE id = \(added.id)
                """)
            let text = try newsroom.run(["show", edition.reference]).stdout
            #expect(text.contains("\(expected[lang]!)\n\(body)\n"), "\(lang): \(text)")
        }
    }

    @Test("key events are listed at the top of a long live story")
    func keyEvents() throws {
        let newsroom = try TestNewsroom("keyevents")
        let edition = try Self.publishedEdition(newsroom, "Long live page")
        let desk = LiveUpdateDesk(connection: try newsroom.connect())
        for index in 1...6 { _ = try desk.add(to: edition.reference, body: "Development \(index)", key: index == 2) }
        let third = try newsroom.desk().show(edition.reference).updates[3]
        #expect(try newsroom.run(["update", "key", String(third.id)]).status == 0)
        let text = try newsroom.run(["show", edition.reference]).stdout
        let keyBlock = try #require(text.components(separatedBy: "\n\n").first { $0.hasPrefix("Key events:") })
        #expect(keyBlock.contains("Development 2") && keyBlock.contains("Development 4"))
        #expect(!keyBlock.contains("Development 1"))
        #expect(text.range(of: "Key events:")!.lowerBound < text.range(of: "Update:")!.lowerBound)
        let html = try newsroom.run(["show", edition.reference, "--format", "html"]).stdout
        #expect(html.contains("<nav class=\"key-events\"><h2>Key events</h2>"))
    }
}

@Suite("--idempotency-key on every mutating command")
struct IdempotencyTests {
    @Test("a repeated command with the same key happens once and prints the same result; other content is refused")
    func repeatedCommands() throws {
        let newsroom = try TestNewsroom("idemall")
        let draft = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Keyed everywhere"))
        let edits = try (0..<3).map { _ in
            try newsroom.run(["edit", draft.reference, "--lead", "Once", "--idempotency-key", "edit-1", "--json"])
        }
        #expect(edits.allSatisfy { $0.status == 0 }, "\(edits)")
        #expect(Set(edits.map(\.stdout)).count == 1)
        #expect(try newsroom.desk().show(draft.reference).version == 2)
        let other = try newsroom.run(["edit", draft.reference, "--lead", "Twice", "--idempotency-key", "edit-1"])
        #expect(other.status == 1 && other.stderr.contains("already used for a different request"))

        let publishes = try runConcurrently(4) { _ in
            try newsroom.run(["publish", draft.reference, "--idempotency-key", "pub-1", "--json"])
        }
        #expect(publishes.allSatisfy { $0.status == 0 }, "\(publishes)")
        #expect(Set(publishes.map(\.stdout)).count == 1)
        #expect(try newsroom.auditActions().filter { $0 == "edition.publish" }.count == 1)
        // Without a key, a second publish is refused by the lifecycle, as before.
        #expect(try newsroom.run(["publish", draft.reference]).status == 1)
    }

    @Test(
        "story new with a key: a repeat with other subjects is refused, after untag or submit a repeat changes nothing and prints the first result"
    )
    func storyNewRepeated() throws {
        let newsroom = try TestNewsroom("idemstory")
        for slug in ["war", "kyiv"] {
            #expect(try newsroom.run(["subject", "add", slug, "--name", "en=\(slug)"]).status == 0)
        }
        let command = [
            "story", "new", "--lang", "en", "--headline", "Keyed story", "--subject", "war", "--idempotency-key", "s-1",
            "--json"
        ]
        let first = try newsroom.run(command)
        #expect(first.status == 0, "\(first)")
        let story = try NewsroomJSON.decoder().decode(Edition.self, from: Data(first.stdout.utf8))
        #expect(story.subjects == ["war"])
        #expect(Array(try newsroom.auditActions().suffix(2)) == ["story.create", "story.tag"])

        let otherSubject = try newsroom.run([
            "story", "new", "--lang", "en", "--headline", "Keyed story", "--subject", "kyiv",
            "--idempotency-key", "s-1", "--json"
        ])
        #expect(otherSubject.status == 1)
        #expect(otherSubject.stdout.isEmpty)
        #expect(otherSubject.stderr.contains("already used for a different request"), "\(otherSubject)")

        #expect(try newsroom.run(["untag", String(story.storyID), "war"]).status == 0)
        #expect(try newsroom.run(["submit", story.reference]).status == 0)
        let events = try newsroom.auditActions().count
        let repeated = try newsroom.run(command)
        #expect(repeated.status == 0, "\(repeated)")
        #expect(repeated.stdout == first.stdout, "the first result (a draft, tagged war), not the story as it is now")
        #expect(try newsroom.count("newsroom.story") == 1)
        #expect(try newsroom.count("newsroom.story_subject") == 0, "the repeat tagged nothing again")
        #expect(try newsroom.auditActions().count == events, "the repeat recorded nothing")
        #expect(try newsroom.desk().show(story.reference).status == .inReview)
    }

    @Test("the key is the database's: a psql user's repeated call happens once; a refused one leaves the key free")
    func keysInTheDatabase() throws {
        let newsroom = try TestNewsroom("idemsql")
        let draft = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Keyed in SQL"))
        let db = try newsroom.connect()
        let calls = try (0..<3).map { _ in
            try db.query("SELECT desk.submit_edition(\(draft.reference), idempotency_key => 'sql-1')::text AS r")[0]
                .decode("r", as: String.self)
        }
        #expect(Set(calls).count == 1)
        #expect(try newsroom.auditActions().filter { $0 == "edition.submit" }.count == 1)
        let reporter = "k_reporter_\(UUID().uuidString.prefix(6).lowercased())"
        try newsroom.addStaff(reporter, ["reporter"])
        let refused = try newsroom.run(["--as", reporter, "publish", draft.reference, "--idempotency-key", "pub-1"])
        #expect(refused.status == 1, "\(refused)")
        #expect(try newsroom.run(["staff", "grant", reporter, "editor"]).status == 0)
        let granted = try newsroom.run(["--as", reporter, "publish", draft.reference, "--idempotency-key", "pub-1"])
        #expect(granted.status == 0, "\(granted)")
    }

    @Test("a refusal under a key is still recorded in the audit log")
    func refusalsRecorded() throws {
        let newsroom = try TestNewsroom("idemrefuse")
        let reporter = "i_reporter_\(UUID().uuidString.prefix(6).lowercased())"
        try newsroom.addStaff(reporter, ["reporter"])
        let draft = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Not yours to publish"))
        let refused = try newsroom.run(["--as", reporter, "publish", draft.reference, "--idempotency-key", "try-1"])
        #expect(refused.status == 1 && refused.stderr.contains("editor role"))
        #expect(try newsroom.auditActions().last == "refused")
    }
}
