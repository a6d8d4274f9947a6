import Foundation

/// A loopback HTTP server whose answers come from a handler, for driving
/// clients against a canned ResourceManager or JobManager without the real
/// thing. One request per connection (it answers `Connection: close`); it
/// records every request line.
public final class StubHTTPServer: @unchecked Sendable {
    // @unchecked: `recorded` and `handler` are touched only while `lock` is held.
    public struct Request: Sendable {
        public var method: String
        /// The path with its query, as sent.
        public var target: String
        public var body: [UInt8]
        public var path: String { String(target.prefix { $0 != "?" }) }
    }
    public struct Reply: Sendable {
        public var status: Int
        public var body: String
        public var contentType: String
        public init(_ status: Int, _ body: String = "", contentType: String = "application/json") {
            self.status = status
            self.body = body
            self.contentType = contentType
        }
        public static func json(_ body: String) -> Reply { Reply(200, body) }
    }

    public let port: Int
    public var url: String { "http://127.0.0.1:\(port)" }
    private let fd: Int32
    private let lock = NSLock()
    private var recorded: [Request] = []
    private var handler: @Sendable (Request) -> Reply
    private var closed = false

    public init(_ handler: @escaping @Sendable (Request) -> Reply) {
        self.handler = handler
        (fd, port) = CannedServer.listener()
        Thread.detachNewThread { [self] in
            while true {
                let c = accept(fd, nil, nil)
                if c < 0 { if lock.withLock({ closed }) { return } else { continue } }
                serve(c)
            }
        }
    }

    deinit { stop() }

    public func stop() {
        lock.withLock { closed = true }
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    public var requests: [Request] { lock.withLock { recorded } }

    /// The requests whose method and path match.
    public func count(_ method: String, _ path: String) -> Int {
        requests.filter { $0.method == method && $0.path == path }.count
    }

    public func setHandler(_ handler: @escaping @Sendable (Request) -> Reply) {
        lock.withLock { self.handler = handler }
    }

    private func serve(_ c: Int32) {
        defer { close(c) }
        guard let (head, body) = readHTTPRequest(c) else { return }
        let parts = (head.split(separator: "\r\n").first ?? "").split(separator: " ")
        guard parts.count >= 2 else { return }
        let request = Request(method: String(parts[0]), target: String(parts[1]), body: body)
        let handler = lock.withLock { recorded.append(request); return self.handler }
        let reply = handler(request)
        let content = Array(reply.body.utf8)
        let reason = reply.status < 300 ? "OK" : "Error"
        let answer = "HTTP/1.1 \(reply.status) \(reason)\r\nContent-Type: \(reply.contentType)\r\nContent-Length: \(content.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(answer.utf8) + content
        _ = bytes.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}

/// A clock that moves only when slept on: waits run in no wall time, and a
/// test can read how long they would have taken.
public final class TestClock: @unchecked Sendable {
    // @unchecked: `time` and `sleeps` are touched only while `lock` is held.
    private let lock = NSLock()
    private var time: Double = 1000
    private var slept: [Double] = []
    public init() {}
    public func now() -> Double { lock.withLock { time } }
    public func sleep(_ seconds: Double) { lock.withLock { time += max(0, seconds); slept.append(seconds) } }
    public func advance(_ seconds: Double) { lock.withLock { time += seconds } }
    public var sleeps: [Double] { lock.withLock { slept } }
}
