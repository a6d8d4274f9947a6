import FlinkctlBase
import Foundation
import Hadoop
import Hummingbird
import HummingbirdCore
import Kerberos
import Logging
import NIOCore

/// What a running cluster publishes about itself in `DIR/cluster.json`, for
/// `flinkctl local status|stop` and for clients looking for the default cluster.
public struct ClusterProcessInfo: Codable, Sendable, Equatable {
    public var pid: Int32
    public var url: String
    public var host: String
    public var port: Int
    public var directory: String
    public var startedOn: Int64
    public var memoryMB: Int64
    public var vcores: Int
    /// `HOST:PORT` of the ZooKeeper started beside the cluster (`--zookeeper`).
    public var zooKeeper: String?
    /// yarn.log.server.web-service.url: where aggregated logs are served.
    public var logServer: String?

    public static func path(directory: String) -> String {
        (directory as NSString).appendingPathComponent("cluster.json")
    }

    public static func read(directory: String) -> ClusterProcessInfo? {
        guard let data = FileManager.default.contents(atPath: path(directory: directory)) else { return nil }
        return try? JSONDecoder().decode(ClusterProcessInfo.self, from: data)
    }

    /// Whether the cluster that wrote this still runs: whether a process
    /// holds the directory's lock. Never the pid alone: a killed cluster
    /// lingers as a zombie until its parent reaps it, and a zombie holds no
    /// lock (its files were closed when it died).
    public var isAlive: Bool { DirectoryLock.isHeld(directory: directory) }
}

/// Runs the embedded cluster in this process until SIGTERM or SIGINT: holds
/// the directory's lock, serves REST, runs the monitor loop, and on a clean
/// stop ends every container.
public struct ClusterDaemon: Sendable {
    public let configuration: LocalClusterConfiguration

    public init(configuration: LocalClusterConfiguration) {
        self.configuration = configuration
    }

    public func run() async throws {
        let logger: Logger = {
            var l = Logger(label: "flinkctl.local")
            l.logLevel = ProcessInfo.processInfo.environment["FLINKCTL_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .notice
            return l
        }()
        let dir = configuration.directory
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let lock = try DirectoryLock(directory: dir)
        defer { withExtendedLifetime(lock) {} }

        // The node's Hadoop, readable by every container's user as an
        // installation on a node is: hard links (or copies) under DIR/hadoop
        // of what --hadoop-home holds, which may sit in a private home.
        var configuration = self.configuration
        if let home = configuration.hadoopHome {
            configuration.hadoopHome = try installNodeHadoop(from: home, into: (dir as NSString).appendingPathComponent("hadoop"))
        }

        // ZooKeeper for JobManager HA, beside the cluster and stopped with it.
        let zooKeeper = try configuration.zooKeeper.map { port in
            try ZooKeeperServer.start(directory: (dir as NSString).appendingPathComponent("zookeeper"),
                                      host: configuration.nodeHost, port: port)
        }
        defer { zooKeeper?.stop() }
        if let zooKeeper { logger.notice("ZooKeeper running", metadata: ["quorum": "\(zooKeeper.quorum)"]) }

        let cluster = try LocalCluster(configuration: configuration, logger: logger)
        await cluster.recover()
        try await cluster.persistIfNeeded()

        var router = RESTRouter(cluster: cluster)
        if let kerberos = configuration.kerberos {
            do {
                router.authenticator = try SPNEGOAuthenticator(settings: kerberos, secureCookies: configuration.tls != nil)
                router.tokens = DelegationTokens()
            } catch let e as KerberosError {
                throw LocalClusterError(.badRequest, ([e.description] + [e.hint].compactMap { $0 }).joined(separator: "\n"))
            }
            logger.notice("Kerberos (SPNEGO) required on every call", metadata: ["principal": "\(router.authenticator!.acceptor.principal)"])
        }
        let responder = router.makeRouter().buildResponder()
        let config = configuration
        let server: HTTPServerBuilder
        do {
            server = try configuration.tls?.serverBuilder() ?? .http1()
        } catch {
            throw LocalClusterError(.badRequest, "cannot use the TLS certificate and key: \(error)")
        }
        let app = Application(
            responder: responder,
            server: server,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "flinkctl-local"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.port
                await cluster.setHTTPPort(port)
                if config.hadoopHome != nil {
                    do { try writeHadoopConfiguration(config, port: port) } catch {
                        logger.error("cannot write the node's Hadoop configuration", metadata: ["error": "\(error)"])
                    }
                }
                let info = ClusterProcessInfo(pid: getpid(), url: "\(config.scheme)://\(config.nodeHost):\(port)",
                                              host: config.host, port: port, directory: dir, startedOn: nowMillis(),
                                              memoryMB: config.memoryMB, vcores: config.vcores,
                                              zooKeeper: zooKeeper?.quorum,
                                              logServer: "\(config.scheme)://\(config.nodeHost):\(port)\(LocalCluster.logServerPath)")
                if let data = try? JSONEncoder().encode(info) {
                    try? AtomicFile.write(data, to: ClusterProcessInfo.path(directory: dir), mode: 0o644)
                }
                logger.notice("embedded YARN cluster running", metadata: ["url": "\(info.url)", "dir": "\(dir)"])
            },
            logger: logger)

        let interval = configuration.monitorInterval
        let monitor = Task {
            while !Task.isCancelled {
                await cluster.tick()
                do { try await cluster.persistIfNeeded() } catch {
                    logger.error("cannot save the cluster state", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: interval)
            }
        }
        do {
            try await app.runService()
        } catch {
            monitor.cancel()
            unlink(ClusterProcessInfo.path(directory: dir))
            throw error
        }
        monitor.cancel()
        _ = await monitor.result
        await cluster.shutdownContainers()
        unlink(ClusterProcessInfo.path(directory: dir))
        logger.notice("embedded YARN cluster stopped")
    }
}

/// An exclusive lock on `DIR/cluster.lock`, held for the life of the cluster
/// process, so that two clusters never share a directory.
final class DirectoryLock: Sendable {
    let fd: Int32

