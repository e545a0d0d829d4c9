import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import Synchronization

/// Answers, on the connection's own thread, a request whose answer the
/// ``PageCache`` holds; hands every other request on to the ``SiteResponder``;
/// logs a request that is not HTTP, which no responder sees.
///
/// An answer from memory is a lookup and a comparison of tags, yet through
/// Hummingbird each one also crossed to a task on Swift's thread pool and back
/// (the request read into an async stream, the answer written from a task),
/// and built a request, a context and a logger: most of a 304's cost. Here
/// it is written back from the channel handler that read the request. Which
/// requests are cacheable, under what key, and what they are sent are the
/// same rules the responder uses (``SiteRequest``, ``PreparedAnswer``), and
/// the answer is counted and logged in the same way (``Site/answered``).
///
/// Answers leave in the order the requests came: once a request is handed
/// on, later ones on the connection follow it until its answer has been
/// written in full. A request asking to close the connection is handed on
/// too: Hummingbird closes it after the answer. So is every request while
/// the connection cannot take more (backpressure, as Hummingbird applies it).
final class CachedAnswers: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let site: Site
    /// Requests handed on whose answers are not yet written in full.
    private var handedOn = 0
    /// The request being read was answered here: its end is not handed on.
    private var answered = false
    /// Something was written here since the last flush.
    private var unflushed = false

    init(site: Site) {
        self.site = site
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var data = data
        switch unwrapInboundIn(data) {
        case .head(var head):
            // Connection options are a list, case-insensitive (RFC 9110
            // §7.6.1), but Hummingbird closes only on the exact value "close".
            if let connection = head.headerFields[.connection], connection != "close",
                connection.split(separator: ",").contains(where: {
                    $0.trimmingCharacters(in: .whitespaces).lowercased() == "close"
                })
            {
                head.headerFields[.connection] = "close"
                data = wrapInboundOut(.head(head))
            }
            if handedOn == 0 && answer(head, context: context) {
                answered = true
                return
            }
            handedOn += 1
        case .body:
            // A cacheable request carries no body (SiteRequest), so one
            // answered here has none to skip.
            break
        case .end:
            if answered {
                answered = false
                return
            }
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Hummingbird answers it 400 and closes the connection. A connection
        // already closed (a reset, the idle timeout) in the middle of a
        // request also ends in a parser error, but no answer is sent.
        if error is HTTPParserError && context.channel.isActive { site.answeredMalformed() }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Hummingbird also ends the 400 it writes for a request it could
        // not read, which was never handed on.
        if case .end = unwrapOutboundIn(data), handedOn > 0 { handedOn -= 1 }
        context.write(data, promise: promise)
    }

    /// Writes the kept answer to `head`, if the cache holds one.
    private func answer(_ head: HTTPRequest, context: ChannelHandlerContext) -> Bool {
        let started = ContinuousClock.now
        // A reader that does not take its answers (the socket's buffers are
        // full) is left to Hummingbird, whose writer waits for it and stops
        // reading its requests meanwhile: answered here, a client sending
        // requests it never reads would have every answer held in memory.
        guard context.channel.isWritable, head.headerFields[.connection] != "close" else { return false }
        let asked = SiteRequest(head)
        guard case .cacheable(let key) = asked.handling, let stored = site.cache.answer(for: key) else { return false }
        site.metrics.cacheAnswer(hit: true)
        var (status, headers, body) = stored.parts(method: head.method, requestHeaders: head.headerFields)
        // What Hummingbird adds to every answer it writes, in the same order.
        if let body { headers[.contentLength] = String(body.readableBytes) }
        headers[.date] = ServerDate.now
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: headers))), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        unflushed = true
        site.answered(head.method, asked, status: status, since: started)
        return true
    }
}

/// The `Date` field of answers written by ``CachedAnswers``, formatted once a
/// second as Hummingbird formats its own.
enum ServerDate {
    private static let current = Mutex<(second: Int, text: String)>((-1, ""))

    static var now: String {
        let second = Int(Date().timeIntervalSince1970)
        return current.withLock { current in
            if current.second != second {
                current = (second, HTTPDate.string(Date(timeIntervalSince1970: TimeInterval(second))))
            }
            return current.text
        }
    }
}

/// The site's HTTP/1 connections: Hummingbird's own (`HTTP1Channel`), with
/// ``CachedAnswers`` between the connection's state (idle time, a graceful
/// stop) and the responder, so that answers from memory count as requests
/// for both.
struct SiteChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let site: Site
    let idleTimeout: Duration
    let decoderLimits: NIOHTTPDecoderLimitConfiguration

    /// The server's builder for Hummingbird's `Application`.
    static func server(site: Site, idleTimeout: Duration, decoderLimits: NIOHTTPDecoderLimitConfiguration)
        -> HTTPServerBuilder
    {
        HTTPServerBuilder { responder in
            SiteChannel(responder: responder, site: site, idleTimeout: idleTimeout, decoderLimits: decoderLimits)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false,  // answers keep their order in CachedAnswers and NIOAsyncChannel
                withErrorHandling: false,  // Hummingbird answers a request it cannot parse
                withOutboundHeaderValidation: false,  // HTTPTypes validates fields as they are made
                withEncoderConfiguration: .init(),
                withDecoderLimitConfiguration: decoderLimits)
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: idleTimeout, logger: logger))
            try pipeline.addHandler(CachedAnswers(site: site))
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}
