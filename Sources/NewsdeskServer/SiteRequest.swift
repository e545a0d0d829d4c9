import HTTPTypes
import HummingbirdCore
import NIOHTTP1

/// What the site reads of a request's head, and how the request is to be
/// answered. Decided in this one place for both answerers: the
/// ``SiteResponder`` and, for answers the page cache holds, the
/// ``CachedAnswers`` handler on the connection's own thread.
struct SiteRequest: Sendable {
    enum Handling: Sendable {
        /// Answered at once, without reading: a method, a body or an address the site does not take.
        case refused(Reply)
        /// A live page: server-sent events for as long as the reader stays.
        case live(lang: String, slug: String)
        /// An answer the page cache may hold, under this key.
        case cacheable(key: String)
        /// Read and rendered for each request.
        case read
    }

    /// The address's path and query, as Hummingbird splits them.
    let path: String
    let query: String?
    let route: Route
    let handling: Handling

    /// Longer addresses are not the site's (and not worth reading).
    static let maxTargetLength = 2048

    /// A request as Hummingbird reads it.
    init(_ head: HTTPRequest) {
        self.init(
            readOnly: head.method == .get || head.method == .head, target: head.path ?? "",
            contentLength: head.headerFields[.contentLength],
            transferEncoding: head.headerFields[.transferEncoding] != nil)
    }

    /// A request as NIO's HTTP/1 decoder reads it, before Hummingbird does
    /// (``CachedAnswers``); a field given twice is joined as HTTPTypes joins it.
    init(_ head: HTTPRequestHead) {
        let contentLength = head.headers["Content-Length"]
        self.init(
            readOnly: head.method == .GET || head.method == .HEAD, target: head.uri,
            contentLength: contentLength.isEmpty ? nil : contentLength.joined(separator: ", "),
            transferEncoding: head.headers.contains(name: "Transfer-Encoding"))
    }

    private init(readOnly: Bool, target: String, contentLength: String?, transferEncoding: Bool) {
        let uri = URI(target)
        path = uri.path
        query = uri.query
        route = Route(path: path)
        if !readOnly {
            var reply = Reply.problem(.methodNotAllowed, "Only GET and HEAD are answered here.")
            reply.allow = "GET, HEAD"
            handling = .refused(reply)
        } else if contentLength.map({ $0 != "0" }) ?? false || transferEncoding {
            handling = .refused(.problem(.contentTooLarge, "Requests here carry no body."))
        } else if target.utf8.count > Self.maxTargetLength {
            handling = .refused(.problem(.uriTooLong, "The address is too long."))
        } else if case .live(let lang, let slug) = route {
            handling = .live(lang: lang, slug: slug)
        } else if route.isCacheable {
            handling = .cacheable(key: SiteResponder.cacheKey(route: route, query: query))
        } else {
            handling = .read
        }
    }
}
