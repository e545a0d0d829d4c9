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
        "<scr<script>ipt>alert(1)</script>",
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

    @Test("ordinary Markdown renders: emphasis, lists, safe links")
    func ordinary() {
        let html = SafeHTML.render(markdown: "**Джерело:** пресслужба\n\n- один\n- [два](https://example.org/a?b=1&c=2)")
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
