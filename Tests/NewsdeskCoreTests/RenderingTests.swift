import Foundation
import NewsdeskCore
import Testing

@Suite("Safe HTML from Markdown")
struct SafeHTMLTests {
    static let hostile = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<IMG SRC=\"javascript:alert(1)\">",
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](  javascript:alert(1))",
        "<a href=\"jav&#x61;script:alert(1)\">x</a>",
        "<a href=\"java\tscript:alert(1)\">x</a>",
        "![x](javascript:alert(1))",
        "<svg onload=alert(1)>",
        "<div style=\"x\" onclick=\"alert(1)\">hi</div>",
        "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<p onmouseover=alert(1)>text</p>",
        "**bold** <b onclick=alert(1)>",
        "<scr<script>ipt>alert(1)</script>"
    ]

    @Test("no script, no event handler, no javascript: URL survives", arguments: hostile)
    func hostileMarkdown(_ markdown: String) {
        let html = SafeHTML.render(markdown: markdown).lowercased()
        #expect(!html.contains("<script"), "\(html)")
        #expect(!html.contains("<iframe"), "\(html)")
        #expect(!html.contains("<svg"), "\(html)")
        #expect(!html.contains("javascript:"), "\(html)")
        #expect(!html.contains("data:text"), "\(html)")
        #expect(html.range(of: #"<[^>]*\son[a-z]+\s*="#, options: .regularExpression) == nil, "\(html)")
    }

    @Test("text is escaped byte by byte: the five specials, even after a prepending mark; the rest unchanged")
    func escapesText() {
        #expect(
            SafeHTML.escape(#"Tom & Jerry's <b>"show"</b>"#)
                == "Tom &amp; Jerry&#39;s &lt;b&gt;&quot;show&quot;&lt;/b&gt;")
        let plain = "Київрада скликає сесію — Кличко 🇺🇦 e\u{301}"
        #expect(SafeHTML.escape(plain) == plain)
        #expect(SafeHTML.escape("Київ <i>") == "Київ &lt;i&gt;")
        // U+0600 makes one character with the `<` that follows it, and a
        // combining mark one with the `<` or `"` before it.
        #expect(SafeHTML.escape("\u{0600}<script>") == "\u{0600}&lt;script&gt;")
        #expect(SafeHTML.escape("<\u{301}img src=x>") == "&lt;\u{301}img src=x&gt;")
        #expect(SafeHTML.escape("\"\u{301} onmouseover=x") == "&quot;\u{301} onmouseover=x")
        #expect(SafeHTML.escape("") == "")
    }

    @Test("ordinary Markdown renders: emphasis, lists, safe links")
    func ordinary() {
        let html = SafeHTML.render(
            markdown: "**Джерело:** пресслужба\n\n- один\n- [два](https://example.org/a?b=1&c=2)")
        #expect(html.contains("<strong>Джерело:</strong>"))
        #expect(html.contains("<li>один</li>"))
        #expect(html.contains("href=\"https://example.org/a?b=1&amp;c=2\""))
    }
}

@Suite("Datelines in three languages")
struct DatelineTests {
    let time = LocalTime(text: "2023-10-26 16:43", weekday: 4)

    @Test("English, Ukrainian and Russian use their own weekday and month names")
    func languages() {
        #expect(Dateline.full(time, language: "en") == "Thursday, 26 October 2023, 16:43")
        #expect(Dateline.full(time, language: "uk") == "Четвер, 26 жовтня 2023, 16:43")
        #expect(Dateline.full(time, language: "ru") == "Четверг, 26 октября 2023, 16:43")
    }
}

@Suite("Revision diffs")
struct RevisionDiffTests {
    @Test("changed lines are marked, unchanged ones give context")
    func lines() {
        let diff = RevisionDiff.lines(before: "a\nb\nc\nd\ne\nf\ng", after: "a\nb\nC\nd\ne\nf\ng", context: 1)
        #expect(diff == "  b\n- c\n+ C\n  d\n")
    }
}

@Suite("Markdown a reader cannot break")
struct HostileMarkdownTests {
    static let mebibyte = 1 << 20

    /// Bodies that crashed or stalled the renderer before libcmark, up to the
    /// body limit (1 MiB).
    static let bodies: [(name: String, markdown: String)] = [
        ("10 KB of [", String(repeating: "[", count: 10 * 1024)),
        ("20,000 <a", String(repeating: "<a ", count: 20_000)),
        ("1 MiB of [", String(repeating: "[", count: mebibyte)),
        ("1 MiB of >", String(repeating: ">", count: mebibyte)),
        ("1 MiB of *", String(repeating: "*", count: mebibyte)),
        ("1 MiB of > * [", String(repeating: "> * [", count: mebibyte / 5)),
        ("1 MiB of - nested items", String(repeating: "- ", count: mebibyte / 2) + "a"),
        ("1 MiB of ![[]()", String(repeating: "![[]()", count: mebibyte / 6)),
        ("1 MiB of <a", String(repeating: "<a ", count: mebibyte / 3)),
        ("1 MiB of *a **a", String(repeating: "*a **a ", count: mebibyte / 7))
    ]

