#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A feed as RSS 2.0 and Atom 1.0 documents. Entries are identified by the
/// edition's permanent address (``SiteAddress/edition(_:)``), so a changed
/// slug is not a new story to a reader; each feed (language, subjects) has its
/// own id and self link; entries carry their language.
public enum FeedFormats {
    static func link(_ feed: Feed, _ item: Feed.Item) -> String {
        feed.site.page(lang: item.lang, slug: item.slug)
    }

    /// "Новини", or "Новини: Війна, Економіка" for a feed of subjects.
    static func title(_ feed: Feed) -> String {
        let news =
            switch feed.lang {
            case "uk": "Новини"
            case "ru": "Новости"
            default: "Recent news"
            }
        return feed.subjects.isEmpty ? news : news + ": " + feed.subjects.map(\.name).joined(separator: ", ")
    }

    static func selfLink(_ feed: Feed, _ file: String) -> String {
        feed.site.feed(file, lang: feed.lang, subjects: feed.subjects.map(\.slug))
    }

    /// RSS 2.0, dates in RFC 822 form.
    public static func rss(_ feed: Feed) -> String {
        let e = SafeHTML.escape
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
            <channel>
            <title>\(e(title(feed)))</title>
            <link>\(e(feed.site.home(lang: feed.lang)))</link>
            <description>\(e(title(feed)))</description>

            """
        if let language = feed.lang { xml += "<language>\(e(language))</language>\n" }
        xml += "<atom:link href=\"\(e(selfLink(feed, "rss.xml")))\" rel=\"self\" type=\"application/rss+xml\"/>\n"
        if let newest = feed.items.map({ $0.updatedAt ?? $0.publishedAt }).max() {
            xml += "<lastBuildDate>\(rfc822(newest))</lastBuildDate>\n"
        }
        for item in feed.items {
            xml +=
                "<item xml:lang=\"\(e(item.lang))\">\n<title>\(e(item.headline))</title>\n<link>\(e(link(feed, item)))</link>\n"
            if !item.lead.isEmpty { xml += "<description>\(e(item.lead))</description>\n" }
            xml += "<guid isPermaLink=\"false\">\(e(feed.site.edition(item.editionID)))</guid>\n"
            xml += "<pubDate>\(rfc822(item.publishedAt))</pubDate>\n"
            for marker in item.markers { xml += "<category>\(e(marker))</category>\n" }
            xml += "</item>\n"
        }
        return xml + "</channel>\n</rss>\n"
    }

    /// Atom 1.0. An empty feed is dated now: Atom requires a date, and
    /// nothing in it is older.
    public static func atom(_ feed: Feed, now: Date = Date()) -> String {
        let e = SafeHTML.escape
        let updated = feed.items.map { $0.updatedAt ?? $0.publishedAt }.max() ?? now
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"\(feed.lang.map { " xml:lang=\"\(e($0))\"" } ?? "")>
            <title>\(e(title(feed)))</title>
            <id>\(e(selfLink(feed, "atom.xml")))</id>
            <link rel="self" type="application/atom+xml" href="\(e(selfLink(feed, "atom.xml")))"/>
            <link rel="alternate" type="text/html" href="\(e(feed.site.home(lang: feed.lang)))"/>
            <updated>\(RFC3339.string(from: updated))</updated>
            <author><name>Newsdesk</name></author>

            """
        for item in feed.items {
            xml += """
                <entry xml:lang="\(e(item.lang))">
                <title>\(e(item.headline))</title>
                <id>\(e(feed.site.edition(item.editionID)))</id>
                <link rel="alternate" type="text/html" href="\(e(link(feed, item)))"/>
                <published>\(RFC3339.string(from: item.publishedAt))</published>
                <updated>\(RFC3339.string(from: item.updatedAt ?? item.publishedAt))</updated>

                """
            if !item.lead.isEmpty { xml += "<summary>\(e(item.lead))</summary>\n" }
            for marker in item.markers { xml += "<category term=\"\(e(marker))\"/>\n" }
            xml += "</entry>\n"
        }
        return xml + "</feed>\n"
    }

    /// `Thu, 26 Oct 2023 13:43:00 +0000`, as RSS 2.0 wants, in English
    /// whatever the locale (hand-written for the same start-up reason as ``RFC3339``).
    public static func rfc822(_ date: Date) -> String {
        let utc = RFC3339.utc(Int64(date.timeIntervalSince1970.rounded(.down)))
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let time = utc.secondOfDay
        return "\(days[Int(utc.weekday)]), \(two(utc.day)) \(months[Int(utc.month - 1)]) \(utc.year) "
            + "\(two(time / 3600)):\(two(time / 60 % 60)):\(two(time % 60)) +0000"
    }
}
