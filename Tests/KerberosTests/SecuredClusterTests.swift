import Foundation
import Hadoop
import HTTPTransport
import Kerberos
import Testing
import YarnLocal
import TestSupport

/// The realm every test here builds: a service principal for the embedded
/// cluster and three users.
struct Realm {
    let kdc: TestKDC
    let http: String, alice: String, bob: String, admin: String

    init(_ kdc: TestKDC) throws {
        self.kdc = kdc
        try kdc.kadmin(["addprinc -randkey HTTP/localhost", "addprinc -randkey alice",
                        "addprinc -randkey bob", "addprinc -randkey admin"])
        // Alice's and bob's containers run as local users of their names, as
        // YARN's LinuxContainerExecutor runs them; admin's as the cluster's.
        try ensureLocalUser("alice")
        try ensureLocalUser("bob")
        func export(_ p: String) throws -> String {
            let file = kdc.directory + "/" + p.replacingOccurrences(of: "/", with: "_") + ".keytab"
            try kdc.kadmin(["ktadd -k \(file) \(p)"])
            chmod(file, 0o600)
            return file
        }
        http = try export("HTTP/localhost")
        alice = try export("alice")
        bob = try export("bob")
        admin = try export("admin")
    }

    var principal: String { "HTTP/localhost@\(kdc.realm)" }

    /// Environment for child processes: the realm's krb5.conf and an empty
    /// ticket cache, so nothing can lean on a login made elsewhere.
    func environment(ccache: String? = nil) -> [String: String] {
        kdc.environment.merging(["KRB5CCNAME": ccache ?? "FILE:\(kdc.directory)/no-such-cache"]) { $1 }
    }

    func startCluster(in dir: String, admins: String = "admin") throws -> TestCluster {
        try TestCluster(directory: dir, memoryMB: 2048, vcores: 8,
                        extraArguments: ["--kerberos", "--keytab", http, "--principal", principal, "--admins", admins],
                        environment: environment())
    }
}

/// This process's krb5 calls read KRB5_CONFIG; the suite is serialized so
/// that one realm at a time owns it.
func usingRealm<R>(_ body: (Realm) async throws -> R) async throws -> R {
    try await withTestKDC { kdc in
        setenv("KRB5_CONFIG", kdc.krb5Conf, 1)
        defer { unsetenv("KRB5_CONFIG"); unsetenv("KRB5CCNAME") }
        return try await body(try Realm(kdc))
    }
}

func curl(_ args: [String], env: [String: String]) throws -> (status: Int, headers: String, body: String) {
    let r = try run("/usr/bin/curl", ["-sS", "-D", "-", "-o", "/dev/stderr", "-w", "\n%{http_code}"] + args, environment: env)
    let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
    return (Int(lines.last ?? "") ?? -1, r.stdout, r.stderr)
}