    @Test("renders to safe HTML without crashing", arguments: 0..<bodies.count)
    func renders(_ index: Int) {
        let (name, markdown) = Self.bodies[index]
        let html = SafeHTML.render(markdown: markdown)
        #expect(!html.isEmpty, "\(name)")
        #expect(!html.lowercased().contains("<script"), "\(name)")
    }

    @Test("text made to look like tags stays text")
    func tagsStayText() {
        let html = SafeHTML.render(markdown: String(repeating: "<a ", count: 20_000))
        #expect(!html.contains("<a"))
        #expect(html.components(separatedBy: "&lt;a").count - 1 == 20_000)
        #expect(
            SafeHTML.render(markdown: String(repeating: "[", count: 10 * 1024)) == "<p>"
                + String(repeating: "[", count: 10 * 1024) + "</p>\n")
    }

    @Test("images render as images until a paragraph is built to be slow")
    func imageOpeners() {
        #expect(
            SafeHTML.render(markdown: "![Bridge](/media/bridge.jpg) [more](/en/bridge)")
                == "<p><img src=\"/media/bridge.jpg\" alt=\"Bridge\" /> <a href=\"/en/bridge\">more</a></p>\n")
        let filler = String(repeating: "![[]()", count: 2_000)
        // An escaped `!` stays escaped when the paragraph's openers are neutralised.
        let escaped = SafeHTML.render(markdown: "\\![x](/a.png) " + filler)
        #expect(!escaped.contains("<img"))
        #expect(escaped.contains("!<a href=\"/a.png\">x</a>"))
        // A paragraph after a blank line keeps its image.
        let separate = SafeHTML.render(markdown: filler + "\n\n![x](/b.png)")
        #expect(separate.contains("<img src=\"/b.png\" alt=\"x\" />"))
    }
}

@Suite("Safe mode and the allow-list")
struct SafeModeTests {
    @Test(
        "script and other non-web URLs are dropped",
        arguments: [
            "[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "[x](vbscript:msgbox(1))",
            "[x](file:///etc/passwd)",
            "![x](data:image/png;base64,AAAA)", "[x](data:text/html;base64,PHNjcmlwdD4=)", "<javascript:alert(1)>",
            "[x][r]\n\n[r]: javascript:alert(1)"
        ])
    func unsafeURLs(_ markdown: String) {
        let html = SafeHTML.render(markdown: markdown).lowercased()
        #expect(html.range(of: #"(href|src)\s*=\s*"[^"]+""#, options: .regularExpression) == nil, "\(html)")
        #expect(!html.contains("href=\"javascript"), "\(html)")
    }

    @Test("raw HTML is not emitted, not even as a comment")
    func rawHTML() {
        let html = SafeHTML.render(
            markdown: "Before <script>alert(1)</script> after.\n\n<div onclick=\"x()\">block</div>\n\n<!-- note -->")
        #expect(!html.contains("<script"))
        #expect(!html.contains("<div"))
        #expect(!html.contains("<!--") && !html.contains("&lt;!--"), "\(html)")
        #expect(html.contains("<p>Before alert(1) after.</p>"), "\(html)")
    }

    @Test("the site's own links, web links and mailto survive")
    func safeLinks() {
        let html = SafeHTML.render(
            markdown: """
                [Новини](/uk/novyny/1) [section](/uk/) [#](#update-2) [site](https://newsroom.example/en/x?a=1&b=2) \
                [plain](http://example.org) [write](mailto:desk@newsroom.example) <https://newsroom.example/ru/>
                """)
        #expect(html.contains("<a href=\"/uk/novyny/1\">Новини</a>"), "\(html)")
        #expect(html.contains("<a href=\"/uk/\">section</a>"))
        #expect(html.contains("<a href=\"#update-2\">#</a>"))
        #expect(html.contains("<a href=\"https://newsroom.example/en/x?a=1&amp;b=2\">site</a>"))
        #expect(html.contains("<a href=\"http://example.org\">plain</a>"))
        #expect(html.contains("<a href=\"mailto:desk@newsroom.example\">write</a>"))
        #expect(html.contains("<a href=\"https://newsroom.example/ru/\">https://newsroom.example/ru/</a>"))
    }
}
