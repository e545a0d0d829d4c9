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
}
