import Flink
import Foundation
import Hadoop

/// Everything the containers of one Flink deployment need, written by the
/// client into the staging directory as `deployment.json`.
public struct Deployment: Codable, Sendable {
    public static let fileName = "deployment.json"
    public static let jobManagerFile = "jobmanager.json"
    public static let resultFile = "result.json"
    public static let attemptsFile = "attempts.json"

    public var name: String
    public var distribution: FlinkDistribution
    public var mode: JobManagerMode
    /// Staged jars for the class path (the user's jar, or the SQL runner).
    public var userJars: [String]
    /// The configuration shared by all processes; each adds its own addresses.
    public var configuration: FlinkConfiguration
    public var taskManagers: Int
    public var stagingDirectory: String
    /// Where the appmaster reaches the Services API, and as whom.
    public var resourceManagerURLs: [String]
    public var user: String?
    public var queue: String?
    /// The keytab shipped with the deployment (mode 0400 in the staging
    /// directory) and its principal: the appmaster logs in from it to talk
    /// to a Kerberized ResourceManager, and Flink's own login uses it too.
    public var kerberos: KerberosLogin?
    /// With HDFS staging, the files this deployment shares with others
    /// (name → HDFS path in the staging root's `.cache`), uploaded once.
    public var sharedFiles: [String: String]?
    /// With `--ship-flink`, the HDFS path of the distribution's archive: the
    /// service's TARBALL artifact, unpacked by YARN into each container's `lib/`.
    public var distributionArchive: String?
    /// `submit --hadoop-classpath`: the Hadoop jars on the nodes, instead of
    /// what the NodeManager's environment says (`NodeHadoop`).
    public var hadoopClasspath: String?
    /// The log4j2 configuration of the containers' JVMs, when the user's conf
    /// directory holds one; nil: flinkctl's own (`FlinkProcessCommand.log4jProperties`).
    public var log4jProperties: String?
    /// What `--ship` and `--ship-archive` put into every container's working
    /// directory, and the jars among them for the class path (relative to the
    /// working directory).
    public var shipped: [ShippedFile]?
    public var shippedJars: [String]?
    /// `--tls-dir` as the client named it: a redeploy ships its keystores again.
    public var tlsDirectory: String?

    /// One shipped item: `file` is staged in the staging directory, and the
    /// container finds it as `name` in its working directory (an archive
    /// unpacked into a directory of that name).
    public struct ShippedFile: Codable, Sendable, Equatable {
        public var name: String
        public var file: String
        /// The archive's format (`tar`, `tar.gz`, `zip`), nil for a plain file.
        public var format: String?
        public init(name: String, file: String, format: String?) {
            self.name = name
            self.file = file
            self.format = format
        }

        /// What YARN localizes an archive to, under `resources/` (HDFS staging).
        public var unpackedName: String { "shipped-" + name }
    }

    public struct KerberosLogin: Codable, Sendable, Equatable {
        public var keytab: String
        public var principal: String
        public init(keytab: String, principal: String) {
            self.keytab = keytab
            self.principal = principal
        }
    }

    public init(name: String, distribution: FlinkDistribution, mode: JobManagerMode, userJars: [String],
                configuration: FlinkConfiguration, taskManagers: Int, stagingDirectory: String,
                resourceManagerURLs: [String], user: String?, queue: String? = nil) {
        self.name = name
        self.distribution = distribution
        self.mode = mode
        self.userJars = userJars
        self.configuration = configuration
        self.taskManagers = taskManagers
        self.stagingDirectory = stagingDirectory
        self.resourceManagerURLs = resourceManagerURLs
        self.user = user
        self.queue = queue
    }

    /// The configuration key a savepoint to start from goes under.
    public var recoveryKey: String {
        distribution.version.major >= 2 ? "execution.state-recovery.path" : "execution.savepoint.path"
    }

    /// Where a YARN container finds the files a service localizes for it
    /// (`configuration.files` of type STATIC), relative to its working directory.
    public static let localizedDirectory = "resources"

    /// Where the staged files live: a shared local directory, or HDFS.
    public var staging: StagingLocation {
        (try? StagingLocation(parsing: stagingDirectory)) ?? .local(stagingDirectory)
    }

    /// The deployment a container runs. With local staging it is read from the
    /// shared directory; with HDFS staging from the copy YARN localized into
    /// the container (`workDir/resources`), and the staged files it names,
    /// relative to that directory, are made absolute.
    public static func load(stagingDirectory: String, workDir: String) throws -> Deployment {
        let location = try StagingLocation(parsing: stagingDirectory)
        guard location.isRemote else { return try load(from: try StagingArea(location, user: nil)) }
        let local = (workDir as NSString).appendingPathComponent(localizedDirectory)
        var deployment = try load(from: try StagingArea(.local(local), user: nil))
        func resolved(_ path: String) -> String {
            path.hasPrefix(localizedDirectory + "/") ? (workDir as NSString).appendingPathComponent(path) : path
        }
        deployment.userJars = deployment.userJars.map(resolved)
        if deployment.distributionArchive != nil {
            deployment.distribution.home = (workDir as NSString).appendingPathComponent("lib")
        }
        if let k = deployment.kerberos {
            deployment.kerberos = KerberosLogin(keytab: resolved(k.keytab), principal: k.principal)
            deployment.configuration["security.kerberos.login.keytab"] = resolved(k.keytab)
        }
        return deployment
    }

