import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Work lists: newsdesk list")
struct WorkListTests {
    @Test("the review queue, a reporter's returned draft with its note, what is scheduled, embargoed or stale; pages")
    func deskDay() throws {
        let newsroom = try TestNewsroom("worklist")
        let suffix = UUID().uuidString.prefix(6).lowercased()
        let reporter = "r_\(suffix)", translator = "t_\(suffix)"
        try newsroom.addStaff(reporter, ["reporter"])
        try newsroom.addStaff(translator, ["translator"])
        func list(_ arguments: [String], as login: String? = nil) throws -> WorkList {
            try newsroom.json(WorkList.self, (login.map { ["--as", $0] } ?? []) + ["list"] + arguments)
        }

        // A reporter drafts two stories and submits them.
        let first = try newsroom.json(
            Edition.self, ["--as", reporter, "story", "new", "--lang", "en", "--headline", "Bridge repairs"])
        let second = try newsroom.json(
            Edition.self, ["--as", reporter, "story", "new", "--lang", "en", "--headline", "Metro hours"])
        for edition in [first, second] {
            #expect(try newsroom.run(["--as", reporter, "submit", edition.reference]).status == 0)
        }
        let queue = try list(["--status", "in_review"])
        #expect(queue.items.map(\.id) == [second.id, first.id])  // the most recently saved first
        #expect(queue.items.allSatisfy { $0.status == .inReview && $0.bylines == [reporter] })
        #expect(queue.nextCursor == nil)

        // The editor sends one back with a note; the reporter finds it with the note.
        #expect(try newsroom.run(["return", first.reference, "--note", "Add the mayor's quote."]).status == 0)
        let mine = try list(["--mine", "--status", "draft"], as: reporter)
        #expect(mine.items.map(\.id) == [first.id])
        #expect(mine.items.first?.reviewNote == "Add the mayor's quote.")
        let table = try newsroom.run(["--as", reporter, "list", "--mine"])
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ID      STATUS     REF") == true, "\(table.stdout)")
        #expect(
            lines.contains {
                $0.hasPrefix(
                    String(first.id).padding(toLength: 8, withPad: " ", startingAt: 0) + "draft      en/bridge-repairs")
            })
        #expect(lines.contains("        returned: Add the mayor's quote."), "\(table.stdout)")
        #expect(try list(["--byline", reporter]).items.count == 2)

        // Scheduled and embargoed work is one command each.
        #expect(try newsroom.run(["publish", second.reference, "--at", "2099-01-01 09:00"]).status == 0)
        let scheduled = try list(["--status", "scheduled"])
        #expect(scheduled.items.map(\.id) == [second.id])
        #expect(scheduled.items.first?.scheduledAt == RFC3339.date(from: "2099-01-01T07:00:00Z"))
        var embargo = NewStory(lang: "uk", headline: "Звіт про бюджет")
        embargo.embargoUntil = "2099-02-01T00:00:00Z"
        let embargoed = try newsroom.desk().createStory(embargo)
        #expect(try list(["--embargoed"]).items.map(\.id) == [embargoed.id])
        #expect(try list(["--embargoed", "--lang", "en"]).items.isEmpty)