    static func path(_ directory: String) -> String {
        (directory as NSString).appendingPathComponent("cluster.lock")
    }

    init(directory: String) throws {
        let path = Self.path(directory)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw LocalClusterError(.internal, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        // A probe (`isHeld`) holds a shared lock for an instant: try again
        // briefly before calling the directory taken.
        var locked = false
        for attempt in 0..<20 {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { locked = true; break }
            guard errno == EWOULDBLOCK || errno == EINTR else { break }
            if attempt < 19 { usleep(10_000) }
        }
        guard locked else {
            close(fd)
            let other = ClusterProcessInfo.read(directory: directory).map { " (pid \($0.pid), \($0.url))" } ?? ""
            throw LocalClusterError(.conflict, "a cluster is already running from \(directory)\(other)")
        }
    }

    deinit { close(fd) }

    /// Whether a live process holds the lock of `directory`.
    static func isHeld(directory: String) -> Bool {
        let fd = open(path(directory), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }
}

/// The node's Hadoop configuration, as a NodeManager's HADOOP_CONF_DIR holds
/// it: `fs.defaultFS` is this cluster's WebHDFS (on the REST port), and the
/// authentication is the cluster's.
func writeHadoopConfiguration(_ config: LocalClusterConfiguration, port: Int) throws {
    let scheme = config.tls == nil ? "webhdfs" : "swebhdfs"
    let properties = [
        ("fs.defaultFS", "\(scheme)://\(config.nodeHost):\(port)"),
        ("hadoop.security.authentication", config.kerberos == nil ? "simple" : "kerberos"),
    ]
    var xml = "<?xml version=\"1.0\"?>\n<!-- Written by flinkctl local start: the embedded node's Hadoop configuration. -->\n<configuration>\n"
    for (name, value) in properties {
        xml += "  <property><name>\(name)</name><value>\(value)</value></property>\n"
    }
    xml += "</configuration>\n"
    // yarn-site.xml: where the ResourceManager is, and log aggregation into
    // the store with this cluster as its log server.
    let address = "\(config.nodeHost):\(port)"
    var yarn = [
        ("yarn.http.policy", config.tls == nil ? "HTTP_ONLY" : "HTTPS_ONLY"),
        (config.tls == nil ? "yarn.resourcemanager.webapp.address" : "yarn.resourcemanager.webapp.https.address", address),
        ("yarn.log-aggregation-enable", "true"),
        ("yarn.nodemanager.remote-app-log-dir", LocalCluster.remoteAppLogDirectory),
        ("yarn.nodemanager.remote-app-log-dir-suffix", LocalCluster.remoteAppLogSuffix),
        ("yarn.log.server.web-service.url", "\(config.scheme)://\(address)\(LocalCluster.logServerPath)"),
    ]
    if config.kerberos != nil { yarn.append(("hadoop.security.authentication", "kerberos")) }
    var yarnXML = "<?xml version=\"1.0\"?>\n<!-- Written by flinkctl local start: the embedded cluster's YARN configuration. -->\n<configuration>\n"
    for (name, value) in yarn {
        yarnXML += "  <property><name>\(name)</name><value>\(value)</value></property>\n"
    }
    yarnXML += "</configuration>\n"
    let dir = config.hadoopConfDirectory
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try AtomicFile.write(xml, to: (dir as NSString).appendingPathComponent("core-site.xml"), mode: 0o644)
    try AtomicFile.write(yarnXML, to: (dir as NSString).appendingPathComponent("yarn-site.xml"), mode: 0o644)
}

/// Lays `home`'s directories and regular files out under `target` (0755
/// directories; files hard-linked, or copied where a link cannot be made,
/// 0644), replacing what an earlier start left; returns `target`.
func installNodeHadoop(from home: String, into target: String) throws -> String {
    let fm = FileManager.default
    try? fm.removeItem(atPath: target)
    let partial = target + ".partial"
    try? fm.removeItem(atPath: partial)
    try fm.createDirectory(atPath: partial, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
    let names = (fm.enumerator(atPath: home)?.allObjects as? [String]) ?? []
    for name in names.sorted() {
        let source = (home as NSString).appendingPathComponent(name)
        let destination = (partial as NSString).appendingPathComponent(name)
        var st = stat()
        guard lstat(source, &st) == 0 else { continue }
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            try fm.createDirectory(atPath: destination, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        case S_IFREG:
            if link(source, destination) != 0 { try fm.copyItem(atPath: source, toPath: destination) }
            chmod(destination, 0o644)
        default:
            continue // links and special files are not part of an installation here
        }
    }
    guard rename(partial, target) == 0 else {
        throw LocalClusterError(.internal, "cannot install the node's Hadoop in \(target): \(String(cString: strerror(errno)))")
    }
    return target
}
