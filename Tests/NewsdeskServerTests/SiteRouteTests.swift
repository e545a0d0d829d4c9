import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import Testing

/// Every route of `newsdesk serve` over real HTTP, against a real newsroom.
@Suite("The site over HTTP: pages, feeds, search, API")
struct SiteRouteTests {
    @Test(
        "the article page is the model page: switch, byline, Kyiv dateline, photo line, updates, subjects, related, recent news"
    )
    func articlePage() throws {
        let newsroom = try TestNewsroom("sitearticle")
        let story = try ModelStory(in: newsroom)
        let server = try SiteServer(newsroom)
        defer { server.stop() }

        let page = try server.request("/en/\(story.english.slug)")
        #expect(page.status == 200, "\(page)")
        #expect(page["content-type"] == "text/html; charset=utf-8")
        let html = page.body
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        #expect(html.contains("<title>\(SafeHTML.escape(story.english.headline))</title>"))
        #expect(
            html.contains(
                "<nav class=\"languages\"><a lang=\"uk\" hreflang=\"uk\" href=\"/uk/\(story.ukrainian.slug)\">Укр</a> "
                    + "<a lang=\"ru\" hreflang=\"ru\" href=\"/ru/\(story.russian.slug)\">Рус</a> "
                    + "<strong lang=\"en\" aria-current=\"page\">Eng</strong></nav>"), "\(html)")
        #expect(html.contains("<p class=\"byline\">By Olena Marchenko"))
        #expect(
            html.contains(
                "<p class=\"dateline\"><time datetime=\"2023-10-26T13:43:00Z\">Thursday, 26 October 2023, 16:43</time></p>"
            ))
        #expect(html.contains("<figure><img src=\"https://example.org/media/city-council.jpg\""))
        #expect(html.contains("<section class=\"update\" id=\"update-1\"><h3>Update: <time datetime="))
        #expect(html.contains("The session has been moved to 10:00 on Saturday, the press service said."))
        #expect(html.contains("<p class=\"subjects\">Subjects: "))
        #expect(
            html.contains("<a href=\"/en/subjects/kyiv\">Kyiv</a>")
                && html.contains("<a href=\"/en/subjects/energy\">Energy</a>"))
        // Recent news beside it: times and markers.
        #expect(html.contains("<aside class=\"recent\">\n<h2>Recent news</h2>"))
        #expect(
            html.contains(
                "<a href=\"/en/snow-closes-schools-in-kyiv\">Snow closes schools in Kyiv</a> <span class=\"marker video\">VIDEO</span></li>"
            ), "\(html)")
        #expect(
            html.contains(
                "<a href=\"/en/\(story.english.slug)\">\(SafeHTML.escape(story.english.headline))</a> <span class=\"marker updated\">updated</span></li>"
            ))
        #expect(html.contains("<script src=\"/assets/live.js\" defer></script>"))
        #expect(try HTML5Check.errors(html) == "")

        // The same story in Ukrainian: its own words around it.
        let ukrainian = try server.request("/uk/\(story.ukrainian.slug)").body
        #expect(
            ukrainian.contains(
                "<p class=\"dateline\"><time datetime=\"2023-10-26T13:43:00Z\">Четвер, 26 жовтня 2023, 16:43</time></p>"
            ))
        #expect(
            ukrainian.contains("<figcaption>Будівля Київської міської ради. Фото: пресслужба Київради</figcaption>"))
        #expect(ukrainian.contains("<h2>Останні новини</h2>"))
        #expect(ukrainian.contains("Оновлення: <time"))
        #expect(try HTML5Check.errors(ukrainian) == "")
    }

    @Test("an old slug answers 301, a withdrawn story 410 with its notice, anything not yet public 404")
    func statuses() throws {
        let newsroom = try TestNewsroom("sitestatus")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let renamed = try newsroom.json(Edition.self, ["edit", live.reference, "--slug", "council-meets-on-friday"])
        let gone = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Rumour")).reference)
        #expect(try newsroom.run(["unpublish", gone.reference, "--reason", "It was not true."]).status == 0)
        let draft = try desk.createStory(NewStory(lang: "en", headline: "Draft story"))
        let later = RFC3339.string(from: Date().addingTimeInterval(3600))
        let scheduled = try desk.publish(
            desk.createStory(NewStory(lang: "en", headline: "Tomorrow")).reference, at: later)
        var embargo = NewStory(lang: "en", headline: "Embargoed report")
        embargo.embargoUntil = later
        let embargoed = try desk.publish(desk.createStory(embargo).reference)
        // Withdrawn while still under embargo: readers never saw it, so it stays unknown.
        let lift = Date().addingTimeInterval(3)
        var killed = NewStory(lang: "en", headline: "Killed report")
        killed.embargoUntil = RFC3339.string(from: lift)
        let killedEdition = try desk.publish(desk.createStory(killed).reference)
        #expect(
            try newsroom.run(["unpublish", killedEdition.reference, "--reason", "Legal advice: the source"]).status == 0
        )
        let server = try SiteServer(newsroom)
        defer { server.stop() }

        let moved = try server.request("/en/\(live.slug)")
        #expect(moved.status == 301)
        #expect(moved["location"] == "/en/council-meets-on-friday")
        // A cache purges the move with the edition it points to.
        #expect(moved["surrogate-key"] == "edition-\(live.id) story-\(live.storyID)")
        #expect(try server.request("/en/\(renamed.slug)").status == 200)
        let movedAPI = try server.request("/api/v1/en/\(live.slug)")
        #expect(movedAPI["location"] == "/api/v1/en/council-meets-on-friday")
        #expect(movedAPI["surrogate-key"] == "edition-\(live.id) story-\(live.storyID)")

        let withdrawn = try server.request("/en/\(gone.slug)")
        #expect(withdrawn.status == 410)
        #expect(
            withdrawn.body.contains("<p class=\"notice withdrawn\">This story has been withdrawn: It was not true.</p>")
        )
        #expect(withdrawn.body.contains("<h1>Rumour</h1>"))
        #expect(withdrawn["surrogate-key"] == "edition-\(gone.id) story-\(gone.storyID)")
        let withdrawnAPI = try server.request("/api/v1/en/\(gone.slug)")
        #expect(withdrawnAPI.status == 410)
        #expect(withdrawnAPI["surrogate-key"] == "edition-\(gone.id) story-\(gone.storyID)")
        #expect(withdrawnAPI.body.contains("\"withdrawal_reason\":\"It was not true.\""))

        for hidden in [draft, scheduled, embargoed] {
            let page = try server.request("/en/\(hidden.slug)")
            #expect(page.status == 404, "\(hidden.slug): \(page)")
            #expect(!page.body.contains(hidden.headline))
            #expect(try server.request("/api/v1/en/\(hidden.slug)").status == 404)
            #expect(try server.request("/en/\(hidden.slug)/live").status == 404)
            #expect(try server.request("/api/v1/en/\(hidden.slug)/updates").status == 404)
        }
        // Its embargo's time passing changes nothing: not a 410, and never the desk's reason.
        Thread.sleep(until: lift.addingTimeInterval(0.5))
        for path in ["/en/\(killedEdition.slug)", "/api/v1/en/\(killedEdition.slug)"] {
            let page = try server.request(path)
            #expect(page.status == 404, "\(path): \(page)")
            #expect(!page.body.contains("Killed report") && !page.body.contains("Legal advice"), "\(path)")
        }
        for missing in ["/en/no-such-story", "/xx/", "/en/subjects/no-such-subject", "/EN/Council", "/en/a/b/c/d"] {
            #expect(try server.request(missing).status == 404, "\(missing)")
        }
        // Nothing that is not public appears in lists, feeds or search either.
        let lists = try [
            "/en/", "/en/rss.xml", "/en/atom.xml", "/en/search?q=story", "/api/v1/feed?lang=en", "/en/search?q=report"
        ].map { try server.request($0).body }.joined()
        for hidden in ["Draft story", "Tomorrow", "Embargoed report", "Rumour"] {
            #expect(!lists.contains(hidden), "\(hidden)")
        }
    }

    @Test(
        "no edition takes the address of a site page: a story headlined Search is search-2, and an edit to search is refused"
    )
    func reservedSlugs() throws {
        let newsroom = try TestNewsroom("sitereserved")
        let desk = try newsroom.desk()
        let named = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Search")).reference)
        #expect(named.slug == "search-2")
        let other = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let refused = try newsroom.run(["edit", other.reference, "--slug", "search"])
        #expect(refused.status == 65)
        #expect(
            refused.stderr == "Error: slug: \"search\" is the address of one of the site's own pages; choose another.\n"
        )
        #expect(try newsroom.json(Edition.self, ["show", other.reference]).slug == other.slug)
        let server = try SiteServer(newsroom)
        defer { server.stop() }
        #expect(try server.request("/en/search-2").body.contains("<h1>Search</h1>"))
        let results = try server.request("/en/search?q=council")
        #expect(results.status == 200 && results.body.contains("<a href=\"/en/\(other.slug)\">"))
    }

    @Test("front, subject, feed and search pages; the JSON API with the CLI's field names and no staff-only fields")
    func listsAndAPI() throws {
        let newsroom = try TestNewsroom("sitelists")
        let story = try ModelStory(in: newsroom)
        let server = try SiteServer(newsroom)
        defer { server.stop() }

        let front = try server.request("/en/")
        #expect(front.status == 200)
        #expect(front.body.contains("<h1>Recent news</h1>"))
        #expect(front.body.contains("Snow closes schools in Kyiv</a> <span class=\"marker video\">VIDEO</span>"))
        #expect(try server.request("/en").body == front.body)
        let root = try server.request("/")
        #expect(root.status == 302 && root["location"] == "/uk/")

        let subject = try server.request("/uk/subjects/energy")
        #expect(subject.status == 200)
        #expect(subject.body.contains("<h1>Енергетика</h1>"))
        #expect(subject.body.contains(story.ukrainian.headline))
        #expect(subject["surrogate-key"] == "feed-uk subject-energy")

        let rss = try server.request("/en/rss.xml")
        #expect(rss["content-type"] == "application/rss+xml; charset=utf-8")
        #expect(rss.body.contains("<title>Snow closes schools in Kyiv</title>"))
        // Every language's news in one feed, at the site's root.
        let everything = try server.request("/rss.xml")
        #expect(everything.status == 200 && everything["content-type"] == "application/rss+xml; charset=utf-8")
        #expect(everything["surrogate-key"] == "feed")
        for edition in [story.ukrainian, story.russian, story.english] {
            #expect(everything.body.contains("<title>\(SafeHTML.escape(edition.headline))</title>"), "\(edition.lang)")
        }
        let everythingAtom = try server.request("/atom.xml?subject=energy")
        #expect(everythingAtom["content-type"] == "application/atom+xml; charset=utf-8")
        #expect(everythingAtom["surrogate-key"] == "feed subject-energy")
        #expect(everythingAtom.body.contains(story.russian.headline) && !everythingAtom.body.contains("Snow closes"))
        let atom = try server.request("/uk/atom.xml?subject=kyiv")
        #expect(atom["content-type"] == "application/atom+xml; charset=utf-8")
        #expect(atom.body.contains(story.ukrainian.headline))
        #expect(!atom.body.contains("Snow closes"))

        let search = try server.request("/en/search?q=council+session")
        #expect(search.status == 200)
        #expect(search.body.contains("<a href=\"/en/\(story.english.slug)\">"))
        #expect(search.body.contains("value=\"council session\""))
        // The words found are marked, not quoted.
        #expect(search.body.contains("<mark>session</mark>") && !search.body.contains("«session»"))
        let empty = try server.request("/en/search?q=zzzqqq")
        #expect(empty.body.contains("<p>Nothing found.</p>"))
        #expect(try server.request("/en/search?q=%00%01council").status == 200)

        let api = try server.request("/api/v1/en/\(story.english.slug)")
        #expect(api.status == 200)
        #expect(api["content-type"] == "application/json; charset=utf-8")
        // The same purge keys as the page: a new subject name or Recent news changes both.
        #expect(
            api["surrogate-key"]
                == "edition-\(story.english.id) story-\(story.english.storyID) feed-en "
                + story.english.subjects.map { "subject-\($0)" }.joined(separator: " "))
        #expect(
            try server.request("/en/\(story.english.slug)")["surrogate-key"] == api["surrogate-key"])
        let document = try JSONSerialization.jsonObject(with: Data(api.body.utf8)) as? [String: Any] ?? [:]
        for field in [
            "id", "story_id", "lang", "slug", "headline", "lead", "body", "status", "version", "published_at",
            "updated_at",
            "embargo_until", "bylines", "subjects", "photo", "translated_from", "updates", "corrections", "editions"
        ] {
            #expect(document.keys.contains(field), "\(field)")
        }
        for staffOnly in ["review_note", "withdrawn_updates", "saved_by", "scheduled_at"] {
            #expect(!document.keys.contains(staffOnly), "\(staffOnly)")
        }
        let edition = try NewsroomJSON.decoder().decode(Edition.self, from: Data(api.body.utf8))
        #expect(edition.id == story.english.id && edition.updates.count == 1)
        #expect(edition.editions == ["uk": story.ukrainian.id, "ru": story.russian.id, "en": story.english.id])

        let feed = try server.request("/api/v1/feed?lang=en&limit=1")
        let decoded = try NewsroomJSON.decoder().decode(Feed.self, from: Data(feed.body.utf8))
        #expect(decoded.items.map(\.headline) == ["Snow closes schools in Kyiv"])
        let next = try #require(decoded.nextCursor)
        let second = try NewsroomJSON.decoder().decode(
            Feed.self, from: Data(try server.request("/api/v1/feed?lang=en&limit=1&before=\(next)").body.utf8))
        #expect(second.items.map(\.editionID) == [story.english.id])
        #expect(try server.request("/api/v1/feed?lang=zz").status == 400)
        #expect(try server.request("/api/v1/feed?limit=5000").status == 400)
        #expect(try server.request("/api/v1/feed?before=junk").status == 400)
        let subjects = try server.request("/api/v1/subjects")
        #expect(subjects.status == 200 && subjects.body.contains("\"slug\":\"energy\""))
    }

    @Test("GET and HEAD only, no bodies, bounded addresses; security headers, health and metrics")
    func protocolRules() throws {
        let newsroom = try TestNewsroom("siteprotocol")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        // newsdesk checks the server's options before it starts the server.
        let refused = try newsroom.run(["serve", "--connections", "0"])
        #expect(refused.status == 64)
        #expect(refused.stderr.hasPrefix("Error: --connections: from 1 to 200.\n"), "\(refused.stderr)")
        let server = try SiteServer(newsroom)
        defer { server.stop() }

        let get = try server.request("/en/\(live.slug)")
        let head = try server.request("/en/\(live.slug)", method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(head["content-length"] == String(get.body.utf8.count))
        #expect(head["etag"] == get["etag"])
        let post = try server.request("/en/\(live.slug)", method: "POST")
        #expect(post.status == 405 && post["allow"] == "GET, HEAD")
        #expect(try server.request("/en/\(live.slug)", method: "DELETE").status == 405)
        #expect(try server.request("/en/\(live.slug)", headers: ["Content-Length": "5"], body: "hello").status == 413)
        #expect(try server.request("/en/" + String(repeating: "a", count: 3000)).status == 414)

        #expect(get["content-security-policy"]?.contains("script-src") == false)  // default-src 'self' covers scripts
        #expect(get["content-security-policy"]?.hasPrefix("default-src 'self';") == true)
        #expect(get["x-content-type-options"] == "nosniff")
        #expect(get["referrer-policy"] == "strict-origin-when-cross-origin")

        let health = try server.request("/healthz")
        #expect(health.status == 200 && health.body == "ok\n" && health["cache-control"] == "no-store")
        let metrics = try server.request("/metrics")
        #expect(metrics.status == 200)
        #expect(
            metrics.body.contains("newsdesk_http_requests_total{route=\"article\",status=\"200\"}"), "\(metrics.body)")
        #expect(metrics.body.contains("newsdesk_http_request_duration_seconds_bucket{route=\"article\""))
        #expect(metrics.body.contains("newsdesk_read_pool_connections 8"))
        // Logs name the route and status, never who asked: the whole line, as
        // every newsdesk log line (swift-log's format), time to the second and
        // the time taken.
        #expect(server.logs("GET /en/\(live.slug) 200 article"), "\(server.log)")
        let line = try #require(server.log.split(separator: "\n").last { $0.contains("GET /en/\(live.slug) 200") })
        #expect(
            line.wholeMatch(
                of:
                    /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} info newsdesk\.serve: \[NewsdeskServer\] GET \/en\/[a-z0-9-]+ 200 article \d+\.\d ms/
            ) != nil, "\(line)")
        let asset = try server.request("/assets/live.js")
        #expect(asset.status == 200 && asset["content-type"] == "text/javascript; charset=utf-8")
        #expect(asset.body.contains("new EventSource"))

        // Asked to close, in any case and among other options, or by HTTP/1.0
        // without keep-alive, the server closes the connection after its
        // answer (the exchange reads until then), whether the answer was read
        // (health) or kept in memory (the article, asked for above). So it
        // does after a request to switch protocols, which it does not do.
        for (version, fields) in [
            ("1.1", "Connection: close\r\n"), ("1.1", "Connection: Close\r\n"),
            ("1.1", "Connection: keep-alive, CLOSE\r\n"), ("1.1", "Connection: close\t\r\n"), ("1.0", ""),
            ("1.0", "Connection: Close\r\n"), ("1.0", "Connection: keep-alive, close\r\n"),
            ("1.1", "Connection: Upgrade\r\nUpgrade: websocket\r\n")
        ] {
            for target in ["/healthz", "/en/\(live.slug)"] {
                let closed = try server.exchange(
                    "GET \(target) HTTP/\(version)\r\nHost: x\r\n\(fields)\r\n", seconds: 5)
                #expect(
                    closed.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(version) \(fields) \(target): \(closed.prefix(200))")
            }
        }
        // Nothing is logged as malformed for what follows a request that
        // closes the connection; a request whose reader ends its input in
        // the middle of it is answered 400, and logged (counted below).
        let pipelined = try server.exchange("GET /healthz HTTP/1.0\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n", seconds: 5)
        #expect(pipelined.components(separatedBy: "HTTP/1.1 ").count == 2, "\(pipelined)")
        let cut = try server.exchange("GET /en/ HTTP/1.1\r\nHost: x", seconds: 5, thenEnd: true)
        #expect(cut.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(cut)")
        // HTTP/1.0 asking to keep the connection has it kept: the request
        // after it on the connection is answered too.
        let kept = try server.exchange(
            "GET /en/\(live.slug) HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                + "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n", seconds: 5)
        #expect(kept.components(separatedBy: "HTTP/1.1 200 OK\r\n").count == 4, "\(kept.prefix(300))")

        // What is not HTTP, or is past the header limits, is answered 400 and
        // the connection closed; it too has its line and its count.
        let garbled = try server.exchange("GET /en/ HTTP/1.1\r\nHost localhost\r\n\r\n")
        #expect(garbled.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(garbled)")
        let fields = (1...101).map { "X-Field-\($0): x\r\n" }.joined()
        let crowded = try server.exchange("GET /en/ HTTP/1.1\r\nHost: localhost\r\n\(fields)\r\n")
        #expect(crowded.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(crowded)")
        #expect(server.logs("] - - 400 malformed "), "\(server.log)")
        let malformed = try server.request("/metrics").body
        #expect(
            malformed.contains("newsdesk_http_requests_total{route=\"malformed\",status=\"400\"} 3"), "\(malformed)")
    }

    @Test(
        "a connection left idle for --idle-seconds is closed; one kept busy, with answers from memory or read, is not")
    func idleConnections() throws {
        let newsroom = try TestNewsroom("siteidle")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let refused = try newsroom.run(["serve", "--idle-seconds", "0"])
        #expect(refused.status == 64)
        #expect(refused.stderr.hasPrefix("Error: --idle-seconds: from 1 to 3600.\n"), "\(refused.stderr)")
        let server = try SiteServer(newsroom, arguments: ["--idle-seconds", "2"])
        defer { server.stop() }
        let tag = try #require(try server.request("/en/\(live.slug)")["etag"])

        // Asked every half second for four seconds, twice the idle time, the
        // connection stays open, for answers from memory (the article's 304)
        // as for read ones (health); left idle after, it is closed.
        for request in [
            "GET /en/\(live.slug) HTTP/1.1\r\nHost: x\r\nIf-None-Match: \(tag)\r\n\r\n",
            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        ] {
            let paced = try server.paced(request, times: 9, interval: 0.5, thenIdle: 8)
            let expected = request.contains("If-None-Match") ? "HTTP/1.1 304 Not Modified" : "HTTP/1.1 200 OK"
            #expect(paced.statusLines == Array(repeating: expected, count: 9), "\(paced.statusLines)")
            #expect(paced.closed)
        }
        // A reader that asks for many pages at once and takes its answers
        // only after a pause longer than the idle time gets every one:
        // answers waiting for it keep the connection, as a slow read does.
        let many = try server.pipelined(
            "GET /en/\(live.slug) HTTP/1.1\r\nHost: x\r\n\r\n", count: 1000, readingAfter: 4)
        #expect(many.components(separatedBy: "HTTP/1.1 200 OK\r\n").count == 1001, "\(many.utf8.count) bytes")
        // A request whose head never ends is closed, unanswered.
        #expect(try server.exchange("GET /en/ HTTP/1.1\r\nHost: x\r\n", seconds: 8) == "")
        #expect(try server.request("/en/\(live.slug)", headers: ["If-None-Match": tag]).status == 304)
    }
}
