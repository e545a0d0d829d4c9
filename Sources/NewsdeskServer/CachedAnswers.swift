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
/// logs a request that is not HTTP, which no responder sees; closes a
/// connection left idle.
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
/// It sits beneath Hummingbird's HTTP types: the request is read as NIO's
/// decoder gives it, and the answer, whose status line and fields the cache
/// keeps as sent, goes out through ``AnswerWire`` beneath the HTTP encoder.
/// Converting the request to HTTP types and the answer back, and encoding
/// its fields, were a quarter of a 304's work.
///
/// Answers leave in the order the requests came: once a request is handed
/// on, later ones on the connection follow it until its answer has been
/// written in full. A request asking to close the connection is handed on
/// too: Hummingbird closes it after the answer. So is every request while
/// the connection cannot take more (backpressure, as Hummingbird applies it).
final class CachedAnswers: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let site: Site
    private let wire: AnswerWire
    /// Requests handed on whose answers are not yet written in full.
    private var handedOn = 0
    /// The request being read was answered here: its end is not handed on.
    private var answered = false
    /// Something was written here since the last flush.
    private var unflushed = false

    // The idle timeout. Hummingbird's own (in HTTPConnectionStateHandler)
    // sees only the requests handed on, and would close a connection busy
    // with answers from memory; this one sees every request, with its rules.
    private let idleTimeout: TimeAmount
    /// When a request was last read or an answer finished.
    private var lastActive = NIODeadline.now()
    /// A request's head has come and its end not yet.
    private var reading = false
    private var idleCheck: Scheduled<Void>?

    init(site: Site, wire: AnswerWire, idleTimeout: TimeAmount) {
        self.site = site
        self.wire = wire
        self.idleTimeout = idleTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var data = data
        lastActive = .now()
        switch unwrapInboundIn(data) {
        case .head(var head):
            reading = true
            if Self.closesConnection(head) {
                // Hummingbird keeps no version, and closes only on the exact value "close".
                head.headers.replaceOrAdd(name: "Connection", value: "close")
                data = wrapInboundOut(.head(head))
            } else if handedOn == 0 && answer(head, context: context) {
                answered = true
                return
            }
            handedOn += 1
        case .body:
            // A cacheable request carries no body (SiteRequest), so one
            // answered here has none to skip.
            break
        case .end:
            reading = false
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
        // Hummingbird answers it 400 and closes the connection. No answer is
        // sent, and none logged, for a connection already closed in the
        // middle of a request (a reset, the idle timeout), nor for bytes
        // after a request that closes the connection.
        if let error = error as? HTTPParserError, context.channel.isActive, error != .closedConnection {
            site.answeredMalformed()
        }
        context.fireErrorCaught(error)
    }

    /// Whether the connection closes after the answer to `head` (RFC 9112
    /// §9.3, §9.6): a Connection option `close` (options are a list,
    /// case-insensitive, with whitespace around them, RFC 9110 §7.6.1), or
    /// HTTP/1.0 without `keep-alive`. So does a request to switch protocols
    /// (`Upgrade`), which the site does not do: NIO's decoder reads nothing
    /// after one, so requests sent behind it would wait unanswered.
    static func closesConnection(_ head: HTTPRequestHead) -> Bool {
        let options = head.headers["Connection"].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        if options.contains("close") { return true }
        if options.contains("upgrade") && head.headers.contains(name: "Upgrade") { return true }
        return head.version.major == 1 && head.version.minor == 0 && !options.contains("keep-alive")
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // Hummingbird also ends the 400 it writes for a request it could
        // not read, which was never handed on.
        if case .end = unwrapOutboundIn(data), handedOn > 0 {
            handedOn -= 1
            lastActive = .now()
        }
        context.write(data, promise: promise)
    }

    /// Writes the kept answer to `head`, if the cache holds one.
    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) -> Bool {
        let started = ContinuousClock.now
        // A reader that does not take its answers (the socket's buffers are
        // full) is left to Hummingbird, whose writer waits for it and stops
        // reading its requests meanwhile: answered here, a client sending
        // requests it never reads would have every answer held in memory.
        // A target in absolute form is left to it too, which reads its path.
        guard context.channel.isWritable, head.uri.utf8.first == UInt8(ascii: "/"), let wireContext = wire.context
        else { return false }
        let asked = SiteRequest(head)
        guard case .cacheable(let key) = asked.handling, let stored = site.cache.answer(for: key) else { return false }
        site.metrics.cacheAnswer(hit: true)
        let (status, sentHead, body) = stored.sent(
            headOnly: head.method == .HEAD, conditions: PreparedAnswer.conditions(of: head.headers),
            date: ServerDate.now, allocator: context.channel.allocator)
        wireContext.write(NIOAny(IOData.byteBuffer(sentHead)), promise: nil)
        if let body, body.readableBytes > 0 { wireContext.write(NIOAny(IOData.byteBuffer(body)), promise: nil) }
        unflushed = true
        site.answered(head.method.rawValue, asked, status: status, since: started)
        return true
    }

    // MARK: The idle timeout

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { scheduleIdleCheck(context: context, at: .now() + idleTimeout) }
    }

    func channelActive(context: ChannelHandlerContext) {
        lastActive = .now()
        scheduleIdleCheck(context: context, at: lastActive + idleTimeout)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
    }

    private func scheduleIdleCheck(context: ChannelHandlerContext, at deadline: NIODeadline) {
        guard idleCheck == nil else { return }
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            idleCheck = nil
            if (handedOn > 0 && !reading) || !context.channel.isWritable {
                // An answer being made (a slow read, a live page's stream),
                // or answers waiting for the reader to take them, keep the
                // connection however long it takes, as Hummingbird's writer
                // waits: closing it would throw those answers away.
                scheduleIdleCheck(context: context, at: .now() + idleTimeout)
            } else if NIODeadline.now() >= lastActive + idleTimeout {
                // Nothing asked (or a request's head or body not finished) for that long.
                context.close(promise: nil)
            } else {
                scheduleIdleCheck(context: context, at: lastActive + idleTimeout)
            }
        }
    }
}

/// Where ``CachedAnswers`` writes its answers: beneath NIO's HTTP encoder,
/// as the bytes they are sent as. A handler that passes writes through and
/// holds its place in the pipeline for the writer.
final class AnswerWire: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private(set) var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }
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
/// ``CachedAnswers`` beneath its HTTP types, which keeps the connection's
/// idle time; Hummingbird's state handler keeps the rest (a graceful stop,
/// closing after an answer when asked).
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
            // NIO's HTTP/1 server pipeline, laid out by hand to place the
            // wire between the decoder and the encoder (its own
            // configureHTTPServerPipeline would put the encoder first). Its
            // encoder is not told which requests were HEADs, so it frames
            // answers by their status alone: every answer to a HEAD here
            // comes without a body already (PreparedAnswer, the live page).
            let wire = AnswerWire()
            try pipeline.addHandler(
                ByteToMessageHandler(
                    HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: decoderLimits)))
            try pipeline.addHandler(wire)
            try pipeline.addHandler(HTTPResponseEncoder(configuration: .init()))
            try pipeline.addHandler(CachedAnswers(site: site, wire: wire, idleTimeout: .init(idleTimeout)))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            // Its idle timeout is CachedAnswers's, which sees every request.
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}
