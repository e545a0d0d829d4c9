import Foundation
import NewsdeskCore
import NewsdeskTestSupport
import PostgresClient
import Testing

@Suite("Live updates: server-sent events and polling")
struct LiveTests {
    @Test("a reader connected when an update commits gets it within a second; edits, key events and withdrawals follow")
    func pushed() throws {
        let newsroom = try TestNewsroom("sitelive")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let server = try SiteServer(newsroom)
        defer { server.stop() }
        let stream = try server.openEvents("/en/\(live.slug)/live")
        defer { stream.close() }
        #expect(stream.wait(for: "retry: 3000", seconds: 10), "\(stream.text)")

        let added = try newsroom.json(
            LiveUpdate.self, ["update", "add", live.reference, "--body", "The *session* has begun."])
        let committed = Date()
        #expect(stream.wait(for: "event: update.added", seconds: 1), "not within a second: \(stream.text)")
        let arrival = Date().timeIntervalSince(committed)
        #expect(arrival < 1, "arrived after \(arrival) s")
        #expect(stream.text.contains("\"seq\":1"))
        #expect(
            stream.text.contains(
                "\"html\":\"<section class=\\\"update\\\" id=\\\"update-1\\\"><h3>Update: <time datetime="))
        #expect(stream.text.contains("<em>session</em>"))

