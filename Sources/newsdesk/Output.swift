import NewsdeskCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Everything the tool prints goes through here, and so does the rule that
/// text from the database never reaches a terminal as something the terminal
/// acts on: a headline holding ESC could move the cursor, rewrite earlier
/// lines or set the window title (OSC), and a bidi override could make a line
/// read differently from what it holds. The desk refuses such characters on
/// input, but rows written with plain SQL, an import or an older version are
/// not checked again on the way out, so each writer below escapes them in the
/// way its format allows.
enum Output {
    /// A line of human-readable text (see ``TerminalText``).
    static func line(_ text: String) {
        print(TerminalText.visible(text))
    }

    /// A line of the tool's own terminal formatting (bold) around parts
    /// already made visible with ``TerminalText/visible(_:allowingCarriageReturn:)``.
    static func formattedLine(_ text: String) {
        print(text)
    }

    /// A line written at once, not buffered: for output another program
    /// reads as it comes (`events --follow` in a pipe).
    static func lineNow(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }

    /// Prints human-readable text that already ends with a newline.
    static func text(_ text: String) {
        let shown = TerminalText.visible(text)
        print(shown, terminator: shown.hasSuffix("\n") ? "" : "\n")
    }

    /// HTML or XML (show --format html, RSS, Atom): the characters are written
    /// as character references, which a browser or feed reader still reads as
    /// the same text.
    static func markup(_ text: String) {
        let shown = TerminalText.markup(text)
        print(shown, terminator: shown.hasSuffix("\n") ? "" : "\n")
    }

    /// A JSON document made elsewhere (ninjs), one line or several.
    static func jsonText(_ text: String) {
        print(TerminalText.json(text))
    }

    /// Writes to stderr without a newline (a progress bar redrawn with \r).
    static func standardErrorInline(_ text: String) {
        let bytes = Array(TerminalText.visible(text, allowingCarriageReturn: true).utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    static func standardError(_ text: String) {
        let shown = TerminalText.visible(text)
        let bytes = Array((shown.hasSuffix("\n") ? shown : shown + "\n").utf8)
        // write(2) on descriptor 2 rather than `stderr`, a C global that is not concurrency-safe.
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }

    /// Prints one JSON document: sorted keys, RFC 3339 UTC timestamps.
    static func json(_ value: some Encodable) throws {
        print(TerminalText.json(String(decoding: try NewsroomJSON.encoder().encode(value), as: UTF8.self)))
    }
}

/// The characters a terminal may act on rather than show, and how each
/// output format writes them instead.
enum TerminalText {
    /// C0 controls and DEL, C1 controls (U+0080–U+009F, which some terminals
    /// take as ESC sequences: U+009B is CSI), and the bidi overrides and
    /// isolates U+202A–U+202E and U+2066–U+2069. Line feed and tab are
    /// newsdesk's own layout and pass.
    static func isUnsafe(_ scalar: Unicode.Scalar, allowingCarriageReturn: Bool = false) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: false
        case 0x0D: !allowingCarriageReturn
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Text with each unsafe character written as a visible escape in Swift's
    /// notation: ESC becomes the six characters `\u{1B}`, U+202E `\u{202E}`.
    static func visible(_ text: String, allowingCarriageReturn: Bool = false) -> String {
        replacing(
            in: text, where: { isUnsafe($0, allowingCarriageReturn: allowingCarriageReturn) },
            with: {
                "\\u{\(String($0.value, radix: 16, uppercase: true))}"
            })
    }

    /// In JSON every character may be written `\uXXXX`; the encoder already
    /// does so for C0 controls (JSON requires it), and this adds the rest.
    /// Outside strings JSON holds none of these characters, so the document
    /// means exactly what it meant.
    static func json(_ text: String) -> String {
        replacing(
            in: text, where: { isUnsafe($0) },
            with: {
                "\\u" + String($0.value, radix: 16, uppercase: true).leftPadded(to: 4)
            })
    }

    /// In HTML and XML a character reference (`&#x202E;`) stands for the
    /// character itself. XML 1.0 forbids C0 controls other than tab, line
    /// feed and carriage return even as references, so those become U+FFFD,
    /// the replacement character.
    static func markup(_ text: String) -> String {
        replacing(
            in: text, where: { isUnsafe($0) },
            with: { scalar in
                (scalar.value < 0x20 && scalar.value != 0x0D) || scalar.value == 0x7F
                    ? "\u{FFFD}" : "&#x\(String(scalar.value, radix: 16, uppercase: true));"
            })
    }

    private static func replacing(
        in text: String, where unsafe: (Unicode.Scalar) -> Bool,
        with replacement: (Unicode.Scalar) -> String
    ) -> String {
        // Nearly all text has nothing to escape: look before copying.
        guard text.unicodeScalars.contains(where: unsafe) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            if unsafe(scalar) { result += replacement(scalar) } else { result.unicodeScalars.append(scalar) }
        }
        return result
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
