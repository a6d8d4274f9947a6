import Foundation
import Hadoop
import ProcessSpawn
import Testing
import TestSupport

/// One HTTP/1.1 request written byte for byte (no client normalises its
/// path). A large body goes without `Connection: close`, so that the server
/// reads (drains) all of it even when it refuses the request early; the
/// answer is read to its Content-Length.
func rawHTTP(_ url: String, _ method: String, _ target: String, headers: [String] = [], body: [UInt8] = [],
             timeout: Int = 10) -> (status: Int, headers: String, body: String) {
    let port = UInt16(url.split(separator: ":").last!)!
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return (-1, "", "socket failed") }
    defer { close(fd) }
    var tv = timeval(tv_sec: timeout, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    // A server that answers early and stops reading must not hang the test.
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = port.bigEndian
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let ok = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard ok == 0 else { return (-1, "", "connect failed") }
    var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\(body.count > 1 << 20 ? "" : "Connection: close\r\n")Content-Length: \(body.count)\r\n"
    for h in headers { head += h + "\r\n" }
    head += "\r\n"
    let bytes = Array(head.utf8) + body
    var sent = 0
    while sent < bytes.count {
        let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { break }
        sent += n
    }
    var answer = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    var expected: Int? = nil
    while expected.map({ answer.count < $0 }) ?? true {
        let n = recv(fd, &buf, buf.count, 0)
        if n <= 0 { break }
        answer += buf[0..<n]
        if expected == nil, let end = answer.firstRange(of: Array("\r\n\r\n".utf8)) {
            let headers = String(decoding: answer[..<end.lowerBound], as: UTF8.self).lowercased()
            if let line = headers.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
               let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) {
                expected = end.upperBound + length
            }
        }
    }
    let text = String(decoding: answer, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n") else { return (-1, text, "") }
    let headText = String(text[..<split.lowerBound])
    let status = Int(headText.split(separator: " ").dropFirst().first ?? "") ?? -1
    return (status, headText, String(text[split.upperBound...]))
}

/// A cluster with canaries beside it: files outside the store that no
/// request may read, change or add to.
struct Fortress {
    let cluster: TestCluster
    let root: String
    let outside: String
    let secret: String
    let listing: [String: Data]

    /// The store's root seen from WebHDFS, as the relative way out to `outside`.
    var wayOut: String { "..%2F..%2Foutside" }

    static func with(_ extra: [String] = [], environment: [String: String] = [:],
                     _ body: (Fortress) async throws -> Void) async throws {
        try await withTemporaryDirectory { root in
            let outside = root + "/outside"
            try FileManager.default.createDirectory(atPath: outside + "/sub", withIntermediateDirectories: true)
            let secret = "canary-" + UUID().uuidString
            try secret.write(toFile: outside + "/secret.txt", atomically: true, encoding: .utf8)
            try "keep".write(toFile: outside + "/sub/keep.txt", atomically: true, encoding: .utf8)
            let cluster = try TestCluster(directory: root + "/cluster", memoryMB: 2048, vcores: 4,
                                          extraArguments: extra, environment: environment)
            defer { cluster.stop() }
            let fortress = Fortress(cluster: cluster, root: root, outside: outside, secret: secret,
                                    listing: Self.snapshot(outside))
            try await body(fortress)
        }
    }

    static func snapshot(_ dir: String) -> [String: Data] {
        var out: [String: Data] = [:]
        for case let rel as String in FileManager.default.enumerator(atPath: dir) ?? NSEnumerator() {
            out[rel] = FileManager.default.contents(atPath: dir + "/" + rel) ?? Data("<dir>".utf8)
        }
        return out
    }

    /// Nothing outside the store changed, nothing new appeared beside the
    /// cluster, and the server answers within a second.
    func assertIntact(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Self.snapshot(outside) == listing, "\(what): the files outside the store changed", sourceLocation: sourceLocation)
        let beside = Set((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
        #expect(beside == ["outside", "cluster"], "\(what): new files beside the cluster: \(beside)", sourceLocation: sourceLocation)
        let start = Date()
        let info = rawHTTP(cluster.url, "GET", "/ws/v1/cluster/info", timeout: 2)
        #expect(info.status == 200 && Date().timeIntervalSince(start) < 1.0,
                "\(what): the server did not answer within a second (\(info.status))", sourceLocation: sourceLocation)
    }
}

