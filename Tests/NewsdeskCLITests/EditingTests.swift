import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Editing: revisions, conflicts, corrections, restore")
struct EditingTests {
    @Test("16 concurrent editors × 20 edits with --expect-version: nothing lost, nothing doubled")
    func concurrentEditors() throws {
        let newsroom = try TestNewsroom("editors")
        let edition = try newsroom.desk().createStory(NewStory(lang: "uk", headline: "Шістнадцять редакторів"))
        struct Attempt: Sendable {
            let text: String
            let status: Int32
            let stderr: String
        }
        let attempts = try runConcurrently(16) { editor in
            var made: [Attempt] = []
            for round in 0..<20 {
                let current = try newsroom.json(Edition.self, ["show", edition.reference])
                let text = "Редактор \(editor), правка \(round)"
                let result = try newsroom.run([
                    "edit", edition.reference, "--lead", text,
                    "--expect-version", String(current.version)
                ])
                made.append(Attempt(text: text, status: result.status, stderr: result.stderr))
            }
            return made
        }.flatMap { $0 }

        let accepted = attempts.filter { $0.status == 0 }
        let conflicts = attempts.filter { $0.status == 2 }
        #expect(
            accepted.count + conflicts.count == 320,
            "other exits: \(attempts.filter { $0.status != 0 && $0.status != 2 }.map(\.stderr))")
        #expect(!accepted.isEmpty)
        let final = try newsroom.desk().show(edition.reference)
        #expect(final.version == 1 + accepted.count)

        // Each accepted edit is exactly one revision.
        let leads = try newsroom.connect().query(
            """
            SELECT lead FROM newsroom.edition_revision WHERE edition_id = \(final.id) AND version > 1
            """
        ).map { try $0.decode("lead", as: String.self) }
        #expect(leads.count == accepted.count)
        #expect(Set(leads) == Set(accepted.map(\.text)))
        #expect(Set(leads).count == leads.count)

