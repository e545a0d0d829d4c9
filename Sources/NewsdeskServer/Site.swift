import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NewsdeskCore
import PostgresClient
import Synchronization

/// The running site: its read pool, the live pages it keeps open, and how
/// each route is answered. Every read runs, with its rendering, on a
/// thread of the ``ReadPool``.
final class Site: Sendable {
    let pool: ReadPool
    let hub: LiveHub
    let follower: ChangeFollower
    let cache: PageCache
    let metrics: SiteMetrics
    let logger: Logger
    /// One line per request (``RequestLog``).
    let requestLog: Logger
    let about: SiteAbout
    /// Searches reading now, at most half the pool.
    let searches: SearchGate

    init(
        pool: ReadPool, hub: LiveHub, follower: ChangeFollower, cache: PageCache, metrics: SiteMetrics, logger: Logger,
        requestLog: Logger, about: SiteAbout
    ) {
        self.pool = pool
        self.hub = hub
        self.follower = follower
        self.cache = cache
        self.metrics = metrics
        self.logger = logger
        self.requestLog = requestLog
        self.about = about
        searches = SearchGate(poolSize: pool.size)
    }

    var siteURL: String { about.siteURL }

    /// Counts an answered request and writes its one log line: what was
    /// asked and answered, nothing about who asked.
    func answered(
        _ method: String, _ asked: SiteRequest, status: HTTPResponse.Status,
        since started: ContinuousClock.Instant
    ) {
        record(method: method, path: asked.path, route: asked.route.name, status: status.code, since: started)
    }

    /// Counts and logs a request that could not be read as HTTP (a broken
    /// request line, headers past the limits), which Hummingbird answers 400
    /// before any route sees it: no method or path, as nginx logs them.
    func answeredMalformed() {
        record(method: "-", path: "-", route: "malformed", status: 400, since: .now)
    }

    private func record(
        method: String, path: String, route: String, status: Int, since started: ContinuousClock.Instant
    ) {
        let elapsed = ContinuousClock.now - started
        metrics.request(route: route, status: status, duration: elapsed)
        requestLog.info("\(method) \(path) \(status) \(route) \(SiteResponder.milliseconds(elapsed)) ms")
    }