@Suite("Attacks on the embedded cluster: each refused, nothing changed")
struct AttackTests {
    @Test("finding 1: encoded slashes and dots in WebHDFS paths never leave the store, for every operation")
    func traversal() async throws {
        try await Fortress.with { f in
            let u = f.cluster.url
            // The store exists and holds a file to move out.
            #expect(rawHTTP(u, "PUT", "/webhdfs/v1/tmp/in.txt?op=CREATE&user.name=root&datanode=true", body: Array("in".utf8)).status == 201)
            let escapes = [
                f.wayOut + "%2Fsecret.txt", "..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd", "tmp%2F..%2F..%2F..%2Foutside%2Fsecret.txt",
                "..%2f..%2foutside%2fsecret.txt", "%2E%2E%2F%2E%2E%2Foutside%2Fsecret.txt", "tmp/..%2F..", "tmp/%2e%2e/%2e%2e/outside",
                "tmp/a%00b", "%2Fetc%2Fpasswd", "tmp%2F%2F..%2F..%2Foutside",
            ]
            for p in escapes {
                let ops: [(String, String, [UInt8])] = [
                    ("GET", "op=OPEN&datanode=true", []), ("GET", "op=OPEN", []), ("GET", "op=GETFILESTATUS", []), ("GET", "op=LISTSTATUS", []),
                    ("PUT", "op=CREATE&overwrite=true&datanode=true", Array("pwned".utf8)), ("PUT", "op=MKDIRS", []),
                    ("DELETE", "op=DELETE&recursive=true", []), ("PUT", "op=RENAME&destination=/tmp/stolen", []),
                    ("POST", "op=APPEND&datanode=true", Array("pwned".utf8)), ("PUT", "op=SETPERMISSION&permission=777", []),
                ]
                for (method, q, body) in ops {
                    let r = rawHTTP(u, method, "/webhdfs/v1/\(p)?\(q)&user.name=root", body: body)
                    #expect(r.status == 400, "\(method) \(p) \(q): \(r.status) \(r.body.prefix(200))")
                    #expect(!r.body.contains(f.secret) && !r.body.contains("root:x:0:0"), "\(p) \(q) leaked a file")
                }
            }
            // RENAME out through the destination: refused, the file stays in the store.
            for d in ["/../../outside/x", "/tmp/../../outside/x", "/tmp/%2E%2E/%2E%2E/outside/x", "relative"] {
                let q = "op=RENAME&user.name=root&destination=" + d.replacingOccurrences(of: "/", with: "%2F")
                let r = rawHTTP(u, "PUT", "/webhdfs/v1/tmp/in.txt?\(q)")
                #expect(r.status == 400, "RENAME to \(d): \(r.status) \(r.body)")
            }
            #expect(rawHTTP(u, "GET", "/webhdfs/v1/tmp/in.txt?op=OPEN&datanode=true").body == "in")
            f.assertIntact("traversal")
        }
    }

    @Test("finding 2: HDFS permissions per user: bob cannot read, list, write or delete alice's private files")
    func perUserAuthorization() async throws {
        try await Fortress.with { f in
            let alice = try WebHDFSClient(baseURL: f.cluster.url, user: "alice")
            let bob = try WebHDFSClient(baseURL: f.cluster.url, user: "bob")
            #expect(try alice.mkdirs("/user/alice/.flinkctl/job", permission: "700"))
            try alice.create("/user/alice/.flinkctl/job/flink.keytab", data: Array("KEYTAB".utf8), permission: "400")
            // The home directory was made for her, and what she wrote is hers.
            #expect(try alice.status("/user/alice")?.owner == "alice")
            #expect(try alice.status("/user/alice")?.permission == "755")
            #expect(try alice.status("/user/alice/.flinkctl/job/flink.keytab")?.owner == "alice")
            #expect(try alice.open("/user/alice/.flinkctl/job/flink.keytab") == Array("KEYTAB".utf8))

            func refused(_ what: String, _ body: () throws -> Void) {
                do { try body(); Issue.record("\(what) succeeded") } catch let e as HadoopError {
                    #expect(e.status == 403 && e.exception == "AccessControlException", "\(what): \(e)")
                } catch { Issue.record("\(what): \(error)") }
            }
            refused("bob OPEN") { _ = try bob.open("/user/alice/.flinkctl/job/flink.keytab") }
            refused("bob LISTSTATUS") { _ = try bob.list("/user/alice/.flinkctl/job") }
            refused("bob GETFILESTATUS below a 700 directory") { _ = try bob.status("/user/alice/.flinkctl/job/flink.keytab") }
            refused("bob DELETE of alice's home") { _ = try bob.delete("/user/alice", recursive: true) }
            refused("bob CREATE in alice's home") { try bob.create("/user/alice/planted", data: [1]) }
            refused("bob MKDIRS in alice's home") { _ = try bob.mkdirs("/user/alice/planted") }
            refused("bob RENAME of alice's directory") { _ = try bob.rename("/user/alice/.flinkctl", to: "/tmp/stolen") }
            refused("bob MKDIRS at the root") { _ = try bob.mkdirs("/bobs") }
            let chmod = rawHTTP(f.cluster.url, "PUT", "/webhdfs/v1/user/alice/.flinkctl?op=SETPERMISSION&permission=777&user.name=bob")
            #expect(chmod.status == 403, "bob SETPERMISSION: \(chmod.status) \(chmod.body)")
            // A sticky /tmp: bob cannot remove what alice put there.
            try alice.create("/tmp/alices", data: [1])
            refused("bob DELETE in sticky /tmp") { _ = try bob.delete("/tmp/alices", recursive: false) }
            // Bob's own home works, and the cluster's user is a superuser.
            #expect(try bob.mkdirs("/user/bob/x"))
            let root = try WebHDFSClient(baseURL: f.cluster.url, user: localUserName)
            #expect(try root.open("/user/alice/.flinkctl/job/flink.keytab") == Array("KEYTAB".utf8))
            // Nothing of bob's attempts changed alice's files.
            #expect(try alice.open("/user/alice/.flinkctl/job/flink.keytab") == Array("KEYTAB".utf8))
            #expect(try alice.list("/user/alice").map(\.pathSuffix) == [".flinkctl"])
            // On the host the store is private to the cluster whatever HDFS says.
            var st = stat()
            #expect(lstat(f.cluster.directory + "/hdfs/user/alice", &st) == 0 && st.st_mode & 0o777 == 0o700)
            #expect(lstat(f.cluster.directory + "/hdfs/user/alice/.flinkctl/job/flink.keytab", &st) == 0 && st.st_mode & 0o077 == 0)
            f.assertIntact("authorization")
        }
    }

