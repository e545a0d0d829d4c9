import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

/// A newsroom moved whole: `export --all --format newsdesk` into a fresh
/// database, and exported again, is the same newsroom.
@Suite("Moving a newsroom: the archive round trip")
struct ArchiveTests {
    typealias Object = [String: Any]

    /// A newsroom with everything an archive must carry: three languages,
    /// photo, bylines, video, subjects, translations, live updates (edited,
    /// withdrawn, pinned, translated), a correction, a changed slug, and
    /// editions in review, scheduled and embargoed.
    static func fullNewsroom() throws -> TestNewsroom {
        let newsroom = try TestNewsroom("archivesource")
        func ok(_ arguments: [String], stdin: String? = nil) throws -> CommandResult {
            let result = try newsroom.run(arguments, stdin: stdin)
            #expect(result.status == 0, "\(arguments): \(result)")
            return result
        }
        _ = try ok(["subject", "add", "kyiv", "--name", "uk=Київ", "--name", "en=Kyiv"])
        _ = try ok([
            "subject", "add", "energy", "--name", "en=Energy", "--mediatopic",
            "http://cv.iptc.org/newscodes/mediatopic/20000250"
        ])
        let uk = try newsroom.json(
            Edition.self,
            [
                "story", "new", "--lang", "uk", "--headline", "Київрада скликає сесію", "--lead", "Лід.", "--body",
                "**Деталі:** текст.", "--photo", "https://example.org/фото.jpg", "--caption", "Будівля ради",
                "--credit", "Пресслужба", "--subject", "kyiv", "--subject", "energy", "--video",
                "--byline", newsroom.staffLogin
            ])
        _ = try ok(["publish", uk.reference])
        _ = try ok([
            "edit", uk.reference, "--slug", "kyivrada-sesiia", "--body", "**Деталі:** новий текст.", "--correction",
            "Уточнено текст."
        ])
        let ru = try newsroom.json(
            Edition.self, ["translate", "uk/kyivrada-sesiia", "--to", "ru", "--headline", "Киевсовет созывает сессию"])
        _ = try ok(["publish", ru.reference])
        let en = try newsroom.json(
            Edition.self, ["translate", ru.reference, "--to", "en", "--headline", "Kyiv council meets"])
        _ = try ok(["submit", en.reference])
        let first = try newsroom.json(
            LiveUpdate.self, ["update", "add", "uk/kyivrada-sesiia", "--body", "Сесія почалася."])
        let second = try newsroom.json(
            LiveUpdate.self, ["update", "add", "uk/kyivrada-sesiia", "--body", "Нечутка.", "--kind", "clarification"])
        _ = try ok(["update", "edit", String(first.id), "--body", "Сесія почалася о 10:00."])
        _ = try ok(["update", "key", String(first.id)])
        _ = try ok(["update", "translate", String(first.id), "--to", "ru", "--body", "Сессия началась в 10:00."])
        _ = try ok(["update", "translate", String(second.id), "--to", "ru", "--body", "Слух."])
        _ = try ok(["update", "withdraw", String(second.id), "--reason", "Не підтвердилося"])
        let scheduled = try newsroom.json(Edition.self, ["story", "new", "--lang", "en", "--headline", "Scheduled"])
        _ = try ok(["publish", scheduled.reference, "--at", "2099-01-01 09:00"])
        let embargoed = try newsroom.json(
            Edition.self,
            ["story", "new", "--lang", "en", "--headline", "Embargoed", "--embargo-until", "2099-01-01T07:00:00Z"])
        _ = try ok(["publish", embargoed.reference])
        _ = try ok(["story", "new", "--lang", "ru", "--headline", "Черновик"])
        return newsroom
    }

