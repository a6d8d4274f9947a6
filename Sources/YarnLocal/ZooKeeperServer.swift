import FlinkctlBase
import Foundation
import ProcessSpawn

/// A standalone ZooKeeper (Debian's `zookeeper` package, 3.8) on a loopback
/// port, in a directory of its own: for JobManager high availability beside
/// the embedded cluster (`local start --zookeeper`) and in the tests.
public struct ZooKeeperServer: Sendable {
    /// Where Debian's package puts ZooKeeper's jar (its manifest names the rest).
    public static let classpath = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar"

    public let pid: pid_t
    public let host: String
    public let port: Int
    public let directory: String

    /// `HOST:PORT`, as `high-availability.zookeeper.quorum` takes it.
    public var quorum: String { "\(host):\(port)" }

    /// Starts a server whose data, configuration and log live in `directory`
    /// and waits until it answers. `port` 0 picks a free one.
    public static func start(directory: String, host: String = "127.0.0.1", port: Int = 0,
                             timeout: TimeInterval = 30) throws -> ZooKeeperServer {
        guard FileManager.default.fileExists(atPath: "/usr/share/java/zookeeper.jar") else {
            throw LocalClusterError(.badRequest, "ZooKeeper is not installed (/usr/share/java/zookeeper.jar): install Debian's zookeeper package (scripts/setup.sh does)")
        }
        let java = ["/usr/bin/java", (ProcessInfo.processInfo.environment["JAVA_HOME"] ?? "") + "/bin/java"]
            .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/java"
        let data = (directory as NSString).appendingPathComponent("data")
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let chosen = port == 0 ? try freeLoopbackPort(host) : port
        let config = (directory as NSString).appendingPathComponent("zoo.cfg")
        // srvr is the only four-letter word ZooKeeper 3.8 answers by default:
        // it is how `isServing` knows the server is up.
        try AtomicFile.write("""
            tickTime=2000
            initLimit=10
            syncLimit=5
            dataDir=\(data)
            clientPort=\(chosen)
            clientPortAddress=\(host)
            admin.enableServer=false
            4lw.commands.whitelist=srvr

            """, to: config, mode: 0o644)
        let log = (directory as NSString).appendingPathComponent("zookeeper.log")
        let pid = try spawnProcess(java, arguments: ["-Xmx128m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                                                     "-Dzookeeper.log.dir=" + directory, "-cp", classpath,
                                                     "org.apache.zookeeper.server.quorum.QuorumPeerMain", config],
                                   environment: ["PATH": "/usr/bin:/bin"], directory: directory, stdout: log, stderr: log,
                                   newSession: true)
        let server = ZooKeeperServer(pid: pid, host: host, port: chosen, directory: directory)
        let deadline = Date().addingTimeInterval(timeout)
        while !server.isServing() {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid || Date() > deadline {
                server.stop()
                let tail = (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").suffix(3).joined(separator: "\n") ?? ""
                throw LocalClusterError(.internal, "ZooKeeper did not start on \(host):\(chosen): \(tail)")
            }
            usleep(100_000)
        }
        return server
    }

    /// Whether the server answers `srvr` on its port (a pid alone says nothing).
    public func isServing() -> Bool { Self.answers(host: host, port: port) }

    public static func answers(host: String, port: Int) -> Bool {
        srvr(host: host, port: port, timeout: 1)?.contains("Zookeeper version") == true
    }

    /// ZooKeeper's `srvr` answer from `host:port` (a name or an address), or
    /// nil when nothing answers within `timeout` seconds.
    public static func srvr(host: String, port: Int, timeout: Int) -> String? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &res) == 0, let first = res else { return nil }
        defer { freeaddrinfo(res) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, send(fd, "srvr", 4, 0) == 4 else { return nil }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while out.count < 65_536 {
            let n = recv(fd, &buffer, buffer.count, 0)
            guard n > 0 else { break }
            out += buffer[0..<n]
        }
        return out.isEmpty ? nil : String(decoding: out, as: UTF8.self)
    }

    /// Stops the server: SIGTERM, then SIGKILL after five seconds.
    public func stop() {
        kill(pid, SIGTERM)
        for _ in 0..<50 {
            var status: Int32 = 0
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid || (r < 0 && !Self.running(pid)) { return }
            usleep(100_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(pid, &status, 0)
    }

    static func running(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first ?? ""
        return state != "Z" && state != "X"
    }

    static func freeLoopbackPort(_ host: String) throws -> Int {
        try freeTCPPort(on: host).mapError { LocalClusterError(.internal, $0.message) }.get()
    }
}