    @Test("review: CREATE with overwrite needs write on the file and obeys the sticky bit")
    func overwriteOthers() async throws {
        try await Fortress.with { f in
            let u = f.cluster.url
            #expect(rawHTTP(u, "PUT", "/webhdfs/v1/tmp/alice.jar?op=CREATE&user.name=alice&datanode=true", body: Array("alice".utf8)).status == 201)
            #expect(rawHTTP(u, "PUT", "/webhdfs/v1/tmp/alice.jar?op=CREATE&user.name=bob&overwrite=true").status == 403, "NameNode step")
            let r = rawHTTP(u, "PUT", "/webhdfs/v1/tmp/alice.jar?op=CREATE&user.name=bob&overwrite=true&datanode=true", body: Array("bob".utf8))
            #expect(r.status == 403 && r.body.contains("AccessControlException"), "\(r.status) \(r.body)")
            // Even a file others may write is not replaced in sticky /tmp by someone else.
            #expect(rawHTTP(u, "PUT", "/webhdfs/v1/tmp/open.txt?op=CREATE&user.name=alice&permission=666&datanode=true", body: Array("alice".utf8)).status == 201)
            let sticky = rawHTTP(u, "PUT", "/webhdfs/v1/tmp/open.txt?op=CREATE&user.name=bob&overwrite=true&datanode=true", body: Array("bob".utf8))
            #expect(sticky.status == 403 && sticky.body.contains("sticky"), "\(sticky.status) \(sticky.body)")
            #expect(rawHTTP(u, "GET", "/webhdfs/v1/tmp/alice.jar?op=OPEN&datanode=true").body == "alice")
            #expect(rawHTTP(u, "GET", "/webhdfs/v1/tmp/open.txt?op=GETFILESTATUS").body.contains(#""owner":"alice""#))
            // Alice replaces her own.
            #expect(rawHTTP(u, "PUT", "/webhdfs/v1/tmp/alice.jar?op=CREATE&user.name=alice&overwrite=true&datanode=true", body: Array("v2".utf8)).status == 201)
            f.assertIntact("overwrite")
        }
    }

    @Test("review: paths deeper than 1000 components are refused, by MKDIRS and by RENAME; the server lives")
    func depth() async throws {
        try await Fortress.with { f in
            let u = f.cluster.url
            let deep = Array(repeating: "a", count: 1001).joined(separator: "/")
            #expect(rawHTTP(u, "PUT", "/webhdfs/v1/tmp/\(deep)?op=MKDIRS&user.name=bob").status == 400)
            let half = Array(repeating: "a", count: 600).joined(separator: "/")
            #expect(rawHTTP(u, "PUT", "/webhdfs/v1/tmp/x/\(half)?op=MKDIRS&user.name=bob").status == 200)
            #expect(rawHTTP(u, "PUT", "/webhdfs/v1/tmp/y/\(half)?op=MKDIRS&user.name=bob").status == 200)
            let nest = rawHTTP(u, "PUT", "/webhdfs/v1/tmp/x?op=RENAME&user.name=bob&destination=/tmp/y/\(half)")
            #expect(nest.status == 400, "\(nest.status) \(nest.body.prefix(200))")
            #expect(rawHTTP(u, "DELETE", "/webhdfs/v1/tmp/x?op=DELETE&recursive=true&user.name=bob").body.contains("true"))
            #expect(rawHTTP(u, "DELETE", "/webhdfs/v1/tmp/y?op=DELETE&recursive=true&user.name=bob").body.contains("true"))
            f.assertIntact("depth")
        }
    }

    @Test("review: an unclosed {{ repeated takes no time to expand; the ResourceManager keeps answering")
    func unclosedMarkers() async throws {
        try await Fortress.with { f in
            let spec = #"{"name":"braces","version":"1","components":[{"name":"c","number_of_containers":2,"restart_policy":"NEVER","launch_command":"echo \#(String(repeating: "{{", count: 100_000))","resource":{"cpus":1,"memory":"64"}}]}"#
            let start = Date()
            let r = rawHTTP(f.cluster.url, "POST", "/app/v1/services?user.name=root", headers: ["Content-Type: application/json"], body: Array(spec.utf8))
            #expect(r.status == 202 && Date().timeIntervalSince(start) < 2, "\(r.status) after \(Date().timeIntervalSince(start)) s")
            f.assertIntact("braces")
        }
    }

