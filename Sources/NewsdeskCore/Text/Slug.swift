/// The URL name of an edition: `[a-z0-9-]`, derived from its headline.
public enum Slug {
    /// Longest slug in bytes; an index holds it. Longer ones are cut at a word.
    public static let maximumLength = 80

    /// The slug a headline gives in a language: Ukrainian and Russian are
    /// transliterated, other languages keep their Latin letters (accents
    /// dropped). Anything else, controls and bidi marks included, becomes a
    /// separator. Empty when nothing usable is left.
    public static func make(from headline: String, language: String) -> String {
        let latin: String
        switch language.split(separator: "-").first.map(String.init) ?? language {
        case "uk": latin = Transliteration.ukrainian(headline)
        case "ru": latin = Transliteration.russian(headline)
        default: latin = headline.lowercased()
        }
        var slug = ""
        var pendingSeparator = false
        for scalar in latin.unicodeScalars {
            // "New Year's" is one word: apostrophes join, they do not separate.
            if scalar == "'" || scalar == "\u{2019}" || scalar == "\u{02BC}" { continue }
            let ascii = asciiLetter(scalar)
            guard let ascii else {
                // Combining accents are part of the letter before them, not a break.
                if scalar.properties.generalCategory != .nonspacingMark { pendingSeparator = !slug.isEmpty }
                continue
            }
            if pendingSeparator { slug += "-" }
            pendingSeparator = false
            slug += ascii
        }
        return cut(slug)
    }

    /// Whether `text` is a well-formed slug.
    public static func isValid(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maximumLength && !text.hasPrefix("-") && !text.hasSuffix("-")
            && !text.contains("--") && text.unicodeScalars.allSatisfy { asciiLetter($0) != nil || $0 == "-" }
    }

    private static func cut(_ slug: String) -> String {
        guard slug.utf8.count > maximumLength else { return slug }
        let prefix = String(slug.prefix(maximumLength))
        if let lastBreak = prefix.lastIndex(of: "-"),
            prefix.distance(from: prefix.startIndex, to: lastBreak) > maximumLength / 2
        {
            return String(prefix[..<lastBreak])
        }
        return prefix.hasSuffix("-") ? String(prefix.dropLast()) : prefix
    }

    /// `a-z`, `0-9`, or a Latin letter with an accent as its base letter.
    private static func asciiLetter(_ scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x61...0x7A, 0x30...0x39: return String(scalar)
        case 0xC0...0x17F: return latinBase[scalar]
        default: return nil
        }
    }

    /// Base letters of Latin-1 and Latin Extended-A (lower case, as the input
    /// is lower-cased first). The standard library has no decomposition API,
    /// and full Foundation would cost start-up time on every command.
    private static let latinBase: [Unicode.Scalar: String] = {
        let table: [(String, String)] = [
            ("àáâãäåāăą", "a"), ("æ", "ae"), ("çćĉċč", "c"), ("ďđ", "d"), ("èéêëēĕėęě", "e"),
            ("ĝğġģ", "g"), ("ĥħ", "h"), ("ìíîïĩīĭįı", "i"), ("ĳ", "ij"), ("ĵ", "j"), ("ķĸ", "k"),
            ("ĺļľŀł", "l"), ("ñńņňŉŋ", "n"), ("òóôõöøōŏő", "o"), ("œ", "oe"), ("ŕŗř", "r"),
            ("śŝşšſ", "s"), ("ß", "ss"), ("ţťŧ", "t"), ("ùúûüũūŭůűų", "u"), ("ŵ", "w"), ("ýÿŷ", "y"),
            ("źżž", "z"), ("ð", "d"), ("þ", "th")
        ]
        var map: [Unicode.Scalar: String] = [:]
        for (letters, base) in table {
            for scalar in letters.unicodeScalars { map[scalar] = base }
        }
        return map
    }()
}
