import Crypto
import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("HTTP caching as CDNs expect it")
struct CachingTests {
    @Test("strong ETag and Last-Modified; If-None-Match and If-Modified-Since answer 304; a change makes a new ETag")
    func validators() throws {
        let newsroom = try TestNewsroom("sitecache")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let rumour = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Rumour")).reference)
        let server = try SiteServer(newsroom)
        defer { server.stop() }
        let path = "/en/\(live.slug)"
        // HTTP dates count seconds: a page changed in the second it is asked
        // for carries no Last-Modified (another change in that second would
        // carry the same date), and none is later than the answer's Date.
        // Whether a change and its answer fall in one second is up to the
        // clock: changes are made until one does, and every answer is checked.
        let updates = LiveUpdateDesk(connection: desk.connection)
        var sameSecond = 0
        for attempt in 1...20 where sameSecond == 0 {
            let before = Date()
            _ = try updates.add(to: live.reference, body: "Check \(attempt).")
            let reply = try server.request(path, within: 5) { $0.body.contains("Check \(attempt).") }
            let received = Date()
            let sent = try #require(reply["date"].flatMap(Self.httpDate))
            if let modified = reply["last-modified"] {
                #expect(try #require(Self.httpDate(modified)) <= sent, "attempt \(attempt)")
            }
            // The change and the server's answer both came between these two readings.
            if before.timeIntervalSince1970.rounded(.down) == received.timeIntervalSince1970.rounded(.down) {
                sameSecond += 1
                #expect(reply["last-modified"] == nil, "attempt \(attempt): \(reply.headers)")
            }
        }
        #expect(sameSecond == 1, "no change and its answer fell within one second in 20 tries")
        Thread.sleep(forTimeInterval: 1.1)

        let first = try server.request(path)
        let tag = try #require(first["etag"])
        #expect(tag.hasPrefix("\"") && tag.hasSuffix("\"") && !tag.hasPrefix("W/"))
        // Strong: the first 128 bits of the body's SHA-256, in URL-safe base64 without padding.
        let digest = Data(SHA256.hash(data: Data(first.body.utf8)).prefix(16)).base64EncodedString()
        let expected = digest.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        #expect(tag == "\"" + expected.replacingOccurrences(of: "=", with: "") + "\"")
        let modified = try #require(first["last-modified"])
        #expect(modified.hasSuffix(" GMT"))
        #expect(try server.request(path)["etag"] == tag)

        let revalidated = try server.request(path, headers: ["If-None-Match": tag])
        #expect(revalidated.status == 304 && revalidated.body.isEmpty)
        #expect(revalidated["etag"] == tag)
        // A 304 carries what the 200 does (validators, caching, security
        // headers), but no Content-Type and no body; a HEAD, the 200's
        // headers with its length.
        #expect(revalidated["last-modified"] == modified && revalidated["content-type"] == nil)
        for name in ["cache-control", "surrogate-key", "content-security-policy", "x-content-type-options"] {
            #expect(revalidated[name] != nil && revalidated[name] == first[name], "\(name)")
        }
        let head = try server.request(path, method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(head["etag"] == tag && head["last-modified"] == modified)
        #expect(
            head["content-type"] == first["content-type"] && head["content-length"] == String(first.body.utf8.count))
        let headRevalidated = try server.request(path, method: "HEAD", headers: ["If-None-Match": tag])
        #expect(headRevalidated.status == 304 && headRevalidated.body.isEmpty && headRevalidated["content-type"] == nil)
        #expect(headRevalidated["last-modified"] == modified)
        #expect(try server.request(path, headers: ["If-None-Match": "\"other\", \(tag)"]).status == 304)
        #expect(try server.request(path, headers: ["If-None-Match": "W/\(tag)"]).status == 304)
        #expect(try server.request(path, headers: ["If-None-Match": "\"other\""]).status == 200)
        #expect(try server.request(path, headers: ["If-Modified-Since": modified]).status == 304)
        #expect(try server.request(path, headers: ["If-Modified-Since": "Thu, 01 Jan 2015 00:00:00 GMT"]).status == 200)
        // If-None-Match decides when both are sent.
        #expect(
            try server.request(path, headers: ["If-None-Match": "\"other\"", "If-Modified-Since": modified]).status
                == 200)
        #expect(try server.request(path, headers: ["If-Modified-Since": "yesterday"]).status == 200)
        // The same time on another weekday is no date.
        let otherDay = (modified.hasPrefix("Mon") ? "Tue" : "Mon") + modified.dropFirst(3)
        #expect(try server.request(path, headers: ["If-Modified-Since": otherDay]).status == 200)
        // A date after the server's clock is no date (RFC 9110 §13.1.3).
        #expect(try server.request(path, headers: ["If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"]).status == 200)

