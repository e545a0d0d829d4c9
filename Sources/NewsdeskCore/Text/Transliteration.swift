/// Cyrillic to Latin for slugs.
///
/// Written here because no maintained Swift package carries these tables:
/// ICU's transforms (through full Foundation) follow BGN/PCGN, not the
/// Ukrainian national table, and would add ICU's start-up cost to every command.
public enum Transliteration {
    /// Ukrainian by the national table of 2010 (Cabinet of Ministers resolution
    /// No. 55): `г → h`, `ґ → g`, `зг → zgh`; `є ї й ю я` are `ye yi y yu ya` at
    /// the start of a word and `ie i i iu ia` elsewhere; `ь` and the apostrophe
    /// are dropped. Output is lower-case.
    public static func ukrainian(_ text: String) -> String {
        var output = ""
        var atWordStart = true
        var previous: Character?
        for character in text.lowercased() {
            defer {
                if !isApostrophe(character) {
                    atWordStart = !(character.isLetter || character.isNumber)
                }
                previous = character
            }
            if isApostrophe(character) { continue }
            if character == "г", previous == "з" {
                output += "gh"
                continue
            }
            if atWordStart, let initial = ukrainianInitial[character] {
                output += initial
            } else if let latin = ukrainianTable[character] {
                output += latin
            } else {
                output.append(character)
            }
        }
        return output
    }

    /// Russian by ICAO Doc 9303 (the scheme of Russian passports since 2014):
    /// `ж zh, х kh, ц ts, ч ch, ш sh, щ shch, ы y, ъ ie, ю iu, я ia`, `ё е э → e`,
    /// `й → i`, `ь` dropped. Output is lower-case.
    public static func russian(_ text: String) -> String {
        var output = ""
        for character in text.lowercased() {
            if let latin = russianTable[character] { output += latin } else { output.append(character) }
        }
        return output
    }

    static func isApostrophe(_ character: Character) -> Bool {
        character == "'" || character == "’" || character == "ʼ" || character == "`"
    }

    static let ukrainianTable: [Character: String] = [
        "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh",
        "з": "z", "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n",
        "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "iu", "я": "ia"
    ]

    static let ukrainianInitial: [Character: String] = ["є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"]

    static let russianTable: [Character: String] = [
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
        "и": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
        "щ": "shch", "ъ": "ie", "ы": "y", "ь": "", "э": "e", "ю": "iu", "я": "ia"
    ]
}
