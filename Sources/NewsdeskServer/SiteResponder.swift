import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NewsdeskCore
import PostgresClient

/// An answer before the HTTP details every answer shares are added.
struct Reply: Sendable {
    var status: HTTPResponse.Status
    var contentType: String
    var body: [UInt8]
    var policy: HTTPCaching.Policy
    var lastModified: Date?
    var surrogateKeys: [String] = []
    var location: String?
    var retryAfter: Int?
    /// The methods answered, for a 405.
    var allow: String?

    init(
        _ status: HTTPResponse.Status, _ contentType: String, _ body: [UInt8], policy: HTTPCaching.Policy,
        lastModified: Date? = nil, surrogateKeys: [String] = []
    ) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.policy = policy
        self.lastModified = lastModified
        self.surrogateKeys = surrogateKeys
    }

    static func html(_ status: HTTPResponse.Status, _ text: String, policy: HTTPCaching.Policy, keys: [String] = [])
        -> Reply
    {
        Reply(status, "text/html; charset=utf-8", Array(text.utf8), policy: policy, surrogateKeys: keys)
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable, policy: HTTPCaching.Policy) throws -> Reply
    {
        Reply(status, "application/json; charset=utf-8", Array(try SiteJSON.encoder.encode(value)), policy: policy)
    }

    static func redirect(to location: String, keys: [String] = []) -> Reply {
        var reply = Reply(
            .movedPermanently, "text/plain; charset=utf-8", Array("Moved to \(location)\n".utf8), policy: .moved,
            surrogateKeys: keys)
        reply.location = location
        return reply
    }

    static func problem(_ status: HTTPResponse.Status, _ message: String, retryAfter: Int? = nil) -> Reply {
        struct Problem: Encodable { let error: String }
        var reply = Reply(
            status, "application/json; charset=utf-8",
            Array((try? SiteJSON.encoder.encode(Problem(error: message))) ?? Data()), policy: .noStore)
        reply.retryAfter = retryAfter
        return reply
    }
}

/// JSON as the API writes it: the CLI's field names and dates, compact.
enum SiteJSON {
    static let encoder: JSONEncoder = {
        let encoder = NewsroomJSON.encoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// Answers every request of the site (SPEC §11): finds the route, reads
/// what readers may see through the ``ReadPool``, renders it, and adds what
/// every answer carries — validators, caching, security headers — and one
/// log line and one metric sample.
struct SiteResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let site: Site

    static let securityHeaders: [(HTTPField.Name, String)] = [
        (
            .init("Content-Security-Policy")!,
            "default-src 'self'; img-src 'self' https: data:; object-src 'none'; base-uri 'none'; "
                + "frame-ancestors 'none'; form-action 'self'"
        ),
        (.init("X-Content-Type-Options")!, "nosniff"),
        (.init("Referrer-Policy")!, "strict-origin-when-cross-origin")
    ]
    static let surrogateKey = HTTPField.Name("Surrogate-Key")!
    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let asked = SiteRequest(request.head)
        var response: Response
        switch asked.handling {
        case .refused(let reply):
            response = finish(reply, request: request)
        case .live(let lang, let slug):
            // A reconnecting browser's Last-Event-ID wins over the page's `after`.
            let resumeAfter = (request.headers[Self.lastEventID] ?? FormQuery(asked.query ?? "")["after"])
                .flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            if var stream = await site.live(
                lang: lang, slug: slug, resumeAfter: resumeAfter, headOnly: request.method == .head)
            {
                stream.headers.append(contentsOf: Self.securityFields)
                response = stream
            } else {
                // Not visible: answered as its article would be (404, 410, 301).
                response = finish(await reply(to: .article(lang: lang, slug: slug), request: request), request: request)
            }
        case .cacheable(let key):
            response = await cachedAnswer(route: asked.route, key: key, request: request)
        case .read:
            response = finish(await reply(to: asked.route, request: request), request: request)
        }
        site.answered(request.method.rawValue, asked, status: response.status, since: started)
        return response
    }

    static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = seconds * 10_000 + attoseconds / 100_000_000_000_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    static let securityFields: HTTPFields = {
        var fields = HTTPFields()
        for (name, value) in securityHeaders { fields[name] = value }
        return fields
    }()

