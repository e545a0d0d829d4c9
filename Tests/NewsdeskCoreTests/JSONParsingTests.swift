import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

@Suite("Reading JSON text")
struct JSONParsingTests {
    @Test("every JSON file of the fixtures reads as Foundation's JSONDecoder reads it")
    func agreesWithFoundation() throws {
        let files = try #require(
            FileManager.default.enumerator(at: SharedFixtures.directory, includingPropertiesForKeys: nil)
        )
        .compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }
        #expect(files.count > 30)
        for file in files {
            let data = try Data(contentsOf: file)
            let foundation = try JSONDecoder().decode(JSONValue.self, from: data)
            #expect(
                try JSONValue(parsing: String(decoding: data, as: UTF8.self)) == foundation, "\(file.lastPathComponent)"
            )
        }
    }

    @Test("values of every kind, escapes, surrogate pairs and the ends of 64-bit integers")
    func values() throws {
        let text = #"""
             {"s": "Київ \"ОДА\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "empty": "", "t": true, "f": false, "n": null,
              "ints": [0, -0, 12, -12, 9223372036854775807, -9223372036854775808],
              "doubles": [9223372036854775808, 1.5, -2.5E-3, 1e3, 0.0],
              "nested": [[], {}, [{"a": [1]}]]}
            """#
        let expected: JSONValue = .object([
            "s": .string("Київ \"ОДА\"\\/\u{08}\u{0C}\n\r\té😀"), "empty": .string(""), "t": .bool(true),
            "f": .bool(false), "n": .null,
            "ints": .array([.integer(0), .integer(0), .integer(12), .integer(-12), .integer(.max), .integer(.min)]),
            "doubles": .array([
                .number(9_223_372_036_854_775_808), .number(1.5), .number(-0.0025), .number(1000), .number(0)
            ]),
            "nested": .array([.array([]), .object([:]), .array([.object(["a": .array([.integer(1)])])])])
        ])
        #expect(try JSONValue(parsing: text) == expected)
        #expect(try JSONValue(parsing: " 7 ") == .integer(7))
        // A key given twice keeps its first value, as with Foundation's JSONDecoder.
        let twice = #"{"a": 1, "b": 2, "a": 3}"#
        #expect(try JSONValue(parsing: twice) == .object(["a": .integer(1), "b": .integer(2)]))
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(twice.utf8)) == JSONValue(parsing: twice))
        #expect(try JSONValue(parsing: #""a""#) == .string("a"))
    }

    @Test(
        "text that is not JSON is refused, saying where",
        arguments: [
            "", " ", "{", "[1,]", "{\"a\":1,}", "{a:1}", "{\"a\" 1}", "01", "-", "1.", "1e", ".5", "+1", "tru", "nul",
            "\"open", "\"tab\there\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\ud800\\u0041\"", "\"\\udc00\"",
            "[1] 2", "{} {}", "[1 2]", "NaN", "'a'", "1e400", "-1e400"
        ])
    func refusals(text: String) {
        do {
            _ = try JSONValue(parsing: text)
            Issue.record("\(text) was read")
        } catch DecodingError.dataCorrupted(let context) {
            #expect(context.debugDescription.hasPrefix("Not JSON: "), "\(text): \(context.debugDescription)")
            #expect(context.debugDescription.contains(" at byte "), "\(text): \(context.debugDescription)")
        } catch {
            Issue.record("\(text): \(error)")
        }
    }

    @Test("nesting is limited to 512, so hostile text cannot exhaust the stack")
    func depth() throws {
        #expect(
            try JSONValue(parsing: String(repeating: "[", count: 512) + String(repeating: "]", count: 512)) != .null)
        #expect(throws: DecodingError.self) {
            try JSONValue(parsing: String(repeating: "[", count: 513) + String(repeating: "]", count: 513))
        }
        #expect(throws: DecodingError.self) {
            try JSONValue(parsing: String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        }
    }

    @Test("a document's fields: a missing or mistyped one is named; an optional one may be missing or null")
    func fields() throws {
        enum Key: String, CodingKey { case name, count, note }
        let fields = try JSONFields(
            JSONValue(parsing: #"{"name": "Київ", "count": "3", "note": null}"#), keyedBy: Key.self)
        #expect(try fields(.name) as String == "Київ")
        #expect(try fields.optional(.note) as String? == nil)
        do {
            let _: Int = try fields(.count)
            Issue.record("a string read as a number")
        } catch DecodingError.typeMismatch(_, let context) {
            #expect(context.debugDescription.contains("\"count\""), "\(context.debugDescription)")
        }
        do {
            let _: String = try fields(.note)
            Issue.record("null read as a string")
        } catch DecodingError.valueNotFound(_, let context) {
            #expect(context.debugDescription.contains("\"note\""))
        }
        // An error inside a field's value names the field as well.
        do {
            let _: [LocalTime] = try JSONFields(
                JSONValue(parsing: #"{"note": [{"text": "2023-10-26 16:43"}]}"#), keyedBy: Key.self)(.note)
            Issue.record("a local time without its weekday read")
        } catch DecodingError.keyNotFound(let inner, let context) {
            #expect(inner.stringValue == "weekday")
            #expect(context.debugDescription.contains("\"note\""), "\(context.debugDescription)")
        }
        let missing = try JSONFields(JSONValue(parsing: "{}"), keyedBy: Key.self)
        #expect(try missing.optional(.name) as String? == nil)
        #expect(throws: DecodingError.self) { let _: String = try missing(.name) }
        #expect(throws: DecodingError.self) { _ = try JSONFields(.array([]), keyedBy: Key.self) }
    }
}