    @Test("review: a 200 MB container log is served streaming, not read whole into the cluster's memory")
    func bigLog() async throws {
        try await Fortress.with { f in
            let spec = #"{"name":"chatty","version":"1","components":[{"name":"c","number_of_containers":1,"restart_policy":"NEVER","launch_command":"head -c 200000000 /dev/zero > $LOG_DIRS/big; echo written","resource":{"cpus":1,"memory":"256"}}]}"#
            #expect(rawHTTP(f.cluster.url, "POST", "/app/v1/services?user.name=root", headers: ["Content-Type: application/json"], body: Array(spec.utf8)).status == 202)
            #expect(await eventually(timeout: 30) { AttackTests.containerOutput(f.cluster.directory).contains("written") })
            let log = (FileManager.default.enumerator(atPath: f.cluster.directory + "/logs")?.allObjects as? [String] ?? []).first { $0.hasSuffix("/big") } ?? ""
            let cid = log.split(separator: "/").dropLast().last.map(String.init) ?? ""
            let before = Self.peakRSS(f.cluster.pid)
            // The service has ended (NEVER): its logs are the log server's.
            let r = rawHTTP(f.cluster.url, "GET", "/ws/v1/applicationhistory/containerlogs/\(cid)/big", timeout: 60)
            #expect(r.status == 200 && r.body.utf8.count == 200_000_000, "\(r.status) \(r.body.utf8.count)")
            let grew = Self.peakRSS(f.cluster.pid) - before
            #expect(grew < 48 << 20, "serving a 200 MB log raised the peak memory by \(grew >> 20) MB")
            let tail = rawHTTP(f.cluster.url, "GET", "/ws/v1/applicationhistory/containerlogs/\(cid)/big?start=-10")
            #expect(tail.body.utf8.count == 10)
            let size = rawHTTP(f.cluster.url, "GET", "/ws/v1/applicationhistory/containerlogs/\(cid)/big?size=-7")
            #expect(size.status == 200 && size.body.utf8.count == 7)
        }
    }

    @Test("finding 4: a self-referencing {{VAR}} expands once; the server keeps answering")
    func expansionLoop() async throws {
        try await Fortress.with { f in
            let spec = #"{"name":"loop","version":"1","components":[{"name":"c","number_of_containers":1,"restart_policy":"NEVER","launch_command":"echo {{A}}{{B}} {{UNSET}}end","resource":{"cpus":1,"memory":"64"},"configuration":{"env":{"A":"{{A}}","B":"{{A}}{{B}}"}}}]}"#
            let r = rawHTTP(f.cluster.url, "POST", "/app/v1/services?user.name=root", headers: ["Content-Type: application/json"], body: Array(spec.utf8))
            #expect(r.status == 202, "\(r.status) \(r.body)")
            #expect(await eventually(timeout: 15) { try f.cluster.services.get("loop").state == .SUCCEEDED })
            f.assertIntact("{{A}}")
            let out = Self.containerOutput(f.cluster.directory)
            #expect(out.contains("{{A}}{{A}}{{B}} end"), "one pass, nothing expanded twice: \(out)")
        }
    }

