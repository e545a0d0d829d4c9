#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Whole HTML pages of the site (SPEC §6, §11): the article as
/// ``ReaderView`` renders it, with the "Recent news" list beside it; a
/// language's front page; a subject's page; search results; and the notices
/// for a withdrawn story or a page readers cannot see. Every piece of text is
/// escaped; links are the site's own paths. Styles and the live-update script
/// come from `/assets/`, so the pages run under a strict Content-Security-Policy.
public enum SitePage {
    /// Words of the page around the story, in its language.
    struct Labels {
        let recentNews: String
        let updated: String
        let video: String
        let search: String
        let searchResults: String
        let noResults: String
        let older: String
        let notFound: String
        let notFoundText: String
        let withdrawn: String

        static func `for`(_ language: String) -> Labels {
            switch language {
            case "uk":
                Labels(
                    recentNews: "Останні новини", updated: "оновлено", video: "ВІДЕО", search: "Пошук",
                    searchResults: "Результати пошуку", noResults: "Нічого не знайдено.", older: "Попередні новини",
                    notFound: "Сторінку не знайдено", notFoundText: "Такої сторінки немає або її ще не опубліковано.",
                    withdrawn: "Матеріал знято з публікації")
            case "ru":
                Labels(
                    recentNews: "Последние новости", updated: "обновлено", video: "ВИДЕО", search: "Поиск",
                    searchResults: "Результаты поиска", noResults: "Ничего не найдено.", older: "Предыдущие новости",
                    notFound: "Страница не найдена", notFoundText: "Такой страницы нет или она еще не опубликована.",
                    withdrawn: "Материал снят с публикации")
            default:
                Labels(
                    recentNews: "Recent news", updated: "updated", video: "VIDEO", search: "Search",
                    searchResults: "Search results", noResults: "Nothing found.", older: "Older news",
                    notFound: "Page not found", notFoundText: "There is no such page, or it is not published yet.",
                    withdrawn: "This story has been withdrawn")
            }
        }
    }

    static let e = SafeHTML.escape

    /// The article page: the story, then "Recent news" (`recentNews`, as
    /// ``recentNews(_:lang:)`` renders it). Its `data-live` is the address of
    /// the page's server-sent events from `lastEvent` on (the latest change
    /// the page shows), which the page's script follows: an update made after
    /// the page was read, even a page kept by a cache, arrives.
    public static func article(_ edition: Edition, recentNews: String, lastEvent: Int64, now: Date = Date())
        -> String
    {
        let view = ReaderView(edition: edition, now: now)
        let main =
            "<main data-live=\"/\(e(edition.lang))/\(e(edition.slug))/live?after=\(lastEvent)\">\n" + view.html()
            + "</main>\n"
        return document(
            lang: edition.lang, title: edition.headline, siteURL: edition.siteURL,
            body: main + recentNews, script: true)
    }

    /// A language's front page, or a subject's (`heading` names it): the
    /// news newest first, with a link to the page before when there is one.
    public static func front(_ feed: Feed, lang: String, heading: String?, path: String) -> String {
        let labels = Labels.for(lang)
        var main = "<main>\n<h1>\(e(heading ?? labels.recentNews))</h1>\n" + newsList(feed.items, lang: lang)
        if let cursor = feed.nextCursor {
            main += "<p class=\"older\"><a href=\"\(e(path))?before=\(e(cursor))\">\(e(labels.older))</a></p>\n"
        }
        main += "</main>\n"
        return document(lang: lang, title: heading ?? labels.recentNews, siteURL: feed.siteURL, body: main)
    }

    /// Search results, best first, each with its snippet; only the form
    /// before anything is asked (`results` nil).
    public static func search(_ results: SearchResults?, query: String, lang: String, siteURL: String) -> String {
        let labels = Labels.for(lang)
        var main = "<main>\n<h1>\(e(results == nil ? labels.search : labels.searchResults))</h1>\n"
        main += searchForm(lang: lang, query: query)
        if let results, results.items.isEmpty {
            main += "<p>\(e(labels.noResults))</p>\n"
        } else if let results {
            main += "<ol class=\"results\">\n"
            for hit in results.items {
                main +=
                    "<li><a href=\"/\(e(hit.lang))/\(e(hit.slug))\">\(e(hit.headline))</a> "
                    + "<time datetime=\"\(hit.publishedAt.map(RFC3339.string) ?? "")\">\(e(hit.localTime.text))</time>"
                    + "<p>\(hit.snippetParts.map { $0.match ? "<mark>\(e($0.text))</mark>" : e($0.text) }.joined())</p></li>\n"
            }
            main += "</ol>\n"
        }
        main += "</main>\n"
        return document(lang: lang, title: labels.searchResults, siteURL: siteURL, body: main)
    }