    func reply(to route: Route, query: FormQuery, request: Request) async throws -> Reply {
        let siteURL = siteURL
        switch route {
        case .root:
            var reply = Reply(.found, "text/plain; charset=utf-8", [], policy: .moved)
            reply.location = "/\(about.languages.first ?? "en")/"
            return reply
        case .front(let lang):
            return try await page(lang: lang) { reader in
                var wanted = FeedQuery()
                wanted.language = lang
                wanted.before = query["before"]
                let changed = try reader.lastChange()
                let feed = try reader.feed(wanted)
                return Reply(
                    .ok, "text/html; charset=utf-8",
                    Array(SitePage.front(feed, lang: lang, heading: nil, path: "/\(lang)/").utf8), policy: .front,
                    lastModified: changed, surrogateKeys: ["feed-\(lang)"])
            }
        case .subject(let lang, let subject):
            return try await page(lang: lang) { reader in
                var wanted = FeedQuery()
                wanted.language = lang
                wanted.subjects = [subject]
                wanted.before = query["before"]
                let changed = try reader.lastChange()
                let feed = try reader.feed(wanted)
                let html = SitePage.front(
                    feed, lang: lang, heading: feed.subjects.first?.name ?? subject,
                    path: "/\(lang)/subjects/\(subject)")
                return Reply(
                    .ok, "text/html; charset=utf-8", Array(html.utf8), policy: .front, lastModified: changed,
                    surrogateKeys: ["feed-\(lang)", "subject-\(subject)"])
            }
        case .feed(let lang, let format):
            // No language: every language's news, as `newsdesk feed` without --lang.
            return try await page(lang: lang ?? about.languages.first ?? "en") { reader in
                var wanted = FeedQuery()
                wanted.language = lang
                wanted.subjects = query.all("subject")
                let changed = try reader.lastChange()
                let feed = try reader.feed(wanted)
                let (type, text) =
                    format == .rss
                    ? ("application/rss+xml; charset=utf-8", FeedFormats.rss(feed))
                    : ("application/atom+xml; charset=utf-8", FeedFormats.atom(feed))
                return Reply(
                    .ok, type, Array(text.utf8), policy: .feed, lastModified: changed,
                    surrogateKeys: Self.feedKeys(feed))
            }
        case .search(let lang):
            let words = (query["q"] ?? "").trimmingCharacters(in: .whitespaces)
            guard searches.enter() else {
                return .problem(.serviceUnavailable, "Search is busy; try again in a moment.", retryAfter: 1)
            }
            defer { searches.leave() }
            return try await page(lang: lang) { reader in
                let changed = try reader.lastChange()
                let results = words.isEmpty ? nil : try reader.search(String(words.prefix(200)), language: lang)
                return Reply(
                    .ok, "text/html; charset=utf-8",
                    Array(SitePage.search(results, query: words, lang: lang, siteURL: siteURL).utf8),
                    policy: .search, lastModified: changed,
                    surrogateKeys: ["feed-\(lang)"])
            }
        case .article(let lang, let slug):
            return try await page(lang: lang) { [cache] reader in
                // The language's "Recent news" is read and rendered once, and
                // kept while the language's latest public change stays the
                // one it was read with (the article says which is latest).
                let (keptList, recentTicket) = cache.recentNews(lang)
                var kept = keptList
                var lookup = try reader.article(
                    lang: lang, slug: slug, recentItems: kept == nil ? SiteReader.recentItems : 0)
                if case .visible(_, _, _, _, let changedAt) = lookup, let list = kept,
                    list.languageChangedAt != changedAt
                {
                    // A change the cache has not heard of yet: list and article are read again together.
                    lookup = try reader.article(lang: lang, slug: slug, recentItems: SiteReader.recentItems)
                    kept = nil
                }
                switch lookup {
                case .visible(let edition, let readRecent, let modifiedAt, let lastEvent, let changedAt):
                    let recentNews: String
                    if let kept {
                        recentNews = kept.html
                    } else {
                        recentNews = SitePage.recentNews(readRecent, lang: edition.lang)
                        cache.storeRecentNews(
                            .init(html: recentNews, languageChangedAt: changedAt), for: recentTicket)
                    }
                    return Reply(
                        .ok, "text/html; charset=utf-8",
                        Array(SitePage.article(edition, recentNews: recentNews, lastEvent: lastEvent).utf8),
                        policy: .article, lastModified: modifiedAt, surrogateKeys: Self.keys(edition))
                case .moved(let lang, let slug, let edition, let story):
                    return .redirect(to: "/\(lang)/\(slug)", keys: ["edition-\(edition)", "story-\(story)"])
                case .withdrawn(let withdrawn):
                    return .html(
                        .gone, SitePage.withdrawn(withdrawn, siteURL: siteURL), policy: .gone,
                        keys: ["edition-\(withdrawn.id)", "story-\(withdrawn.storyID)"])
                case .hidden:
                    return .html(.notFound, SitePage.notFound(lang: lang, siteURL: siteURL), policy: .notFound)
                }
            }
        case .apiArticle(let lang, let slug):
            return try await pool.read { connection in
                // The document alone: the API has no "Recent news".
                let lookup = try SiteReader(connection: connection).article(
                    lang: lang, slug: slug, as: JSONValue.self, recentItems: 0)
                switch lookup {
                case .visible(let document, _, let modifiedAt, _, _):
                    var reply = try Reply.json(.ok, document, policy: .article)
                    reply.lastModified = modifiedAt
                    reply.surrogateKeys = Self.keys(document)
                    return reply
                case .moved(let lang, let slug, let edition, let story):
                    return .redirect(to: "/api/v1/\(lang)/\(slug)", keys: ["edition-\(edition)", "story-\(story)"])
                case .withdrawn(let withdrawn):
                    var reply = try Reply.json(.gone, withdrawn, policy: .gone)
                    reply.surrogateKeys = ["edition-\(withdrawn.id)", "story-\(withdrawn.storyID)"]
                    return reply
                case .hidden:
                    return .problem(.notFound, "No such story, or it is not published yet.")
                }
            }
        case .apiUpdates(let lang, let slug):
            guard let after = Int64(query["after"] ?? "0"), after >= 0 else {
                return .problem(.badRequest, "after: must be the id of a live event (0 for every one).")
            }
            return try await pool.read { connection in
                guard
                    let changes = try SiteReader(connection: connection).editionChanges(
                        lang: lang, slug: slug, after: after)
                else { return .problem(.notFound, "No such story, or it is not published yet.") }
                var reply = try Reply.json(.ok, changes, policy: .poll)
                reply.surrogateKeys = ["edition-\(changes.editionID)"]
                // Nothing new since the client's `after`: the same as a matching validator.
                if changes.events.isEmpty && after >= changes.lastID {
                    reply.status = .notModified
                }
                return reply
            }
        case .apiFeed:
            guard let limit = Int(query["limit"] ?? "20"), (1...100).contains(limit) else {
                return .problem(.badRequest, "limit: must be a number from 1 to 100.")
            }
            return try await pool.read { connection in
                var wanted = FeedQuery()
                wanted.language = query["lang"].flatMap { $0.isEmpty ? nil : $0 }
                wanted.subjects = query.all("subject")
                wanted.before = query["before"]
                wanted.limit = limit
                let reader = SiteReader(connection: connection)
                let changed = try reader.lastChange()
                let feed = try reader.feed(wanted)
                var reply = try Reply.json(.ok, feed, policy: .front)
                reply.lastModified = changed
                reply.surrogateKeys = Self.feedKeys(feed)
                return reply
            }
        case .apiSubjects:
            return try await pool.read { connection in
                try Reply.json(.ok, try SiteReader(connection: connection).subjects(), policy: .subjects)
            }
        case .health:
            _ = try await pool.read { try $0.query("SELECT 1") }
            return Reply(.ok, "text/plain; charset=utf-8", Array("ok\n".utf8), policy: .noStore)
        case .metrics:
            let (busy, waiting) = pool.usage
            let text = metrics.exposition(
                poolSize: pool.size, busy: busy, waiting: waiting, livePages: hub.count,
                changesSeen: follower.changesSeen.load(ordering: .relaxed), cache: cache.usage)
            return Reply(.ok, "text/plain; version=0.0.4; charset=utf-8", text, policy: .noStore)
        case .asset(let name):
            guard let asset = Assets.file(name) else { return .problem(.notFound, "No such file.") }
            return Reply(.ok, asset.type, Array(asset.text.utf8), policy: .asset)
        case .live(let lang, let slug):
            // Answered by live(lang:slug:lastEventID:) when the edition is visible.
            return try await reply(to: .article(lang: lang, slug: slug), query: query, request: request)
        case .notFound:
            return .html(
                .notFound, SitePage.notFound(lang: about.languages.first ?? "en", siteURL: siteURL), policy: .notFound)
        }
    }

