#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// A feed as RSS 2.0 and Atom 1.0 documents.
public enum FeedFormats {
    static func link(_ feed: Feed, _ item: Feed.Item) -> String {
        "\(feed.siteURL)/\(item.lang)/\(item.slug)"
    }

    static func title(_ language: String?) -> String {
        switch language {
        case "uk": "Новини"
        case "ru": "Новости"
        default: "Recent news"
        }
    }

    /// RSS 2.0, dates in RFC 822 form.
    public static func rss(_ feed: Feed, language: String?) -> String {
        let e = SafeHTML.escape
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
            <channel>
            <title>\(e(title(language)))</title>
            <link>\(e(feed.siteURL + "/" + (language ?? "")))</link>
            <description>\(e(title(language)))</description>

            """
        if let language { xml += "<language>\(e(language))</language>\n" }
        xml += "<atom:link href=\"\(e(feed.siteURL + "/" + (language ?? "") + "/rss.xml"))\" rel=\"self\" type=\"application/rss+xml\"/>\n"
        if let newest = feed.items.first { xml += "<lastBuildDate>\(rfc822(newest.updatedAt ?? newest.publishedAt))</lastBuildDate>\n" }
        for item in feed.items {
            xml += "<item>\n<title>\(e(item.headline))</title>\n<link>\(e(link(feed, item)))</link>\n"
            if !item.lead.isEmpty { xml += "<description>\(e(item.lead))</description>\n" }
            xml += "<guid isPermaLink=\"true\">\(e(link(feed, item)))</guid>\n<pubDate>\(rfc822(item.publishedAt))</pubDate>\n"
            for marker in item.markers { xml += "<category>\(e(marker))</category>\n" }
            xml += "</item>\n"
        }
        return xml + "</channel>\n</rss>\n"
    }

    /// Atom 1.0.
    public static func atom(_ feed: Feed, language: String?) -> String {
        let e = SafeHTML.escape
        let updated = feed.items.map { $0.updatedAt ?? $0.publishedAt }.max() ?? Date(timeIntervalSince1970: 0)
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"\(language.map { " xml:lang=\"\(e($0))\"" } ?? "")>
            <title>\(e(title(language)))</title>
            <id>\(e(feed.siteURL + "/" + (language ?? "") + "/atom.xml"))</id>
            <link rel="self" href="\(e(feed.siteURL + "/" + (language ?? "") + "/atom.xml"))"/>
            <link rel="alternate" href="\(e(feed.siteURL + "/" + (language ?? "")))"/>
            <updated>\(RFC3339.string(from: updated))</updated>
            <author><name>Newsdesk</name></author>

            """
        for item in feed.items {
            xml += """
                <entry>
                <title>\(e(item.headline))</title>
                <id>\(e(link(feed, item)))</id>
                <link rel="alternate" href="\(e(link(feed, item)))"/>
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
