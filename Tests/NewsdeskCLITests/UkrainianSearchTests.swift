import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

/// Search that understands Ukrainian, through the lexicon expanded from
/// hunspell-uk (which scripts/test installs), and staff search. The suite
/// shares one newsroom: loading the lexicon takes seconds.
@Suite("Ukrainian search", .serialized)
struct UkrainianSearchTests {
    /// The 104 query/document pairs of Tests/Fixtures/search-uk.tsv.
    struct Pair {
        let query: String
        let document: String
    }

    static func pairs() throws -> [Pair] {
        let text = try String(
            contentsOf: SharedFixtures.directory.appending(path: "search-uk.tsv"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let columns = line.split(separator: "\t").map(String.init)
            return Pair(query: columns[0], document: columns[1])
        }
    }

    /// The newsroom every test here searches: the pairs' documents published
    /// (each under a plain numbered headline), then the lexicon loaded with
    /// `newsdesk db lexicon`, so that loading indexes them again.
    final class Newsroom: Sendable {
        let newsroom: TestNewsroom
        /// Edition id of each pair's document, in the file's order.
        let documents: [Int64]
        /// Edition id of a story about a billiard cue (кий, whose forms
        /// include "києві" as Київ's do).
        let cue: Int64
        /// How many pairs were found before the lexicon was loaded.
        let foundWithoutLexicon: Int
        let lexiconLoad: CommandResult
        /// The plain-SQL events of the newsroom's log once the lexicon was loaded.
        let loadEvents: [String]

        init() throws {
            newsroom = try TestNewsroom("searchuk")
            let desk = try newsroom.desk()
            let pairs = try UkrainianSearchTests.pairs()
            var documents: [Int64] = []
            for (number, pair) in pairs.enumerated() {
                var story = NewStory(lang: "uk", headline: "Зведення \(number + 1)")
                story.body = pair.document
                documents.append(try desk.publish(desk.createStory(story).reference).id)
            }
            var cueStory = NewStory(lang: "uk", headline: "Більярд")
            cueStory.body = "Більярдний кий зламався під час турніру."
            cue = try desk.publish(desk.createStory(cueStory).reference).id
            self.documents = documents
            foundWithoutLexicon = try Self.found(pairs, documents, in: newsroom).count
            lexiconLoad = try CommandLineTool.run(["db", "lexicon"], environment: newsroom.database.environment)
            loadEvents = try newsroom.connect().query(
                "SELECT action || ' ' || (detail->>'table') || ' ' || detail AS event FROM newsroom.audit_event WHERE action LIKE 'sql.%' ORDER BY seq"
            ).map { try $0.decode("event", as: String.self) }
        }

        /// The pairs whose document a search for their query finds.
        static func found(_ pairs: [Pair], _ documents: [Int64], in newsroom: TestNewsroom) throws -> [Int] {
            let reader = FeedReader(connection: try newsroom.connect())
            return try pairs.indices.filter { index in
                try reader.search(pairs[index].query, language: "uk", limit: 200).items
                    .contains { $0.editionID == documents[index] }
            }
        }
    }

    static let shared = Result { try Newsroom() }

    @Test("newsdesk db lexicon loads the dictionary's forms and indexes the Ukrainian editions again")
    func lexiconLoad() throws {
        let room = try Self.shared.get()
        let load = room.lexiconLoad
        #expect(load.status == 0, "\(load)")
        #expect(load.stderr == "")
        let expected = try Regex(
            #"^Loaded (\d+) Ukrainian word forms from /usr/share/hunspell/uk_UA\.dic; indexed 105 Ukrainian editions again\.\n$"#
        )
        let match = try #require(try expected.wholeMatch(in: load.stdout), "\(load.stdout)")
        let forms = try #require(Int(match.output[1].substring ?? ""))
        #expect(forms > 1_000_000)
        // Each statement of the load recorded (how many rows, the first 20), not each of millions of
        // rows; indexing the editions again changes nothing but their search vectors, as their text gives
        // them, which is not recorded.
        #expect(
            room.loadEvents.map { $0.split(separator: " ").prefix(2).joined(separator: " ") } == [
                "sql.insert ukrainian_word_form_load", "sql.truncate ukrainian_word_form",
                "sql.insert ukrainian_word_form",
                "sql.truncate ukrainian_word_form_load"
            ])
        #expect(room.loadEvents.count == 4 && room.loadEvents[2].contains("\"rows\": \(forms)"))
        #expect(try room.newsroom.count("newsroom.ukrainian_word_form_load") == 0)
    }