    /// A page of a language: read and rendered on the pool; a language or
    /// subject the newsroom does not have is no page (404), not a bad request.
    private func page(lang: String, _ body: @escaping @Sendable (SiteReader) throws -> Reply) async throws -> Reply {
        let siteURL = siteURL
        let fallback = about.languages.first ?? "en"
        let known = about.languages.contains(lang)
        return try await pool.read { connection in
            do {
                return try body(SiteReader(connection: connection))
            } catch let error as NewsdeskError where error.category == .badInput || error.category == .notFound {
                return .html(
                    .notFound, SitePage.notFound(lang: known ? lang : fallback, siteURL: siteURL), policy: .notFound)
            }
        }
    }

    /// The keys of a feed: its language's (or every language's) and its
    /// subjects', as the database names them. A reader may type `lang=EN`,
    /// but a purge names `feed-en`.
    static func feedKeys(_ feed: Feed) -> [String] {
        [feed.lang.map { "feed-\($0)" } ?? "feed"] + feed.subjects.map { "subject-\($0.slug)" }
    }

    /// What a cache should purge this article page for: itself, its story
    /// (the language switch), its language's list (Recent news) and its subjects.
    static func keys(_ edition: Edition) -> [String] {
        keys(edition: edition.id, story: edition.storyID, lang: edition.lang, subjects: edition.subjects)
    }

