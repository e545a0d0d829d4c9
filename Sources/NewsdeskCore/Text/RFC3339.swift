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
        var seconds = time_t(micros.quotientAndRemainder(dividingBy: 1_000_000).quotient)
        var fraction = micros - Int64(seconds) * 1_000_000
        if fraction < 0 {
            seconds -= 1
            fraction += 1_000_000
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        var text = "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
        if fraction != 0 { text += "." + pad(Int32(fraction), 6) }
        return text + "Z"
    }
}
