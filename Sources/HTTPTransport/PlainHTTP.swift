import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// HTTP/1.1 over a plain TCP socket, for the requests that need nothing more:
/// an `http://` URL, no TLS, no SPNEGO challenge in the answer (`HTTPClient`
/// hands a request that meets one to libcurl). Most calls a command makes against
/// the embedded cluster, a simple-auth ResourceManager or a Flink REST
/// endpoint are of this kind; answering them here means such a command never
/// loads libcurl and the twenty libraries it depends on, which is most of a
/// short command's start-up and of the appmaster's resident memory.
///
/// It speaks what `CurlEasy` sends for the same request: the same method,
/// headers and body, `Host`, `User-Agent`, `Accept: */*`, a form content
/// type for a body that names none, `Content-Length` for POST and PUT. Each
/// request has its own connection (`Connection: close`). Answers are read by
/// `Content-Length`, chunked transfer coding or to the end of the stream.
/// `FLINKCTL_HTTP_CLIENT=curl` sends every request through libcurl instead, and
/// so does a proxy named in the environment.
enum PlainHTTP {
    static let disabled = ProcessInfo.processInfo.environment["FLINKCTL_HTTP_CLIENT"] == "curl"

    /// A proxy for plain HTTP in the environment (as libcurl reads it: `http_proxy`,
    /// `all_proxy`, `ALL_PROXY`): libcurl then sends every request, and applies `no_proxy`.
    static let proxied: Bool = {
        let env = ProcessInfo.processInfo.environment
        return ["http_proxy", "all_proxy", "ALL_PROXY"].contains { !(env[$0] ?? "").isEmpty }
    }()

    /// Where this transport sends the request, or nil when libcurl takes it.
    static func target(_ request: HTTPRequest, _ options: TransportOptions) -> Target? {
        guard options.plainSockets && !proxied && options.clientCertificate == nil else { return nil }
        return Target(request.url)
    }

    /// The parts of an `http://` URL this transport needs.
    struct Target {
        var host: String
        var port: String
        var path: String
        var hostHeader: String

