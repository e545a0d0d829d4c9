import Foundation

/// html5lib, the HTML5 parsing algorithm in Python, run over a fragment or a
/// whole page: every parse error it reports, joined; empty when there are none.
public enum HTML5Check {
    public static func errors(_ text: String) throws -> String {
        guard let python = ProcessInfo.processInfo.environment["NEWSDESK_TEST_PYTHON"] else {
            throw TestSetupError("No NEWSDESK_TEST_PYTHON: run the tests with scripts/test, which provides html5lib.")
        }
        let path = NSTemporaryDirectory() + "newsdesk-page-\(UUID().uuidString.prefix(6)).html"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        // A page (it starts with a doctype) is parsed as a document, anything else as a fragment.
        let script = """
            import html5lib, sys
            text = open(sys.argv[1], encoding="utf-8").read()
            parser = html5lib.HTMLParser(strict=False)
            if text.lstrip().lower().startswith("<!doctype"):
                parser.parse(text)
            else:
                parser.parseFragment(text)
            print("; ".join(f"{pos}: {code} {data}" for pos, code, data in parser.errors), end="")
            """
        return try CommandLineTool.runProgram(python, ["-c", script, path]).stdout
    }
}
