import Foundation
import HTTPTransport
import Testing
import TestSupport

@Suite("plain HTTP transport")
struct PlainHTTPTests {

    @Test("Content-Length, chunked and read-to-close bodies arrive whole; headers are lower-cased")
    func bodies() throws {
        let server = try CannedServer(replies: [
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":\"b c\"}",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Thing: 1\r\n\r\n4;ext=1\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nTrailer: t\r\n\r\n",
            "HTTP/1.0 404 Not Found\r\n\r\nno length, to the end",
            "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
        ])
        let client = try HTTPClient()
        let base = "http://127.0.0.1:\(server.port)"
        let a = try client.perform(HTTPRequest(url: base + "/ws/v1/cluster/info?user.name=alice"))
        #expect(a.status == 200 && a.text == "{\"a\":\"b c\"}" && a.isJSON)
        let b = try client.perform(HTTPRequest(url: base + "/chunked"))
        #expect(b.text == "Wikipedia in \r\n\r\nchunks.")
        #expect(b.headers["x-thing"] == "1")
        let c = try client.perform(HTTPRequest(url: base))
        #expect(c.status == 404 && c.text == "no length, to the end")
        let d = try client.perform(HTTPRequest(method: "DELETE", url: base + "/x"))
        #expect(d.status == 204 && d.body.isEmpty)
        let r = server.requests
        #expect(r[0].hasPrefix("GET /ws/v1/cluster/info?user.name=alice HTTP/1.1\r\n"))
        #expect(r[0].contains("\r\nHost: 127.0.0.1:\(server.port)\r\n"))
        #expect(r[2].hasPrefix("GET / HTTP/1.1\r\n"))
        #expect(r[3].hasPrefix("DELETE /x HTTP/1.1\r\n"))
    }

    @Test("a request goes out as libcurl sends it: same headers, form type for an untyped body, empty-valued headers removed")
    func sameRequestAsCurl() throws {
        let reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let server = try CannedServer(replies: [reply, reply, reply, reply])
        let url = "http://127.0.0.1:\(server.port)/app/v1/services/x?user.name=bob"
        let put = HTTPRequest(method: "PUT", url: url, headers: [("Content-Type", "application/json"), ("X-Gone", "")], body: Array("{\"state\":\"STOPPED\"}".utf8))
        let post = HTTPRequest(method: "POST", url: url, body: Array("a=1".utf8))
        var curlOnly = TransportOptions()
        curlOnly.plainSockets = false
        for options in [TransportOptions(), curlOnly] {
            let client = try HTTPClient(options: options)
            #expect(try client.perform(put).text == "ok")
            #expect(try client.perform(post).text == "ok")
        }
        func headerSet(_ raw: String) -> Set<String> {
            Set(raw.split(separator: "\r\n").dropFirst().map { $0.lowercased() }.filter { !$0.hasPrefix("connection:") && !$0.hasPrefix("expect:") })
        }
        let r = server.requests, bodies = server.requestBodies
        #expect(r[0].split(separator: "\r\n").first == r[2].split(separator: "\r\n").first)
        #expect(headerSet(r[0]) == headerSet(r[2]), "plain: \(r[0])\ncurl: \(r[2])")
        #expect(headerSet(r[1]) == headerSet(r[3]), "plain: \(r[1])\ncurl: \(r[3])")
        #expect(headerSet(r[1]).contains("content-type: application/x-www-form-urlencoded"))
        #expect(!r[0].lowercased().contains("x-gone"))
        #expect(bodies[0] == bodies[2] && bodies[1] == bodies[3])
    }