        init?(_ url: String) {
            guard url.count > 7, url.prefix(7).lowercased() == "http://" else { return nil }
            var rest = Substring(url.dropFirst(7))
            if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            var path = String(rest[authorityEnd...])
            if path.isEmpty { path = "/" } else if path.hasPrefix("?") { path = "/" + path }
            guard !authority.isEmpty, !authority.contains("@"),
                  !path.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) else { return nil }
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else { return nil }
                host = String(authority[authority.index(after: authority.startIndex)..<close])
                let after = authority[authority.index(after: close)...]
                if after.isEmpty { port = "80" } else if after.hasPrefix(":") { port = String(after.dropFirst()) } else { return nil }
            } else if let colon = authority.firstIndex(of: ":") {
                host = String(authority[..<colon])
                port = String(authority[authority.index(after: colon)...])
            } else {
                host = String(authority)
                port = "80"
            }
            guard !host.isEmpty, let p = Int(port), (1...65535).contains(p) else { return nil }
            self.path = path
            hostHeader = String(authority)
        }
    }

    /// Where a redirect's `Location` points, absolute.
    static func resolve(_ location: String, against url: String) -> String? {
        if location.contains("://") { return location }
        guard let t = Target(url) else { return nil }
        if location.hasPrefix("/") { return "http://\(t.hostHeader)\(location)" }
        let base = t.path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        let dir = base.hasSuffix("/") ? base : String(base[...(base.lastIndex(of: "/") ?? base.startIndex)])
        return "http://\(t.hostHeader)\(dir)\(location)"
    }

    /// One request and its answer, on a connection of its own.
    static func exchange(_ request: HTTPRequest, to target: Target, options: TransportOptions, deadline: Double) throws -> HTTPResponse {
        func failure(_ code: TransportError.Code, _ words: String) -> TransportError {
            TransportError(code: code, message: "\(request.method) \(request.url) failed", curlMessage: words)
        }
        let socket = try connect(target, connectTimeout: options.connectTimeout, deadline: deadline, failure: failure)
        defer { close(socket) }
        let connection = Connection(fd: socket, deadline: deadline, timeout: options.timeout, failure: failure)

        var head = "\(request.method) \(target.path) HTTP/1.1\r\nHost: \(target.hostHeader)\r\nUser-Agent: \(options.userAgent)\r\nAccept: */*\r\n"
        let sendsBody = request.body != nil || request.method == "POST" || request.method == "PUT"
        var named = Set<String>()
        for (name, value) in request.headers {
            // As with libcurl, "Name:" with no value removes a header instead of sending it.
            named.insert(name.lowercased())
            if !value.isEmpty { head += "\(name): \(value)\r\n" }
        }
        if sendsBody {
            if !named.contains("content-type") { head += "Content-Type: application/x-www-form-urlencoded\r\n" }
            head += "Content-Length: \(request.body?.count ?? 0)\r\n"
        }
        head += "Connection: close\r\n\r\n"
        // A large body (a jar, a Flink distribution) is sent as it is, not
        // copied behind the head; a small one goes in the head's segment.
        if let body = request.body, body.count > 65_536 {
            try connection.send(Array(head.utf8))
            try connection.send(body)
        } else {
            try connection.send(Array(head.utf8) + (request.body ?? []))
        }

        var (status, headers) = try connection.readHead()
        while (100..<200).contains(status) { (status, headers) = try connection.readHead() }
        let body: [UInt8]
        if request.method == "HEAD" || status == 204 || status == 304 {
            body = []
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            body = try connection.readChunked()
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            body = try connection.read(count: length)
        } else {
            body = try connection.readToEnd()
        }
        return HTTPResponse(status: status, headers: headers, body: body, effectiveURL: request.url)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private static func connect(_ target: Target, connectTimeout: Double, deadline: Double,
                                failure: (TransportError.Code, String) -> TransportError) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(target.host, target.port, &hints, &list)
        guard rc == 0, let first = list else {
            throw failure(.connect, "Could not resolve host: \(target.host) (\(String(cString: gai_strerror(rc))))")
        }
        defer { freeaddrinfo(list) }
        let connectDeadline = min(deadline, now() + connectTimeout)
        var lastError = ECONNREFUSED
        var timedOut = false
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let ai = entry {
            entry = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { lastError = errno; continue }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0 { return fd }
            guard errno == EINPROGRESS else { lastError = errno; close(fd); continue }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let wait = Int32(max(0, (connectDeadline - now()) * 1000).rounded(.up))
            let n = poll(&p, 1, wait)
            if n == 0 { timedOut = true; close(fd); continue }
            var soError: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &len)
            if n > 0 && soError == 0 { return fd }
            lastError = n < 0 ? errno : soError
            close(fd)
        }
        if timedOut {
            throw failure(.timeout, "Connection timed out after \(Int(connectTimeout * 1000)) milliseconds to \(target.host) port \(target.port)")
        }
        throw failure(.connect, "Failed to connect to \(target.host) port \(target.port): \(String(cString: strerror(lastError)))")
    }

    /// Buffered reads and writes on a non-blocking socket, bounded by the request's deadline.
    private final class Connection {
        let fd: Int32
        let deadline: Double
        let timeout: Double
        let failure: (TransportError.Code, String) -> TransportError
        var buffer: [UInt8] = []
        var position = 0
        var atEnd = false
        /// Something of the request went out / the server answered before all of it did.
        var sentAny = false
        var answeredEarly = false

        init(fd: Int32, deadline: Double, timeout: Double, failure: @escaping (TransportError.Code, String) -> TransportError) {
            self.fd = fd
            self.deadline = deadline
            self.timeout = timeout
            self.failure = failure
        }

        func wait(for events: Int32) throws {
            var p = pollfd(fd: fd, events: Int16(events), revents: 0)
            while true {
                let left = deadline - PlainHTTP.now()
                guard left > 0 else { throw failure(.timeout, "Operation timed out after \(Int(timeout * 1000)) milliseconds") }
                let n = poll(&p, 1, Int32((left * 1000).rounded(.up)))
                if n > 0 { return }
                if n < 0 && errno != EINTR { throw failure(.other, "poll: \(String(cString: strerror(errno)))") }
            }
        }

        /// Sends the request. A server may answer before it has read the whole
        /// body (401 asking for Negotiate, 413) and then read no more: as with
        /// libcurl, sending stops there and that answer is read, rather than
        /// waiting for a socket that never drains until the timeout.
        func send(_ bytes: [UInt8]) throws {
            guard !answeredEarly else { return }
            var sent = 0
            while sent < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
                if n > 0 { sent += n; sentAny = true; continue }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && errno == EAGAIN {
                    try wait(for: Int32(POLLOUT) | Int32(POLLIN))
                    if answered() { answeredEarly = true; return }
                    continue
                }
                // The peer closed after answering early: what it sent is still there to read.
                if sentAny && (errno == EPIPE || errno == ECONNRESET) && answered() { answeredEarly = true; return }
                throw failure(.other, "Failed sending data to the peer: \(String(cString: strerror(errno)))")
            }
        }

        /// Whether the server has sent something already.
        func answered() -> Bool {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            return poll(&p, 1, 0) > 0 && p.revents & Int16(POLLIN) != 0
        }

        /// Reads more into the buffer; false at the end of the stream.
        func fill() throws -> Bool {
            if atEnd { return false }
            if position > 65_536 { buffer.removeFirst(position); position = 0 }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 { buffer.append(contentsOf: chunk[0..<n]); return true }
                if n == 0 { atEnd = true; return false }
                if errno == EAGAIN || errno == EINTR { try wait(for: Int32(POLLIN)); continue }
                throw failure(.other, "Recv failure: \(String(cString: strerror(errno)))")
            }
        }

        func line() throws -> String {
            while true {
                if let nl = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                    var end = nl
                    if end > position && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                    let text = String(decoding: buffer[position..<end], as: UTF8.self)
                    position = nl + 1
                    return text
                }
                guard try fill() else { throw failure(.other, "Empty reply from server or connection closed in a header") }
            }
        }

        func readHead() throws -> (Int, HTTPHeaders) {
            let statusLine = try line()
            let parts = statusLine.split(separator: " ", maxSplits: 2)
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let status = Int(parts[1]) else {
                throw failure(.other, "Unsupported HTTP response: \(statusLine.prefix(80))")
            }
            var headers = HTTPHeaders()
            while true {
                let l = try line()
                if l.isEmpty { break }
                guard let colon = l.firstIndex(of: ":") else { continue }
                headers.append(name: String(l[..<colon]), value: l[l.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            return (status, headers)
        }

        func read(count: Int) throws -> [UInt8] {
            while buffer.count - position < count {
                guard try fill() else { throw failure(.other, "transfer closed with \(count - (buffer.count - position)) bytes remaining to read") }
            }
            defer { position += count }
            return Array(buffer[position..<position + count])
        }

        func readChunked() throws -> [UInt8] {
            var body: [UInt8] = []
            while true {
                let sizeLine = try line()
                let hex = sizeLine.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                guard let size = Int(hex, radix: 16), size >= 0 else { throw failure(.other, "invalid chunk size: \(sizeLine.prefix(40))") }
                if size == 0 {
                    while try !line().isEmpty {}  // trailers
                    return body
                }
                body += try read(count: size)
                _ = try line()
            }
        }

        func readToEnd() throws -> [UInt8] {
            while try fill() {}
            defer { position = buffer.count }
            return Array(buffer[position...])
        }
    }
}
