import CCurl
import Foundation

/// One HTTP request. The body, when present, is sent as is; the caller sets
/// `Content-Type`.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?

    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// A request whose body is `value` encoded as JSON.
    public static func json<T: Encodable>(_ method: String, _ url: String, _ value: T) throws -> HTTPRequest {
        let data = try JSONEncoder().encode(value)
        return HTTPRequest(method: method, url: url, headers: [("Content-Type", "application/json")], body: Array(data))
    }
}

/// A response's header fields in the order they came, names in lower case.
/// A repeated header (`Set-Cookie`, `WWW-Authenticate`) is kept once per
/// value: `values(for:)` has them all. The subscript gives one value, for
/// headers that come once (`Location`, `Content-Type`).
public struct HTTPHeaders: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Field: Sendable, Equatable {
        /// Lower case.
        public var name: String
        public var value: String
    }

    public private(set) var fields: [Field] = []

    public init() {}

    public init(_ fields: [(name: String, value: String)]) {
        for (name, value) in fields { append(name: name, value: value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { append(name: name, value: value) }
    }

    public mutating func append(name: String, value: String) {
        fields.append(Field(name: name.lowercased(), value: value))
    }

    /// Every value of `name` (any case), in the order they came.
    public func values(for name: String) -> [String] {
        let wanted = name.lowercased()
        return fields.filter { $0.name == wanted }.map(\.value)
    }

    /// One value of `name`: the last, when it came more than once (as a
    /// dictionary of headers kept it before).
    public subscript(name: String) -> String? {
        let wanted = name.lowercased()
        return fields.last { $0.name == wanted }?.value
    }

    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Every header field, a repeated one once per value.
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The URL that answered, after redirects.
    public var effectiveURL: String

    public init(status: Int, headers: HTTPHeaders, body: [UInt8], effectiveURL: String) {
        self.status = status
        self.headers = headers
        self.body = body
        self.effectiveURL = effectiveURL
    }

    public var text: String { String(decoding: body, as: UTF8.self) }
    public var isJSON: Bool { headers["content-type"]?.contains("json") ?? false }

    /// Whether the server offers SPNEGO: any `WWW-Authenticate` field, or any
    /// challenge in a comma-separated list of one, whose scheme is `Negotiate`
    /// (a server may offer Basic first and Negotiate after it).
    public var offersNegotiate: Bool {
        headers.values(for: "www-authenticate").contains { value in
            value.split(separator: ",").contains { challenge in
                let scheme = challenge.drop { $0 == " " || $0 == "\t" }.prefix { $0 != " " && $0 != "\t" }
                return scheme.lowercased() == "negotiate"
            }
        }
    }
}

/// How requests are sent: timeouts, TLS trust, and authentication.
public struct TransportOptions: Sendable {
    public var connectTimeout: TimeInterval = 5
    public var timeout: TimeInterval = 60
    /// Follow 3xx redirects (a standby ResourceManager answers 307).
    public var followRedirects = true
    /// SPNEGO through GSS-API, from the credential cache in `KRB5CCNAME`.
    public var negotiate = false
    /// PEM bundle of trusted CAs for HTTPS.
    public var caFile: String?
    /// Trusted CAs as PEM text (e.g. converted from a PKCS#12 truststore), held in memory.
    public var caPEM: String?
    /// Check the server's certificate and name. Off only for liveness probes
    /// of a process this program just started.
    public var verifyPeer = true
    public var clientCertificate: String?
    public var clientKey: String?
    public var userAgent = "flinkctl"
    /// Whether plain `http://` requests without SPNEGO go over HTTPTransport's
    /// own socket client instead of libcurl (FLINKCTL_HTTP_CLIENT=curl turns it off).
    public var plainSockets = !PlainHTTP.disabled

    public init() {}

    /// Default options with other timeouts, for quick probes of services that may be down.
    public static func timeouts(connect: TimeInterval, total: TimeInterval) -> TransportOptions {
        var o = TransportOptions()
        o.connectTimeout = connect
        o.timeout = total
        return o
    }
}

/// An HTTP client on one libcurl easy handle. Requests through one client are
/// serialised (an easy handle serves one transfer at a time) and reuse its
/// connections.
public final class HTTPClient: @unchecked Sendable {
    // @unchecked: the curl handle is made and touched only while `lock` is held.
    private let lock = NSLock()
    private var easy: CurlEasy?
    public let options: TransportOptions

    public init(options: TransportOptions = TransportOptions()) throws {
        self.options = options
    }

    /// Sends a request and waits for the whole answer. Blocks the calling thread.
    /// Plain `http://` goes over a socket of its own (`PlainHTTP`); `https://`,
    /// a redirect there, and a request that meets a Negotiate challenge, through libcurl.
    public func perform(_ request: HTTPRequest) throws -> HTTPResponse {
        lock.lock()
        defer { lock.unlock() }
        let deadline = PlainHTTP.now() + options.timeout
        var current = request
        for _ in 0...5 {
            guard let target = PlainHTTP.target(current, options) else { return try curl().perform(current, options: options) }
            let response = try PlainHTTP.exchange(current, to: target, options: options, deadline: deadline)
            // A challenge for SPNEGO: the server did nothing with the request;
            // libcurl sends it again and answers the challenge from the ticket cache.
            if response.status == 401, options.negotiate, response.offersNegotiate {
                return try curl().perform(current, options: options)
            }
            guard options.followRedirects, [301, 302, 303, 307, 308].contains(response.status),
                  let location = response.headers["location"],
                  let next = PlainHTTP.resolve(location, against: current.url) else { return response }
            current.url = next
        }
        throw TransportError(code: .other, message: "\(request.method) \(request.url) failed", curlMessage: "Maximum (5) redirects followed")
    }

    private func curl() throws -> CurlEasy {
        if let easy { return easy }
        let made = try CurlEasy()
        easy = made
        return made
    }

    /// Sends a request off the cooperative thread pool.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try self.perform(request) })
            }
        }
    }

    /// The libcurl's version string ("libcurl/…"), or why it could not be loaded.
    public static var curlVersion: String {
        if let problem = CurlEasy.loadProblem() { return "libcurl not loaded: \(problem)" }
        return String(cString: flinkctl_curl_version())
    }

    /// Whether the libcurl can authenticate with SPNEGO through GSS-API.
    public static var supportsSPNEGO: Bool { CurlEasy.loadProblem() == nil && flinkctl_curl_has_spnego() != 0 }
}

