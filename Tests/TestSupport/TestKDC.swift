import Foundation

/// A real MIT Kerberos KDC for tests: a realm created in a temporary
/// directory (kdb5_util create -s, with a stash), listening on an ephemeral
/// loopback port, run in the foreground (krb5kdc -n) and stopped afterwards.
///
/// krb5.conf for clients and servers of the realm: no DNS, no host name
/// canonicalisation (the service principal is `HTTP/localhost`), TCP first,
/// and a clock skew of one second so that an expired ticket is refused at
/// once rather than five minutes later.
public final class TestKDC: @unchecked Sendable {
    // @unchecked: every field is set in init; `process` is only stopped once, from the owning scope.
    public let directory: String
    public let realm: String
    public let port: Int
    public let krb5Conf: String
    public let kdcConf: String
    private let process: Process

    /// Environment for any process that uses the realm (KRB5_CONFIG) or runs
    /// its KDC tools (KRB5_KDC_PROFILE).
    public var environment: [String: String] { ["KRB5_CONFIG": krb5Conf, "KRB5_KDC_PROFILE": kdcConf] }

    public static var isAvailable: Bool {
        ["/usr/sbin/krb5kdc", "/usr/sbin/kdb5_util", "/usr/sbin/kadmin.local"].allSatisfy {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    public init(directory: String, realm: String = "FLINKCTL.TEST") throws {
        self.directory = directory
        self.realm = realm
        self.port = try freeLoopbackPort()
        krb5Conf = directory + "/krb5.conf"
        kdcConf = directory + "/kdc.conf"
        try """
        [kdcdefaults]
         kdc_listen = 127.0.0.1:\(port)
         kdc_tcp_listen = 127.0.0.1:\(port)
        [realms]
         \(realm) = {
          database_name = \(directory)/principal
          key_stash_file = \(directory)/stash
          acl_file = \(directory)/kadm5.acl
          max_life = 10h
          max_renewable_life = 0
          supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
         }
        [logging]
         kdc = FILE:\(directory)/kdc.log
        """.write(toFile: kdcConf, atomically: true, encoding: .utf8)
        try """
        [libdefaults]
         default_realm = \(realm)
         dns_lookup_kdc = false
         dns_lookup_realm = false
         dns_canonicalize_hostname = false
         rdns = false
         udp_preference_limit = 1
         clockskew = 1
        [realms]
         \(realm) = {
          kdc = 127.0.0.1:\(port)
         }
        """.write(toFile: krb5Conf, atomically: true, encoding: .utf8)
        let env = ["KRB5_CONFIG": krb5Conf, "KRB5_KDC_PROFILE": kdcConf]

        // The master password only protects this throw-away database; it goes
        // through standard input, as an operator would type it.
        let master = UUID().uuidString
        let created = try run("/usr/sbin/kdb5_util", ["create", "-s", "-r", realm],
                              environment: env, input: "\(master)\n\(master)\n")
        guard created.status == 0 else {
            throw TestKDCError("kdb5_util create failed (\(created.status)): \(created.stderr)")
        }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/krb5kdc")
        p.arguments = ["-n", "-r", realm]
        p.environment = ProcessInfo.processInfo.environment.merging(env) { $1 }
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(10)
        while !canConnect(port: port) {
            guard Date() < deadline, p.isRunning else {
                stop()
                let log = (try? String(contentsOfFile: directory + "/kdc.log", encoding: .utf8)) ?? ""
                throw TestKDCError("krb5kdc did not start listening on 127.0.0.1:\(port): \(log)")
            }
            usleep(10_000)
        }
    }

    /// Runs kadmin.local queries (one per line) against the realm.
    public func kadmin(_ queries: [String]) throws {
        let r = try run("/usr/sbin/kadmin.local", ["-r", realm], environment: environment,
                        input: queries.joined(separator: "\n") + "\n")
        let failed = r.stderr.split(separator: "\n").filter {
            !$0.contains("Authenticating as principal") && !$0.contains("No policy specified") && !$0.isEmpty
        }
        guard r.status == 0, failed.isEmpty else {
            throw TestKDCError("kadmin.local failed (\(r.status)): \(r.stderr)")
        }
    }

    /// Creates `principal` with a random key and writes its key to a keytab
    /// (mode 0600); returns the keytab's path. `maxLife` (e.g. "15s") bounds
    /// its tickets.
    @discardableResult
    public func addPrincipal(_ principal: String, maxLife: String? = nil, keytab: String? = nil) throws -> String {
        let file = keytab ?? directory + "/" + principal.replacingOccurrences(of: "/", with: "_") + ".keytab"
        let life = maxLife.map { " -maxlife \($0)" } ?? ""
        try kadmin(["addprinc -randkey\(life) \(principal)", "ktadd -k \(file) \(principal)"])
        chmod(file, 0o600)
        return file
    }

    public func stop() {
        guard process.isRunning else { return }
        // SIGKILL: krb5kdc inherits the test runner's blocked SIGTERM, and a
        // throw-away realm needs no graceful end.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit { stop() }
}

public struct TestKDCError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

/// Scoped KDC: a realm in a temporary directory, stopped and removed after `body`.
public func withTestKDC<R>(_ body: (TestKDC) async throws -> R) async throws -> R {
    try await withTemporaryDirectory { dir in
        let kdc = try TestKDC(directory: dir)
        defer { kdc.stop() }
        return try await body(kdc)
    }
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
public func freeLoopbackPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestKDCError("socket: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
    }
    guard bound else { throw TestKDCError("bind: \(String(cString: strerror(errno)))") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

func canConnect(port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = UInt16(port).bigEndian
    return withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}
