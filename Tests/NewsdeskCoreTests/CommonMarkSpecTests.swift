import Foundation
import NewsdeskTestSupport
import Testing

@testable import NewsdeskCore

/// The CommonMark specification's own examples, rendered by the newsroom's
/// Markdown (libcmark in safe mode, then the allow-list sanitiser): proof that
/// reporters' lists, quotes and links come out as the standard says.
@Suite("The CommonMark specification's examples")
struct CommonMarkSpecTests {
    struct Example: Decodable {
        let markdown: String
        let html: String
        let example: Int
        let section: String
    }

    static func examples() throws -> [Example] {
        let url = SharedFixtures.directory.appending(path: "commonmark/spec-0.31.2.json")
        return try JSONDecoder().decode([Example].self, from: Data(contentsOf: url))
    }

    /// Raw HTML is dropped by design, so examples that hold any are not
    /// expected to match: the parse tree says which those are.
    static func holdsRawHTML(_ markdown: String) -> Bool {
        !MarkdownTree(markdown).rawHTMLNodes().isEmpty
    }

    /// The comparison of the specification's `normalize.py`, in the part that
    /// matters here: line breaks between block tags are not significant.
    static func normalized(_ html: String) -> String {
        html.replacing(">\n<", with: "><").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The specification's HTML with the newsroom's link policy applied: a
    /// link to anything but http(s), mailto or a relative URL keeps its text
    /// and loses its address (`<a href="irc://…">` becomes `<a>`).
    static func expected(_ html: String) -> String {
        html.replacing(/\ href="([^"]*)"/) { match in
            SafeHTML.isSafeURL(String(match.1)) ? String(match.0) : ""
        }
    }

    @Test("at least 99 % of the examples without raw HTML render exactly as the specification says")
    func examplesRender() throws {
        let examples = try Self.examples().filter { !Self.holdsRawHTML($0.markdown) }
        #expect(examples.count > 500, "the fixture lost its examples")
        let failed = examples.filter {
            Self.normalized(SafeHTML.render(markdown: $0.markdown)) != Self.normalized(Self.expected($0.html))
        }
        let share = Double(examples.count - failed.count) / Double(examples.count)
        let listing = failed.map {
            "#\($0.example) (\($0.section)): \(SafeHTML.render(markdown: $0.markdown).debugDescription)"
        }
        #expect(share >= 0.99, "\(failed.count) of \(examples.count) differ:\n\(listing.joined(separator: "\n"))")
    }
}