    @Test(
        "vectors that are not what an edition's text gives are recorded like any plain-SQL change, and so is the lexicon's"
    )
    func vectorTampering() throws {
        let room = try Self.shared.get()
        let connection = try room.newsroom.connect()
        func events(_ action: String) throws -> Int {
            try connection.query("SELECT count(*) AS n FROM newsroom.audit_event WHERE action = \(action)")[0].decode(
                "n")
        }
        let updates = try events("sql.update"), inserts = try events("sql.insert")
        // Indexing again gives the same vectors: nothing to record.
        _ = try connection.execute("SELECT newsroom.reindex_search('uk')")
        #expect(try events("sql.update") == updates)
        // Hiding an edition from a search: recorded, with what the vectors were.
        let target = room.documents[0]
        _ = try connection.execute(
            "UPDATE newsroom.edition SET search = 'вибори'::tsvector, headline_search = ''::tsvector WHERE id = \(target)"
        )
        #expect(try events("sql.update") == updates + 1)
        // A word planted in the lexicon: recorded with the row.
        defer {
            _ = try? connection.execute("DELETE FROM newsroom.ukrainian_word_form WHERE form = 'ґзоргзакор'")
            _ = try? connection.execute("SELECT newsroom.reindex_search('uk')")
        }
        _ = try connection.execute("INSERT INTO newsroom.ukrainian_word_form VALUES ('ґзоргзакор', NULL, '{корупція}')")
        #expect(try events("sql.insert") == inserts + 1)
        let planted = try connection.query(
            "SELECT detail FROM newsroom.audit_event WHERE action = 'sql.insert' ORDER BY seq DESC LIMIT 1")[0]
            .decode("detail", as: String.self)
        #expect(planted.contains("ґзоргзакор") && planted.contains("корупція"), "\(planted)")
    }

    @Test("a dictionary that cannot be read is refused with exit 69, naming it, and the lexicon stays")
    func missingDictionary() throws {
        let room = try Self.shared.get()
        let result = try CommandLineTool.run(
            ["db", "lexicon", "--dictionary", "/nonexistent/uk_UA"], environment: room.newsroom.database.environment)
        #expect(result.status == 69)
        #expect(result.stdout == "")
        #expect(result.stderr.contains("dictionary: /nonexistent/uk_UA.dic and .aff cannot be read"), "\(result)")
        #expect(try room.newsroom.count("newsroom.ukrainian_word_form") > 1_000_000)
    }

    @Test("at least 90% of 104 Ukrainian queries find their document in another form; without the lexicon far fewer do")
    func recall() throws {
        let room = try Self.shared.get()
        let pairs = try Self.pairs()
        #expect(pairs.count >= 100)
        let found = try Newsroom.found(pairs, room.documents, in: room.newsroom)
        let missed = pairs.indices.filter { !found.contains($0) }.map { "\(pairs[$0].query) → \(pairs[$0].document)" }
        print(
            "Ukrainian search recall: \(found.count) of \(pairs.count) (without the lexicon \(room.foundWithoutLexicon)); missed: \(missed)"
        )
        #expect(Double(found.count) / Double(pairs.count) >= 0.9, "missed: \(missed)")
        #expect(room.foundWithoutLexicon * 4 < found.count, "without the lexicon: \(room.foundWithoutLexicon)")
    }

    @Test("words that none of the stories holds find nothing")
    func unrelatedWords() throws {
        let room = try Self.shared.get()
        let reader = FeedReader(connection: try room.newsroom.connect())
        for word in [
            "балет", "футболісти", "шахів", "космонавтом", "вулкани", "пінгвінів", "кава", "гітарою", "Мадрида"
        ] {
            #expect(try reader.search(word, language: "uk").items.isEmpty, "\(word)")
        }
    }

    @Test("Києві finds Kyiv, as written first, and never the billiard cue (кий) that shares the form")
    func lemmaNoise() throws {
        let room = try Self.shared.get()
        let writtenSo = room.documents[1]  // "У Києві відкрили новий міст …"
        let otherForm = room.documents[0]  // "Київ готується …"
        for query in ["Києві", "києві"] {
            let results = try room.newsroom.json(SearchResults.self, ["search", query, "--lang", "uk"])
            #expect(Array(results.items.map(\.editionID).prefix(2)) == [writtenSo, otherForm], "\(query)")
        }
        let capitalised = try room.newsroom.json(SearchResults.self, ["search", "Києві", "--lang", "uk"])
        #expect(!capitalised.items.contains { $0.editionID == room.cue })
        // The cue itself is found by its own word, as written first.
        let cue = try room.newsroom.json(SearchResults.self, ["search", "кий", "--lang", "uk"])
        #expect(cue.items.first?.editionID == room.cue)
    }