        // A translation behind its source is stale; brought up to date, it is not.
        let source = try newsroom.desk().publish(
            newsroom.desk().createStory(NewStory(lang: "uk", headline: "Рада")).reference)
        let translation = try newsroom.json(
            Edition.self, ["--as", translator, "translate", source.reference, "--to", "en", "--headline", "Council"])
        #expect(try list(["--stale"]).items.isEmpty)
        #expect(try newsroom.run(["edit", source.reference, "--lead", "Новий лід."]).status == 0)
        #expect(try list(["--stale"]).items.map(\.id) == [translation.id])
        #expect(try newsroom.run(["update", "add", source.reference, "--body", "Оновлення."]).status == 0)
        #expect(
            try newsroom.run([
                "--as", translator, "translate", translation.reference, "--refresh", "--lead", "New lead."
            ])
            .status == 0)
        #expect(try list(["--stale"]).items.map(\.id) == [translation.id], "the live update is not translated yet")

        // Pages: every edition once, in order.
        let everything = try list(["--limit", "100"]).items.map(\.id)
        var paged: [Int64] = []
        var cursor: String?
        repeat {
            let page = try list(["--limit", "2"] + (cursor.map { ["--before", $0] } ?? []))
            paged += page.items.map(\.id)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(paged == everything && everything.count == 5, "\(everything)")
        #expect(try list(["--since", "2099-01-01 00:00"]).items.isEmpty)
    }

    @Test("every filter is checked: a wrong status, language, login, subject or cursor is refused by name")
    func badFilters() throws {
        let newsroom = try TestNewsroom("worklistbad")
        let status = try newsroom.run(["list", "--status", "pending"])
        #expect(status.status == 64)
        #expect(
            status.stderr.hasPrefix(
                "Error: The value 'pending' is invalid for '--status <status>'. "
                    + "Please provide one of 'draft', 'in_review', 'scheduled', 'published' or 'withdrawn'."),
            "\(status.stderr)")
        let cases: [([String], String)] = [
            (["--lang", "de"], "Error: lang: this newsroom does not publish in \"de\"; it publishes in uk, ru, en.\n"),
            (["--byline", "nobody"], "Error: byline: there is no staff login \"nobody\"; see newsdesk staff list.\n"),
            (["--before", "junk"], "Error: before: \"junk\" is not a cursor from a list's next_cursor.\n")
        ]
        for (arguments, message) in cases {
            let result = try newsroom.run(["list"] + arguments)
            #expect(result.status == 65, "\(arguments)")
            #expect(result.stderr == message, "\(arguments)")
        }
        let subject = try newsroom.run(["list", "--subject", "nowhere"])
        #expect(subject.status == 65 && subject.stderr.contains("nowhere"), "\(subject)")
        let both = try newsroom.run(["list", "--mine", "--byline", newsroom.staffLogin])
        #expect(both.status == 64 && both.stderr.hasPrefix("Error: Give --mine or --byline, not both.\n"))
        let empty = try newsroom.run(["list", "--status", "draft"])
        #expect(empty.status == 0 && empty.stdout == "Nothing to list.\n")
        // Straight to the database, past the tool's own checks: refused there too.
        #expect(throws: (any Error).self) {
            try newsroom.connect(as: newsroom.staffLogin).query(
                "SELECT desk.list_editions(statuses => ARRAY['pending'])")
        }
    }

    @Test("an address longer than the usual column moves the whole column, so every line stays aligned")
    func longAddress() throws {
        let newsroom = try TestNewsroom("worklist")
        let reporter = "r_\(UUID().uuidString.prefix(6).lowercased())"
        try newsroom.addStaff(reporter, ["reporter"])
        let long = try newsroom.json(
            Edition.self,
            [
                "--as", reporter, "story", "new", "--lang", "en", "--headline",
                "City council approves the reconstruction of the Paton bridge after a year of delays"
            ])
        let short = try newsroom.json(
            Edition.self, ["--as", reporter, "story", "new", "--lang", "en", "--headline", "Metro hours"])
        #expect("en/\(long.slug)".count > 40, "\(long.slug)")

        let table = try newsroom.run(["--as", reporter, "list", "--mine"])
        #expect(table.status == 0 && table.stderr.isEmpty, "\(table)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(table.stdout)")
        let heading = try #require(lines.first)
        func column(_ name: String) throws -> Int {
            heading.distance(from: heading.startIndex, to: try #require(heading.range(of: name)).lowerBound)
        }
        let status = try column("STATUS"), ref = try column("REF"), saved = try column("SAVED")
        #expect(ref == 19 && saved == ref + "en/\(long.slug)".count + 1, "\(heading)")
        for (line, edition) in zip(lines.dropFirst(), [short, long]) {
            let characters = Array(line)
            #expect(
                String(characters[..<status]) == String(edition.id).padding(toLength: 8, withPad: " ", startingAt: 0))
            #expect(String(characters[status..<ref]) == "draft      ")
            #expect(String(characters[ref..<saved]).trimmingCharacters(in: .whitespaces) == "en/\(edition.slug)")
            #expect(characters[saved - 1] == " " && characters[saved].isNumber, "\(line)")
        }
    }
}