@Suite("Kerberos against a real MIT KDC", .serialized)
struct SecuredClusterTests {
    @Test("security keytab list, kinit and klist; MIT's klist reads the cache we wrote")
    func kinitAndKlist() async throws {
        try await usingRealm { realm in
            let env = realm.environment()
            let list = try run(flinkctlBinary, ["security", "keytab", "list", realm.alice], environment: env)
            #expect(list.status == 0, "keytab list: \(list.stderr)")
            #expect(list.stdout.contains("alice@FLINKCTL.TEST") && list.stdout.contains("aes256-cts-hmac-sha1-96"), "\(list.stdout)")
            let json = try run(flinkctlBinary, ["security", "keytab", "list", realm.alice, "--output", "json"], environment: env)
            let entries = try JSONDecoder().decode([KeytabEntry].self, from: Data(json.stdout.utf8))
            #expect(entries.count == 2 && entries.allSatisfy { $0.principal == "alice@FLINKCTL.TEST" && $0.kvno == 2 },
                    "expected two kvno-2 keys of alice, got \(entries)")

            let cache = "FILE:\(realm.kdc.directory)/alice.cc"
            let kinit = try run(flinkctlBinary, ["security", "kinit", "--keytab", realm.alice, "--principal", "alice", "--ccache", cache], environment: env)
            #expect(kinit.status == 0, "kinit: \(kinit.stderr)")
            #expect(kinit.stdout.contains("Logged in as alice@FLINKCTL.TEST"))
            let mine = try run(flinkctlBinary, ["security", "klist", "--ccache", cache, "--output", "json"], environment: env)
            let summary = try JSONDecoder().decode(CredentialCacheSummary.self, from: Data(mine.stdout.utf8))
            #expect(mine.status == 0 && summary.principal == "alice@FLINKCTL.TEST")
            #expect(summary.ticketGrantingTicket?.server == "krbtgt/FLINKCTL.TEST@FLINKCTL.TEST")
            let theirs = try run("/usr/bin/klist", ["-c", cache], environment: env)
            #expect(theirs.status == 0 && theirs.stdout.contains("Default principal: alice@FLINKCTL.TEST"), "\(theirs.stdout)\(theirs.stderr)")

            let none = try run(flinkctlBinary, ["security", "klist", "--ccache", "FILE:\(realm.kdc.directory)/nothing"], environment: env)
            #expect(none.status == 1 && none.stderr.contains("kinit"), "klist of no cache: \(none.status) \(none.stderr)")

            // A long-lived client logs in again before its ticket ends.
            let session = try KeytabSession(keytab: realm.alice, principal: "alice")
            try session.ensureFresh()
            try session.ensureFresh()
            #expect(session.logins == 1)
            try session.ensureFresh(now: session.ticketEnd!.addingTimeInterval(-1))
            #expect(session.logins == 2)
        }
    }

    @Test("clear errors: principal not in keytab, stale key version, open keytab, KDC unreachable")
    func loginErrors() async throws {
        try await usingRealm { realm in
            let env = realm.environment()
            let cache = "FILE:\(realm.kdc.directory)/err.cc"
            func kinit(_ keytab: String, _ principal: String) throws -> CommandResult {
                try run(flinkctlBinary, ["security", "kinit", "--keytab", keytab, "--principal", principal, "--ccache", cache], environment: env)
            }
            let notIn = try kinit(realm.alice, "bob")
            #expect(notIn.status == 2 && notIn.stderr.contains("bob@FLINKCTL.TEST is not in keytab")
                    && notIn.stderr.contains("holds: alice@FLINKCTL.TEST"), "\(notIn.status) \(notIn.stderr)")

            // Exporting bob's key again gives it kvno 3: the kvno-2 keytab is stale.
            let stale = realm.kdc.directory + "/bob-old.keytab"
            try FileManager.default.copyItem(atPath: realm.bob, toPath: stale)
            try realm.kdc.kadmin(["ktadd -k \(realm.kdc.directory)/bob-new.keytab bob"])
            let wrong = try kinit(stale, "bob")
            #expect(wrong.status == 2 && wrong.stderr.contains("key version 2") && wrong.stderr.contains("fresh keytab"),
                    "\(wrong.status) \(wrong.stderr)")

            chmod(realm.alice, 0o777)
            let open = try kinit(realm.alice, "alice")
            #expect(open.status == 2 && open.stderr.contains("Fix it with: chmod 600 \(realm.alice)"), "\(open.status) \(open.stderr)")
            chmod(realm.alice, 0o600)

            realm.kdc.stop()
            let started = Date()
            let down = try kinit(realm.alice, "alice")
            #expect(down.status == 3 && down.stderr.contains("Cannot contact any KDC") && down.stderr.contains("krb5.conf"),
                    "\(down.status) \(down.stderr)")
            #expect(Date().timeIntervalSince(started) < 5)
        }
    }

    @Test("no credentials → 401 Negotiate; curl --negotiate after kinit → 200 and a hadoop.auth cookie that works alone")
    func spnegoWithPeers() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                let cluster = try realm.startCluster(in: dir)
                defer { cluster.stop() }
                #expect(cluster.url.hasPrefix("http://localhost:"), "URL \(cluster.url) should name the principal's host")

                let bare = try HTTPClient().perform(HTTPRequest(url: cluster.url + "/ws/v1/cluster/apps?user.name=alice"))
                #expect(bare.status == 401 && bare.headers["www-authenticate"] == "Negotiate", "\(bare.status) \(bare.headers)")
                #expect(bare.text.contains("AuthorizationException"))

                let cache = "FILE:\(dir)/curl.cc"
                let env = realm.environment(ccache: cache)
                let kinit = try run("/usr/bin/kinit", ["-kt", realm.alice, "alice"], environment: env)
                #expect(kinit.status == 0, "kinit: \(kinit.stderr)")
                let ok = try curl(["--negotiate", "-u", ":", cluster.url + "/ws/v1/cluster/info"], env: env)
                #expect(ok.status == 200, "curl --negotiate: \(ok.headers)")
                let cookieLine = ok.headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: hadoop.auth=\"u=alice&p=alice@flinkctl.test&t=kerberos&e=") }
                #expect(cookieLine != nil, "no hadoop.auth cookie for alice in \(ok.headers)")

                let cookie = String(cookieLine?.dropFirst("Set-Cookie: ".count).prefix { $0 != ";" } ?? "")
                let noTicket = realm.environment()
                let withCookie = try curl(["-b", cookie, cluster.url + "/ws/v1/cluster/info"], env: noTicket)
                #expect(withCookie.status == 200, "the cookie alone should do: \(withCookie.headers)")
                let forged = try curl(["-b", cookie.replacingOccurrences(of: "u=alice", with: "u=admin"), cluster.url + "/ws/v1/cluster/info"], env: noTicket)
                #expect(forged.status == 401, "a forged cookie must be refused: \(forged.headers)")

                // flinkctl with a keytab and no ticket cache at all.
                let apps = try run(flinkctlBinary, ["yarn", "apps", "--rm", cluster.url, "--keytab", realm.alice,
                                                    "--principal", "alice", "--output", "json"], environment: noTicket)
                let listed = try? JSONSerialization.jsonObject(with: Data(apps.stdout.utf8)) as? [Any]
                #expect(apps.status == 0 && listed?.isEmpty == true, "\(apps.status) \(apps.stdout) \(apps.stderr)")
                // Neither tokens nor cookie signatures reach the cluster's log.
                let log = (try? String(contentsOfFile: dir + "/logs/cluster.log", encoding: .utf8)) ?? ""
                #expect(!log.contains("Negotiate ") && !log.contains("&s="), "the cluster log shows credentials:\n\(log)")
                let refused = try run(flinkctlBinary, ["yarn", "apps", "--rm", cluster.url], environment: noTicket)
                #expect(refused.status == 3 && refused.stderr.contains("HTTP 401") && refused.stderr.contains("--keytab"),
                        "\(refused.status) \(refused.stderr)")
            }
        }
    }

    @Test("ACLs: bob cannot kill, flex or destroy alice's work (403); alice and the admin can; user.name is ignored")
    func acls() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                let cluster = try realm.startCluster(in: dir)
                defer { cluster.stop() }
                // Alice, in this process, claims to be admin through user.name: ignored.
                let session = try KeytabSession(keytab: realm.alice, principal: "alice")
                session.activate()
                let alice = try RESTEndpoint(address: ClusterAddress(urls: [cluster.url], user: "admin"), options: {
                    var o = TransportOptions(); o.negotiate = true; return o }(),
                    login: SPNEGOLogin(ensureTicket: { try session.ensureFresh() }, renew: { try session.renew() }))
                let services = ServicesClient(endpoint: alice)
                func spec(_ name: String) -> Service {
                    Service(name: name, components: [Component(name: "taskmanager", launchCommand: "sleep 300",
                                                               resource: ServiceResource(cpus: 1, memory: "64"),
                                                               numberOfContainers: 1, restartPolicy: .ALWAYS)])
                }
                let first = try services.create(spec("alices"))
                let appId = String(first.diagnostics?.split(separator: " ").last ?? "")
                #expect(try services.get("alices").user == "alice")
                let second = try services.create(spec("alices2"))
                let appId2 = String(second.diagnostics?.split(separator: " ").last ?? "")

                let env = realm.environment()
                func flinkctl(_ args: [String], as keytab: String, _ principal: String) throws -> CommandResult {
                    try run(flinkctlBinary, args + ["--rm", cluster.url, "--keytab", keytab, "--principal", principal], environment: env)
                }
                let listed = try flinkctl(["yarn", "apps", "--output", "json"], as: realm.bob, "bob")
                #expect(listed.status == 0 && listed.stdout.contains(appId) && listed.stdout.contains("\"user\" : \"alice\""), "bob may read: \(listed.stdout) \(listed.stderr)")
                let bobKill = try flinkctl(["yarn", "kill", appId], as: realm.bob, "bob")
                #expect(bobKill.status == 3 && bobKill.stderr.contains("HTTP 403") && bobKill.stderr.contains("User bob cannot kill"),
                        "\(bobKill.status) \(bobKill.stderr)")

                let bobCache = "FILE:\(dir)/bob.cc"
                _ = try run("/usr/bin/kinit", ["-kt", realm.bob, "bob"], environment: realm.environment(ccache: bobCache))
                let bobEnv = realm.environment(ccache: bobCache)
                let flex = try curl(["--negotiate", "-u", ":", "-X", "PUT", "-H", "Content-Type: application/json",
                                     "-d", #"{"name":"taskmanager","number_of_containers":3}"#,
                                     cluster.url + "/app/v1/services/alices/components/taskmanager?user.name=alice"], env: bobEnv)
                #expect(flex.status == 403, "bob flexing alice's service: \(flex.headers) \(flex.body)")
                let destroy = try curl(["--negotiate", "-u", ":", "-X", "DELETE", cluster.url + "/app/v1/services/alices"], env: bobEnv)
                #expect(destroy.status == 403, "bob destroying alice's service: \(destroy.headers)")
                #expect(try services.get("alices").state != .STOPPED)

                #expect(try services.flex("alices", component: "taskmanager", to: 2).diagnostics?.contains("from 1 to 2") == true)
                let adminKill = try flinkctl(["yarn", "kill", appId], as: realm.admin, "admin")
                #expect(adminKill.status == 0 && adminKill.stdout.contains("Killed application"), "\(adminKill.status) \(adminKill.stderr)")
                let aliceKill = try flinkctl(["yarn", "kill", appId2], as: realm.alice, "alice")
                #expect(aliceKill.status == 0, "\(aliceKill.status) \(aliceKill.stderr)")
                try services.destroy("alices2")
            }
        }
    }

    @Test("the secured cluster refuses an open keytab with the fix, and a principal the keytab lacks")
    func serverKeytabChecks() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                chmod(realm.http, 0o777)
                let open = try run(flinkctlBinary, ["local", "start", "--dir", dir, "--port", "0", "--kerberos",
                                                    "--keytab", realm.http, "--principal", realm.principal], environment: realm.environment())
                #expect(open.status == 2 && open.stderr.contains("chmod 600 \(realm.http)"), "\(open.status) \(open.stderr)")
                chmod(realm.http, 0o600)
                let wrong = try run(flinkctlBinary, ["local", "start", "--dir", dir, "--port", "0", "--kerberos",
                                                     "--keytab", realm.alice, "--principal", realm.principal], environment: realm.environment())
                #expect(wrong.status == 2 && wrong.stderr.contains("HTTP/localhost@FLINKCTL.TEST is not in keytab"), "\(wrong.status) \(wrong.stderr)")
                #expect(ClusterProcessInfo(dir) == nil)
            }
        }
    }

    /// Tickets of `shortlived` last 3 s: the client must log in again, after a
    /// 401, to keep working past that.
    @Test("a long-lived client keeps working past its ticket's lifetime")
    func renewal() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                let keytab = try realm.kdc.addPrincipal("shortlived", maxLife: "3s")
                let cluster = try realm.startCluster(in: dir)
                defer { cluster.stop() }
                let firstCache = "FILE:\(dir)/first.cc"
                let kinit = try run(flinkctlBinary, ["security", "kinit", "--keytab", keytab, "--principal", "shortlived", "--ccache", firstCache],
                                    environment: realm.environment())
                #expect(kinit.status == 0, "\(kinit.stderr)")

                // No early login here (flinkctl's own client also logs in before
                // the ticket ends): each renewal follows a refusal (401) and the retry.
                let session = try KeytabSession(keytab: keytab, principal: "shortlived", margin: 0)
                session.activate()
                let endpoint = try RESTEndpoint(address: ClusterAddress(urls: [cluster.url]), options: {
                    var o = TransportOptions(); o.negotiate = true; return o }(),
                    login: SPNEGOLogin(ensureTicket: { if session.logins == 0 { try session.renew() } },
                                       renew: { try session.renew() }))
                let rm = ResourceManagerClient(endpoint: endpoint)
                _ = try rm.clusterInfo()
                let firstEnd = try #require(session.ticketEnd)
                // Run on until well past the first ticket's end and the 1 s skew the server allows.
                var requests = 1
                while Date() < firstEnd.addingTimeInterval(2.5) {
                    _ = try rm.clusterInfo()
                    requests += 1
                    try await Task.sleep(for: .milliseconds(200))
                }
                #expect(requests >= 15)
                #expect(session.logins >= 2, "expected a fresh login after the 3 s ticket ended, saw \(session.logins) logins")
                #expect(try #require(session.ticketEnd) > firstEnd)

                // The ticket from the start has ended: klist says so.
                let klist = try run(flinkctlBinary, ["security", "klist", "--ccache", firstCache], environment: realm.environment())
                #expect(klist.status == 1 && klist.stderr.contains("expired"), "\(klist.status) \(klist.stderr)")
                // A command that relies on that expired cache says why it is refused.
                let stale = try run(flinkctlBinary, ["yarn", "apps", "--rm", cluster.url], environment: realm.environment(ccache: firstCache))
                #expect(stale.status == 3 && stale.stderr.contains("the ticket of shortlived@FLINKCTL.TEST in FILE:\(dir)/first.cc expired at"),
                        "\(stale.status) \(stale.stderr)")
            }
        }
    }
}

extension ClusterProcessInfo {
    init?(_ dir: String) {
        guard let info = ClusterProcessInfo.read(directory: dir), info.isAlive else { return nil }
        self = info
    }
}