    /// The answer from the ``PageCache`` when it holds a current one;
    /// otherwise read, rendered and kept for the next reader. Only answers
    /// that are the news itself are kept, never an error or a busy site.
    func cachedAnswer(route: Route, key: String, request: Request) async -> Response {
        let (stored, ticket) = site.cache.lookup(key)
        site.metrics.cacheAnswer(hit: stored != nil)
        if let stored { return stored.response(to: request) }
        let fresh = await reply(to: route, request: request)
        guard Self.keptStatuses.contains(fresh.status) else { return finish(fresh, request: request) }
        let prepared = PreparedAnswer(fresh)
        site.cache.store(prepared, for: ticket)
        return prepared.response(to: request)
    }

    /// The key an answer is kept under: the route (so `/en/x`, `/en/x/` and
    /// `//en//x` are one page), and the values of the parameters it reads
    /// (``Route/queryParameters``) as it reads them, each written with its
    /// length so that no value can pass for two.
    static func cacheKey(route: Route, query: String?) -> String {
        var key = route.cacheName
        let wanted = route.queryParameters
        guard let query, !wanted.isEmpty else { return key }
        let form = FormQuery(query)
        for (name, every, reading) in wanted {
            let values = (every ? form.all(name) : form[name].map { [$0] } ?? []).map(reading.canonical)
            for value in values {
                key += "&\(name)=\(value.utf8.count):\(value)"
            }
        }
        return key
    }

    /// What the cache keeps: a page, a move, a withdrawal notice, and a
    /// poller's "nothing new" — all decided by the news alone.
    static let keptStatuses: Set<HTTPResponse.Status> = [.ok, .movedPermanently, .gone, .notModified]

    /// The answer for `route`, with the database's failures turned into
    /// statuses: a full pool 503 with Retry-After, an unreachable database
    /// 503, a bad parameter 400.
    func reply(to route: Route, request: Request) async -> Reply {
        do {
            return try await site.reply(to: route, query: FormQuery(request.uri.query ?? ""), request: request)
        } catch is ReadPool.Exhausted {
            return .problem(.serviceUnavailable, "The site is busy; try again in a moment.", retryAfter: 1)
        } catch let error as NewsdeskError {
            switch error.category {
            case .badInput, .usage:
                return .problem(.badRequest, error.message)
            case .notFound:
                return .problem(.notFound, error.message)
            case .unavailable, .connectionLost, .timeout, .busy:
                site.logger.warning("database: \(error.message)")
                return .problem(.serviceUnavailable, "The news is unavailable for a moment; try again.", retryAfter: 5)
            default:
                site.logger.error("\(route.name): \(error.message)")
                return .problem(.internalServerError, "Something went wrong on our side.")
            }
        } catch {
            site.logger.error("\(route.name): \(error)")
            return .problem(.internalServerError, "Something went wrong on our side.")
        }
    }

    /// Adds the validators and caching headers, answers a conditional
    /// request whose copy is current with 304, and a HEAD without the body.
    func finish(_ reply: Reply, entityTag: String? = nil, request: Request) -> Response {
        let prepared = PreparedAnswer(reply, entityTag: entityTag)
        return prepared.response(to: request)
    }
}

/// An answer with everything that does not depend on the request worked out
/// once: its headers (validators, caching, security) and its body as bytes
/// ready to send. The page cache keeps answers this way, so a repeated or
/// conditional request costs a comparison and a reference to headers made
/// before: no header is set, and no date formatted, per request.
struct PreparedAnswer: Sendable {
    let status: HTTPResponse.Status
    /// The ETag of a 200 answer.
    let entityTag: String?
    let body: ByteBuffer
    /// The memory it holds, about: the body's buffer and the headers' text.
    let size: Int
    /// A 200 answer's Last-Modified.
    private let lastModified: Date?
    /// The header sets a request may get, as fields and as sent (see ``Form``).
    private let fields: [HTTPFields]
    private let sentHeads: [ByteBuffer]

    /// The header sets: as first prepared; a 200's 304; and both with Last-Modified.
    private enum Form: Int, CaseIterable {
        case full, notModified, dated, datedNotModified
    }

