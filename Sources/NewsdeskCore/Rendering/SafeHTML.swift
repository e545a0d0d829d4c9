/// Markdown to HTML that is safe to put on a page (SPEC §6): rendered by
/// libcmark in safe mode (raw HTML dropped, script URLs blanked), then rebuilt
/// tag by tag from an allow-list, so no `<script>`, no event handler attribute
/// and no `javascript:` (or other non-web) URL survives, whatever the Markdown
/// held. Two walls, so that a gap in either one is not a hole.
public enum SafeHTML {
    /// Tags Markdown produces, with the attributes each may keep.
    static let allowed: [String: Set<String>] = [
        "p": [], "br": [], "hr": [], "em": [], "strong": [], "pre": [], "blockquote": [],
        "ul": [], "ol": ["start"], "li": [], "h1": [], "h2": [], "h3": [], "h4": [], "h5": [], "h6": [],
        // A fenced block's language (```` ```swift ````), as `class="language-swift"`.
        "code": ["class"],
        "a": ["href", "title"], "img": ["src", "alt", "title"], "table": [], "thead": [], "tbody": [], "tr": [],
        "th": ["align"], "td": ["align"], "del": [], "s": []
    ]
    static let urlAttributes: Set<String> = ["href", "src"]

    /// Renders `markdown` and sanitises the result.
    ///
    ///     SafeHTML.render(markdown: "[site](/uk/novyny) <script>x</script>")
    ///     // "<p><a href=\"/uk/novyny\">site</a> x</p>\n"
    public static func render(markdown: String) -> String {
        let tree = MarkdownTree(markdown)
        tree.removeRawHTML()
        return sanitize(tree.html())
    }