        // A live update changes the page: a new ETag, and the old one no longer matches.
        Thread.sleep(forTimeInterval: 1.1)  // Last-Modified counts whole seconds
        #expect(try newsroom.run(["update", "add", live.reference, "--body", "The session has begun."]).status == 0)
        let changed = try server.request(path, headers: ["If-None-Match": tag], within: 5) { $0.status == 200 }
        #expect(changed.status == 200)
        #expect(changed["etag"] != tag)
        #expect(changed.body.contains("The session has begun."))
        #expect(try server.request(path, headers: ["If-Modified-Since": modified]).status == 200)

        // A withdrawal changes the lists without a newer item: their Last-Modified still moves on.
        Thread.sleep(forTimeInterval: 1.1)
        let list = try #require(try server.request("/en/rss.xml")["last-modified"])
        Thread.sleep(forTimeInterval: 1.1)
        #expect(try newsroom.run(["unpublish", rumour.reference, "--reason", "Not true."]).status == 0)
        let relisted = try server.request("/en/rss.xml", headers: ["If-Modified-Since": list], within: 5) {
            $0.status == 200 && !$0.body.contains("Rumour")
        }
        #expect(relisted.status == 200 && !relisted.body.contains("Rumour"))

        for feed in ["/en/", "/en/rss.xml", "/api/v1/feed?lang=en", "/api/v1/en/\(live.slug)", "/api/v1/subjects"] {
            let reply = try server.request(feed)
            let feedTag = try #require(reply["etag"], "\(feed)")
            #expect(try server.request(feed, headers: ["If-None-Match": feedTag]).status == 304, "\(feed)")
        }
    }

    @Test("Cache-Control chosen per route, and Surrogate-Key naming what to purge")
    func cacheHeaders() throws {
        let newsroom = try TestNewsroom("sitecachecontrol")
        #expect(try newsroom.run(["subject", "add", "kyiv", "--name", "en=Kyiv"]).status == 0)
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        #expect(try newsroom.run(["tag", String(live.storyID), "kyiv"]).status == 0)
        let server = try SiteServer(newsroom)
        defer { server.stop() }

        let article = try server.request("/en/\(live.slug)")
        #expect(article["cache-control"] == "public, max-age=60, stale-while-revalidate=60, stale-if-error=86400")
        #expect(article["surrogate-key"] == "edition-\(live.id) story-\(live.storyID) feed-en subject-kyiv")
        #expect(
            try server.request("/en/")["cache-control"]
                == "public, max-age=30, stale-while-revalidate=30, stale-if-error=86400")
        #expect(
            try server.request("/en/atom.xml")["cache-control"]
                == "public, max-age=120, stale-while-revalidate=60, stale-if-error=86400")
        #expect(try server.request("/en/atom.xml?subject=kyiv")["surrogate-key"] == "feed-en subject-kyiv")
        // The keys name the language as the newsroom does, however the address spelled it.
        #expect(try server.request("/api/v1/feed?lang=EN&subject=kyiv")["surrogate-key"] == "feed-en subject-kyiv")
        #expect(try server.request("/en/nothing-here")["cache-control"] == "public, max-age=30")
        #expect(try server.request("/api/v1/en/\(live.slug)/updates")["cache-control"] == "no-cache")
        #expect(try server.request("/healthz")["cache-control"] == "no-store")
    }

    /// How many cacheable requests the server answered from memory (`hit`) or from the database (`miss`).
    static func cacheAnswers(_ server: SiteServer, _ result: String) throws -> Int {
        let metrics = try server.request("/metrics").body
        let line = metrics.split(separator: "\n").first {
            $0.hasPrefix("newsdesk_page_cache_answers_total{") && $0.contains("result=\"\(result)\"")
        }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    @Test("a repeated page is answered from memory, a public change empties the cache, --cache-mb 0 keeps nothing")
    func pageCache() throws {
        let newsroom = try TestNewsroom("sitepagecache")
        let desk = try newsroom.desk()
        let first = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let server = try SiteServer(newsroom)
        defer { server.stop() }
        // The server uses its cache once it has read the record of changes (at start).
        let article = "/en/\(first.slug)"
        let warm = try server.request(article, within: 5) { _ in (try? Self.cacheAnswers(server, "hit")) ?? 0 > 0 }
        #expect(try Self.cacheAnswers(server, "hit") > 0)
        let hits = try Self.cacheAnswers(server, "hit")
        let repeated = try server.request(article)
        #expect(repeated.body == warm.body && repeated["etag"] == warm["etag"])
        #expect(try server.request(article, headers: ["If-None-Match": warm["etag"] ?? ""]).status == 304)
        #expect(try Self.cacheAnswers(server, "hit") == hits + 2)
        // Parameters the page does not read, and other spellings of its path, are the same page:
        // they cannot make the server read it again, or keep a copy of it each.
        let variants = ["\(article)?r=1", "\(article)?r=2&utm_source=x", "\(article)/", "//en//\(first.slug)"]
        for variant in variants { #expect(try server.request(variant).body == warm.body, "\(variant)") }
        #expect(try Self.cacheAnswers(server, "hit") == hits + 2 + variants.count)
        // Values are keyed as the server reads them: `after=01` is the poll
        // `after=1` is (and `%2B1`, a plus sign), `lang=EN` the feed `lang=en` is.
        for (path, spellings) in [
            ("/api/v1/en/\(first.slug)/updates?after=", ["1", "01", "%2B1", "0001"]),
            ("/api/v1/feed?limit=5&lang=", ["en", "EN", "En"])
        ] {
            let read = try server.request(path + spellings[0])
            let before = try Self.cacheAnswers(server, "hit")
            for spelling in spellings.dropFirst() {
                let again = try server.request(path + spelling)
                #expect(again.status == read.status && again.body == read.body, "\(path)\(spelling)")
            }
            #expect(try Self.cacheAnswers(server, "hit") == before + spellings.count - 1, "\(path)")
        }

        // Another story's publication changes this page's Recent news: the cached page goes.
        let second = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Bridge reopens")).reference)
        let changed = try server.request(article, within: 5) { $0.body.contains("Bridge reopens") }
        #expect(changed.body.contains("Bridge reopens"))
        #expect(changed["etag"] != warm["etag"])
        // A live update: its page changes too.
        #expect(try newsroom.run(["update", "add", second.reference, "--body", "Traffic is back."]).status == 0)
        #expect(
            try server.request("/en/\(second.slug)", within: 5) { $0.body.contains("Traffic is back.") }.body
                .contains("Traffic is back."))

        let uncached = try SiteServer(newsroom, arguments: ["--cache-mb", "0"])
        defer { uncached.stop() }
        for _ in 0..<3 { #expect(try uncached.request(article).status == 200) }
        #expect(try Self.cacheAnswers(uncached, "hit") == 0)
        #expect(try Self.cacheAnswers(uncached, "miss") == 3)
    }

    @Test("an article read for the first time shows Recent news as of the latest public change, not as kept")
    func keptRecentNews() throws {
        let newsroom = try TestNewsroom("siterecentnews")
        let desk = try newsroom.desk()
        var stories: [Edition] = []
        for headline in ["Council meets", "Tram line extended", "Library opens late", "Park reopens"] {
            stories.append(try desk.publish(desk.createStory(NewStory(lang: "en", headline: headline)).reference))
        }
        let server = try SiteServer(newsroom)
        defer { server.stop() }
        // Read once the cache is in use: the language's list is kept from here.
        _ = try server.request("/en/\(stories[0].slug)", within: 5) { _ in
            (try? Self.cacheAnswers(server, "hit")) ?? 0 > 0
        }
        #expect(try server.request("/en/\(stories[1].slug)").body.contains("Council meets"))

        // A publication: a page not read before lists it, though the list was kept before it.
        let bridge = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Bridge reopens")).reference)
        let third = try server.request("/en/\(stories[2].slug)", within: 5) { $0.body.contains("Bridge reopens") }
        #expect(third.body.contains("<aside class=\"recent\">") && third.body.contains("Bridge reopens"))

        // A withdrawal takes it off the list of a page read after it.
        _ = try desk.unpublish(bridge.reference, reason: "Published too early.")
        let fourth = try server.request("/en/\(stories[3].slug)", within: 5) { !$0.body.contains("Bridge reopens") }
        #expect(!fourth.body.contains("Bridge reopens"))
        #expect(fourth.body.contains("Council meets"))

        // The API's document carries no list of its own.
        let api = try server.request("/api/v1/en/\(stories[3].slug)")
        #expect(api.status == 200 && !api.body.contains("\"recent\"") && !api.body.contains("Council meets"))
    }

    @Test("an article says when its language last changed: a list read then stands until another change in it")
    func languageChangeMark() throws {
        let newsroom = try TestNewsroom("sitelanguagechange")
        let desk = try newsroom.desk()
        let council = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let site = try newsroom.connect(as: "newsdesk_site")
        func mark() throws -> String? {
            let text = try site.query("SELECT site.article('en', \(council.slug), 0)->>'language_changed_at' AS m")[0]
            return try text.decode("m", as: String?.self)
        }
        let first = try mark()
        #expect(first != nil)
        #expect(try mark() == first)
        // Another language's news leaves it; this language's publication, edit and withdrawal move it.
        _ = try desk.publish(desk.createStory(NewStory(lang: "uk", headline: "Засідання Київради")).reference)
        #expect(try mark() == first)
        let bridge = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Bridge reopens")).reference)
        let published = try mark()
        #expect(published != first)
        #expect(try newsroom.run(["edit", bridge.reference, "--headline", "Bridge reopens early"]).status == 0)
        let edited = try mark()
        #expect(edited != published)
        _ = try desk.unpublish(bridge.reference, reason: "Not yet.")
        #expect(try mark() != edited)
    }

    @Test("a read on a kept connection the database has closed is read again on a new one, not answered 503")
    func closedConnectionIsReplaced() throws {
        let newsroom = try TestNewsroom("sitereconnect")
        let desk = try newsroom.desk()
        let council = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        // Nothing from memory: every answer is read.
        let server = try SiteServer(newsroom, arguments: ["--cache-mb", "0"])
        defer { server.stop() }
        #expect(try server.request("/en/\(council.slug)").status == 200)
        // An administrator ends every session of the site's login (as a restart would).
        let admin = try newsroom.connect()
        let before = try admin.query("SELECT clock_timestamp()::text AS t")[0].decode("t", as: String.self)
        // Only this test's database (other tests run beside it), chosen before any is ended.
        let ended = try admin.query(
            """
            SELECT count(*) FILTER (WHERE pg_terminate_backend(s.pid))::int AS n
            FROM (SELECT pid FROM pg_stat_activity
                  WHERE usename = 'newsdesk_site' AND datname = current_database() OFFSET 0) s
            """)[0].decode("n", as: Int.self)
        #expect(ended > 0)
        func sessionsLeft() throws -> Int {
            try admin.query(
                """
                SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE usename = 'newsdesk_site' AND datname = current_database()
                  AND backend_start < \(before)::timestamptz
                """)[0].decode("n", as: Int.self)
        }
        let deadline = Date().addingTimeInterval(5)
        while try sessionsLeft() > 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(try sessionsLeft() == 0)
        let again = try server.request("/en/\(council.slug)")
        #expect(again.status == 200, "\(again.body)")
        #expect(again.body.contains("Council meets"))
    }

    /// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as a time.
    static func httpDate(_ text: String) -> Date? {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "GMT")
        format.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return format.date(from: text)
    }

    @Test("an answer from memory is sent byte for byte as a read one; pipelined requests are answered in order")
    func answersFromMemory() throws {
        let newsroom = try TestNewsroom("sitememory")
        let desk = try newsroom.desk()
        let story = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Bridge reopens")).reference)
        // Last-Modified is sent once the second of the change has passed.
        Thread.sleep(forTimeInterval: 1.1)
        let cached = try SiteServer(newsroom)
        let reading = try SiteServer(newsroom, arguments: ["--cache-mb", "0"])
        defer {
            cached.stop()
            reading.stop()
        }
        let path = "/en/\(story.slug)"
        let tag = try #require(try reading.request(path)["etag"])
        // Closes the connection: a refused method, answered the same by both.
        let closing = "OPTIONS / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        // The two may answer in different seconds.
        func withoutDate(_ raw: String) -> String {
            raw.split(separator: "\r\n", omittingEmptySubsequences: false)
                .filter { !$0.lowercased().hasPrefix("date:") }.joined(separator: "\r\n")
        }
        for (method, condition) in [("GET", ""), ("HEAD", ""), ("GET", tag), ("HEAD", tag)] {
            let request =
                "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
                + (condition.isEmpty ? "" : "If-None-Match: \(condition)\r\n") + "\r\n"
            #expect(try cached.request(path).status == 200)  // now kept
            let fromMemory = try cached.exchange(request + closing)
            let read = try reading.exchange(request + closing)
            #expect(fromMemory.hasPrefix(condition.isEmpty ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.1 304 Not Modified\r\n"))
            #expect(withoutDate(fromMemory) == withoutDate(read), "\(method) \(condition)")
            #expect(fromMemory.contains("\r\nDate: ") && read.contains("\r\nDate: "))
        }
        let hits = try #require(
            try cached.request("/metrics").body.firstMatch(of: /page_cache_answers_total{result="hit"} ([0-9]+)/))
        #expect(Int(hits.1)! >= 4)

        // A read one first, then one from memory, on one connection: the
        // answers leave in the order asked, not in the order ready.
        #expect(try cached.request(path).status == 200)
        let asked = try cached.exchange(
            "GET /api/v1/subjects HTTP/1.1\r\nHost: localhost\r\n\r\n"
                + "GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n" + closing)
        let answers = Self.answers(in: asked)
        #expect(answers.map(\.status) == [200, 200, 405], "\(asked.prefix(3000))")
        #expect(
            answers.map { $0["content-type"] ?? "" } == [
                "application/json; charset=utf-8", "text/html; charset=utf-8", "application/json; charset=utf-8"
            ])
        #expect(answers.count == 3 && answers[1].body.contains("Bridge reopens"))
    }

    @Test("a reader that sends requests and never reads the answers is not answered without end")
    func unreadAnswers() throws {
        let newsroom = try TestNewsroom("sitebackpressure")
        let desk = try newsroom.desk()
        let story = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Ferry timetable")).reference)
        let server = try SiteServer(newsroom)
        defer { server.stop() }
        let path = "/en/\(story.slug)"
        #expect(try server.request(path).status == 200)  // now kept
        func answered() throws -> Int {
            let text = try server.request("/metrics").body
            let count = text.firstMatch(of: /newsdesk_http_requests_total{route="article",status="200"} ([0-9]+)/)
            return count.flatMap { Int($0.1) } ?? 0
        }
        let before = try answered()
        var whileUnread = 0
        // Each answer is a few kilobytes; the reader's buffer holds one.
        let sent = try server.flood("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n", seconds: 6) {
            Thread.sleep(forTimeInterval: 0.5)
            whileUnread = try answered() - before
        }
        // Answers wait in the sockets' buffers (a few megabytes on loopback:
        // about 2,000 here); the requests beyond them wait unread, in the
        // server's socket or the client's. Answered as read, every request
        // sent would be.
        #expect(whileUnread < 10_000, "\(whileUnread) of \(sent) requests answered while no answer was read")
        #expect(sent > 10 * whileUnread, "\(sent) requests sent, \(whileUnread) answered")
    }

    /// The answers in what one connection received, each with the body its
    /// Content-Length gives.
    static func answers(in raw: String) -> [HTTPReply] {
        var rest = Array(raw.utf8)[...]
        var replies: [HTTPReply] = []
        let separator = Array("\r\n\r\n".utf8)
        while let end = rest.indices.first(where: { rest[$0...].starts(with: separator) }) {
            let head = String(decoding: rest[..<end], as: UTF8.self)
            let length = head.firstMatch(of: /(?i)\r\ncontent-length: *([0-9]+)/).flatMap { Int($0.1) } ?? 0
            let bodyEnd = min(end + 4 + length, rest.endIndex)
            guard let reply = try? HTTPReply(raw: String(decoding: rest[rest.startIndex..<bodyEnd], as: UTF8.self))
            else { break }
            replies.append(reply)
            rest = rest[bodyEnd...]
        }
        return replies
    }
}
