import FlinkctlBase
import Foundation
import HTTPTransport

/// How a client reaches and authenticates to a Hadoop web endpoint: one or
/// more base URLs (ResourceManager HA ids, in order) and the simple-auth user.
public struct ClusterAddress: Sendable, Equatable {
    /// Base URLs such as `http://rm1:8088`, tried in order.
    public var urls: [String]
    /// Sent as `?user.name=` (simple authentication). Nil when SPNEGO is used.
    public var user: String?
    /// Where the address came from, for messages.
    public var source: String

    public init(urls: [String], user: String? = nil, source: String = "") {
        self.urls = urls.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.user = user
        self.source = source
    }
}

/// Sends requests to a ResourceManager, failing over between HA addresses:
/// an address that cannot be reached, or that answers as a standby without
/// naming an active one, is skipped for the next.
public final class RESTEndpoint: @unchecked Sendable {
    // @unchecked: `preferred` is an index guarded by `lock`; HTTPClient is Sendable.
    public let address: ClusterAddress
    public let http: HTTPClient
    private let lock = NSLock()
    private var preferred = 0

    /// Keeps a Kerberos ticket for SPNEGO fresh; nil uses whatever cache `KRB5CCNAME` names.
    public let login: SPNEGOLogin?
    /// The `hadoop.auth` cookie, reused while valid to skip SPNEGO.
    public let cookies = AuthCookieJar()

    public init(address: ClusterAddress, http: HTTPClient, login: SPNEGOLogin? = nil) {
        self.address = address
        self.http = http
        self.login = login
    }

    public convenience init(address: ClusterAddress, options: TransportOptions = TransportOptions(),
                            login: SPNEGOLogin? = nil) throws {
        self.init(address: address, http: try HTTPClient(options: options), login: login)
    }

    /// Builds a full URL for `path` with the query items and `user.name`.
    func url(base: String, path: String, query: [(String, String)]) -> String {
        var items = query
        if let user = address.user { items.append(("user.name", user)) }
        guard !items.isEmpty else { return base + path }
        return base + path + (path.contains("?") ? "&" : "?") + PercentEncoding.query(items)
    }

    /// Sends one request, trying each address until one answers as active.
    public func send(_ method: String, _ path: String, query: [(String, String)] = [],
                     body: [UInt8]? = nil, contentType: String = "application/json") throws -> HTTPResponse {
        guard !address.urls.isEmpty else {
            throw HadoopError(code: .configuration, message: "no ResourceManager address is configured")
        }
        let start = lock.withLock { preferred }
        var failures: [String] = []
        for step in 0..<address.urls.count {
            let index = (start + step) % address.urls.count
            let base = address.urls[index]
            do {
                let response = try exchange(method, url(base: base, path: path, query: query), body: body,
                                            contentType: contentType)
                if Self.isStandbyWithoutActive(response) {
                    failures.append("\(base): standby ResourceManager with no active one")
                    continue
                }
                lock.withLock { preferred = index }
                return response
            } catch let error as TransportError where error.code == .connect || error.code == .timeout {
                failures.append("\(base): \(error.curlMessage ?? error.message)")
                continue
            } catch let error as TransportError {
                throw HadoopError(code: .unreachable, message: "\(method) \(base)\(path) failed", underlying: error)
            }
        }
        throw HadoopError(code: .unreachable,
                          message: "no ResourceManager answered (\(failures.joined(separator: "; ")))")
    }

    /// One request to one address, with SPNEGO: the `hadoop.auth` cookie while
    /// valid, and after a 401 that asks for Negotiate one retry with a fresh login.
    func exchange(_ method: String, _ url: String, body: [UInt8]?, contentType: String) throws -> HTTPResponse {
        var retried = false
        while true {
            try login?.ensureTicket()
            var headers: [(String, String)] = [("Accept", "application/json")]
            if body != nil { headers.append(("Content-Type", contentType)) }
            if let cookie = cookies.header() { headers.append(("Cookie", cookie)) }
            let response = try http.perform(HTTPRequest(method: method, url: url, headers: headers, body: body))
            cookies.absorb(response)
            guard response.status == 401, let login, !retried, response.offersNegotiate else {
                return response
            }
            retried = true
            cookies.clear()
            try login.renew()
        }
    }

    /// A standby RM that knows no active one answers 200 or 307 with a text body.
    static func isStandbyWithoutActive(_ response: HTTPResponse) -> Bool {
        guard !response.isJSON else { return false }
        let text = response.text
        return text.contains("There is no active RM") || text.contains("Can not find any active RM")
            || text.hasPrefix("This is standby RM")
    }

    /// Sends a request and decodes a JSON answer of type `T`, or throws the
    /// server's error.
    public func json<T: Decodable>(_ type: T.Type, _ method: String, _ path: String,
                                   query: [(String, String)] = [], body: [UInt8]? = nil,
                                   expect: Set<Int> = [200]) throws -> T {
        let response = try send(method, path, query: query, body: body)
        guard expect.contains(response.status) else {
            throw HadoopError.from(response: response, request: "\(method) \(path)")
        }
        do {
            return try JSONCoding.decoder.decode(T.self, from: Data(response.body))
        } catch {
            throw HadoopError(code: .badResponse,
                              message: "\(method) \(path) answered with JSON that does not match the API: \(error)",
                              status: response.status)
        }
    }

    public static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        Array(try JSONCoding.encoder.encode(value))
    }
}
