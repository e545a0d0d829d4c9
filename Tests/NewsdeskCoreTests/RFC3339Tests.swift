import Foundation
import NewsdeskCore
import Testing

@Suite("RFC 3339 timestamps")
struct RFC3339Tests {
    @Test(
        "whole seconds have no fraction; microseconds are kept",
        arguments: [
            (1_698_327_780.0, "2023-10-26T13:43:00Z"),
            (1_698_327_780.123456, "2023-10-26T13:43:00.123456Z"),
            (1_698_327_780.000001, "2023-10-26T13:43:00.000001Z"),
            (0.0, "1970-01-01T00:00:00Z"),
            (-0.5, "1969-12-31T23:59:59.500000Z"),
            (951_782_400.0, "2000-02-29T00:00:00Z"),
            // Past RFC 3339's four-digit years the year is written whole, never cut to a wrong date.
            (253_402_302_600.0, "10000-01-01T00:30:00Z")
        ])
    func known(_ seconds: Double, _ expected: String) {
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test("agrees with Foundation's ISO 8601 parser on a thousand random instants")
    func agreesWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        for _ in 0..<1_000 {
            let micros = Int64.random(in: 0...4_102_444_800_000_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
            let text = RFC3339.string(from: date)
            let parsed = try #require(parser.date(from: text) ?? plain.date(from: text), "\(text)")
            // Foundation's parser keeps milliseconds only.
            #expect(abs(parsed.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.001, "\(text)")
        }
    }
}

extension RFC3339Tests {
    @Test("the calendar and weekdays match the C library's from year 1 to 9999, and read back")
    func calendarAgreesWithGlibc() throws {
        var generator = SystemRandomNumberGenerator()
        // 0001-01-01 to 9999-12-31, and every day around 1970 and around leap days.
        let edges: [Int64] = Array(-800...800).map { $0 * 86_400 + 43_210 } + [951_782_400, 951_868_799, 4_107_542_400]
        let randomSeconds = (0..<2_000).map { _ in
            Int64.random(in: -62_135_596_800...253_402_300_799, using: &generator)
        }
        for seconds in edges + randomSeconds {
            var time = time_t(seconds)
            var parts = tm()
            gmtime_r(&time, &parts)
            let expected = String(
                format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1,
                parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
            let text = RFC3339.string(from: Date(timeIntervalSince1970: Double(seconds)))
            #expect(text == expected)
            #expect(RFC3339.date(from: text)?.timeIntervalSince1970 == Double(seconds), "\(text)")
            var rss = [UInt8](repeating: 0, count: 64)
            let length = rss.withUnsafeMutableBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) {
                    // The C locale: English names.
                    strftime($0.baseAddress, $0.count, "%a, %d %b %Y %H:%M:%S +0000", &parts)
                }
            }
            #expect(
                FeedFormats.rfc822(Date(timeIntervalSince1970: Double(seconds)))
                    == String(decoding: rss.prefix(length), as: UTF8.self))
        }
    }
}

@Suite("Reading RFC 3339 timestamps")
struct RFC3339ParsingTests {
    @Test(
        "what we write reads back to the microsecond",
        arguments: [0.0, 1_698_327_780.123456, -0.5, 4_102_444_799.999999])
    func roundTrip(_ seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let back = try #require(RFC3339.date(from: RFC3339.string(from: date)))
        #expect(abs(back.timeIntervalSince1970 - seconds) < 0.000_000_5)
    }

    @Test("offsets and short fractions are understood")
    func offsets() {
        #expect(RFC3339.date(from: "2023-10-26T16:43:00+03:00") == Date(timeIntervalSince1970: 1_698_327_780))
        #expect(RFC3339.date(from: "2023-10-26T13:43:00.5Z") == Date(timeIntervalSince1970: 1_698_327_780.5))
    }

    @Test(
        "anything else is nil",
        arguments: ["", "2023-10-26", "2023-10-26T13:43:00", "2023-10-26T13:43:00+0300", "yesterday"])
    func rejects(_ text: String) {
        #expect(RFC3339.date(from: text) == nil)
    }
}