    @Test("finding 5: lifetimes and memory sizes that would overflow are refused with 400; the server lives")
    func overflow() async throws {
        try await Fortress.with { f in
            let u = f.cluster.url
            for lifetime in ["9223372036854775807", "9223372036854775", "4611686018427388"] {
                let spec = #"{"name":"big","version":"1","lifetime":\#(lifetime),"components":[{"name":"c","number_of_containers":0,"launch_command":"sleep 1","resource":{"cpus":1,"memory":"64"}}]}"#
                let r = rawHTTP(u, "POST", "/app/v1/services?user.name=root", headers: ["Content-Type: application/json"], body: Array(spec.utf8))
                #expect(r.status == 400, "POST lifetime \(lifetime): \(r.status) \(r.body)")
            }
            // Memory with a unit: megabytes that would overflow are no size at all.
            for memory in ["9223372036854775807G", "9007199254740993Gi", "-1G"] {
                let spec = #"{"name":"mem","version":"1","components":[{"name":"c","number_of_containers":1,"launch_command":"sleep 1","resource":{"cpus":1,"memory":"\#(memory)"}}]}"#
                let r = rawHTTP(u, "POST", "/app/v1/services?user.name=root", headers: ["Content-Type: application/json"], body: Array(spec.utf8))
                #expect(r.status == 400, "memory \(memory): \(r.status) \(r.body)")
            }
            let ok = #"{"name":"small","version":"1","lifetime":3600,"components":[{"name":"c","number_of_containers":0,"launch_command":"sleep 1","resource":{"cpus":1,"memory":"64"}}]}"#
            #expect(rawHTTP(u, "POST", "/app/v1/services?user.name=root", headers: ["Content-Type: application/json"], body: Array(ok.utf8)).status == 202)
            for lifetime in ["9223372036854775807", "9223372036854775", "-5", "99999999999999999999"] {
                let r = rawHTTP(u, "PUT", "/app/v1/services/small?user.name=root", headers: ["Content-Type: application/json"],
                                body: Array(#"{"lifetime":\#(lifetime)}"#.utf8))
                #expect(r.status == 400, "PUT lifetime \(lifetime): \(r.status) \(r.body)")
            }
            let remaining = try f.cluster.services.get("small").lifetime ?? 0
            #expect(remaining > 3000)
            f.assertIntact("overflow")
        }
    }

    @Test("finding 6: an application id is submitted once, by whom new-application gave it to; services never reuse one")
    func applicationIds() async throws {
        try await Fortress.with { f in
            let u = f.cluster.url
            func newApp(_ user: String) -> String {
                let r = rawHTTP(u, "POST", "/ws/v1/cluster/apps/new-application?user.name=\(user)")
                return (try? JSONDecoder().decode(NewApplication.self, from: Data(r.body.utf8)))?.applicationId ?? ""
            }
            func submit(_ id: String, _ user: String) -> Int {
                let body = #"{"application-id":"\#(id)","application-name":"x","am-container-spec":{"commands":{"command":"sleep 30"}},"resource":{"memory":64,"vCores":1}}"#
                return rawHTTP(u, "POST", "/ws/v1/cluster/apps?user.name=\(user)", headers: ["Content-Type: application/json"], body: Array(body.utf8)).status
            }
            let alices = newApp("alice")
            #expect(alices.hasPrefix("application_"))
            // The next id, guessed by bob before anyone asked for it.
            let parts = alices.split(separator: "_")
            let next = String(format: "application_%@_%04d", String(parts[1]), Int(parts[2])! + 1)
            #expect(submit(next, "bob") == 400, "an id nobody was given")
            #expect(submit(alices, "bob") == 403, "alice's id, submitted by bob")
            #expect(submit(alices, "alice") == 202)
            #expect(submit(alices, "alice") == 409, "an id used twice")
            // A service made now gets an id of its own.
            let spec = #"{"name":"svc","version":"1","components":[{"name":"c","number_of_containers":1,"launch_command":"sleep 30","resource":{"cpus":1,"memory":"64"}}]}"#
            #expect(rawHTTP(u, "POST", "/app/v1/services?user.name=carol", headers: ["Content-Type: application/json"], body: Array(spec.utf8)).status == 202)
            let svc = try f.cluster.services.get("svc")
            #expect(svc.id != alices && svc.id != nil)
            let apps = try f.cluster.rm.applications()
            #expect(Set(apps.map(\.id)).count == apps.count)
            #expect(apps.first { $0.id == alices }?.user == "alice")
            f.assertIntact("ids")
        }
    }

    @Test("finding 7: {{VAR}} reads only the container's environment; the daemon's secret reaches no log, answer or state")
    func daemonEnvironment() async throws {
        let secret = "daemon-secret-" + UUID().uuidString
        try await Fortress.with(environment: ["FLINKCTL_TEST_SECRET": secret]) { f in
            let spec = #"{"name":"leak","version":"1","components":[{"name":"c","number_of_containers":1,"restart_policy":"NEVER","launch_command":"echo [{{FLINKCTL_TEST_SECRET}}] [$FLINKCTL_TEST_SECRET]","resource":{"cpus":1,"memory":"64"}}]}"#
            let r = rawHTTP(f.cluster.url, "POST", "/app/v1/services?user.name=root", headers: ["Content-Type: application/json"], body: Array(spec.utf8))
            #expect(r.status == 202)
            #expect(await eventually(timeout: 15) { try f.cluster.services.get("leak").state == .SUCCEEDED })
            #expect(Self.containerOutput(f.cluster.directory).contains("[] []"))
            var found: [String] = []
            for case let rel as String in FileManager.default.enumerator(atPath: f.cluster.directory) ?? NSEnumerator() {
                if let data = FileManager.default.contents(atPath: f.cluster.directory + "/" + rel),
                   data.range(of: Data(secret.utf8)) != nil { found.append(rel) }
            }
            #expect(found.isEmpty, "the daemon's secret is in \(found)")
            for path in ["/app/v1/services/leak", "/ws/v1/cluster/apps"] {
                #expect(!rawHTTP(f.cluster.url, "GET", path).body.contains(secret))
            }
            f.assertIntact("environment")
        }
    }

    @Test("finding 7 with --tls --password-env: the keystore's password reaches no container, log, answer or state")
    func keystorePassword() async throws {
        try await withTemporaryDirectory { dir in
            let password = "ks-" + UUID().uuidString
            try password.write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
            chmod(dir + "/pw", 0o600)
            let gen = try run(flinkctlBinary, ["security", "keystore", "generate", "--out", dir + "/ks", "--password-file", dir + "/pw", "--key-type", "ec-p256"])
            #expect(gen.status == 0, "\(gen.stderr)")
            let cluster = try TestCluster(directory: dir + "/cluster", memoryMB: 1024, vcores: 2,
                                          extraArguments: ["--tls", "--keystore", dir + "/ks/flink.keystore", "--password-env", "KS_PW"],
                                          environment: ["KS_PW": password])
            defer { cluster.stop() }
            let spec = #"{"name":"leak","version":"1","components":[{"name":"c","number_of_containers":1,"restart_policy":"NEVER","launch_command":"echo [{{KS_PW}}] [$KS_PW]","resource":{"cpus":1,"memory":"64"}}]}"#
            func curl(_ args: [String]) throws -> CommandResult {
                try run("/usr/bin/curl", ["-sS", "--cacert", dir + "/ks/ca.pem"] + args)
            }
            #expect(try curl(["-X", "POST", "-H", "Content-Type: application/json", "-d", spec,
                              cluster.url + "/app/v1/services?user.name=\(localUserName)"]).status == 0)
            #expect(await eventually(timeout: 15) { (try? curl([cluster.url + "/app/v1/services/leak"]).stdout.contains("SUCCEEDED")) == true })
            #expect(AttackTests.containerOutput(cluster.directory).contains("[] []"))
            var found: [String] = []
            for case let rel as String in FileManager.default.enumerator(atPath: cluster.directory) ?? NSEnumerator() {
                if let data = FileManager.default.contents(atPath: cluster.directory + "/" + rel),
                   data.range(of: Data(password.utf8)) != nil { found.append(rel) }
            }
            #expect(found.isEmpty, "the keystore's password is in \(found)")
            let environ = FileManager.default.contents(atPath: "/proc/\(cluster.pid)/environ") ?? Data()
            #expect(environ.range(of: Data(password.utf8)) == nil, "the password stayed in the cluster's environment")
            for path in ["/app/v1/services/leak", "/ws/v1/cluster/apps"] {
                #expect(try !curl([cluster.url + path]).stdout.contains(password))
            }
        }
    }

    @Test("finding 8: host files and others' HDFS files cannot be a container's sources")
    func foreignSources() async throws {
        try await Fortress.with { f in
            let alice = try WebHDFSClient(baseURL: f.cluster.url, user: "alice")
            #expect(try alice.mkdirs("/user/alice/private", permission: "700"))
            try alice.create("/user/alice/private/key", data: Array("KEY".utf8), permission: "400")
            for (src, status) in [(f.outside + "/secret.txt", 403), ("file://" + f.outside + "/secret.txt", 403), ("/etc/shadow", 403),
                                  ("hdfs:///user/alice/private/key", 403), ("hdfs:///user/alice/../../outside", 400), ("hdfs:///nothing/here", 400)] {
                let spec = #"{"name":"steal","version":"1","components":[{"name":"c","number_of_containers":1,"launch_command":"cat resources/x","resource":{"cpus":1,"memory":"64"},"configuration":{"files":[{"type":"STATIC","src_file":"\#(src)","dest_file":"x"}]}}]}"#
                let r = rawHTTP(f.cluster.url, "POST", "/app/v1/services?user.name=bob", headers: ["Content-Type: application/json"], body: Array(spec.utf8))
                #expect(r.status == status, "bob's service with \(src): \(r.status) \(r.body)")
                // The same through the ResourceManager: an application master's local resource.
                let new = rawHTTP(f.cluster.url, "POST", "/ws/v1/cluster/apps/new-application?user.name=bob")
                let id = (try? JSONDecoder().decode(NewApplication.self, from: Data(new.body.utf8)))?.applicationId ?? ""
                let am = #"{"application-id":"\#(id)","am-container-spec":{"local-resources":{"entry":[{"key":"x","value":{"resource":"\#(src)","type":"FILE","visibility":"APPLICATION"}}]},"commands":{"command":"cat x"}},"resource":{"memory":64,"vCores":1}}"#
                let a = rawHTTP(f.cluster.url, "POST", "/ws/v1/cluster/apps?user.name=bob", headers: ["Content-Type: application/json"], body: Array(am.utf8))
                #expect(a.status == status, "bob's application with \(src): \(a.status) \(a.body)")
            }
            #expect(rawHTTP(f.cluster.url, "GET", "/app/v1/services/steal").status == 404)
            // Alice may use her own file; the cluster's user may use host files.
            let mine = #"{"name":"mine","version":"1","components":[{"name":"c","number_of_containers":1,"restart_policy":"NEVER","launch_command":"cat resources/x","resource":{"cpus":1,"memory":"64"},"configuration":{"files":[{"type":"STATIC","src_file":"hdfs:///user/alice/private/key","dest_file":"x"}]}}]}"#
            #expect(rawHTTP(f.cluster.url, "POST", "/app/v1/services?user.name=alice", headers: ["Content-Type: application/json"], body: Array(mine.utf8)).status == 202)
            #expect(await eventually(timeout: 15) { try f.cluster.services.get("mine").state == .SUCCEEDED })
            #expect(Self.containerOutput(f.cluster.directory).contains("KEY"))
            f.assertIntact("sources")
        }
    }

    @Test("finding 9: simple mode needs user.name for every change")
    func anonymousChanges() async throws {
        try await Fortress.with { f in
            let u = f.cluster.url
            #expect(rawHTTP(u, "PUT", "/webhdfs/v1/tmp/keep?op=CREATE&user.name=root&datanode=true", body: [1]).status == 201)
            for (m, q) in [("DELETE", "op=DELETE&recursive=true"), ("PUT", "op=MKDIRS"), ("PUT", "op=CREATE&datanode=true"),
                           ("PUT", "op=RENAME&destination=/tmp/moved"), ("PUT", "op=SETPERMISSION&permission=777"), ("POST", "op=APPEND&datanode=true")] {
                let r = rawHTTP(u, m, "/webhdfs/v1/tmp/keep?\(q)", body: m == "DELETE" ? [] : [2])
                #expect(r.status == 401, "\(m) \(q) without user.name: \(r.status) \(r.body)")
            }
            // A name that could not be an owner's is no user.name at all.
            for name in ["a%0Ab", "a%26u%3Droot", "%20", "a%2Fb"] {
                let r = rawHTTP(u, "PUT", "/webhdfs/v1/tmp/odd?op=MKDIRS&user.name=\(name)")
                #expect(r.status == 400, "user.name=\(name): \(r.status) \(r.body)")
            }
            #expect(rawHTTP(u, "GET", "/webhdfs/v1/tmp/odd?op=GETFILESTATUS").status == 404)
            #expect(rawHTTP(u, "GET", "/webhdfs/v1/tmp/keep?op=OPEN&datanode=true").body == "\u{1}")
            f.assertIntact("anonymous")
        }
    }

    @Test("finding 10: a symbolic link planted in the store is never followed: not by OPEN, LISTSTATUS, DELETE, RENAME or localization")
    func plantedLinks() async throws {
        try await Fortress.with { f in
            let u = f.cluster.url
            let store = f.cluster.directory + "/hdfs"
            #expect(symlink(f.outside, store + "/tmp/dirlink") == 0)
            #expect(symlink(f.outside + "/secret.txt", store + "/tmp/filelink") == 0)
            for (m, target) in [("GET", "/webhdfs/v1/tmp/dirlink/secret.txt?op=OPEN&datanode=true"), ("GET", "/webhdfs/v1/tmp/filelink?op=OPEN&datanode=true"),
                                ("GET", "/webhdfs/v1/tmp/dirlink?op=LISTSTATUS"), ("GET", "/webhdfs/v1/tmp/dirlink/secret.txt?op=GETFILESTATUS"),
                                ("PUT", "/webhdfs/v1/tmp/dirlink/new?op=CREATE&datanode=true&user.name=root"),
                                ("PUT", "/webhdfs/v1/tmp/filelink?op=CREATE&overwrite=true&datanode=true&user.name=root"),
                                ("POST", "/webhdfs/v1/tmp/filelink?op=APPEND&datanode=true&user.name=root"),
                                ("DELETE", "/webhdfs/v1/tmp/dirlink/sub?op=DELETE&recursive=true&user.name=root"),
                                ("PUT", "/webhdfs/v1/tmp/dirlink/secret.txt?op=RENAME&destination=/tmp/got&user.name=root"),
                                ("PUT", "/webhdfs/v1/tmp/dirlink/sub?op=MKDIRS&user.name=root")] {
                let r = rawHTTP(u, m, target, body: m == "GET" || m == "DELETE" ? [] : Array("x".utf8))
                #expect(r.status == 403 || r.status == 404, "\(m) \(target): \(r.status) \(r.body.prefix(200))")
                #expect(!r.body.contains(f.secret))
            }
            // A listing of /tmp does not show the links.
            #expect(!rawHTTP(u, "GET", "/webhdfs/v1/tmp?op=LISTSTATUS").body.contains("link"))
            // Localization through a link is refused too.
            let spec = #"{"name":"linked","version":"1","components":[{"name":"c","number_of_containers":1,"launch_command":"cat resources/x","resource":{"cpus":1,"memory":"64"},"configuration":{"files":[{"type":"STATIC","src_file":"hdfs:///tmp/dirlink/secret.txt","dest_file":"x"}]}}]}"#
            let r = rawHTTP(u, "POST", "/app/v1/services?user.name=root", headers: ["Content-Type: application/json"], body: Array(spec.utf8))
            #expect(r.status == 403, "\(r.status) \(r.body)")
            f.assertIntact("links")
        }
    }

    @Test("finding 11: OPEN streams a large file; CREATE and APPEND stop at --store-quota and leave nothing behind")
    func boundedStore() async throws {
        try await Fortress.with(["--store-quota", "40M"]) { f in
            let u = f.cluster.url
            let big = [UInt8](repeating: 7, count: 30 << 20)
            #expect(rawHTTP(u, "PUT", "/webhdfs/v1/tmp/big?op=CREATE&user.name=root&datanode=true", body: big).status == 201)
            let before = Self.peakRSS(f.cluster.pid)
            for _ in 0..<3 {
                let r = rawHTTP(u, "GET", "/webhdfs/v1/tmp/big?op=OPEN&datanode=true")
                #expect(r.status == 200 && r.body.utf8.count == big.count)
            }
            let ranged = rawHTTP(u, "GET", "/webhdfs/v1/tmp/big?op=OPEN&datanode=true&offset=100&length=10")
            #expect(ranged.body == String(repeating: "\u{7}", count: 10))
            let grew = Self.peakRSS(f.cluster.pid) - before
            #expect(grew < 24 << 20, "reading 90 MB raised the server's peak memory by \(grew >> 20) MB")
            // 30 MB held, 40 MB allowed: 15 MB more is refused, whole.
            let over = rawHTTP(u, "PUT", "/webhdfs/v1/tmp/more?op=CREATE&user.name=root&datanode=true", body: [UInt8](repeating: 1, count: 15 << 20))
            #expect(over.status == 403 && over.body.contains("DSQuotaExceededException"), "\(over.status) \(over.body)")
            let append = rawHTTP(u, "POST", "/webhdfs/v1/tmp/big?op=APPEND&user.name=root&datanode=true", body: [UInt8](repeating: 1, count: 15 << 20))
            #expect(append.status == 403 && append.body.contains("DSQuotaExceededException"), "\(append.status) \(append.body.prefix(200))")
            #expect(rawHTTP(u, "GET", "/webhdfs/v1/tmp/more?op=GETFILESTATUS").status == 404)
            // Parents made for a refused file go with it.
            let nested = rawHTTP(u, "PUT", "/webhdfs/v1/tmp/nd/sub/file?op=CREATE&user.name=root&datanode=true", body: [UInt8](repeating: 1, count: 15 << 20))
            #expect(nested.status == 403, "\(nested.status)")
            #expect(rawHTTP(u, "GET", "/webhdfs/v1/tmp/nd?op=GETFILESTATUS").status == 404)
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: f.cluster.directory + "/hdfs/tmp")) ?? []
            #expect(leftovers == ["big"], "\(leftovers)")
            // Once space is freed, writes go through again.
            #expect(rawHTTP(u, "DELETE", "/webhdfs/v1/tmp/big?op=DELETE&user.name=root").body.contains("true"))
            #expect(rawHTTP(u, "PUT", "/webhdfs/v1/tmp/more?op=CREATE&user.name=root&datanode=true", body: [UInt8](repeating: 1, count: 15 << 20)).status == 201)
            f.assertIntact("quota")
        }
        let bad = try run(flinkctlBinary, ["local", "start", "--dir", "/tmp/never-\(UUID().uuidString)", "--store-quota", "lots"])
        #expect(bad.status == 2 && bad.stderr.contains("--store-quota"), "\(bad.status) \(bad.stderr)")
    }

    @Test("findings 12 and 13: big bodies answer 413; long fields 400; permission=777 stays metadata")
    func bodiesAndFields() async throws {
        try await Fortress.with { f in
            let u = f.cluster.url
            let huge = [UInt8](#"{"name":"x","description":""#.utf8) + [UInt8](repeating: 0x61, count: 3 << 20) + [UInt8](#""}"#.utf8)
            for route in ["/app/v1/services", "/ws/v1/cluster/apps", "/ws/v1/cluster/apps/application_1_0001/state"] {
                let r = rawHTTP(u, route.hasSuffix("state") ? "PUT" : "POST", route + "?user.name=root", headers: ["Content-Type: application/json"], body: huge)
                #expect(r.status == 413 || (route.hasSuffix("state") && r.status == 404), "\(route): \(r.status) \(r.body.prefix(200))")
            }
            let long = #"{"name":"desc","version":"1","description":"\#(String(repeating: "d", count: 20_000))","components":[{"name":"c","number_of_containers":0,"launch_command":"x","resource":{"cpus":1,"memory":"64"}}]}"#
            #expect(rawHTTP(u, "POST", "/app/v1/services?user.name=root", headers: ["Content-Type: application/json"], body: Array(long.utf8)).status == 400)
            // Under the body limit but over what the state file keeps per service: 400.
            let env = (0..<40).map { #""V\#($0)":"\#(String(repeating: "v", count: 10_000))""# }.joined(separator: ",")
            let fat = #"{"name":"fat","version":"1","components":[{"name":"c","number_of_containers":0,"launch_command":"x","resource":{"cpus":1,"memory":"64"},"configuration":{"env":{\#(env)}}}]}"#
            let r = rawHTTP(u, "POST", "/app/v1/services?user.name=root", headers: ["Content-Type: application/json"], body: Array(fat.utf8))
            #expect(r.status == 400 && r.body.contains("at most"), "\(r.status) \(r.body.prefix(200))")
            #expect(rawHTTP(u, "PUT", "/webhdfs/v1/tmp/open/deep?op=MKDIRS&permission=777&user.name=root").status == 200)
            var st = stat()
            for p in ["/hdfs/tmp/open", "/hdfs/tmp/open/deep"] {
                #expect(lstat(f.cluster.directory + p, &st) == 0 && st.st_mode & 0o077 == 0, "\(p) is \(String(st.st_mode & 0o777, radix: 8)) on the host")
            }
            #expect(rawHTTP(u, "GET", "/webhdfs/v1/tmp/open/deep?op=GETFILESTATUS").body.contains(#""permission":"777""#))
            f.assertIntact("bodies")
        }
    }

    @Test("finding 14: after kill -9 of the cluster, local start on the same directory succeeds at once, its zombie kept")
    func zombieCluster() async throws {
        try await withTemporaryDirectory { dir in
            // Started as our own child, and not reaped once killed: a zombie as long as this test wants.
            let pid = try spawnProcess(flinkctlBinary, arguments: ["local", "start", "--foreground", "--dir", dir, "--port", "0",
                                                                   "--memory-mb", "512", "--vcores", "1"],
                                       environment: ProcessInfo.processInfo.environment, directory: dir,
                                       stdout: dir + "/fg.log", stderr: dir + "/fg.log", newSession: true)
            #expect(await eventually(timeout: 20) { FileManager.default.fileExists(atPath: dir + "/cluster.json") })
            #expect(try run(flinkctlBinary, ["local", "status", "--dir", dir]).status == 0)
            kill(pid, SIGKILL)
            #expect(await eventually(timeout: 5) {
                (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") == true
            }, "the killed cluster is a zombie")
            let status = try run(flinkctlBinary, ["local", "status", "--dir", dir])
            #expect(status.status == 1, "a zombie counts as stopped: \(status.stdout)")
            let start = Date()
            let again = try run(flinkctlBinary, ["local", "start", "--dir", dir, "--port", "0", "--memory-mb", "512", "--vcores", "1"])
            #expect(again.status == 0 && Date().timeIntervalSince(start) < 10, "\(again.stdout) \(again.stderr)")
            #expect((try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") == true, "still a zombie")
            let stop = try run(flinkctlBinary, ["local", "stop", "--dir", dir])
            #expect(stop.stdout.contains("Stopped"), "\(stop.stdout)")
            var s: Int32 = 0
            waitpid(pid, &s, 0)
        }
    }

    /// What the cluster's containers printed.
    static func containerOutput(_ dir: String) -> String {
        (FileManager.default.enumerator(atPath: dir + "/logs")?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix("/stdout") }
            .compactMap { try? String(contentsOfFile: dir + "/logs/" + $0, encoding: .utf8) }.joined()
    }

    /// The peak resident memory of a process (VmHWM), in bytes.
    static func peakRSS(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
    }
}
