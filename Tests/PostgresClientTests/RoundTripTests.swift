import Foundation
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Values round-trip through PostgreSQL exactly")
struct RoundTripTests {
    let connection: Connection

    init() throws {
        connection = try TestDatabase.create("roundtrip").connect()
    }

    @Test(
        "text keeps Cyrillic, emoji, ZWJ sequences and combining marks byte for byte",
        arguments: [
            "Київрада скликає позачергову сесію через опалення",
            "Киевсовет созывает внеочередную сессию",
            "👩‍👩‍👧‍👦 family, 🏳️‍🌈 flag, 👍🏽 tone",
            "e\u{301} decomposed, é composed, ґ Ґ ї Ї є Є",
            "quotes ' \" \\ and $1 and -- and ;",
            ""
        ])
    func text(_ value: String) throws {
        let rows = try connection.query("SELECT \(value)::text AS value, octet_length(\(value)::text) AS bytes")
        #expect(try rows[0].decode("value", as: String.self) == value)
        #expect(try rows[0].decode("bytes", as: Int.self) == value.utf8.count)
    }

    @Test("a mebibyte of text comes back unchanged")
    func largeText() throws {
        let unit = "Оновлення: 👩‍👩‍👧 "
        let value = String(repeating: unit, count: (1 << 20) / unit.utf8.count + 1)
        try connection.execute("CREATE TEMP TABLE big (body text)")
        try connection.execute("INSERT INTO big VALUES (\(value))")
        let stored = try connection.query("SELECT body FROM big")[0].decode("body", as: String.self)
        #expect(value.utf8.count > 1 << 20)
        #expect(stored == value)
    }

    @Test("integers, booleans and doubles keep their exact values")
    func numbers() throws {
        let row = try connection.query(
            """
            SELECT \(Int64.max) AS big, \(Int64.min) AS small, \(42)::int4 AS four, 7::int2 AS two,
                   \(true) AS yes, \(false) AS no, \(0.1) AS tenth, \(-1.5e300) AS huge, \(Double.pi)::float4 AS single
            """)[0]
        #expect(try row.decode("big", as: Int64.self) == .max)
        #expect(try row.decode("small", as: Int64.self) == .min)
        #expect(try row.decode("four", as: Int.self) == 42)
        #expect(try row.decode("two", as: Int32.self) == 7)
        #expect(try row.decode("yes", as: Bool.self) == true)
        #expect(try row.decode("no", as: Bool.self) == false)
        #expect(try row.decode("tenth", as: Double.self) == 0.1)
        #expect(try row.decode("huge", as: Double.self) == -1.5e300)
        #expect(try row.decode("single", as: Double.self) == Double(Float(Double.pi)))
    }

    @Test("timestamps keep their microseconds, whatever the session's time zone and date style")
    func timestamps() throws {
        try connection.execute("SET TimeZone = 'Pacific/Chatham'")
        try connection.execute("SET DateStyle = 'SQL, DMY'")
        let server = try connection.query("SELECT '2023-10-26 13:43:00.123456+00'::timestamptz AS at")[0]
            .decode("at", as: Date.self)
        let expected = Date(timeIntervalSince1970: 1_698_327_780.123456)
        #expect(abs(server.timeIntervalSince1970 - expected.timeIntervalSince1970) < 0.000_000_5)
        #expect(
            try connection.query("SELECT \(server) = '2023-10-26 13:43:00.123456+00'::timestamptz AS same")[0]
                .decode("same", as: Bool.self))
        for micros in [0, 1, 999_999, 500_000, 123_457] {
            let date = Date(timeIntervalSince1970: 1_700_000_000 + Double(micros) / 1_000_000)
            let back = try connection.query(
                "SELECT \(date) AS at, extract(microseconds FROM \(date))::int8 % 1000000 AS us")[0]
            #expect(try back.decode("at", as: Date.self) == date)
            #expect(try back.decode("us", as: Int64.self) == Int64(micros))
        }
    }

    @Test("UUIDs, bytea, jsonb and text arrays round-trip")
    func structured() throws {
        let id = UUID()
        let bytes = ByteA((0...255).map(UInt8.init) + [0, 0, 255])
        let document = JSONB(#"{"headline": "Київ", "n": [1, 2.5, null], "ok": true}"#)
        let tags = ["kyiv", "енергетика", "", "with \"quotes\" and {braces}, commas", "👩‍👩‍👧"]
        let row = try connection.query(
            """
            SELECT \(id) AS id, \(bytes) AS bytes, \(document) AS doc, \(tags) AS tags,
                   \(document)->>'headline' AS headline, cardinality(\(tags)) AS n
            """)[0]
        #expect(try row.decode("id", as: UUID.self) == id)
        #expect(try row.decode("bytes", as: ByteA.self) == bytes)
        #expect(try row.decode("doc", as: JSONB.self).decode([String: JSONValue].self)["headline"] == .string("Київ"))
        #expect(try row.decode("headline", as: String.self) == "Київ")
        #expect(try row.decode("tags", as: [String].self) == tags)
        #expect(try row.decode("n", as: Int.self) == tags.count)
    }

    @Test("NULL decodes as nil for optionals, and in arrays")
    func nulls() throws {
        let missing: String? = nil
        let row = try connection.query(
            """
            SELECT \(missing) AS text, NULL::int8 AS number, NULL::timestamptz AS at, NULL::uuid AS id,
                   ARRAY['a', NULL, 'c'] AS sparse, '{}'::text[] AS empty
            """)[0]
        #expect(try row.decode("text", as: String?.self) == nil)
        #expect(try row.decode("number", as: Int?.self) == nil)
        #expect(try row.decode("at", as: Date?.self) == nil)
        #expect(try row.decode("id", as: UUID?.self) == nil)
        #expect(try row.decode("sparse", as: [String?].self) == ["a", nil, "c"])
        #expect(try row.decode("empty", as: [String].self) == [])
    }

    @Test("a wrong type or an unexpected NULL is an error that names the column")
    func decodingErrors() throws {
        let row = try connection.query("SELECT 'Kyiv'::text AS headline, NULL::int8 AS seq, 3::int8 AS version")[0]
        let wrongType = #expect(throws: PostgresError.self) { try row.decode("headline", as: Int.self) }
        #expect(wrongType?.kind == .decoding(column: "headline"))
        #expect(wrongType?.description.contains("headline") == true)
        let null = #expect(throws: PostgresError.self) { try row.decode("seq", as: Int.self) }
        #expect(null?.kind == .decoding(column: "seq"))
        #expect(null?.description.contains("NULL") == true)
        let absent = #expect(throws: PostgresError.self) { try row.decode("slug", as: String.self) }
        #expect(absent?.kind == .decoding(column: "slug"))
        let notText = #expect(throws: PostgresError.self) { try row.decode("version", as: String.self) }
        #expect(notText?.kind == .decoding(column: "version"))
    }
}

/// Enough of JSON to compare a decoded document.
enum JSONValue: Decodable, Equatable {
    case string(String), number(Double), bool(Bool), array([JSONValue?])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else {
            self = .array(try container.decode([JSONValue?].self))
        }
    }
}