/// Owns one curl easy handle.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

    /// Loads libcurl once; nil when it is usable, else dlopen's words.
    static func loadProblem() -> String? {
        var error = [CChar](repeating: 0, count: 512)
        guard flinkctl_curl_load(&error, error.count) == 0 else { return nil }
        return String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    init() throws {
        if let problem = CurlEasy.loadProblem() {
            throw TransportError(code: .setup, message: "cannot load libcurl.so.4 (Debian package libcurl4)", curlMessage: problem)
        }
        guard let h = flinkctl_curl_easy_init() else {
            throw TransportError(code: .setup, message: "libcurl could not create a handle")
        }
        handle = h
    }

    deinit { flinkctl_curl_easy_cleanup(handle) }

    private func set(_ option: CURLoption, _ value: Int) throws {
        try check(flinkctl_curl_setopt_long(handle, option, value), "setting option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, _ value: String) throws {
        try check(flinkctl_curl_setopt_string(handle, option, value), "setting option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, _ doing: String) throws {
        guard code == CURLE_OK else {
            throw TransportError(code: .setup, message: "libcurl failed \(doing)",
                                 curlMessage: String(cString: flinkctl_curl_easy_strerror(code)))
        }
    }

    func perform(_ request: HTTPRequest, options: TransportOptions) throws -> HTTPResponse {
        flinkctl_curl_easy_reset(handle)
        let sink = ResponseSink()
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()

        errorBuffer.withUnsafeMutableBufferPointer { buf in
            buf[0] = 0
            _ = flinkctl_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, buf.baseAddress)
        }
        try set(CURLOPT_URL, request.url)
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_CONNECTTIMEOUT_MS, Int(options.connectTimeout * 1000))
        try set(CURLOPT_TIMEOUT_MS, Int(options.timeout * 1000))
        try set(CURLOPT_USERAGENT, options.userAgent)
        if options.followRedirects {
            try set(CURLOPT_FOLLOWLOCATION, 1)
            try set(CURLOPT_MAXREDIRS, 5)
            // Keep PUT/POST and their bodies across 301/302/303, as 307 does.
            try set(CURLOPT_POSTREDIR, flinkctl_curl_redir_post_all)
        }
        if options.negotiate && flinkctl_curl_has_spnego() != 0 {
            try set(CURLOPT_HTTPAUTH, Int(bitPattern: UInt(flinkctl_curlauth_negotiate)))
            try set(CURLOPT_USERPWD, ":")
            try set(CURLOPT_UNRESTRICTED_AUTH, 1)
        }
        if let ca = options.caFile { try set(CURLOPT_CAINFO, ca) }
        if let pem = options.caPEM {
            let bytes = Array(pem.utf8)
            try check(flinkctl_curl_setopt_blob_copy(handle, CURLOPT_CAINFO_BLOB, bytes, bytes.count), "setting the CA bundle")
        }
        if !options.verifyPeer {
            try set(CURLOPT_SSL_VERIFYPEER, 0)
            try set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let cert = options.clientCertificate { try set(CURLOPT_SSLCERT, cert) }
        if let key = options.clientKey { try set(CURLOPT_SSLKEY, key) }

        switch request.method {
        case "GET": try set(CURLOPT_HTTPGET, 1)
        case "HEAD": try set(CURLOPT_NOBODY, 1)
        default: try set(CURLOPT_CUSTOMREQUEST, request.method)
        }
        var bodyCopy: [CChar] = []
        if let body = request.body {
            bodyCopy = body.map { CChar(bitPattern: $0) }
            try check(flinkctl_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "setting body size")
        } else if request.method == "POST" || request.method == "PUT" {
            try check(flinkctl_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, 0), "setting body size")
        }

        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        var headers = request.headers
        // libcurl sends "Expect: 100-continue" for larger bodies; Hadoop's servers do not need the wait.
        headers.append(("Expect", ""))
        for (name, value) in headers {
            headerList = flinkctl_curl_slist_append(headerList, value.isEmpty ? "\(name):" : "\(name): \(value)")
        }
        defer { flinkctl_curl_slist_free_all(headerList) }
        _ = flinkctl_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headerList))

        try check(flinkctl_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, { ptr, size, count, user in
            let sink = Unmanaged<ResponseSink>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            if let ptr { sink.body.append(contentsOf: UnsafeRawBufferPointer(start: ptr, count: n)) }
            return n
        }), "setting write callback")
        _ = flinkctl_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer)
        try check(flinkctl_curl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, { ptr, size, count, user in
            let sink = Unmanaged<ResponseSink>.fromOpaque(user!).takeUnretainedValue()
            let n = size * count
            if let ptr { sink.addHeaderLine(UnsafeRawBufferPointer(start: ptr, count: n)) }
            return n
        }), "setting header callback")
        _ = flinkctl_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer)

        let code: CURLcode = bodyCopy.withUnsafeMutableBufferPointer { buf in
            if request.body != nil {
                _ = flinkctl_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(buf.baseAddress ?? UnsafeMutablePointer(mutating: "")))
            } else if request.method == "POST" || request.method == "PUT" {
                _ = flinkctl_curl_setopt_string(handle, CURLOPT_POSTFIELDS, "")
            }
            return flinkctl_curl_easy_perform(handle)
        }
        guard code == CURLE_OK else {
            let detail = errorBuffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let words = String(cString: flinkctl_curl_easy_strerror(code))
            throw TransportError(
                code: TransportError.Code(curl: code),
                message: "\(request.method) \(request.url) failed",
                curlMessage: detail.isEmpty ? words : "\(words): \(detail)")
        }
        var status = 0
        _ = flinkctl_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var effective: UnsafeMutablePointer<CChar>? = nil
        _ = flinkctl_curl_getinfo_string(handle, CURLINFO_EFFECTIVE_URL, &effective)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body,
                            effectiveURL: effective.map { String(cString: $0) } ?? request.url)
    }
}

/// Collects one response; a new status line (after a redirect or a 401
/// round of SPNEGO) starts the headers afresh.
final class ResponseSink {
    var body: [UInt8] = []
    var headers = HTTPHeaders()

    func addHeaderLine(_ raw: UnsafeRawBufferPointer) {
        let line = String(decoding: raw, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if line.hasPrefix("HTTP/") {
            headers = HTTPHeaders()
            body = []
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        headers.append(name: String(line[..<colon]), value: line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }
}