        // Every conflict said who saved what, and kept the text in a file it named.
        for conflict in conflicts {
            #expect(conflict.stderr.contains("saved version"), "\(conflict.stderr)")
            let path = try #require(conflict.stderr.firstMatch(of: /kept in (\S+)\.\n/)?.1)
            let kept = try String(contentsOfFile: String(path), encoding: .utf8)
            #expect(kept.contains(conflict.text))
        }
    }

    @Test("edit asks for a brief answer when it prints one line: the same revision, audit row and public change")
    func briefAnswer() throws {
        let newsroom = try TestNewsroom("briefedit")
        let desk = try newsroom.desk()
        let live = try desk.publish(try desk.createStory(NewStory(lang: "en", headline: "Harbour reopens")).reference)
        _ = try LiveUpdateDesk(connection: newsroom.connect()).add(to: live.reference, body: "Ferries run again.")
        // What the desk answers when asked briefly: which edition and version, and nothing else.
        let answer = try newsroom.connect().query(
            "SELECT desk.edit_edition(reference => \(live.reference), lead => 'At dawn.', brief => true)::text AS answer"
        )[0].decode("answer", as: String.self)
        let fields = try #require(try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any])
        #expect(Set(fields.keys) == ["id", "story_id", "lang", "slug", "version"], "\(answer)")
        #expect(fields["version"] as? Int == live.version + 1)
        // Through the command: the whole output, and everything an edit leaves behind.
        let changesBefore = try newsroom.count("newsroom.public_change")
        let edited = try newsroom.run(["edit", live.reference, "--lead", "At dawn, with the first ferry."])
        #expect(edited.status == 0 && edited.stderr.isEmpty, "\(edited)")
        #expect(edited.stdout == "Saved \(live.reference) (edition \(live.id), version \(live.version + 2)).\n")
        let shown = try desk.show(live.reference)
        #expect(shown.lead == "At dawn, with the first ferry." && shown.version == live.version + 2)
        #expect(shown.updates.count == 1)
        #expect(try newsroom.auditActions().suffix(2) == ["edition.edit", "edition.edit"])
        #expect(try newsroom.count("newsroom.public_change") == changesBefore + 1)
        let revisions = try newsroom.connect().query(
            "SELECT count(*)::int AS n FROM newsroom.edition_revision WHERE edition_id = \(live.id)"
        )[0].decode("n", as: Int.self)
        #expect(revisions == live.version + 2)
    }

    @Test("a stale --expect-version never overwrites, exits 2 and keeps the text")
    func staleVersion() throws {
        let newsroom = try TestNewsroom("stale")
        let edition = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Budget talks"))
        _ = try newsroom.desk().edit(edition.reference, EditionChanges(headline: nil, lead: "First", body: nil))
        let result = try newsroom.run(
            ["edit", edition.reference, "--body-file", "-", "--expect-version", "1"],
            stdin: "My long body that must not be lost.\n")
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("newsdesk_test saved version 2"))
        let path = try #require(result.stderr.firstMatch(of: /kept in (\S+)\.\n/)?.1)
        #expect(
            try String(contentsOfFile: String(path), encoding: .utf8).contains("My long body that must not be lost."))
        let shown = try newsroom.desk().show(edition.reference)
        #expect(shown.version == 2 && shown.lead == "First" && shown.body == "")
    }

    @Test("$EDITOR edits use the version read when the editor opened")
    func editorSession() throws {
        let newsroom = try TestNewsroom("editor")
        let edition = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Editor session"))
        let script = NSTemporaryDirectory() + "newsdesk-editor-\(UUID().uuidString.prefix(6)).sh"
        try "#!/bin/sh\nsed -i 's/^Headline: .*/Headline: Changed in the editor/' \"$1\"\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        // Run through sh: executing a script that another test thread's child may briefly hold open fails with ETXTBSY.
        let saved = try newsroom.run(["edit", edition.reference], environment: ["EDITOR": "/bin/sh \(script)"])
        #expect(saved.status == 0, "\(saved)")
        #expect(try newsroom.desk().show(edition.reference).headline == "Changed in the editor")

        // Someone else saves while the editor is open: the edit is refused and kept.
        let racing = NSTemporaryDirectory() + "newsdesk-editor-race-\(UUID().uuidString.prefix(6)).sh"
        try """
        #!/bin/sh
        "\(CommandLineTool.binary.path)" edit \(edition.reference) --lead "Saved by a colleague" >/dev/null
        sed -i 's/^Headline: .*/Headline: Mine/' "$1"
        """.write(toFile: racing, atomically: true, encoding: .utf8)
        chmod(racing, 0o755)
        let conflict = try newsroom.run(["edit", edition.reference], environment: ["EDITOR": "/bin/sh \(racing)"])
        #expect(conflict.status == 2, "\(conflict)")
        #expect(conflict.stderr.contains("kept in"))
        #expect(try newsroom.desk().show(edition.reference).headline == "Changed in the editor")
    }

    /// A shell script for $EDITOR, run through sh (executing a script that
    /// another test thread's child may briefly hold open fails with ETXTBSY).
    static func editorScript(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "newsdesk-editor-\(UUID().uuidString.prefix(8)).sh"
        try ("#!/bin/sh\n" + text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return "/bin/sh \(path)"
    }

    @Test(
        "the editor session: a final newline saves nothing; permission is asked before it opens; a conflict keeps the whole text, which --from-file takes up again"
    )
    func editorSessionDay() throws {
        let newsroom = try TestNewsroom("editorday")
        let desk = try newsroom.desk()
        var story = NewStory(lang: "en", headline: "Editor session")
        story.body = "Line one."
        let edition = try desk.createStory(story)

        // vim adds a newline at the end of the file: nothing was changed.
        let vim = try newsroom.run(
            ["edit", edition.reference], environment: ["EDITOR": try Self.editorScript("printf '\\n\\n' >> \"$1\"")])
        #expect(vim.status == 0 && vim.stdout == "No changes; nothing saved.\n", "\(vim)")
        #expect(try desk.show(edition.reference).version == 1)

        // A reporter on a published story is refused before typing anything.
        let reporter = "e_reporter_\(UUID().uuidString.prefix(6).lowercased())"
        try newsroom.addStaff(reporter, ["reporter"])
        let published = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Published")).reference)
        let opened = NSTemporaryDirectory() + "newsdesk-opened-\(UUID().uuidString.prefix(8))"
        let refused = try newsroom.run(
            ["--as", reporter, "edit", published.reference],
            environment: ["EDITOR": try Self.editorScript("touch \(opened)")])
        #expect(refused.status == 1)
        #expect(
            refused.stderr
                == "Error: Permission denied: \(published.reference) is published: editing it needs the editor role. Nothing was opened.\n"
        )
        #expect(!FileManager.default.fileExists(atPath: opened), "the editor never opened")

        // A colleague changes the lead while the editor is open; the body changed here is kept with the whole text.
        let racing = try Self.editorScript(
            """
            "\(CommandLineTool.binary.path)" edit \(edition.reference) --lead "Saved by a colleague" >/dev/null
            sed -i 's/^Line one\\.$/Line one, rewritten./' "$1"
            """)
        let conflict = try newsroom.run(["edit", edition.reference], environment: ["EDITOR": racing])
        #expect(conflict.status == 2, "\(conflict)")
        let kept = String(try #require(conflict.stderr.firstMatch(of: /kept in (\S+)\.\n/)?.1))
        let keptText = try String(contentsOfFile: kept, encoding: .utf8)
        #expect(keptText.hasPrefix("# Unsaved edit of \(edition.reference), based on version 1, "), "\(keptText)")
        #expect(keptText.hasSuffix("\nHeadline: Editor session\nLead: \n\nLine one, rewritten."), "\(keptText)")

        // Taken up again: the colleague's lead stays, the body is this one's.
        let resumed = try newsroom.json(Edition.self, ["edit", edition.reference, "--from-file", kept])
        #expect(
            resumed.version == 3 && resumed.lead == "Saved by a colleague" && resumed.body == "Line one, rewritten.")
        #expect(
            try newsroom.run(["edit", edition.reference, "--from-file", kept]).stdout == "No changes; nothing saved.\n")

        // A field changed in the file and by someone else since its version, differently: named, nothing saved.
        let clash = NSTemporaryDirectory() + "newsdesk-clash-\(UUID().uuidString.prefix(8)).md"
        try
            "# Unsaved edit of \(edition.reference), based on version 1, 2026-01-01T00:00:00Z\nHeadline: Editor session\nLead: My own lead\n\nLine one."
            .write(toFile: clash, atomically: true, encoding: .utf8)
        let clashed = try newsroom.run(["edit", edition.reference, "--from-file", clash])
        #expect(clashed.status == 2)
        #expect(
            clashed.stderr.hasPrefix(
                "Conflict: lead: changed in \(clash) and in version 3 of \(edition.reference) since version 1."),
            "\(clashed.stderr)")
        #expect(try desk.show(edition.reference).version == 3)
        #expect(
            try newsroom.run(["edit", edition.reference, "--from-file", clash, "--body", "x"]).status == 64)
    }

    @Test("a correction on a published edition is shown with its local time; a silent fix is still a revision")
    func corrections() throws {
        let newsroom = try TestNewsroom("corrections")
        let desk = try newsroom.desk()
        let edition = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Heating repairs")).reference)
        let fixed = try newsroom.json(Edition.self, ["edit", edition.reference, "--lead", "Four districts."])
        #expect(fixed.version == 2 && fixed.corrections.isEmpty)
        let corrected = try newsroom.json(
            Edition.self,
            [
                "edit", edition.reference, "--lead", "Five districts.",
                "--correction", "An earlier version gave the wrong number of districts."
            ])
        #expect(corrected.version == 3)
        let correction = try #require(corrected.corrections.first)
        #expect(correction.note == "An earlier version gave the wrong number of districts.")
        let text = try newsroom.run(["show", edition.reference]).stdout
        #expect(
            text.contains("Correction: \(Dateline.short(correction.localTime, language: "en")). An earlier version"))

        // A correction is for published editions only.
        let draft = try desk.createStory(NewStory(lang: "en", headline: "Draft only"))
        let refused = try newsroom.run(["edit", draft.reference, "--lead", "x", "--correction", "No"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("published"))
    }

    @Test("restore makes a new revision; show --version and diff read history; nothing is rewritten")
    func restoreAndDiff() throws {
        let newsroom = try TestNewsroom("restore")
        let desk = try newsroom.desk()
        let edition = try desk.createStory(NewStory(lang: "en", headline: "Original headline"))
        _ = try desk.edit(
            edition.reference, EditionChanges(headline: "Second headline", lead: nil, body: "Line one\nLine two"))
        let restored = try newsroom.json(Edition.self, ["restore", edition.reference, "1"])
        #expect(restored.version == 3 && restored.headline == "Original headline")
        #expect(
            try newsroom.json(Edition.self, ["show", edition.reference, "--version", "2"]).headline == "Second headline"
        )
        let diff = try newsroom.run(["diff", edition.reference, "1", "2"])
        #expect(diff.status == 0)
        #expect(diff.stdout.contains("- Original headline\n+ Second headline"))
        #expect(diff.stdout.contains("+ Line one\n+ Line two"))
        let json = try newsroom.run(["diff", edition.reference, "1", "2", "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let changes = try #require(report["changes"] as? [String: [String: String]])
        #expect(changes["headline"] == ["before": "Original headline", "after": "Second headline"])
        #expect(changes["lead"] == nil)
        let history = try newsroom.json(EditionHistory.self, ["history", edition.reference])
        #expect(history.entries.compactMap(\.version) == [1, 2, 3])
        #expect(history.entries.last?.note == "restored version 1")
        // Revisions cannot be changed, even by hand.
        #expect(throws: (any Error).self) {
            try newsroom.connect().execute("UPDATE newsroom.edition_revision SET headline = 'rewritten'")
        }
        #expect(try newsroom.run(["show", edition.reference, "--version", "9"]).status == 1)
    }
}