    /// What a reader sees of a withdrawn story: its headline and why.
    public static func withdrawn(_ edition: WithdrawnEdition, siteURL: String) -> String {
        let labels = Labels.for(edition.lang)
        let reason = edition.withdrawalReason.map { ": \($0)" } ?? "."
        let main =
            "<main>\n<article lang=\"\(e(edition.lang))\">\n<p class=\"notice withdrawn\">\(e(labels.withdrawn + reason))</p>\n"
            + "<h1>\(e(edition.headline))</h1>\n</article>\n</main>\n"
        return document(lang: edition.lang, title: edition.headline, siteURL: siteURL, body: main)
    }

    /// A page readers cannot see: not published yet, or none at that address.
    public static func notFound(lang: String, siteURL: String) -> String {
        let labels = Labels.for(lang)
        let main = "<main>\n<h1>\(e(labels.notFound))</h1>\n<p>\(e(labels.notFoundText))</p>\n</main>\n"
        return document(lang: lang, title: labels.notFound, siteURL: siteURL, body: main)
    }

    /// "Recent news": each story's local time, headline and markers
    /// (*updated*, *VIDEO*), as beside every article on the site; the same
    /// for every article of a language, so the site renders it once.
    public static func recentNews(_ items: [Feed.Item], lang: String) -> String {
        guard !items.isEmpty else { return "" }
        return "<aside class=\"recent\">\n<h2>\(e(Labels.for(lang).recentNews))</h2>\n" + newsList(items, lang: lang)
            + "</aside>\n"
    }

    static func newsList(_ items: [Feed.Item], lang: String) -> String {
        let labels = Labels.for(lang)
        var list = "<ul class=\"news\">\n"
        for item in items {
            // "16:43", as the list shows it; the date is in `datetime`.
            let clock = String(item.localTime.text.suffix(5))
            var line =
                "<li><time datetime=\"\(RFC3339.string(from: item.updatedAt ?? item.publishedAt))\">\(e(clock))</time> "
                + "<a href=\"/\(e(item.lang))/\(e(item.slug))\">\(e(item.headline))</a>"
            if item.markers.contains("updated") {
                line += " <span class=\"marker updated\">\(e(labels.updated))</span>"
            }
            if item.markers.contains("video") { line += " <span class=\"marker video\">\(e(labels.video))</span>" }
            list += line + "</li>\n"
        }
        return list + "</ul>\n"
    }

    static func searchForm(lang: String, query: String) -> String {
        let labels = Labels.for(lang)
        return "<form class=\"search\" action=\"/\(e(lang))/search\" method=\"get\" role=\"search\">"
            + "<input type=\"search\" name=\"q\" value=\"\(e(query))\" aria-label=\"\(e(labels.search))\">"
            + "<button type=\"submit\">\(e(labels.search))</button></form>\n"
    }

    /// The page around `body`: language, title, the site's header with its
    /// search form, the feeds, the styles and (for articles) the live script.
    static func document(lang: String, title: String, siteURL: String, body: String, script: Bool = false) -> String {
        let site = SiteAddress(siteURL: siteURL)
        let name = site.root.split(separator: "/").last.map(String.init) ?? site.root
        return """
            <!DOCTYPE html>
            <html lang="\(e(lang))">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(title))</title>
            <link rel="stylesheet" href="/assets/site.css">
            <link rel="alternate" type="application/atom+xml" href="/\(e(lang))/atom.xml">
            <link rel="alternate" type="application/rss+xml" href="/\(e(lang))/rss.xml">
            \(script ? "<script src=\"/assets/live.js\" defer></script>\n" : "")</head>
            <body>
            <header class="site"><a class="home" href="/\(e(lang))/">\(e(name))</a>
            \(searchForm(lang: lang, query: ""))</header>
            \(body)</body>
            </html>

            """
    }
}
