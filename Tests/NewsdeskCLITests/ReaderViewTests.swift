import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("What readers get")
struct ReaderViewTests {
    /// Creates the sample story's edition in `lang` through the binary, publishes
    /// it, and dates its publication as in the fixture.
    static func sampleEdition(_ lang: String, in newsroom: TestNewsroom) throws -> Edition {
        let sample = try SharedFixtures.newsroom().story
        let text = try #require(sample.editions[lang])
        var arguments = [
            "story", "new", "--lang", lang, "--headline", text.headline, "--lead", text.lead,
            "--body-file", "-", "--photo", sample.photo.url, "--caption", text.caption, "--credit", text.credit
        ]
        for login in sample.bylines { arguments += ["--byline", login] }
        let created = try newsroom.run(arguments + ["--json"], stdin: text.body)
        #expect(created.status == 0, "\(created)")
        let edition = try NewsroomJSON.decoder().decode(Edition.self, from: Data(created.stdout.utf8))
        #expect(try newsroom.run(["publish", edition.reference]).status == 0)
        // Publication happened "now"; date it as the fixture says, as an archive import would.
        try newsroom.connect().execute(
            """
            UPDATE newsroom.edition SET published_at = \(sample.publishedUTC)::timestamptz,
                updated_at = \(sample.publishedUTC)::timestamptz WHERE id = \(edition.id)
            """)
        return edition
    }

    /// Adds the sample newsroom's staff, with their names.
    static func addStaff(_ newsroom: TestNewsroom) throws {
        for person in try SharedFixtures.newsroom().staff {
            var arguments = ["staff", "add", person.login]
            for role in person.roles { arguments += ["--role", role] }
            for (lang, name) in person.names.sorted(by: { $0.key < $1.key }) {
                arguments += ["--name", "\(lang)=\(name)"]
            }
            let result = try newsroom.run(arguments)
            #expect(result.status == 0, "\(result)")
        }
    }