        #expect(
            try newsroom.run(["update", "edit", String(added.id), "--body", "The session began at 10:00."]).status == 0)
        #expect(stream.wait(for: "event: update.edited", seconds: 5))
        #expect(stream.text.contains("The session began at 10:00."))
        #expect(try newsroom.run(["update", "key", String(added.id)]).status == 0)
        #expect(stream.wait(for: "event: update.key_on", seconds: 5))
        #expect(try newsroom.run(["update", "unkey", String(added.id)]).status == 0)
        #expect(stream.wait(for: "event: update.key_off", seconds: 5))
        #expect(try newsroom.run(["update", "withdraw", String(added.id), "--reason", "Wrong room."]).status == 0)
        #expect(stream.wait(for: "event: update.withdrawn", seconds: 5))
        // A withdrawal's reason is for staff; readers learn only that it went.
        #expect(!stream.text.contains("Wrong room."))
        let ids = stream.eventIDs
        #expect(ids == ids.sorted() && Set(ids).count == ids.count, "\(ids)")
        #expect(ids.count == 5)

        // The story withdrawn: the stream says so and ends.
        #expect(try newsroom.run(["unpublish", live.reference, "--reason", "Cancelled."]).status == 0)
        #expect(stream.wait(for: "event: edition.withdrawn", seconds: 5))
    }

    @Test("after a dropped connection, Last-Event-ID resumes without loss; pollers get what is new or 304")
    func resumed() throws {
        let newsroom = try TestNewsroom("siteresume")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let other = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Elsewhere")).reference)
        let server = try SiteServer(newsroom)
        defer { server.stop() }
        let first = try server.openEvents("/en/\(live.slug)/live")
        #expect(first.wait(for: "retry: 3000", seconds: 10))
        #expect(try newsroom.run(["update", "add", live.reference, "--body", "One."]).status == 0)
        #expect(first.wait(for: "event: update.added", seconds: 5))
        let lastSeen = try #require(first.eventIDs.last)
        first.close()

        // While the reader is away: two updates here, one on another story.
        #expect(try newsroom.run(["update", "add", live.reference, "--body", "Two."]).status == 0)
        #expect(try newsroom.run(["update", "add", other.reference, "--body", "Not this story."]).status == 0)
        #expect(try newsroom.run(["update", "add", live.reference, "--body", "Three."]).status == 0)
        let resumed = try server.openEvents("/en/\(live.slug)/live", lastEventID: String(lastSeen))
        defer { resumed.close() }
        #expect(resumed.wait(for: "Three.", seconds: 5), "\(resumed.text)")
        #expect(resumed.text.contains("Two."))
        #expect(!resumed.text.contains("One.") && !resumed.text.contains("Not this story."))
        #expect(try newsroom.run(["update", "add", live.reference, "--body", "Four."]).status == 0)
        #expect(resumed.wait(for: "Four.", seconds: 5))
        #expect(resumed.eventIDs.count == 3)

        // Polling: everything after an event id, or 304 when there is nothing new.
        let path = "/api/v1/en/\(live.slug)/updates"
        let all = try server.request(path + "?after=0")
        #expect(all.status == 200)
        let changes = try NewsroomJSON.decoder().decode(EditionLiveChanges.self, from: Data(all.body.utf8))
        #expect(changes.events.map(\.kind) == ["edition.published"] + Array(repeating: "update.added", count: 4))
        let newest = changes.lastID
        #expect(try server.request(path + "?after=\(newest)").status == 304)
        let sinceTwo = try NewsroomJSON.decoder().decode(
            EditionLiveChanges.self, from: Data(try server.request(path + "?after=\(lastSeen)").body.utf8))
        #expect(sinceTwo.events.count == 3)
        #expect(try server.request(path + "?after=minus-one").status == 400)
        let nothingNew = try server.request(path + "?after=\(newest)")
        #expect(nothingNew["content-type"] == nil && nothingNew.body.isEmpty)

        // The page says where its live updates stand: an update made after
        // the page was read (or while a cache kept it) still reaches its reader.
        let page = try server.request("/en/\(live.slug)")
        let address = try #require(page.body.firstMatch(of: /data-live="([^"]+)"/).map { String($0.1) })
        #expect(address == "/en/\(live.slug)/live?after=\(newest)")
        #expect(try newsroom.run(["update", "add", live.reference, "--body", "Five."]).status == 0)
        let late = try server.openEvents(address)
        defer { late.close() }
        #expect(late.wait(for: "Five.", seconds: 5), "\(late.text)")
        #expect(!late.text.contains("Four."))
    }

    @Test("a long replay comes a page at a time: a poll says there is more, a resumed stream still sends every change")
    func pagedReplay() throws {
        let newsroom = try TestNewsroom("sitereplay")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Day of the vote")).reference)
        let updates = LiveUpdateDesk(connection: desk.connection)
        for number in 1...120 {
            _ = try updates.add(to: live.reference, body: "Count \(number).")
        }
        let server = try SiteServer(newsroom)
        defer { server.stop() }

        // The publication and 120 updates: a page of 100, then the rest.
        let path = "/api/v1/en/\(live.slug)/updates"
        let decoder = NewsroomJSON.decoder()
        let first = try decoder.decode(
            EditionLiveChanges.self, from: Data(try server.request(path + "?after=0").body.utf8))
        #expect(first.events.count == 100 && first.more)
        #expect(first.lastID == first.events.last?.id)
        let rest = try server.request(path + "?after=\(first.lastID)").body
        let second = try decoder.decode(EditionLiveChanges.self, from: Data(rest.utf8))
        #expect(second.events.count == 21 && !second.more)
        #expect(rest.contains("Count 100.") && rest.contains("Count 120.") && !rest.contains("Count 99."))
        #expect(Set((first.events + second.events).map(\.id)).count == 121)
        #expect(try server.request(path + "?after=\(second.lastID)").status == 304)

        // A browser that reconnects from the start gets all 121, in order, then live ones.
        let resumed = try server.openEvents("/en/\(live.slug)/live", lastEventID: "0")
        defer { resumed.close() }
        #expect(resumed.wait(for: "Count 120.", seconds: 10), "\(resumed.text.suffix(500))")
        _ = try updates.add(to: live.reference, body: "Count 121.")
        #expect(resumed.wait(for: "Count 121.", seconds: 5))
        let ids = resumed.eventIDs
        #expect(ids.count == 122 && ids == ids.sorted() && Set(ids).count == 122, "\(ids)")
    }

    @Test(
        "a HEAD of a live page answers its headers and keeps nothing open; asked to stop, the server ends its live pages and exits"
    )
    func headAndStop() throws {
        let newsroom = try TestNewsroom("sitelivestop")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        let server = try SiteServer(newsroom)
        let path = "/en/\(live.slug)/live"
        for _ in 0..<5 {
            let head = try server.request(path, method: "HEAD")
            #expect(head.status == 200 && head["content-type"] == "text/event-stream; charset=utf-8", "\(head)")
        }
        #expect(try server.request("/en/no-such-story/live", method: "HEAD").status == 404)
        #expect(try Self.livePagesOpen(server) == 0)

        let stream = try server.openEvents(path)
        defer { stream.close() }
        #expect(stream.wait(for: "retry: 3000", seconds: 10))
        #expect(try Self.livePagesOpen(server) == 1)
        // SIGTERM, as a supervisor stops it: the open page does not hold it up.
        #expect(server.stop(within: 20) == 0)
    }

    @Test("the server allows itself every descriptor the operator allows: each open page holds one")
    func descriptors() throws {
        let newsroom = try TestNewsroom("sitedescriptors")
        // Started with a soft limit of 256 under a hard one of 4,096.
        let server = try SiteServer(newsroom, launcher: ["/usr/bin/prlimit", "--nofile=256:4096", "--"])
        defer { server.stop() }
        let limits = try String(contentsOfFile: "/proc/\(server.processID)/limits", encoding: .utf8)
        let line = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }
        #expect(line?.split(separator: " ", omittingEmptySubsequences: true).dropFirst(3).prefix(2) == ["4096", "4096"])
    }

    /// The server's count of open live pages, from /metrics.
    static func livePagesOpen(_ server: SiteServer) throws -> Int {
        let metrics = try server.request("/metrics").body
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("newsdesk_live_pages_open ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? -1
    }

    /// Opens `path` in the background while a session of the database's owner
    /// holds the edition table (so that its read waits), runs `body`, then
    /// lets the table go; returns the waiting request, to read what it got.
    static func whileEditionsHeld(
        _ newsroom: TestNewsroom, _ server: SiteServer, wait path: String, _ body: () throws -> Void
    ) throws -> EventStream {
        let blocker = try newsroom.connect()
        try blocker.execute("BEGIN")
        try blocker.execute("LOCK TABLE newsroom.edition IN ACCESS EXCLUSIVE MODE")
        defer { _ = try? blocker.execute("ROLLBACK") }
        let waiting = try server.openEvents(path)
        Thread.sleep(forTimeInterval: 0.5)
        do { try body() } catch {
            waiting.close()
            throw error
        }
        return waiting
    }

    @Test("a full pool answers 503 with Retry-After instead of queueing without end")
    func poolExhausted() throws {
        let newsroom = try TestNewsroom("sitepool")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        // No page cache: every request needs the one connection.
        let server = try SiteServer(newsroom, arguments: ["--connections", "1", "--queue", "0", "--cache-mb", "0"])
        defer { server.stop() }
        #expect(try server.request("/en/\(live.slug)").status == 200)  // the one connection is made

        // The one connection's next read waits, and the next request finds no connection.
        let stuck = try Self.whileEditionsHeld(newsroom, server, wait: "/en/\(live.slug)") {
            let busy = try server.request("/en/\(live.slug)")
            #expect(busy.status == 503, "\(busy)")
            #expect(busy["retry-after"] == "1")
        }
        defer { stuck.close() }
        #expect(stuck.wait(for: "<h1>Council meets</h1>", seconds: 10))
        #expect(try server.request("/en/\(live.slug)").status == 200)
    }

    @Test("searches read on at most half the pool: past that a search is answered 503 at once, not queued")
    func searchesTakeHalfThePool() throws {
        let newsroom = try TestNewsroom("sitesearchgate")
        let desk = try newsroom.desk()
        let live = try desk.publish(desk.createStory(NewStory(lang: "en", headline: "Council meets")).reference)
        // Two connections, so one search at a time; no page cache, so every search reads.
        let server = try SiteServer(newsroom, arguments: ["--connections", "2", "--cache-mb", "0"])
        defer { server.stop() }
        #expect(try server.request("/en/search?q=council").status == 200)

        // A search that reads now waits, holding its place; the next is refused at once.
        let waiting = try Self.whileEditionsHeld(newsroom, server, wait: "/en/search?q=council") {
            let busy = try server.request("/en/search?q=meets")
            #expect(busy.status == 503, "\(busy)")
            #expect(busy["retry-after"] == "1")
            #expect(busy.body.contains("Search is busy; try again in a moment."), "\(busy.body)")
        }
        defer { waiting.close() }
        #expect(waiting.wait(for: "/en/\(live.slug)", seconds: 10), "\(waiting.text)")
        #expect(try server.request("/en/search?q=meets").status == 200)
    }
}
