#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// RFC 3339 timestamps in UTC, to the microsecond PostgreSQL keeps:
/// `2023-10-26T13:43:00.123456Z`, or without a fraction when it is zero.
///
/// Written out by hand because setting up `Date.ISO8601FormatStyle` costs
/// about 0.4 ms on every start of the tool (measured with callgrind), a
/// noticeable share of a command that must finish in a few milliseconds.
public enum RFC3339 {
    public static func string(from date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros.quotientAndRemainder(dividingBy: 1_000_000).quotient
        var fraction = micros - seconds * 1_000_000
        if fraction < 0 {
            seconds -= 1
            fraction += 1_000_000
        }
        let utc = utc(seconds)
        let time = utc.secondOfDay
        // Digits into bytes: pages write a time for every live update, and
        // string interpolation with padding cost five times as much.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(27)
        func append(_ value: Int64, width: Int, then separator: Character?) {
            var limit: Int64 = 1
            for _ in 0..<width { limit *= 10 }
            if value >= 0 && value < limit {
                var divisor = limit / 10
                while divisor > 0 {
                    bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                    divisor /= 10
                }
            } else {
                // A year RFC 3339's four digits cannot hold: written whole, not cut.
                bytes.append(contentsOf: String(value).utf8)
            }
            if let separator { bytes.append(contentsOf: String(separator).utf8) }
        }
        append(utc.year, width: 4, then: "-")
        append(utc.month, width: 2, then: "-")
        append(utc.day, width: 2, then: "T")
        append(time / 3600, width: 2, then: ":")
        append(time / 60 % 60, width: 2, then: ":")
        append(time % 60, width: 2, then: fraction == 0 ? "Z" : ".")
        if fraction != 0 { append(fraction, width: 6, then: "Z") }
        return String(decoding: bytes, as: UTF8.self)
    }

    // Calendar arithmetic by hand (the proleptic Gregorian calendar, as
    // PostgreSQL uses) rather than glibc's gmtime_r and timegm, which read
    // /etc/localtime on their first call in every process.

    /// The UTC date, time of day (in seconds) and weekday (0 is Sunday) of
    /// `seconds` after 1970-01-01T00:00:00Z.
    static func utc(_ seconds: Int64) -> (year: Int64, month: Int64, day: Int64, secondOfDay: Int64, weekday: Int64) {
        var (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        if secondOfDay < 0 {
            days -= 1
            secondOfDay += 86_400
        }
        let (year, month, day) = civil(fromDays: days)
        let weekday = ((days + 4) % 7 + 7) % 7  // 1970-01-01 was a Thursday
        return (year, month, day, secondOfDay, weekday)
    }

    /// Year, month and day of the day `days` after 1970-01-01.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468  // days since 0000-03-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // from March 1
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days from 1970-01-01 to the given day; the inverse of ``civil(fromDays:)``.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let era = (marchYear >= 0 ? marchYear : marchYear - 399) / 400
        let yearOfEra = marchYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Reads the form ``string(from:)`` writes (and any RFC 3339 instant in
    /// UTC or with an offset, with up to six fractional digits).
    public static func date(from text: String) -> Date? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 0x30 && byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54 || bytes[10] == 0x20,
            bytes[13] == 0x3A, bytes[16] == 0x3A,
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return nil }
        var index = 19
        var micros = 0
        if index < bytes.count, bytes[index] == 0x2E {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                if digits < 6 { micros = micros * 10 + Int(bytes[index] - 0x30) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<6 where digits < 6 { micros *= 10 }
        }
        var offsetSeconds = 0
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case 0x5A, 0x7A:  // Z
            guard index + 1 == bytes.count else { return nil }
        case 0x2B, 0x2D:  // + -
            guard let hours = number((index + 1)..<(index + 3)), index + 3 < bytes.count, bytes[index + 3] == 0x3A,
                let minutes = number((index + 4)..<(index + 6)), index + 6 == bytes.count
            else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == 0x2D ? -1 : 1)
        default:
            return nil
        }
        guard (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        let seconds =
            days(year: Int64(year), month: Int64(month), day: Int64(day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
        return Date(timeIntervalSince1970: Double(seconds * 1_000_000 + Int64(micros)) / 1_000_000)
    }
}
