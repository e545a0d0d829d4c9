import Crypto
import Foundation
import NewsdeskCore

/// HTTP caching as browsers and CDNs expect it (RFC 9110, 9111): a strong
/// `ETag` from the bytes sent, `Last-Modified`, the conditional requests that
/// answer 304, and `Cache-Control` chosen per kind of page.
enum HTTPCaching {
    /// How long caches may keep each kind of answer. Short for pages that
    /// change when news is published, longer for feeds that readers poll,
    /// and `stale-if-error` generous everywhere: a site that shows yesterday's
    /// page while the database restarts is better than an error page.
    enum Policy {
        case article, front, feed, search, subjects, notFound, gone, moved, poll, asset, noStore

        var header: String {
            switch self {
            case .article: "public, max-age=60, stale-while-revalidate=60, stale-if-error=86400"
            case .front: "public, max-age=30, stale-while-revalidate=30, stale-if-error=86400"
            case .feed: "public, max-age=120, stale-while-revalidate=60, stale-if-error=86400"
            case .search: "public, max-age=60, stale-while-revalidate=60"
            case .subjects: "public, max-age=600, stale-while-revalidate=600, stale-if-error=86400"
            // A story that becomes visible should not wait long behind a cached 404.
            case .notFound: "public, max-age=30"
            case .gone: "public, max-age=300, stale-if-error=86400"
            case .moved: "public, max-age=300"
            // Pollers revalidate every time, and get 304 while nothing is new.
            case .poll: "no-cache"
            case .asset: "public, max-age=3600"
            case .noStore: "no-store"
            }
        }
    }

    /// A strong validator for exactly these bytes: the first 128 bits of
    /// their SHA-256, URL-safe base64, quoted.
    static func entityTag(_ body: [UInt8]) -> String {
        let digest = SHA256.hash(data: body)
        // RFC 4648 §5: "-" and "_" for "+" and "/", no padding. Mapped byte
        // by byte: three replacingOccurrences cost more than the hash.
        let urlSafe = Data(digest.prefix(16)).base64EncodedString().utf8.compactMap { byte -> UInt8? in
            switch byte {
            case UInt8(ascii: "+"): UInt8(ascii: "-")
            case UInt8(ascii: "/"): UInt8(ascii: "_")
            case UInt8(ascii: "="): nil
            default: byte
            }
        }
        return "\"" + String(decoding: urlSafe, as: UTF8.self) + "\""
    }

    /// The Last-Modified an answer may carry, if any. HTTP dates count whole
    /// seconds, so a time in the current second is not sent: another change
    /// in that second would carry the same date, and a client that sent it
    /// back in If-Modified-Since would be told, wrongly, that its copy is
    /// current. Such an answer is validated by its ETag alone. (That also
    /// keeps it from being later than the answer's Date, RFC 9110 §8.8.2.1.)
    static func lastModified(_ time: Date?, now: Date) -> Date? {
        guard let time, time.timeIntervalSince1970.rounded(.down) < now.timeIntervalSince1970.rounded(.down) else {
            return nil
        }
        return time
    }

    /// Whether the client's copy is current (RFC 9110 §13.1.2, §13.1.3):
    /// `If-None-Match` decides when it is sent (weak comparison, `*` matches);
    /// otherwise `If-Modified-Since`, to the second, unless its date is
    /// after the server's clock (no date then).
    static func notModified(
        ifNoneMatch: String?, ifModifiedSince: String?, entityTag: String, lastModified: Date?
    ) -> Bool {
        if let ifNoneMatch {
            // The one tag a browser or CDN sends back, as it was given.
            if ifNoneMatch == entityTag { return true }
            return ifNoneMatch.split(separator: ",").contains { candidate in
                let tag = candidate.trimmingCharacters(in: .whitespaces)
                return tag == "*" || tag == entityTag || tag == "W/" + entityTag
            }
        }
        if let ifModifiedSince, let since = HTTPDate.date(from: ifModifiedSince), since <= Date(), let lastModified {
            return lastModified.timeIntervalSince1970.rounded(.down) <= since.timeIntervalSince1970
        }
        return false
    }
}

/// The date format of HTTP headers, IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
enum HTTPDate {
    static func string(_ date: Date) -> String {
        // RSS's RFC 822 date is the same text with a numeric zone.
        String(FeedFormats.rfc822(date).dropLast(5)) + "GMT"
    }

    /// Reads IMF-fixdate, which every current client sends; anything else is
    /// not a date, and a conditional header with no date is ignored (RFC 9110 §13.1.3).
    /// A date is read only if it is written back the same, its weekday too.
    static func date(from text: String) -> Date? {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", parts[1].count == 2, parts[4].count == 8,
            let month = months.firstIndex(of: String(parts[2])), parts[3].count == 4
        else { return nil }
        let month2 = month + 1 < 10 ? "0\(month + 1)" : "\(month + 1)"
        guard let date = RFC3339.date(from: "\(parts[3])-\(month2)-\(parts[1])T\(parts[4])Z"), string(date) == text
        else { return nil }
        return date
    }
}
