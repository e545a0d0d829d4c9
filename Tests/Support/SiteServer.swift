import Foundation
import NewsdeskCore

#if canImport(Glibc)
import Glibc
#endif

/// `newsdesk serve`, started from the built binary against a test's
/// newsroom on a free port, and asked over real HTTP (curl, the client most
/// sites are checked with).
public final class SiteServer: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let base: String
    let running: ProcessRunner.Running
    let outputPath: String

    /// The server's process.
    public var processID: Int32 { running.processID }

    /// Starts the server and waits until it says where it listens; through
    /// `launcher` (a program that runs the rest of its arguments) if given.
    public convenience init(_ newsroom: TestNewsroom, arguments: [String] = [], launcher: [String] = []) throws {
        try self.init(environment: newsroom.database.environment, arguments: arguments, launcher: launcher)
    }

    /// Starts the server with `environment` (its database and settings).
    public init(environment: [String: String], arguments: [String] = [], launcher: [String] = []) throws {
        var environment = environment
        // The server reads as its own login (newsdesk_site), not as staff.
        environment["PGUSER"] = nil
        outputPath = NSTemporaryDirectory() + "newsdesk-serve-" + UUID().uuidString.prefix(8)
        running = try ProcessRunner.start(
            launcher + [CommandLineTool.binary.path, "serve", "--port", "0"] + arguments, environment: environment,
            outputTo: outputPath)
        let deadline = Date().addingTimeInterval(30)
        var found: String?
        while found == nil && Date() < deadline {
            let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
            found = output.firstMatch(of: /Listening on (http:\/\/127\.0\.0\.1:[0-9]+)/).map { String($0.1) }
            if found == nil { Thread.sleep(forTimeInterval: 0.05) }
        }
        guard let found else {
            running.stop()
            let errors = (try? String(contentsOfFile: outputPath + ".stderr", encoding: .utf8)) ?? ""
            throw TestSetupError("newsdesk serve did not start within 30 s:\n\(errors)")
        }
        base = found
    }

    /// Stops the server (SIGTERM) and returns its exit status.
    @discardableResult
    public func stop() -> Int32 {
        let status = running.stop()
        removeOutput()
        return status
    }

    /// Stops the server (SIGTERM) and waits up to `seconds` for it to end:
    /// its exit status, or nil when it was still running then (it is killed).
    public func stop(within seconds: Double) -> Int32? {
        let status = running.stop(within: seconds)
        removeOutput()
        return status
    }

    private func removeOutput() {
        try? FileManager.default.removeItem(atPath: outputPath)
        try? FileManager.default.removeItem(atPath: outputPath + ".stderr")
    }

    /// What the server logged (one line per request, warnings).
    public var log: String {
        (try? String(contentsOfFile: outputPath + ".stderr", encoding: .utf8)) ?? ""
    }

    /// Whether the server logs `line` within `seconds`: request lines are
    /// written a tenth of a second at a time.
    public func logs(_ line: String, within seconds: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while !log.contains(line) {
            guard Date() < deadline else { return false }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return true
    }

    /// One request; redirects are not followed.
    public func request(_ path: String, method: String = "GET", headers: [String: String] = [:], body: String? = nil)
        throws -> HTTPReply
    {
        var arguments = ["-s", "-S", "-i", "--max-time", "20", "--path-as-is"]
        switch method {
        case "HEAD": arguments.append("-I")
        case "GET": if body != nil { arguments += ["-X", "GET"] }
        default: arguments += ["-X", method]
        }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { arguments += ["-H", "\(name): \(value)"] }
        if let body { arguments += ["--data-binary", body] }
        let result = try CommandLineTool.runProgram("/usr/bin/curl", arguments + [base + path])
        guard result.status == 0 else { throw TestSetupError("curl \(path): \(result)") }
        return try HTTPReply(raw: result.stdout)
    }

    /// A TCP connection to the server, with `configure` applied to the
    /// socket before it connects; the caller closes it.
    private func connectedSocket(configure: (Int32) -> Void) throws -> Int32 {
        guard let port = base.split(separator: ":").last.flatMap({ UInt16($0) }) else {
            throw TestSetupError("no port in \(base)")
        }
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw TestSetupError("socket: \(errno)") }
        configure(socket)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            let failure = errno
            close(socket)
            throw TestSetupError("connect to \(base): \(failure)")
        }
        return socket
    }

    /// Sends `raw` bytes as they are on one connection and returns all that
    /// comes back until the server closes it: for what curl cannot send, such
    /// as several requests written at once (pipelined). End the last request
    /// with `Connection: close`, or end the input (`thenEnd`: the sending
    /// side is shut after `raw`).
    public func exchange(_ raw: String, seconds: Double = 20, thenEnd: Bool = false) throws -> String {
        let socket = try connectedSocket { socket in
            var timeout = timeval(tv_sec: Int(seconds), tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        defer { close(socket) }
        try send(Array(raw.utf8), on: socket)
        if thenEnd { shutdown(socket, Int32(SHUT_WR)) }
        let (received, closed) = receiveUntilClosed(socket)
        guard closed else { throw TestSetupError("no end from \(base) within \(seconds) s (errno \(errno))") }
        return String(decoding: received, as: UTF8.self)
    }

    /// Sends all of `bytes` on `socket`.
    private func send(_ bytes: [UInt8], on socket: Int32) throws {
        guard
            bytes.withUnsafeBytes({ Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == bytes.count
        else { throw TestSetupError("send to \(base): \(errno)") }
    }

    /// Reads what comes on `socket` until the server closes it (`closed`)
    /// or its receive timeout passes.
    private func receiveUntilClosed(_ socket: Int32) -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return (received, count == 0) }
            received += chunk[..<count]
        }
    }

    /// Sends `request` again and again on one connection whose receive
    /// buffer is small, never reading an answer, for `seconds` or until the
    /// server has taken nothing for a second; runs `whileOpen` with the
    /// connection still open, and returns how many requests were sent.
    public func flood(_ request: String, seconds: Double, whileOpen: () throws -> Void) throws -> Int {
        let socket = try connectedSocket { socket in
            var small: Int32 = 4096
            setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        }
        defer { close(socket) }
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        let batch = Array(String(repeating: request, count: 100).utf8)
        var pending = batch[...]
        var sentBytes = 0
        let deadline = Date().addingTimeInterval(seconds)
        var lastTaken = Date()
        while Date() < deadline && Date().timeIntervalSince(lastTaken) < 1 {
            let count = pending.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                sentBytes += count
                pending = pending.dropFirst(count)
                if pending.isEmpty { pending = batch[...] }
                lastTaken = Date()
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                Thread.sleep(forTimeInterval: 0.01)
            } else {
                throw TestSetupError("send to \(base): \(errno)")
            }
        }
        try whileOpen()
        return sentBytes / request.utf8.count
    }

    /// Sends `request` `count` times at once on a connection whose receive
    /// buffer is small, reads nothing for `pause` seconds, then reads what
    /// comes until the server closes the connection, or for `seconds` more.
    public func pipelined(_ request: String, count: Int, readingAfter pause: Double, seconds: Double = 10) throws
        -> String
    {
        let socket = try connectedSocket { socket in
            var small: Int32 = 2048
            setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &small, socklen_t(MemoryLayout<Int32>.size))
            var timeout = timeval(tv_sec: Int(seconds), tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        defer { close(socket) }
        try send(Array(String(repeating: request, count: count).utf8), on: socket)
        Thread.sleep(forTimeInterval: pause)
        return String(decoding: receiveUntilClosed(socket).bytes, as: UTF8.self)
    }

    /// Sends `request` on one connection `times` times, `interval` seconds
    /// apart, reading each answer in full; then waits up to `idle` seconds,
    /// sending nothing, for the server to close the connection. Returns each
    /// answer's status line, and whether the connection was closed in time.
    public func paced(_ request: String, times: Int, interval: Double, thenIdle idle: Double) throws -> (
        statusLines: [String], closed: Bool
    ) {
        let socket = try connectedSocket { socket in
            var timeout = timeval(tv_sec: Int(idle), tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        defer { close(socket) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        /// Reads on; false once the server has closed the connection (or the wait ran out).
        func receive() -> Bool {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return false }
            received += chunk[..<count]
            return true
        }
        var statusLines: [String] = []
        for index in 0..<times {
            if index > 0 { Thread.sleep(forTimeInterval: interval) }
            let bytes = Array(request.utf8)
            guard
                bytes.withUnsafeBytes({ Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) })
                    == bytes.count
            else { return (statusLines, true) }
            // The head, then as many bytes as its Content-Length says.
            var headEnd: Int?
            while headEnd == nil {
                headEnd = received.indices.dropLast(3).first { received[$0..<$0 + 4].elementsEqual("\r\n\r\n".utf8) }
                if headEnd == nil && !receive() { return (statusLines, true) }
            }
            let head = String(decoding: received[..<headEnd!], as: UTF8.self)
            let length =
                head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            let isHead = request.hasPrefix("HEAD ")
            let end = headEnd! + 4 + (isHead || head.contains(" 304 ") ? 0 : length)
            while received.count < end {
                if !receive() { return (statusLines, true) }
            }
            statusLines.append(head.components(separatedBy: "\r\n")[0])
            received.removeFirst(end)
        }
        // 0: the server closed it; -1: the wait ran out with it open.
        let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        return (statusLines, count == 0)
    }

    /// Asks again every 50 ms, for up to `seconds`, until `done` holds for
    /// the answer, and returns the last answer: a change reaches the server's
    /// page cache when the server has followed it (at once on its
    /// notification, within a second for a time coming due), not at commit.
    public func request(
        _ path: String, headers: [String: String] = [:], within seconds: Double, until done: (HTTPReply) -> Bool
    ) throws -> HTTPReply {
        let deadline = Date().addingTimeInterval(seconds)
        var reply = try request(path, headers: headers)
        while !done(reply) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            reply = try request(path, headers: headers)
        }
        return reply
    }

    /// Opens the live page's event stream with curl in the background; read
    /// what has arrived with ``EventStream/text``.
    public func openEvents(_ path: String, lastEventID: String? = nil) throws -> EventStream {
        try EventStream(url: base + path, lastEventID: lastEventID)
    }
}

