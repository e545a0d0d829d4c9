import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

/// The article page as a reader's browser shows it: headless Chromium
/// (Debian `chromium`, installed by scripts/test) loads it from the running
/// server, and the test reads the document the browser built, not the bytes
/// the server sent.
@Suite("The article page in a real browser")
struct BrowserTests {
    @Test("Chromium shows the headline, the language switch, the live update and Recent news with its markers")
    func articleInChromium() throws {
        let newsroom = try TestNewsroom("sitebrowser")
        let story = try ModelStory(in: newsroom)
        let server = try SiteServer(newsroom)
        defer { server.stop() }
        let address = "\(server.base)/en/\(story.english.slug)"

        let dom = try Chromium.dumpDOM(address)
        // What the reader sees, as the browser parsed it.
        #expect(dom.contains("<h1>\(SafeHTML.escape(story.english.headline))</h1>"), "\(dom)")
        #expect(
            dom.contains(
                "<nav class=\"languages\"><a lang=\"uk\" hreflang=\"uk\" href=\"/uk/\(story.ukrainian.slug)\">Укр</a> "
                    + "<a lang=\"ru\" hreflang=\"ru\" href=\"/ru/\(story.russian.slug)\">Рус</a> "
                    + "<strong lang=\"en\" aria-current=\"page\">Eng</strong></nav>"), "\(dom)")
        #expect(dom.contains("<figcaption>The Kyiv City Council building. Photo: council press service</figcaption>"))
        #expect(dom.contains("<section class=\"update\" id=\"update-1\"><h3>Update: <time datetime="))
        #expect(dom.contains("The session has been moved to 10:00 on Saturday, the press service said."))
        #expect(dom.contains("<h2>Recent news</h2>"))
        #expect(
            dom.contains(
                "<a href=\"/en/snow-closes-schools-in-kyiv\">Snow closes schools in Kyiv</a> <span class=\"marker video\">VIDEO</span>"
            ), "\(dom)")
        #expect(dom.contains("<span class=\"marker updated\">updated</span>"))

        // The screenshot is kept for people to look at (scripts/test keeps it
        // under .build/test-artifacts); the test checks that it is a real
        // picture of a page, not an empty or failed capture.
        let folder =
            ProcessInfo.processInfo.environment["NEWSDESK_TEST_ARTIFACTS"] ?? NSTemporaryDirectory()
            + "newsdesk-artifacts"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let picture = folder + "/article-en.png"
        try? FileManager.default.removeItem(atPath: picture)
        try Chromium.screenshot(address, to: picture)
        let png = try Data(contentsOf: URL(fileURLWithPath: picture))
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        // A blank 1280×900 page compresses to a few kilobytes; text and layout do not.
        #expect(png.count > 20_000, "\(png.count) bytes")
        // The browser also asked for the page's style sheet and script: the
        // security policy let it load them.
        #expect(server.logs("GET /assets/site.css 200"), "\(server.log)")
        #expect(server.logs("GET /assets/live.js 200"), "\(server.log)")
    }
}

/// Headless Chromium, run once per question with a profile of its own.
enum Chromium {
    static let program = "/usr/bin/chromium"

    static func run(_ arguments: [String]) throws -> CommandResult {
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw TestSetupError("chromium is not installed; scripts/test installs it (apt-get install chromium)")
        }
        let profile = NSTemporaryDirectory() + "newsdesk-chromium-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let result = try CommandLineTool.runProgram(
            "/usr/bin/timeout",
            [
                "60", program, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--user-data-dir=\(profile)", "--window-size=1280,900"
            ] + arguments)
        guard result.status == 0 else { throw TestSetupError("chromium \(arguments): \(result)") }
        return result
    }

    /// The document after the page loaded, as the browser serializes it.
    static func dumpDOM(_ address: String) throws -> String {
        try run(["--dump-dom", address]).stdout
    }

    static func screenshot(_ address: String, to path: String) throws {
        _ = try run(["--hide-scrollbars", "--screenshot=\(path)", address])
    }
}