    @Test("redirects are followed with method and body kept, relative or absolute, at most five")
    func redirects() throws {
        let server = try CannedServer(replies: [
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: /active/apps\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone",
        ])
        let client = try HTTPClient()
        let r = try client.perform(HTTPRequest(method: "POST", url: "http://127.0.0.1:\(server.port)/standby/apps", body: Array("{}".utf8)))
        #expect(r.status == 201 && r.text == "done")
        #expect(r.effectiveURL == "http://127.0.0.1:\(server.port)/active/apps")
        #expect(server.requests[1].hasPrefix("POST /active/apps HTTP/1.1"))
        #expect(server.requestBodies[1] == Array("{}".utf8))

        let loop = try CannedServer(replies: Array(repeating: "HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n", count: 6))
        #expect(throws: TransportError.self) { try client.perform(HTTPRequest(url: "http://127.0.0.1:\(loop.port)/")) }
    }

    @Test("no answer within the timeout is a timeout; a refused port is a connection error; a cut answer is an error")
    func failures() throws {
        // A listener that never answers: the request times out, as with libcurl.
        let (silent, port) = CannedServer.listener()
        defer { close(silent) }
        let started = Date()
        do {
            _ = try HTTPClient(options: .timeouts(connect: 1, total: 0.5)).perform(HTTPRequest(url: "http://127.0.0.1:\(port)/"))
            Issue.record("expected a timeout")
        } catch let e as TransportError {
            #expect(e.code == .timeout)
        }
        #expect(Date().timeIntervalSince(started) < 3)

        do {
            _ = try HTTPClient().perform(HTTPRequest(url: "http://127.0.0.1:1/"))
            Issue.record("expected a refused connection")
        } catch let e as TransportError {
            #expect(e.code == .connect)
            #expect(e.description.contains("127.0.0.1 port 1"))
        }

        let cut = try CannedServer(replies: ["HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"])
        #expect(throws: TransportError.self) { try HTTPClient().perform(HTTPRequest(url: "http://127.0.0.1:\(cut.port)/")) }
    }

    @Test("a server that answers before reading a large body gets its answer read, not a timeout")
    func earlyAnswer() throws {
        // Reads the request head only, answers 413 and then holds the connection
        // open without reading: the body fills the socket buffers.
        let (listener, port) = CannedServer.listener()
        defer { close(listener) }
        Thread.detachNewThread {
            let c = accept(listener, nil, nil)
            guard c >= 0 else { return }
            var buf = [UInt8](repeating: 0, count: 1024)
            var head: [UInt8] = []
            while !String(decoding: head, as: UTF8.self).contains("\r\n\r\n") {
                let n = recv(c, &buf, buf.count, 0)
                if n <= 0 { break }
                head += buf[0..<n]
            }
            let reply = Array("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!".utf8)
            _ = reply.withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            sleep(15)
            close(c)
        }
        let started = Date()
        let body = [UInt8](repeating: 0x61, count: 32 * 1024 * 1024)
        let r = try HTTPClient(options: .timeouts(connect: 1, total: 10))
            .perform(HTTPRequest(method: "PUT", url: "http://127.0.0.1:\(port)/upload", body: body))
        #expect(r.status == 413 && r.text == "too big!")
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test("https, and a request that meets a Negotiate challenge, are left to libcurl")
    func delegation() throws {
        do {
            _ = try HTTPClient(options: .timeouts(connect: 1, total: 2)).perform(HTTPRequest(url: "https://127.0.0.1:1/"))
            Issue.record("expected a refused connection")
        } catch let e as TransportError {
            // libcurl's words for a refused connection, not the socket client's.
            #expect(e.description.contains("Couldn't connect to server"), "\(e)")
        }

        let challenge = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Negotiate\r\nContent-Length: 0\r\n\r\n"
        let server = try CannedServer(replies: [challenge, challenge])
        var options = TransportOptions()
        options.negotiate = true
        let r = try HTTPClient(options: options).perform(HTTPRequest(url: "http://127.0.0.1:\(server.port)/ws/v1/cluster/apps"))
        // No ticket here: libcurl cannot answer either, and the 401 comes back.
        #expect(r.status == 401)
        let requests = server.requests
        #expect(requests.count == 2)
        #expect(requests[0].contains("Connection: close"))     // the socket client's first try
        #expect(!requests[1].contains("Connection: close"))    // libcurl's
    }
}