    static func lines(_ text: String) throws -> [Object] {
        try text.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? Object)
        }
    }

    /// A document with this newsroom's own numbers taken out, for comparing
    /// two newsrooms: addresses become the position of what they name.
    static func comparable(_ document: Object, positions: [String: Int], stories: [String: Int]) -> NSDictionary {
        var copy = document
        copy["uri"] = positions[document["uri"] as? String ?? ""]
        copy["story"] = stories[document["story"] as? String ?? ""]
        copy["translated_from"] = (document["translated_from"] as? String).flatMap { positions[$0] }
        copy["updates"] = (document["updates"] as? [Object] ?? []).map { update -> Object in
            var update = update
            update["uri"] = nil
            update["translation_of"] = (update["translation_of"] as? String).map { _ in "translated" }
            return update
        }
        return copy as NSDictionary
    }

    static func numbering(_ documents: [Object]) -> (positions: [String: Int], stories: [String: Int]) {
        var positions: [String: Int] = [:], stories: [String: Int] = [:]
        for (index, document) in documents.enumerated() {
            positions[document["uri"] as? String ?? ""] = index
            let story = document["story"] as? String ?? ""
            if stories[story] == nil { stories[story] = stories.count }
        }
        return (positions, stories)
    }

    @Test("export, import into a fresh newsroom, export again: every field of every edition the same")
    func roundTrip() throws {
        let source = try Self.fullNewsroom()
        let export = try source.run(["export", "--all", "--format", "newsdesk"])
        #expect(export.status == 0, "\(export)")
        let original = try Self.lines(export.stdout)
        #expect(original.count == 6)
        let file = NSTemporaryDirectory() + "newsdesk-archive-\(UUID().uuidString.prefix(6)).ndjson"
        try export.stdout.write(toFile: file, atomically: true, encoding: .utf8)

        let target = try TestNewsroom("archivetarget")
        // Bylines, authors and subjects it lacks: refused, all named, nothing written.
        let refused = try target.run(["import", file])
        #expect(refused.status == 65)
        #expect(refused.stderr.contains("not on this newsroom's staff: \(source.staffLogin)"), "\(refused)")
        #expect(try target.count("newsroom.edition") == 0)
        try target.addStaff(source.staffLogin, ["reporter", "translator", "editor", "admin"])
        let noSubjects = try target.run(["import", file])
        #expect(noSubjects.status == 65)
        #expect(noSubjects.stderr.contains("subjects this newsroom does not have: energy, kyiv"), "\(noSubjects)")
        #expect(try target.run(["subject", "add", "kyiv", "--name", "uk=Київ", "--name", "en=Kyiv"]).status == 0)
        #expect(try target.run(["subject", "add", "energy", "--name", "en=Energy"]).status == 0)

        let imported = try target.json(ImportResult.self, ["import", file])
        #expect(imported.imported == 6 && imported.skipped == 0 && imported.notKept.isEmpty)
        let again = try target.json(ImportResult.self, ["import", file])
        #expect(again.imported == 0 && again.skipped == 6)

        let reexport = try target.run(["export", "--all", "--format", "newsdesk"])
        let copied = try Self.lines(reexport.stdout)
        #expect(copied.count == original.count)
        let before = Self.numbering(original), after = Self.numbering(copied)
        for (old, new) in zip(original, copied) {
            let a = Self.comparable(old, positions: before.positions, stories: before.stories)
            let b = Self.comparable(new, positions: after.positions, stories: after.stories)
            for key in Set(a.allKeys.compactMap { $0 as? String }).union(b.allKeys.compactMap { $0 as? String }) {
                #expect(
                    (a[key] as? NSObject) == (b[key] as? NSObject),
                    "\(old["uri"] ?? "") \(key): \(a[key] ?? "nil") ≠ \(b[key] ?? "nil")")
            }
        }

        // What readers and editors see is the same too.
        for reference in ["uk/kyivrada-sesiia", "uk/kyivrada-sklykaie-sesiiu", "ru/kievsovet-sozyvaet-sessiiu"] {
            let a = try source.run(["show", reference]), b = try target.run(["show", reference])
            #expect(a.status == 0 && a.stdout == b.stdout, "\(reference)\n\(a)\n\(b)")
        }
        #expect(
            try source.run(["history", "uk/kyivrada-sesiia"]).stdout
                == target.run(["history", "uk/kyivrada-sesiia"]).stdout)
        #expect(try target.auditActions().filter { $0 == "edition.import" }.count == 2)
    }

    @Test("--idempotency-key: the same import repeated with its key prints the first result and adds nothing")
    func repeatedWithKey() throws {
        let source = try TestNewsroom("archivekeysource")
        #expect(try source.run(["story", "new", "--lang", "en", "--headline", "One"]).status == 0)
        #expect(try source.run(["story", "new", "--lang", "uk", "--headline", "Два"]).status == 0)
        let file = NSTemporaryDirectory() + "newsdesk-archive-\(UUID().uuidString.prefix(6)).ndjson"
        try source.run(["export", "--all", "--format", "newsdesk"]).stdout.write(
            toFile: file, atomically: true, encoding: .utf8)
        let target = try TestNewsroom("archivekeytarget")
        try target.addStaff(source.staffLogin, ["reporter"])
        let first = try target.run(["import", file, "--idempotency-key", "move-1"])
        let second = try target.run(["import", file, "--idempotency-key", "move-1"])
        #expect(first.status == 0 && first.stdout == "Imported 2 editions; 0 were imported before.\n", "\(first)")
        #expect(second.stdout == first.stdout)
        #expect(try target.count("newsroom.edition") == 2)
        #expect(try target.auditActions().filter { $0 == "edition.import" }.count == 1)
    }

    @Test("an archive cannot put unchecked text into history: slugs must be slugs, savers and actors logins")
    func historyIsChecked() throws {
        let source = try TestNewsroom("archivehostilesource")
        #expect(try source.run(["story", "new", "--lang", "en", "--headline", "One"]).status == 0)
        let line = try #require(try Self.lines(source.run(["export", "--all", "--format", "newsdesk"]).stdout).first)
        let target = try TestNewsroom("archivehostiletarget")
        try target.addStaff(source.staffLogin, ["reporter"])
        let cases: [(String, (inout Object) -> Void, String)] = [
            ("old slug", { $0["slugs"] = ["evil\u{202E}gnp"] }, "line 1: old slug \"evil\\u{202E}gnp\" is not a slug."),
            (
                "slug",
                { document in
                    var edition = document["edition"] as? Object ?? [:]
                    edition["slug"] = "Not A Slug"
                    document["edition"] = edition
                }, "line 1: slug \"Not A Slug\" is not a slug."
            ),
            (
                "revision saved_by",
                { document in
                    var revisions = document["revisions"] as? [Object] ?? []
                    revisions[0]["saved_by"] = "Robert'); DROP TABLE story;--"
                    document["revisions"] = revisions
                }, "line 1: revision saved_by \"Robert'); DROP TABLE story;--\" is not a login."
            )
        ]
        for (field, change, message) in cases {
            var document = line
            change(&document)
            let file = NSTemporaryDirectory() + "newsdesk-hostile-\(UUID().uuidString.prefix(6)).ndjson"
            try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: file))
            let result = try target.run(["import", file])
            #expect(result.status == 65, "\(field): \(result)")
            #expect(result.stderr == "Error: \(message)\n", "\(field)")
            #expect(try target.count("newsroom.edition") == 0)
        }
    }

    @Test("a ninjs import names, line by line, what ninjs carried that it did not keep")
    func ninjsReportsWhatItDrops() throws {
        let source = try Self.fullNewsroom()
        let file = NSTemporaryDirectory() + "newsdesk-ninjs-\(UUID().uuidString.prefix(6)).ndjson"
        try source.run(["export", "--all", "--format", "ninjs"]).stdout.write(
            toFile: file, atomically: true, encoding: .utf8)
        let target = try TestNewsroom("archiveninjs")
        let result = try target.run(["import", file])
        #expect(result.status == 0, "\(result)")
        #expect(
            result.stderr.contains(
                """
                Not kept: line 1: a ninjs import does not keep its photo, its bylines, its video mark, \
                its story's other editions, 2 live updates; move a newsroom with export --all --format newsdesk.
                """), "\(result.stderr)")
        #expect(
            result.stderr.contains(
                """
                Not kept: line 2: a ninjs import does not keep its photo, its bylines, its video mark, the edition it \
                was translated from, its story's other editions, 2 live updates; move a newsroom with export --all \
                --format newsdesk.
                """))
        #expect(result.stdout == "Imported 6 editions; 0 were imported before.\n")
    }
}