    init(_ reply: Reply, entityTag: String? = nil) {
        var headers = SiteResponder.securityFields
        headers[.contentType] = reply.contentType
        headers[.cacheControl] = reply.policy.header
        if let location = reply.location { headers[.location] = location }
        if let seconds = reply.retryAfter { headers[.retryAfter] = String(seconds) }
        if let allow = reply.allow { headers[.allow] = allow }
        if !reply.surrogateKeys.isEmpty {
            headers[SiteResponder.surrogateKey] = reply.surrogateKeys.joined(separator: " ")
        }
        var tag: String?
        if reply.status == .ok {
            tag = entityTag ?? HTTPCaching.entityTag(reply.body)
            headers[.eTag] = tag
        } else if reply.status == .notModified {
            headers[.contentType] = nil
        }
        // Other answers than a 200 send their headers as they are.
        var notModified = headers, dated = headers, datedNotModified = headers
        if tag != nil {
            notModified[.contentType] = nil
            datedNotModified = notModified
            if let lastModified = reply.lastModified {
                dated[.lastModified] = HTTPDate.string(lastModified)
                datedNotModified[.lastModified] = dated[.lastModified]
            }
        }
        let fields = [headers, notModified, dated, datedNotModified]
        let statuses = [reply.status, .notModified, reply.status, .notModified]
        // Equal sets share one buffer, and are counted once.
        var sentHeads: [ByteBuffer] = []
        var headBytes = 0
        for form in fields.indices {
            if let same = fields.indices.prefix(form).first(where: {
                fields[$0] == fields[form] && statuses[$0] == statuses[form]
            }) {
                sentHeads.append(sentHeads[same])
            } else {
                sentHeads.append(Self.sentHead(statuses[form], fields[form]))
                headBytes += sentHeads[form].capacity
            }
        }
        self.status = reply.status
        self.entityTag = tag
        self.lastModified = tag == nil ? nil : reply.lastModified
        self.fields = fields
        self.sentHeads = sentHeads
        self.body = ByteBuffer(bytes: reply.body)
        // The fields hold the same text again, in storage larger than
        // the text: three times the sent heads' bytes, about.
        self.size = body.capacity + 3 * headBytes
    }

    /// The status line and fields of an answer, as HTTP/1.1 sends them
    /// (RFC 9112 §4, §5), and as NIO's encoder writes the same answer.
    private static func sentHead(_ status: HTTPResponse.Status, _ fields: HTTPFields) -> ByteBuffer {
        var head = ByteBuffer()
        head.reserveCapacity(fields.reduce(32) { $0 + $1.name.rawName.utf8.count + $1.value.utf8.count + 4 })
        head.writeString("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n")
        for field in fields {
            head.writeString(field.name.rawName)
            head.writeStaticString(": ")
            head.writeString(field.value)
            head.writeStaticString("\r\n")
        }
        return head
    }

    /// The answer to `request`: 304 when its copy is current, no body for HEAD.
    func response(to request: Request) -> Response {
        let (status, headers, body) = parts(method: request.method, requestHeaders: request.headers)
        return Response(
            status: status, headers: headers, body: body.map { ResponseBody(byteBuffer: $0) } ?? ResponseBody())
    }

    /// What is sent for a request with this method and these headers: 304
    /// when its copy is current, and no body for a 304 or a HEAD (whose
    /// headers then give the body's length).
    func parts(method: HTTPRequest.Method, requestHeaders: HTTPFields) -> (HTTPResponse.Status, HTTPFields, ByteBuffer?)
    {
        let (status, form, sendsBody) = choose(headOnly: method == .head, Self.conditions(of: requestHeaders))
        var headers = fields[form.rawValue]
        if status == .notModified { return (status, headers, nil) }
        if !sendsBody { headers[.contentLength] = String(body.readableBytes) }
        return (status, headers, sendsBody ? body : nil)
    }