    @Test("a word with an apostrophe is one word, whichever apostrophe is typed")
    func apostrophes() throws {
        let room = try Self.shared.get()
        let target = room.documents[try Self.pairs().firstIndex { $0.query == "об'єктів" }!]
        for query in ["об'єктів", "об’єктів", "обʼєктів", "об'єкт"] {
            let results = try room.newsroom.json(SearchResults.self, ["search", query, "--lang", "uk"])
            #expect(results.items.map(\.editionID) == [target], "\(query)")
        }
        // The halves of the word are not words.
        #expect(try room.newsroom.json(SearchResults.self, ["search", "єктів", "--lang", "uk"]).items.isEmpty)
    }

    @Test("prefix and phrase search in Ukrainian; stop words alone find nothing")
    func prefixAndPhrase() throws {
        let room = try Self.shared.get()
        let pairs = try Self.pairs()
        func document(_ query: String) -> Int64 { room.documents[pairs.firstIndex { $0.query == query }!] }
        func found(_ query: String) throws -> [Int64] {
            // (After `--`, a query may begin with "-".)
            let result = try room.newsroom.run(["search", "--lang", "uk", "--limit", "200", "--json", "--", query])
            #expect(result.status == 0, "\(result)")
            return try NewsroomJSON.decoder().decode(SearchResults.self, from: Data(result.stdout.utf8)).items
                .map(\.editionID)
        }
        #expect(Set(try found("переговор*")).isSuperset(of: [document("переговорів"), document("переговори")]))
        #expect(try found("переговор").isEmpty)
        #expect(try found("\"Верховної Ради\"") == [document("Верховної Ради")])
        #expect(try found("\"Ради Верховної\"").isEmpty)
        #expect(try found("Ради Верховної") == [document("Верховної Ради")])
        #expect(try found("пункт -Польща") == [])
        #expect(try found("пункт or бюро").count == 2)
        #expect(try found("і та на").isEmpty)
        // An exclusion joined by `or` to a word is a term that looks for something (here, nearly
        // everything); exclusions alone find nothing.
        #expect(try found("-Польща or пункт").contains(document("Польщею")))
        #expect(try found("-Польща").isEmpty)
        // A "word" of 3,000 letters is no word, in a text or a query.
        let desk = try room.newsroom.desk()
        var long = NewStory(lang: "uk", headline: "Довге слово")
        long.body = String(repeating: "ж", count: 3000)
        _ = try desk.publish(desk.createStory(long).reference)
        // (The tool takes queries of up to 500 bytes; psql may send more.)
        let reader = FeedReader(connection: try room.newsroom.connect())
        #expect(
            try reader.search(String(repeating: "ж", count: 3000) + " пункт", language: "uk").items.map(\.editionID)
                == [document("Польщею")])
    }

    @Test("snippets mark the words found in any of their forms, with no quotation marks")
    func snippet() throws {
        let room = try Self.shared.get()
        let results = try room.newsroom.json(SearchResults.self, ["search", "делегаціями", "--lang", "uk"])
        let hit = try #require(results.items.first { $0.snippet.contains("Делегація прибула") })
        #expect(hit.snippetParts.filter(\.match).map(\.text) == ["Делегація"])
        #expect(!hit.snippet.contains("«"))
        #expect(hit.snippetParts.map(\.text).joined() == hit.snippet)
        // Text output: not a terminal, so the snippet as it reads.
        let text = try room.newsroom.run(["search", "делегаціями", "--lang", "uk", "--limit", "1"])
        #expect(text.status == 0)
        let expected = "  uk/zvedennia-22\n  Зведення 22\n  Зведення 22 — Склад делегацій погодили заздалегідь.\n\n"
        #expect(text.stdout.hasSuffix(expected), "\(text)")
    }
}