    /// Whether `path` names a file staged with this deployment (as the
    /// containers see it).
    public func isStaged(_ path: String) -> Bool {
        staging.isRemote ? path.hasPrefix(Self.localizedDirectory + "/") : path.hasPrefix(stagingDirectory + "/")
    }

    /// The record as `deployment.json` holds it (0600: it names the keytab).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// The deployment record in a staging area.
    public static func load(from area: StagingArea) throws -> Deployment {
        guard let data = area.read(fileName) else {
            throw FlinkError(.configuration, "\(area.location.appending(fileName)) is missing: not a flinkctl staging directory")
        }
        return try JSONDecoder().decode(Deployment.self, from: data)
    }
}

/// Where the JobManager of a deployment answers, published by the appmaster.
public struct JobManagerAddress: Codable, Sendable, Equatable {
    public var host: String
    public var rpcPort: Int
    public var restPort: Int
    public var containerId: String?
    public var restURL: String { "http://\(host):\(restPort)" }

    public init(host: String, rpcPort: Int, restPort: Int, containerId: String?) {
        self.host = host
        self.rpcPort = rpcPort
        self.restPort = restPort
        self.containerId = containerId
    }

    public static func read(from area: StagingArea) -> JobManagerAddress? {
        area.read(Deployment.jobManagerFile).flatMap { try? JSONDecoder().decode(JobManagerAddress.self, from: $0) }
    }
}

/// How an application-mode job ended, written by the appmaster.
public struct JobResult: Codable, Sendable, Equatable {
    public var jobId: String?
    public var state: String
    public var failure: String?

    public init(jobId: String?, state: String, failure: String?) {
        self.jobId = jobId
        self.state = state
        self.failure = failure
    }

    public static func read(from area: StagingArea) -> JobResult? {
        area.read(Deployment.resultFile).flatMap { try? JSONDecoder().decode(JobResult.self, from: $0) }
    }
}

/// The jobmanager component's attempts, as the appmaster of each records
/// them in the staging directory (`attempts.json`): a container that starts
/// while an earlier attempt is on record is a restart after a failure.
public struct JobManagerAttempts: Codable, Sendable, Equatable {
    public struct Attempt: Codable, Sendable, Equatable {
        public var number: Int
        public var containerId: String?
        /// Milliseconds since the epoch.
        public var started: Int64
        /// Why it ended, when its appmaster lived to say so.
        public var failure: String?
        public init(number: Int, containerId: String?, started: Int64, failure: String? = nil) {
            self.number = number
            self.containerId = containerId
            self.started = started
            self.failure = failure
        }
    }

    public var attempts: [Attempt] = []
    public init(attempts: [Attempt] = []) { self.attempts = attempts }

    public static func read(from area: StagingArea) -> JobManagerAttempts? {
        area.read(Deployment.attemptsFile).flatMap { try? JSONDecoder().decode(JobManagerAttempts.self, from: $0) }
    }

    public func write(to area: StagingArea) throws {
        try area.write(Deployment.attemptsFile, try JSONEncoder().encode(self))
    }

    /// Why the last attempt before the current one ended, in words.
    public var lastFailure: String? {
        guard attempts.count > 1 else { return nil }
        let previous = attempts[attempts.count - 2]
        return previous.failure ?? "its container \(previous.containerId ?? "") was lost (its processes were killed, or its node)"
    }
}

/// Flink's JobManager high availability, as its configuration asks for it.
public struct HighAvailability: Sendable, Equatable {
    public var type: String

    /// `high-availability.type` (Flink 1.x: `high-availability`): NONE unless it names a service.
    public init?(_ configuration: FlinkConfiguration) {
        let value = (configuration["high-availability.type"] ?? configuration["high-availability"] ?? "NONE")
        guard !value.isEmpty, value.uppercased() != "NONE" else { return nil }
        type = value
    }

    /// `yarn.application-attempts` (Flink's default with HA: 2).
    public static func maxAttempts(_ configuration: FlinkConfiguration) -> Int {
        configuration["yarn.application-attempts"].flatMap { Int($0) }.map { max(1, $0) } ?? 2
    }

    /// `yarn.application-attempt-failures-validity-interval` in ms (Flink's
    /// default 10 000; -1 counts every failure).
    public static func validityInterval(_ configuration: FlinkConfiguration) -> Int64 {
        configuration["yarn.application-attempt-failures-validity-interval"].flatMap { Int64($0) } ?? 10_000
    }

    /// How to turn it on, for messages.
    public static let howToEnable = "turn high availability on: -D high-availability.type=zookeeper -D high-availability.zookeeper.quorum=HOST:PORT -D high-availability.storageDir=URI"
}