/// An HTTP response as the client received it.
public struct HTTPReply: Sendable, CustomStringConvertible {
    public let status: Int
    /// Header names in lower case.
    public let headers: [String: String]
    public let body: String

    public init(raw: String) throws {
        guard let split = raw.range(of: "\r\n\r\n") else { throw TestSetupError("not an HTTP response: \(raw)") }
        let head = raw[..<split.lowerBound].split(separator: "\r\n")
        guard let statusLine = head.first, let code = Int(statusLine.split(separator: " ")[1]) else {
            throw TestSetupError("no status line: \(raw)")
        }
        status = code
        var fields: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        headers = fields
        body = String(raw[split.upperBound...])
    }

    public subscript(header: String) -> String? { headers[header.lowercased()] }

    public var description: String { "HTTP \(status) \(headers)\n\(body.prefix(2000))" }
}

/// A server-sent event stream read by curl in the background.
public final class EventStream: Sendable {
    let running: ProcessRunner.Running
    let outputPath: String

    init(url: String, lastEventID: String?) throws {
        outputPath = NSTemporaryDirectory() + "newsdesk-events-" + UUID().uuidString.prefix(8)
        var arguments = ["/usr/bin/curl", "-s", "-N", "--max-time", "60"]
        if let lastEventID { arguments += ["-H", "Last-Event-ID: \(lastEventID)"] }
        running = try ProcessRunner.start(
            arguments + [url], environment: ProcessInfo.processInfo.environment, outputTo: outputPath)
    }

    /// Everything received so far.
    public var text: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// Waits until what was received holds `needle`, at most `seconds`;
    /// whether it did.
    public func wait(for needle: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if text.contains(needle) { return true }
            Thread.sleep(forTimeInterval: 0.01)
        }
        return text.contains(needle)
    }

    /// The `id:` of each event received, in order.
    public var eventIDs: [Int] {
        text.split(separator: "\n").compactMap { line in line.hasPrefix("id: ") ? Int(line.dropFirst(4)) : nil }
    }

    /// Drops the connection, as a reader whose network went away.
    public func close() {
        running.stop()
        try? FileManager.default.removeItem(atPath: outputPath)
        try? FileManager.default.removeItem(atPath: outputPath + ".stderr")
    }
}