@Suite("Search in every language")
struct SearchLanguagesTests {
    @Test("English and Russian stem as before, whatever the case, with prefixes and phrases")
    func englishAndRussian() throws {
        let newsroom = try TestNewsroom("searchlangs")
        let desk = try newsroom.desk()
        func publish(_ lang: String, _ headline: String, _ body: String) throws -> Int64 {
            var story = NewStory(lang: lang, headline: headline)
            story.body = body
            return try desk.publish(desk.createStory(story).reference).id
        }
        let english = try publish("en", "City Council Approves Pipelines", "The council voted for new heating pipes.")
        let russian = try publish("ru", "Переговоры в Женеве", "Делегации обсудили обмен пленными.")
        func found(_ query: String, _ lang: String) throws -> [Int64] {
            try newsroom.json(SearchResults.self, ["search", query, "--lang", lang]).items.map(\.editionID)
        }
        #expect(try found("pipeline", "en") == [english])
        #expect(try found("approved", "en") == [english])
        #expect(try found("pipe*", "en") == [english])
        #expect(try found("\"city council\"", "en") == [english])
        #expect(try found("\"council city\"", "en").isEmpty)
        #expect(try found("переговоры", "ru") == [russian])
        #expect(try found("женева", "ru") == [russian])
        #expect(try found("делегация", "ru") == [russian])
        #expect(try found("перегово*", "ru") == [russian])
        #expect(try found("\"обмен пленными\"", "ru") == [russian])
    }
}

@Suite("Staff search")
struct StaffSearchTests {
    @Test(
        "search --all finds the unpublished editions a login may see, each with its status; without it only public ones"
    )
    func permissions() throws {
        let newsroom = try TestNewsroom("staffsearch")
        let suffix = UUID().uuidString.prefix(6).lowercased()
        let (alice, bob, editor) = ("rep_a_\(suffix)", "rep_b_\(suffix)", "ed_\(suffix)")
        try newsroom.addStaff(alice, ["reporter"])
        try newsroom.addStaff(bob, ["reporter"])
        try newsroom.addStaff(editor, ["editor"])
        func run(_ login: String, _ arguments: [String]) throws -> CommandResult {
            let result = try newsroom.run(arguments, environment: ["PGUSER": login])
            #expect(result.status == 0, "\(arguments): \(result)")
            return result
        }
        func edition(_ login: String, _ arguments: [String]) throws -> Edition {
            try NewsroomJSON.decoder().decode(Edition.self, from: Data(run(login, arguments + ["--json"]).stdout.utf8))
        }
        func found(_ login: String, all: Bool) throws -> [Int64: String] {
            let results = try NewsroomJSON.decoder().decode(
                SearchResults.self,
                from: Data(run(login, ["search", "ferry", "--json"] + (all ? ["--all"] : [])).stdout.utf8))
            return Dictionary(uniqueKeysWithValues: results.items.map { ($0.editionID, $0.status) })
        }
        let aliceDraft = try edition(
            alice, ["story", "new", "--lang", "en", "--headline", "Ferry strike: Alice's draft"])
        let bobDraft = try edition(bob, ["story", "new", "--lang", "en", "--headline", "Ferry strike: Bob's draft"])
        _ = try run(bob, ["submit", bobDraft.reference])
        let embargoed = try edition(
            editor,
            [
                "story", "new", "--lang", "en", "--headline", "Ferry report under embargo", "--embargo-until",
                "2099-01-01T07:00:00Z"
            ])
        _ = try run(editor, ["publish", embargoed.reference])
        let scheduled = try edition(
            editor, ["story", "new", "--lang", "en", "--headline", "Ferry timetable for spring"])
        _ = try run(editor, ["publish", scheduled.reference, "--at", "2099-03-01T06:00:00Z"])
        let published = try edition(editor, ["story", "new", "--lang", "en", "--headline", "Ferry returns"])
        _ = try run(editor, ["publish", published.reference])

        #expect(try found(alice, all: false) == [published.id: "published"])
        #expect(try found(alice, all: true) == [aliceDraft.id: "draft", published.id: "published"])
        #expect(try found(bob, all: true) == [bobDraft.id: "in_review", published.id: "published"])
        #expect(
            try found(editor, all: true) == [
                aliceDraft.id: "draft", bobDraft.id: "in_review", embargoed.id: "published", scheduled.id: "scheduled",
                published.id: "published"
            ])
        // The same rule for anyone who connects: the database decides.
        let asAlice = try newsroom.connect(as: alice)
        let direct = try asAlice.query("SELECT desk.search('ferry', NULL, 20, true) -> 'items' AS items")[0]
            .decode("items", as: String.self)
        #expect(direct.contains("Alice's draft") && !direct.contains("Bob's draft") && !direct.contains("Ferry report"))
        // People read the status beside each unpublished result.
        let lines = try run(editor, ["search", "ferry", "--all"]).stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasSuffix("en/\(aliceDraft.slug)  [draft]") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix("en/\(bobDraft.slug)  [in review]") }, "\(lines)")
        #expect(
            lines.contains { $0.hasSuffix("en/\(embargoed.slug)  [embargoed until 2099-01-01T07:00:00Z]") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix("en/\(scheduled.slug)  [scheduled]") }, "\(lines)")
    }
}
