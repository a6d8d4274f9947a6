import Foundation

/// How the embedded cluster runs: where it keeps everything, what it offers,
/// and how it watches its containers.
public struct LocalClusterConfiguration: Sendable {
    /// Everything the cluster writes lives here: state, container directories, logs.
    public var directory: String
    public var host: String
    public var port: Int
    public var memoryMB: Int64
    public var vcores: Int
    /// How often container processes are checked for exit and memory use.
    public var monitorInterval: Duration = .milliseconds(200)
    /// Memory is checked every this many monitor rounds (reading /proc costs).
    public var memoryCheckEvery = 5
    /// Between SIGTERM and SIGKILL when a container is stopped.
    public var stopGracePeriod: Duration = .seconds(5)
    /// Default attempts for applications that do not say (yarn.resourcemanager.am.max-attempts).
    public var defaultMaxAttempts = 2
    /// The host name containers and URLs use.
    public var nodeHost: String
    /// Kerberos mode: SPNEGO on every REST call, ACLs on changes.
    public var kerberos: KerberosServerSettings?
    /// HTTPS only, with this certificate and key.
    public var tls: TLSServerSettings?
    /// Bytes the WebHDFS store may hold (`--store-quota`); nil: half the
    /// disk space free when the cluster starts.
    public var storeQuota: Int64?
    /// The Hadoop installation the node offers its containers
    /// (`--hadoop-home`): exported as HADOOP_HOME, HADOOP_COMMON_HOME,
    /// HADOOP_HDFS_HOME and HADOOP_YARN_HOME, with HADOOP_CONF_DIR naming a
    /// generated configuration whose fs.defaultFS is this cluster's WebHDFS.
    public var hadoopHome: String?
    /// Start a ZooKeeper beside the cluster on this port (0: a free one),
    /// for JobManager HA (`--zookeeper`); nil: none.
    public var zooKeeper: Int?

    /// `https` with TLS, else `http`.
    public var scheme: String { tls == nil ? "http" : "https" }

    public init(directory: String, host: String = "127.0.0.1", port: Int = 8088,
                memoryMB: Int64 = 8192, vcores: Int = 8) {
        self.directory = directory
        self.host = host
        self.port = port
        self.memoryMB = memoryMB
        self.vcores = vcores
        self.nodeHost = host == "0.0.0.0" ? "127.0.0.1" : host
    }

    var stateDirectory: String { (directory as NSString).appendingPathComponent("state") }
    var containersDirectory: String { (directory as NSString).appendingPathComponent("containers") }
    var logsDirectory: String { (directory as NSString).appendingPathComponent("logs") }
    var storeDirectory: String { (directory as NSString).appendingPathComponent("hdfs") }
    /// The node's Hadoop configuration (core-site.xml), written at start.
    public var hadoopConfDirectory: String { (directory as NSString).appendingPathComponent("hadoop-conf") }

    /// The Unix user the cluster runs as: HDFS's superuser, the owner of `/`.
    static var processUser: String {
        guard let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name else { return "flinkctl" }
        return String(cString: name)
    }

    /// Users who may do anything: the cluster's own user and its admins.
    var superusers: Set<String> { Set([Self.processUser]).union(kerberos?.admins ?? []) }

    /// The store's quota: as given, else half of what is free on its disk now.
    func effectiveStoreQuota() -> Int64 {
        if let storeQuota { return storeQuota }
        var fs = statvfs()
        guard statvfs(directory, &fs) == 0 else { return 1 << 30 }
        let free = Int64(fs.f_bavail).multipliedReportingOverflow(by: Int64(fs.f_frsize))
        return free.overflow ? Int64.max / 2 : free.partialValue / 2
    }

}
