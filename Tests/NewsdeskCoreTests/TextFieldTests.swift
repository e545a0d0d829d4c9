import NewsdeskCore
import Testing

@Suite("Text fields refuse bad input and store NFC")
struct TextFieldTests {
    @Test("NFD input is stored in NFC")
    func nfc() throws {
        // ї is U+0457 already (composed); é is e + U+0301 (decomposed).
        let decomposed = "Ки\u{0457}в Cafe\u{0301}"
        let clean = try TextField.headline.clean(decomposed)
        #expect(clean.unicodeScalars.map(\.value).contains(0xE9))
        #expect(!clean.unicodeScalars.map(\.value).contains(0x301))
        let ukrainianNFD = "Ki\u{0456}\u{0308}v"  // і + combining diaeresis composes to ї
        #expect(try TextField.headline.clean(ukrainianNFD) == "Ki\u{0457}v")
    }

    @Test("NUL is refused wherever it is", arguments: ["\u{0}start", "mid\u{0}dle", "end\u{0}"])
    func nul(_ text: String) {
        let error = #expect(throws: NewsdeskError.self) { try TextField.headline.clean(text) }
        #expect(error?.category == .badInput)
        #expect(error?.message.hasPrefix("headline") == true)
    }

    @Test(
        "invalid UTF-8 bytes are refused with the position",
        arguments: [
            [0xFF] as [UInt8], [0x41, 0xC3], [0x41, 0x42, 0xE2, 0x82], [0xED, 0xA0, 0x80], [0xC0, 0xAF]
        ])
    func invalidUTF8(_ bytes: [UInt8]) {
        let error = #expect(throws: NewsdeskError.self) { try TextField.body.clean(bytes: bytes) }
        #expect(error?.category == .badInput)
        #expect(error?.message.contains("not valid UTF-8") == true)
    }

    @Test(
        "bidi overrides, isolates and zero-width spaces are refused",
        arguments: [
            "\u{202E}evil", "a\u{202A}b", "x\u{2066}y\u{2069}", "zero\u{200B}width", "\u{FEFF}bom",
            "word\u{2060}joiner", "not\u{FFFE}xml", "not\u{FFFF}xml",
            "a" + String(Unicode.Scalar(0x1FFFF as UInt32)!) + "b",
            "a" + String(Unicode.Scalar(0xFDD0 as UInt32)!) + "b", "rtl\u{200F}mark", "line\u{2028}separator",
            "a\u{2062}b", "tag\u{E0041}smuggled", "filler\u{3164}"
        ])
    func invisible(_ text: String) {
        #expect(throws: NewsdeskError.self) { try TextField.headline.clean(text) }
    }

    @Test("emoji ZWJ sequences are welcome")
    func emoji() throws {
        #expect(try TextField.headline.clean("Родина 👩‍👩‍👧‍👦 вдома") == "Родина 👩‍👩‍👧‍👦 вдома")
    }

    @Test("control characters are refused; line breaks only where a field has lines")
    func controls() throws {
        #expect(throws: NewsdeskError.self) { try TextField.headline.clean("bell\u{7}") }
        #expect(throws: NewsdeskError.self) { try TextField.headline.clean("two\nlines") }
        #expect(try TextField.body.clean("one\r\ntwo\tcolumns") == "one\ntwo\tcolumns")
        #expect(throws: NewsdeskError.self) { try TextField.body.clean("escape\u{1B}[31m") }
    }

    @Test("limits are in bytes, and the message says so")
    func limits() throws {
        let cyrillic = String(repeating: "ж", count: 201)  // 402 bytes, 201 characters
        let error = #expect(throws: NewsdeskError.self) { try TextField.headline.clean(cyrillic) }
        #expect(error?.message.contains("402 bytes") == true)
        #expect(try TextField.headline.clean(String(repeating: "ж", count: 200)).utf8.count == 400)
    }

    @Test("an empty headline is refused; single-line fields are trimmed")
    func emptyAndTrim() throws {
        #expect(throws: NewsdeskError.self) { try TextField.headline.clean("   ") }
        #expect(try TextField.headline.clean("  Київ  ") == "Київ")
    }
}