    /// The same answer as ``parts(method:requestHeaders:)``, as sent: the
    /// status line and fields, with `Content-Length` and `Date` where
    /// Hummingbird adds them, and the body to send after it (nil for none).
    func sent(headOnly: Bool, conditions: Conditions, date: String, allocator: ByteBufferAllocator)
        -> (HTTPResponse.Status, head: ByteBuffer, body: ByteBuffer?)
    {
        let (status, form, sendsBody) = choose(headOnly: headOnly, conditions)
        let kept = sentHeads[form.rawValue]
        var head = allocator.buffer(capacity: kept.readableBytes + 64)
        head.writeImmutableBuffer(kept)
        if status != .notModified {
            head.writeString("Content-Length: \(body.readableBytes)\r\n")
        }
        head.writeString("Date: \(date)\r\n\r\n")
        return (status, head, sendsBody ? body : nil)
    }

    /// Which status and header set a request gets, and whether the body
    /// goes with them: the one rule for both ways of sending an answer.
    private func choose(headOnly: Bool, _ conditions: Conditions) -> (HTTPResponse.Status, Form, sendsBody: Bool) {
        var form = Form.full
        if let entityTag {
            // Last-Modified is sent once the second of the change has passed
            // (HTTPCaching.lastModified), so whether it is sent is decided per request.
            let lastModified = HTTPCaching.lastModified(lastModified, now: Date())
            let dated = lastModified != nil
            if HTTPCaching.notModified(
                ifNoneMatch: conditions.ifNoneMatch, ifModifiedSince: conditions.ifModifiedSince,
                entityTag: entityTag, lastModified: lastModified)
            {
                return (.notModified, dated ? .datedNotModified : .notModified, false)
            }
            form = dated ? .dated : .full
        }
        return (status, form, status != .notModified && !headOnly)
    }

    /// A request's `If-None-Match` and `If-Modified-Since`, each field of a
    /// repeated one joined with ", " as HTTP combines them.
    struct Conditions {
        var ifNoneMatch: String?
        var ifModifiedSince: String?

        mutating func add(ifNoneMatch value: String) {
            ifNoneMatch = ifNoneMatch.map { $0 + ", " + value } ?? value
        }

        mutating func add(ifModifiedSince value: String) {
            ifModifiedSince = ifModifiedSince.map { $0 + ", " + value } ?? value
        }
    }

    /// The conditions of a request read through Hummingbird, in one pass
    /// over its fields: looking each up by name costs twice the rest of a 304.
    static func conditions(of requestHeaders: HTTPFields) -> Conditions {
        var conditions = Conditions()
        for field in requestHeaders {
            if field.name == .ifNoneMatch {
                conditions.add(ifNoneMatch: field.value)
            } else if field.name == .ifModifiedSince {
                conditions.add(ifModifiedSince: field.value)
            }
        }
        return conditions
    }

    /// The conditions of a request as NIO's HTTP/1 decoder reads it.
    static func conditions(of requestHeaders: HTTPHeaders) -> Conditions {
        var conditions = Conditions()
        for (name, value) in requestHeaders {
            if name.utf8.count == 13 && name.lowercased() == "if-none-match" {
                conditions.add(ifNoneMatch: value)
            } else if name.utf8.count == 17 && name.lowercased() == "if-modified-since" {
                conditions.add(ifModifiedSince: value)
            }
        }
        return conditions
    }
}

/// A query string as HTML forms send it (`application/x-www-form-urlencoded`):
/// `+` is a space and `%XX` a byte, which Hummingbird's own parser leaves as
/// `+`; a search box needs both.
struct FormQuery: Sendable {
    let pairs: [(String, String)]

    init(_ query: String) {
        pairs = query.split(separator: "&").map { part in
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (Self.decode(halves[0]), halves.count > 1 ? Self.decode(halves[1]) : "")
        }
    }

    subscript(name: String) -> String? { pairs.first { $0.0 == name }?.1 }
    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), let high = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex),
                high < utf8.endIndex, let low = utf8.index(high, offsetBy: 1, limitedBy: utf8.endIndex),
                low < utf8.endIndex,
                let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                index = low
            } else {
                bytes.append(byte)
            }
            index = utf8.index(after: index)
        }
        // Invalid UTF-8 becomes U+FFFD, and control characters (NUL among
        // them, which libpq cannot send) spaces: a search box's text, nothing more.
        return String(
            String(decoding: bytes, as: UTF8.self).unicodeScalars.map {
                $0.properties.generalCategory == .control ? " " : Character($0)
            })
    }
}
