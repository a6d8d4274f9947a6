import Foundation
import Hadoop
import HTTPTransport
import Testing
import TestSupport

@Suite("repeated response headers")
struct RepeatedHeaderTests {
    static func curlOnly() -> TransportOptions {
        var options = TransportOptions()
        options.plainSockets = false
        return options
    }

    @Test("both transports keep every value of a repeated header, in order; the subscript still answers", arguments: [false, true])
    func everyValueKept(curl: Bool) throws {
        let reply = "HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/\r\nContent-Type: text/plain\r\nset-cookie: b=2\r\nSET-COOKIE: c=3\r\nContent-Length: 2\r\n\r\nok"
        let server = try CannedServer(replies: [reply])
        let client = try HTTPClient(options: curl ? Self.curlOnly() : TransportOptions())
        let r = try client.perform(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"))
        #expect(r.headers.values(for: "Set-Cookie") == ["a=1; Path=/", "b=2", "c=3"])
        #expect(r.headers.values(for: "set-cookie").count == 3)
        #expect(r.headers["content-type"] == "text/plain")
        #expect(r.headers["Content-Type"] == "text/plain")
        #expect(r.headers.values(for: "x-absent").isEmpty && r.headers["x-absent"] == nil)
        #expect(r.headers.filter { $0.name == "set-cookie" }.count == 3, "names are lower case")
    }

    static let challenges = [
        "WWW-Authenticate: Basic realm=\"hadoop\"\r\nWWW-Authenticate: Negotiate\r\n",
        "WWW-Authenticate: Negotiate\r\nWWW-Authenticate: Basic realm=\"hadoop\"\r\n",
        "WWW-Authenticate: Basic realm=\"hadoop\", Negotiate\r\n",
    ]

    @Test("a 401 offering Negotiate beside Basic, in any order, goes to libcurl for SPNEGO", arguments: challenges)
    func negotiateAmongChallenges(challenge: String) throws {
        let reply = "HTTP/1.1 401 Unauthorized\r\n\(challenge)Content-Length: 0\r\n\r\n"
        let server = try CannedServer(replies: [reply, reply, reply])
        var options = TransportOptions()
        options.negotiate = true
        let r = try HTTPClient(options: options).perform(HTTPRequest(url: "http://127.0.0.1:\(server.port)/ws/v1/cluster/apps"))
        #expect(r.status == 401)
        #expect(r.offersNegotiate)
        let requests = server.requests
        #expect(requests.count >= 2, "the Negotiate challenge was not handed to libcurl: \(requests.count) request(s)")
        #expect(requests.first?.contains("Connection: close") == true)          // the socket client's try
        #expect(requests.dropFirst().first?.contains("Connection: close") == false)  // libcurl's
    }

    @Test("a 401 offering only Basic stays with the socket client")
    func basicOnly() throws {
        let reply = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"negotiate\"\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\n\r\n"
        let server = try CannedServer(replies: [reply])
        var options = TransportOptions()
        options.negotiate = true
        let r = try HTTPClient(options: options).perform(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"))
        #expect(r.status == 401 && !r.offersNegotiate)
        #expect(server.requests.count == 1)
    }

    static let cookieOrders = [true, false]

    @Test("the hadoop.auth cookie is taken from whichever Set-Cookie holds it, and sent back", arguments: cookieOrders)
    func hadoopAuthAmongCookies(hadoopAuthSecond: Bool) throws {
        let expiry = Int64(Date().timeIntervalSince1970 * 1000) + 3_600_000
        let token = "u=alice&p=alice@EXAMPLE.COM&t=kerberos&e=\(expiry)&s=c2lnbmF0dXJl"
        let auth = "Set-Cookie: hadoop.auth=\"\(token)\"; Path=/; HttpOnly\r\n"
        let other = "Set-Cookie: JSESSIONID=node0abc; Path=/\r\n"
        let body = "{\"clusterInfo\":{}}"
        let first = "HTTP/1.1 200 OK\r\n" + (hadoopAuthSecond ? other + auth : auth + other)
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let second = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let server = try CannedServer(replies: [first, second])
        let endpoint = try RESTEndpoint(address: ClusterAddress(urls: ["http://127.0.0.1:\(server.port)"]))
        #expect(try endpoint.send("GET", "/ws/v1/cluster/info").status == 200)
        #expect(endpoint.cookies.header() == "hadoop.auth=\"\(token)\"")
        _ = try endpoint.send("GET", "/ws/v1/cluster/info")
        let requests = server.requests
        #expect(requests.count == 2)
        #expect(requests.last?.contains("\r\nCookie: hadoop.auth=\"\(token)\"\r\n") == true, "\(requests.last ?? "")")
    }

    @Test("an emptied hadoop.auth among other cookies clears the jar")
    func emptiedCookieClears() {
        let jar = AuthCookieJar()
        let token = "u=a&p=a&t=kerberos&e=\(Int64(Date().timeIntervalSince1970 * 1000) + 60_000)&s=x"
        jar.absorb(HTTPResponse(status: 200, headers: HTTPHeaders([("Set-Cookie", "hadoop.auth=\"\(token)\"; Path=/"), ("Set-Cookie", "other=1")]), body: [], effectiveURL: ""))
        #expect(jar.header() != nil)
        jar.absorb(HTTPResponse(status: 401, headers: HTTPHeaders([("Set-Cookie", "hadoop.auth=; Path=/; HttpOnly"), ("Set-Cookie", "other=2")]), body: [], effectiveURL: ""))
        #expect(jar.header() == nil)
    }
}