    /// The same keys for the article's JSON document, read from its fields
    /// (the API passes the document on as the database wrote it).
    static func keys(_ document: JSONValue) -> [String] {
        guard case .object(let fields) = document, case .integer(let id)? = fields["id"],
            case .integer(let story)? = fields["story_id"], case .string(let lang)? = fields["lang"]
        else { return [] }
        var subjects: [String] = []
        if case .array(let tagged)? = fields["subjects"] {
            subjects = tagged.compactMap { if case .string(let slug) = $0 { slug } else { nil } }
        }
        return keys(edition: id, story: story, lang: lang, subjects: subjects)
    }

    static func keys(edition: Int64, story: Int64, lang: String, subjects: [String]) -> [String] {
        ["edition-\(edition)", "story-\(story)", "feed-\(lang)"] + subjects.map { "subject-\($0)" }
    }

    /// The live page of `lang/slug` as server-sent events after `resumeAfter`
    /// (the browser's Last-Event-ID when it reconnects, else the page's
    /// `after`), or from now on; nil when readers may not see the edition.
    /// For `headOnly` (a HEAD request) the stream's headers and no stream:
    /// nothing is subscribed that no one will read.
    func live(lang: String, slug: String, resumeAfter: Int64?, headOnly: Bool = false) async -> Response? {
        do {
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream; charset=utf-8"
            headers[.cacheControl] = HTTPCaching.Policy.noStore.header
            // Proxies that buffer (nginx) pass each event on at once.
            headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
            // Where the edition stands, then subscribe, then what was missed
            // since: a change that commits in between arrives twice (and is
            // sent once), never not at all.
            guard
                let head = try await pool.read({
                    try SiteReader(connection: $0).editionChanges(lang: lang, slug: slug, after: nil)
                })
            else { return nil }
            if headOnly { return Response(status: .ok, headers: headers) }
            let stream = hub.subscribe(edition: head.editionID)
            let start = resumeAfter ?? head.lastID
            let pool = pool
            // What was missed comes a page at a time (site.edition_changes
            // gives at most 100 changes), each page its own read, so that a
            // long replay holds a connection no longer than a page does.
            let missedPage = { @Sendable (after: Int64) async throws -> EditionLiveChanges? in
                try await pool.read {
                    try SiteReader(connection: $0).editionChanges(lang: lang, slug: slug, after: after)
                }
            }
            let firstMissed = try await missedPage(start)
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    var last = start
                    try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                    var missed = firstMissed
                    while let page = missed {
                        for frame in page.events.map(LiveFrame.init) where frame.id > last {
                            try await writer.write(ByteBuffer(string: frame.text))
                            last = frame.id
                        }
                        guard page.more else { break }
                        missed = try await missedPage(last)
                    }
                    // Readers may not see the edition any more: the stream ends.
                    guard missed != nil else { return try await writer.finish(nil) }
                    for await frame in stream {
                        if frame.editionID == 0 {
                            try await writer.write(ByteBuffer(string: frame.text))
                            continue
                        }
                        guard frame.id > last else { continue }
                        try await writer.write(ByteBuffer(string: frame.text))
                        last = frame.id
                        if frame.endsStream { break }
                    }
                    try await writer.finish(nil)
                })
        } catch {
            logger.warning("live: \(error)")
            return nil
        }
    }
}
