import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

/// A day at the desk through the built binary, as a new reporter, editor and
/// translator live it: every step under the login whose job it is.
@Suite("A day at the desk")
struct DeskDayTests {
    @Test(
        "drafts, review, a returned note, a backdated story, a translation credited apart, a minor fix, a scheduled revision, and the errors of day one"
    )
    func day() throws {
        let newsroom = try TestNewsroom("deskday")
        let suffix = UUID().uuidString.prefix(6).lowercased()
        let reporter = "dd_reporter_\(suffix)", editor = "dd_editor_\(suffix)", translator = "dd_translator_\(suffix)"
        try newsroom.addStaff(reporter, ["reporter"], names: ["en": "Olena Marchenko", "uk": "Олена Марченко"])
        try newsroom.addStaff(editor, ["editor"])
        try newsroom.addStaff(translator, ["translator"], names: ["en": "Iryna Koval", "uk": "Ірина Коваль"])
        func run(_ login: String, _ arguments: [String]) throws -> CommandResult {
            try newsroom.run(["--as", login] + arguments)
        }
        func json<T: Decodable>(_ type: T.Type, _ login: String, _ arguments: [String]) throws -> T {
            try newsroom.json(type, ["--as", login] + arguments)
        }

        // The reporter drafts two stories (one a Markdown list, typed as is) and submits them.
        let bridge = try json(
            Edition.self, reporter,
            ["story", "new", "--lang", "en", "--headline", "Bridge repairs", "--body", "- Lanes close on Monday."])
        #expect(bridge.body == "- Lanes close on Monday.")
        let archive = try json(
            Edition.self, reporter,
            [
                "story", "new", "--lang", "en", "--headline", "Council archive story",
                "--photo", "https://newsroom.example/council.jpg", "--caption", "The council in session.",
                "--credit", "Press office"
            ])
        for edition in [bridge, archive] { #expect(try run(reporter, ["submit", edition.reference]).status == 0) }

        // The editor returns one with a note, which the reporter finds in their list.
        #expect(try run(editor, ["return", bridge.reference, "--note", "Add the mayor's quote."]).status == 0)
        let mine = try json(WorkList.self, reporter, ["list", "--mine", "--json"])
        #expect(mine.items.first { $0.id == bridge.id }?.reviewNote == "Add the mayor's quote.")
        // The story in review is not theirs to open any more: refused before the editor opens.
        let locked = try newsroom.run(
            ["--as", reporter, "edit", archive.reference], environment: ["EDITOR": "/bin/sh -c 'exit 3'"])
        #expect(locked.status == 1)
        #expect(locked.stderr.hasSuffix("editing it needs the editor role. Nothing was opened.\n"), "\(locked.stderr)")

        // The editor publishes the other one dated as it first appeared, in 2023.
        let backdated = try run(editor, ["publish", archive.reference, "--published-at", "2023-10-26 16:43"])
        #expect(backdated.status == 0, "\(backdated)")
        let shown = try json(Edition.self, editor, ["show", archive.reference])
        #expect(shown.publishedAt == RFC3339.date(from: "2023-10-26T13:43:00Z"))

        // The translator translates it with their own photo line and is credited apart.
        let ukrainian = try json(
            Edition.self, translator,
            [
                "translate", archive.reference, "--to", "uk", "--headline", "Архівний матеріал ради",
                "--caption", "Сесія ради.", "--credit", "Прес-служба"
            ])
        #expect(ukrainian.bylines == [reporter] && ukrainian.translators == [translator])
        #expect(ukrainian.photo?.caption == "Сесія ради." && ukrainian.photo?.credit == "Прес-служба")
        let page = try run(editor, ["show", ukrainian.reference]).stdout
        #expect(page.contains("Автор: Олена Марченко. Переклад: Ірина Коваль"), "\(page)")

        // A typo fixed in the source with --minor: no "updated", the translation still current.
        #expect(try run(editor, ["edit", archive.reference, "--lead", "From the archive.", "--minor"]).status == 0)
        let state = try json(StoryTranslations.self, editor, ["translations", String(archive.storyID)])
        #expect(state.editions.first { $0.lang == "uk" }?.stale == false)
        let feed = try json(Feed.self, editor, ["feed", "--lang", "en"])
        #expect(feed.items.first { $0.editionID == archive.id }?.markers == [])

        // The editor schedules a revision for a moment from now and sees it take effect at its time.
        let due = Date().addingTimeInterval(2)
        let later = try run(
            editor,
            ["edit", archive.reference, "--headline", "Council archive, updated", "--at", RFC3339.string(from: due)])
        #expect(later.status == 0, "\(later)")
        #expect(try json(Edition.self, editor, ["show", archive.reference]).headline == "Council archive story")
        Thread.sleep(until: due.addingTimeInterval(0.3))
        #expect(try json(Edition.self, editor, ["show", archive.reference]).headline == "Council archive, updated")
        #expect(
            try json(Feed.self, editor, ["feed", "--lang", "en"]).items.contains {
                $0.headline == "Council archive, updated"
            })

        // The errors of day one, each with its exit code and the words that get you unstuck.
        let unknown = try newsroom.run(["--as", "nobody_\(suffix)", "list"])
        #expect(unknown.status == 1)
        #expect(
            unknown.stderr
                == "Error: There is no staff login \"nobody_\(suffix)\" in this newsroom; see newsdesk staff list.\n")
        let bare = try run(editor, ["show", archive.slug])
        #expect(bare.status == 65)
        #expect(bare.stderr == "Error: edition: \"\(archive.slug)\" needs its language: \(archive.reference).\n")
        let typo = try run(editor, ["audit", "--action", "edition.publsh"])
        #expect(typo.status == 65 && typo.stderr.contains("edition.publish"), "\(typo.stderr)")
        let passed = try run(editor, ["publish", bridge.reference, "--at", "2020-01-01 09:00"])
        #expect(passed.status == 65 && passed.stderr.contains("has passed; to publish now, leave out --at."))
        let version = try run(editor, ["show", archive.reference, "--version"])
        #expect(version.status == 64 && version.stderr.hasPrefix("Error: Missing value for '--version <version>'"))
        let silent = try run(translator, ["translate", "--refresh", ukrainian.reference])
        #expect(silent.status == 65 && silent.stderr.contains("or --no-change"), "\(silent.stderr)")
    }
}