    @Test("the sample story in Ukrainian renders as the site shows it")
    func ukrainianText() throws {
        let newsroom = try TestNewsroom("readeruk")
        try Self.addStaff(newsroom)
        let edition = try Self.sampleEdition("uk", in: newsroom)
        #expect(edition.slug == "kyivrada-sklykaie-pozacherhovu-sesiiu-cherez-opalennia")
        let result = try newsroom.run(["show", edition.reference, "--format", "text"])
        #expect(result.status == 0)
        #expect(
            result.stdout == """
                Київрада скликає позачергову сесію через опалення
                Автор: Олена Марченко
                Четвер, 26 жовтня 2023, 16:43

                [Будівля Київської міської ради. Фото: пресслужба Київради]

                Київська міська рада в п'ятницю збереться на позачергову сесію, щоб обговорити ремонт теплових мереж перед холодами.

                Джерело: пресслужба Київради; заява заступника голови Івана Петренка

                Деталі: За словами Петренка, депутати розглянуть виділення коштів на заміну аварійних ділянок трубопроводу в чотирьох районах міста.

                Передісторія:

                - Опалювальний сезон у Києві зазвичай починається в середині жовтня.
                - Минулого року ремонт мереж затримався через перебої з електропостачанням.

                """)
    }

    @Test("English and Russian datelines use their own names")
    func datelines() throws {
        let newsroom = try TestNewsroom("readeren")
        try Self.addStaff(newsroom)
        let sample = try SharedFixtures.newsroom().story
        let english = try Self.sampleEdition("en", in: newsroom)
        #expect(english.slug == sample.editions["en"]?.expectedSlug)
        let text = try newsroom.run(["show", english.reference]).stdout
        #expect(text.contains("\n\(sample.readerViewEnglish.dateline)\n"), "\(text)")
        let russian = try Self.sampleEdition("ru", in: newsroom)
        #expect(try newsroom.run(["show", russian.reference]).stdout.contains("\nЧетверг, 26 октября 2023, 16:43\n"))
    }

    @Test("show --format html is safe to embed whatever the edition holds")
    func safeHTML() throws {
        let newsroom = try TestNewsroom("html")
        let body = SafeHTMLTestsInput.hostileBody
        let result = try newsroom.run(
            [
                "story", "new", "--lang", "en", "--headline", "<script>alert('headline')</script> News",
                "--lead", "<img src=x onerror=alert(1)>", "--body-file", "-",
                "--photo", #"https://example.org/"onerror="alert(1)"#, "--caption", "\"><script>alert(2)</script>",
                "--json"
            ], stdin: body)
        #expect(result.status == 0, "\(result)")
        let edition = try NewsroomJSON.decoder().decode(Edition.self, from: Data(result.stdout.utf8))
        let html = try newsroom.run(["show", edition.reference, "--format", "html"]).stdout.lowercased()
        #expect(!html.contains("<script"))
        // No link or image may point at javascript: (the words may remain as visible text).
        #expect(html.range(of: #"(href|src)\s*=\s*["']?\s*javascript:"#, options: .regularExpression) == nil, "\(html)")
        #expect(html.range(of: #"<[^>]*\son[a-z]+\s*="#, options: .regularExpression) == nil, "\(html)")
        #expect(html.contains("&lt;script&gt;alert(&#39;headline&#39;)&lt;/script&gt; news"))
        let original = try newsroom.run(["show", edition.reference, "--format", "html"]).stdout
        #expect(try HTML5Check.errors(original) == "", "hostile input still makes well-formed HTML")
    }

    @Test("the photo line reads \"Caption. Photo: Credit\" in the edition's language")
    func photoLine() throws {
        let newsroom = try TestNewsroom("photoline")
        for (lang, expected) in [
            ("en", "[Mousa Mohammed Abu Marzook. Photo: Wikipedia]"),
            ("uk", "[Муса Мухаммед Абу Марзук. Фото: Wikipedia]")
        ] {
            let caption = lang == "en" ? "Mousa Mohammed Abu Marzook" : "Муса Мухаммед Абу Марзук"
            let created = try newsroom.run([
                "story", "new", "--lang", lang, "--headline", "Photo \(lang)", "--photo",
                "https://example.org/marzook.jpg", "--caption", caption, "--credit", "Wikipedia", "--json"
            ])
            let edition = try NewsroomJSON.decoder().decode(Edition.self, from: Data(created.stdout.utf8))
            let text = try newsroom.run(["show", edition.reference]).stdout
            #expect(text.contains("\n\n\(expected)\n"), "\(text)")
            let html = try newsroom.run(["show", edition.reference, "--format", "html"]).stdout
            #expect(html.contains("<figcaption>\(expected.dropFirst().dropLast())</figcaption>"), "\(html)")
        }
    }

    @Test("a withdrawn, scheduled or embargoed edition says so in text, HTML, JSON and ninjs")
    func notices() throws {
        let newsroom = try TestNewsroom("notices")
        let desk = try newsroom.desk()
        let withdrawn = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Withdrawn")).reference)
        #expect(try newsroom.run(["unpublish", withdrawn.reference, "--reason", "Legal review"]).status == 0)
        let scheduled = try newsroom.json(
            Edition.self,
            [
                "publish", desk.createStory(NewStory(lang: "uk", headline: "Заплановано")).reference,
                "--at", "2099-01-01 09:00", "--json"
            ])
        var story = NewStory(lang: "en", headline: "Embargoed")
        story.embargoUntil = "2099-01-01T07:00:00Z"
        let embargoed = try desk.publish(desk.createStory(story).reference)

        let cases: [(Edition, String, String, String)] = [
            (withdrawn, "withdrawn", "This story has been withdrawn: Legal review", "canceled"),
            (scheduled, "scheduled", "Буде опубліковано Четвер, 1 січня 2099, 09:00.", "withheld"),
            (embargoed, "embargoed", "Embargoed until Thursday, 1 January 2099, 09:00.", "usable")
        ]
        for (edition, kind, notice, pubStatus) in cases {
            let text = try newsroom.run(["show", edition.reference]).stdout
            #expect(text.contains("\n\n[\(notice)]\n"), "\(text)")
            let html = try newsroom.run(["show", edition.reference, "--format", "html"]).stdout
            #expect(html.contains("<p class=\"notice \(kind)\">\(notice)</p>"), "\(html)")
            #expect(try HTML5Check.errors(html) == "")
            let json = try newsroom.json(Edition.self, ["show", edition.reference, "--json"])
            #expect(json.status.rawValue == (kind == "embargoed" ? "published" : kind))
            let ninjs = try newsroom.run(["show", edition.reference, "--format", "ninjs"]).stdout
            #expect(ninjs.contains("\"pubStatus\" : \"\(pubStatus)\""), "\(ninjs)")
        }
        let ninjs = try newsroom.run(["show", embargoed.reference, "--format", "ninjs"]).stdout
        #expect(ninjs.contains("\"embargoedUntil\" : \"2099-01-01T07:00:00Z\""))
    }

    @Test(
        "HTML: times carry datetime, subjects are links, the language switch marks the current edition, and html5lib finds no error"
    )
    func htmlStructure() throws {
        let newsroom = try TestNewsroom("htmlshape")
        try Self.addStaff(newsroom)
        #expect(try newsroom.run(["subject", "add", "kyiv", "--name", "en=Kyiv", "--name", "uk=Київ"]).status == 0)
        let ukrainian = try Self.sampleEdition("uk", in: newsroom)
        #expect(try newsroom.run(["tag", String(ukrainian.storyID), "kyiv"]).status == 0)
        let english = try newsroom.json(
            Edition.self,
            [
                "translate", ukrainian.reference, "--to", "en", "--headline", "Kyiv council",
                "--body", "Body."
            ])
        #expect(try newsroom.run(["publish", english.reference]).status == 0)
        #expect(
            try newsroom.run([
                "update", "add", ukrainian.reference, "--body", "Сесію перенесли.", "--kind", "correction"
            ]).status == 0)
        #expect(try newsroom.run(["update", "add", ukrainian.reference, "--body", "Засідання почалося."]).status == 0)

        let html = try newsroom.run(["show", ukrainian.reference, "--format", "html"]).stdout
        #expect(
            html.contains(
                """
                <nav class="languages"><strong lang="uk" aria-current="page">Укр</strong> \
                <a lang="en" hreflang="en" href="/en/\(english.slug)">Eng</a></nav>
                """), "\(html)")
        #expect(
            html.contains(
                "<p class=\"dateline\"><time datetime=\"2023-10-26T13:43:00Z\">Четвер, 26 жовтня 2023, 16:43</time></p>"
            ))
        #expect(html.contains("<p class=\"subjects\">Теми: <a href=\"/uk/subjects/kyiv\">Київ</a></p>"))
        #expect(html.contains("<section class=\"update correction\" id=\"update-1\"><h3>Виправлення: <time datetime="))
        #expect(html.contains("<section class=\"update\" id=\"update-2\"><h3>Оновлення: <time datetime="))
        #expect(!html.contains("class=\"update update\""))

        for edition in [ukrainian.reference, english.reference] {
            let fragment = try newsroom.run(["show", edition, "--format", "html"]).stdout
            #expect(try HTML5Check.errors(fragment) == "", "\(edition)")
        }
    }

    @Test("show --json has every field of the edition shape")
    func jsonShape() throws {
        let newsroom = try TestNewsroom("shape")
        let edition = try newsroom.desk().createStory(NewStory(lang: "en", headline: "Shape"))
        let result = try newsroom.run(["show", edition.reference, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        for key in [
            "id", "story_id", "lang", "slug", "headline", "lead", "body", "status", "version", "published_at",
            "updated_at", "scheduled_at", "embargo_until", "bylines", "subjects", "photo", "translated_from",
            "updates", "corrections", "editions"
        ] {
            #expect(object.keys.contains(key), "\(key)")
        }
        #expect((object["editions"] as? [String: Any])?["en"] as? Int == Int(edition.id))
    }
}

enum SafeHTMLTestsInput {
    static let hostileBody = """
        Intro with <script>alert(1)</script> inline.

        <img src=x onerror=alert(1)>

        [click](javascript:alert(1)) and [ok](https://example.org) and <a href="jav&#x61;script:alert(1)">x</a>

        <iframe src="https://evil.example"></iframe><svg onload=alert(1)>
        """
}