    /// Escapes text for HTML.
    ///
    /// Works on the UTF-8 bytes (the five it escapes are ASCII, and never
    /// part of another character's bytes), and gives back the text itself
    /// when there is nothing to escape, as for most headlines and names: a
    /// page escapes every field it shows, and a walk by character took
    /// about a twelfth of the server's time for an uncached article page.
    public static func escape(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(where: isEscaped) else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count + 16)
        output.append(contentsOf: utf8[..<first])
        for byte in utf8[first...] {
            switch byte {
            case UInt8(ascii: "&"): output.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): output.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): output.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): output.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): output.append(contentsOf: "&#39;".utf8)
            default: output.append(byte)
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func isEscaped(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
    }

    /// Keeps allowed tags with allowed attributes and safe URLs; everything
    /// else that looks like a tag is shown as text.
    ///
    /// `<` and `>` are found among the UTF-8 bytes, not the characters: a `<`
    /// after a prepending mark (U+0600) is part of that mark's character, and
    /// a search by character would pass over it. The output is built as bytes
    /// too, in one buffer, so a long text costs time in proportion to it.
    public static func sanitize(_ html: String) -> String {
        let bytes = Array(html.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var position = 0
        while let open = bytes[position...].firstIndex(of: UInt8(ascii: "<")) {
            output += bytes[position..<open]
            guard let close = bytes[(open + 1)...].firstIndex(of: UInt8(ascii: ">")) else {
                output += escape(String(decoding: bytes[open...], as: UTF8.self)).utf8
                return String(decoding: output, as: UTF8.self)
            }
            let inside = Substring(String(decoding: bytes[(open + 1)..<close], as: UTF8.self))
            if plainTags.contains(inside) {
                // `<p>`, `</li>`: the tags a long text has most of, kept as they are.
                output += bytes[open...close]
            } else if let tag = Tag(inside), let rebuilt = tag.rebuilt() {
                output += rebuilt.utf8
            } else {
                output += escape(String(decoding: bytes[open...close], as: UTF8.self)).utf8
            }
            position = close + 1
        }
        output += bytes[position...]
        return String(decoding: output, as: UTF8.self)
    }

    /// Allowed tags without attributes, opening and closing: what ``Tag``
    /// would rebuild them as is the text itself.
    static let plainTags: Set<Substring> = Set(allowed.keys.flatMap { [Substring($0), Substring("/" + $0)] })

    /// One parsed tag: `<a href="…">`, `</p>`, `<br/>`.
    struct Tag {
        let name: String
        let closing: Bool
        let selfClosing: Bool
        let attributes: [(String, String)]

        init?(_ text: Substring) {
            var body = text
            closing = body.first == "/"
            if closing { body = body.dropFirst() }
            selfClosing = body.last == "/"
            if selfClosing { body = body.dropLast() }
            let nameEnd = body.firstIndex(where: { !($0.isLetter || $0.isNumber) }) ?? body.endIndex
            guard nameEnd > body.startIndex else { return nil }
            name = body[..<nameEnd].lowercased()
            attributes = Self.parseAttributes(body[nameEnd...])
        }

        func rebuilt() -> String? {
            guard let permitted = SafeHTML.allowed[name] else { return nil }
            if closing { return "</\(name)>" }
            var text = "<" + name
            for (key, value) in attributes where permitted.contains(key) {
                if SafeHTML.urlAttributes.contains(key) && !SafeHTML.isSafeURL(value) { continue }
                if key == "class" && !SafeHTML.isCodeLanguageClass(value) { continue }
                text += " \(key)=\"\(SafeHTML.escape(SafeHTML.unescape(value)))\""
            }
            // ` />` as libcmark writes it, so that good output passes through unchanged.
            return text + (selfClosing ? " />" : ">")
        }

        /// `key="value"`, `key='value'`, `key=value`, `key`.
        static func parseAttributes(_ text: Substring) -> [(String, String)] {
            var result: [(String, String)] = []
            var rest = text
            while true {
                rest = rest.drop(while: { $0.isWhitespace })
                guard !rest.isEmpty else { return result }
                let keyEnd = rest.firstIndex(where: { $0.isWhitespace || $0 == "=" }) ?? rest.endIndex
                let key = rest[..<keyEnd].lowercased()
                rest = rest[keyEnd...].drop(while: { $0.isWhitespace })
                guard rest.first == "=" else {
                    result.append((key, ""))
                    if keyEnd == rest.startIndex && !rest.isEmpty { rest = rest.dropFirst() }
                    continue
                }
                rest = rest.dropFirst().drop(while: { $0.isWhitespace })
                if let quote = rest.first, quote == "\"" || quote == "'" {
                    let valueStart = rest.index(after: rest.startIndex)
                    let valueEnd = rest[valueStart...].firstIndex(of: quote) ?? rest.endIndex
                    result.append((key, String(rest[valueStart..<valueEnd])))
                    rest = valueEnd < rest.endIndex ? rest[rest.index(after: valueEnd)...] : ""
                } else {
                    let valueEnd = rest.firstIndex(where: { $0.isWhitespace }) ?? rest.endIndex
                    result.append((key, String(rest[..<valueEnd])))
                    rest = rest[valueEnd...]
                }
            }
        }
    }

    /// `language-` and a name of letters, digits and `+-_.#` (`language-c++`):
    /// the one class Markdown writes, and nothing a page's own styles answer to.
    static func isCodeLanguageClass(_ value: String) -> Bool {
        value.hasPrefix("language-") && value.count > 9
            && value.dropFirst(9).allSatisfy {
                $0.isASCII && ($0.isLetter || $0.isNumber || "+-_.#".contains($0))
            }
    }

    /// Web links only: http, https, mailto, or a relative path or fragment.
    /// Decoded and stripped of control characters and spaces first, as browsers do.
    static func isSafeURL(_ raw: String) -> Bool {
        let url = String(unescape(raw).unicodeScalars.filter { $0.value > 0x20 && $0.value != 0x7F }).lowercased()
        if let colon = url.firstIndex(of: ":") {
            let scheme = url[..<colon]
            // A colon after a slash, ? or # is not a scheme (a relative path).
            if !scheme.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" }) {
                return scheme == "http" || scheme == "https" || scheme == "mailto"
            }
        }
        return true
    }

    /// Decodes the character references an attribute may hide a scheme in
    /// (`&#106;avascript:`).
    static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var output = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            output += rest[..<amp]
            let tail = rest[rest.index(after: amp)...]
            guard let semicolon = tail.prefix(12).firstIndex(of: ";") else {
                output += "&"
                rest = tail
                continue
            }
            let entity = tail[..<semicolon]
            var decoded: String?
            switch entity {
            case "amp": decoded = "&"
            case "lt": decoded = "<"
            case "gt": decoded = ">"
            case "quot": decoded = "\""
            case "apos": decoded = "'"
            case "colon": decoded = ":"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X"), let value = UInt32(entity.dropFirst(2), radix: 16)
                {
                    decoded = Unicode.Scalar(value).map { String($0) }
                } else if entity.hasPrefix("#"), let value = UInt32(entity.dropFirst()) {
                    decoded = Unicode.Scalar(value).map { String($0) }
                }
            }
            if let decoded {
                output += decoded
                rest = tail[tail.index(after: semicolon)...]
            } else {
                output += "&"
                rest = tail
            }
        }
        return output + rest
    }
}
