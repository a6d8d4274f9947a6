import Foundation

/// A loopback server that answers each connection with the next canned reply
/// (raw bytes, exactly as written) and records the requests it read.
public final class CannedServer: @unchecked Sendable {
    public let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var replies: [(String) -> [UInt8]]
    private var recorded: [String] = []
    private var bodies: [[UInt8]] = []

    public convenience init(replies: [String]) throws {
        try self.init(responders: replies.map { reply in { _ in reply } })
    }

    /// Answers each connection with what its responder makes of the request's head.
    public init(responders: [(String) -> String]) throws {
        self.replies = responders.map { r in { Array(r($0).utf8) } }
        let count = responders.count
        (fd, port) = Self.listener()
        Thread.detachNewThread { [self] in
            for _ in 0..<count { serveOne() }
        }
    }

    deinit { close(fd) }

    /// A socket listening on a free loopback port: (fd, port).
    public static func listener() -> (Int32, Int) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, len) } }
        listen(listener, 16)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        return (listener, Int(UInt16(bigEndian: addr.sin_port)))
    }

    public var requests: [String] { lock.withLock { recorded } }
    public var requestBodies: [[UInt8]] { lock.withLock { bodies } }

    private func serveOne() {
        let c = accept(fd, nil, nil)
        guard c >= 0 else { return }
        defer { close(c) }
        guard let (head, body) = readHTTPRequest(c) else { return }
        lock.withLock {
            recorded.append(head)
            bodies.append(body)
        }
        let reply = lock.withLock { replies.removeFirst() }(head)
        _ = reply.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}

/// Reads one HTTP request from a connected socket: its head (through the
/// blank line) and a body of Content-Length bytes. Nil if the peer closes first.
func readHTTPRequest(_ c: Int32) -> (head: String, body: [UInt8])? {
    var data: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 4096)
    var headEnd: Int? = nil
    var wanted = 0
    while true {
        if let end = headEnd, data.count >= end + wanted { break }
        let n = recv(c, &buf, buf.count, 0)
        if n <= 0 { break }
        data += buf[0..<n]
        if headEnd == nil, let r = data.indices.dropLast(3).first(where: { data[$0] == 13 && data[$0 + 1] == 10 && data[$0 + 2] == 13 && data[$0 + 3] == 10 }) {
            headEnd = r + 4
            for line in String(decoding: data[0..<r], as: UTF8.self).split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                wanted = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
            }
        }
    }
    guard !data.isEmpty else { return nil }
    let end = headEnd ?? data.count
    return (String(decoding: data[0..<end], as: UTF8.self), Array(data[end...]))
}
