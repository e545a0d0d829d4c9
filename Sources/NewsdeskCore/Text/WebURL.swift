/// The rule for a URL a reader's browser will follow (a photo, a Media Topic
/// link): `http` or `https` with a host. Any other scheme (`javascript:`,
/// `data:`, `file:`) could run or read something in the reader's browser or on
/// the newsroom's own machines, so it is refused wherever a URL comes in,
/// from the command line or through the library.
public enum WebURL {
    /// Checks `raw` as the text field `field` (UTF-8, no control characters,
    /// its length limit) and then as a web URL; returns it clean.
    /// - Throws: ``NewsdeskError`` `.badInput` naming the field.
    public static func clean(_ raw: String, _ field: TextField) throws -> String {
        let text = try field.clean(raw)
        guard isWeb(text) else {
            throw NewsdeskError(
                .badInput,
                """
                \(field.name): "\(text)" is not a web address; give an http:// or https:// URL with a host name.
                """)
        }
        return text
    }

    /// Whether `text` is `http://HOST…` or `https://HOST…` (scheme in any case),
    /// with no spaces.
    public static func isWeb(_ text: String) -> Bool {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("https://") {
            rest = lower.dropFirst("https://".count)
        } else if lower.hasPrefix("http://") {
            rest = lower.dropFirst("http://".count)
        } else {
            return false
        }
        if text.unicodeScalars.contains(where: { $0.properties.isWhitespace }) { return false }
        // The authority ends at the first /, ? or #; the host is what remains
        // after any user@ and before any :port.
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let host = authority.hasPrefix("[") ? authority.prefix { $0 != "]" } : authority.prefix { $0 != ":" }
        return !host.isEmpty && host != "["
    }

    /// `text` as a URI (RFC 3986): every byte of a character a URI may not
    /// hold as it is (letters outside ASCII, `"`, `<`, `>`, backslash, `^`, `` ` ``,
    /// `{`, `|`, `}`) written `%XX`, and a `%` that starts no such escape as
    /// `%25`. What is already a URI comes back unchanged, so
    /// `https://example.org/фото.jpg` becomes
    /// `https://example.org/%D1%84%D0%BE%D1%82%D0%BE.jpg`.
    public static func uri(_ text: String) -> String {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=".utf8)
        let hex = Array("0123456789ABCDEF".utf8)
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        for (index, byte) in bytes.enumerated() {
            let isEscape =
                byte == UInt8(ascii: "%") && index + 2 < bytes.count
                && bytes[index + 1].isHexDigit && bytes[index + 2].isHexDigit
            if allowed.contains(byte) || isEscape {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
