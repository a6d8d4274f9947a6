import Foundation
import Hadoop

// The embedded cluster's durable state: everything needed to answer the REST
// APIs and to carry on after the cluster process is killed and restarted.

/// Where a container is in its life.
enum ContainerPhase: String, Codable, Sendable {
    /// Waiting for memory and vcores.
    case pending
    /// Holding resources; its process is running (or was, until the next check).
    case running
    /// Finished; its resources are free.
    case complete
}

/// YARN's ContainerExitStatus values that the cluster reports itself.
enum ExitStatus {
    static let success = 0
    static let invalid = -1000
    /// Released on a lost node: the process vanished while the cluster was down.
    static let aborted = -100
    static let killedExceededVirtualMemory = -103
    static let killedExceededPhysicalMemory = -104
    static let killedByAppMaster = -105
    static let killedByResourceManager = -106
}

struct ContainerRecord: Codable, Sendable {
    var id: String
    var appId: String
    var memoryMB: Int64
    var vcores: Int
    var phase: ContainerPhase
    var requestedAt: Int64
    var launchTime: Int64 = 0
    var finishTime: Int64 = 0
    /// The process group (and session) leader: the container's launch script.
    var pid: Int32 = 0
    /// The leader's start time in clock ticks since boot (from /proc), so a
    /// reused pid is not mistaken for the container after a restart.
    var pidStartTicks: UInt64 = 0
    var exitStatus: Int?
    var diagnostics: String = ""
    var workDir: String
    var logDir: String
    /// Set when the cluster asked the container to stop; its end is then not a failure.
    var stopReason: Int?
    var stopRequestedAt: Int64?
    /// What to run.
    var launch: LaunchSpec
    /// For service containers: the service, component and instance index.
    var service: String?
    var component: String?
    var instance: Int?
    var isAppMaster: Bool = false
    var ready: Bool = false
}

/// Everything a container needs to start, kept so that it can be launched
/// (and relaunched) without the original request.
struct LaunchSpec: Codable, Sendable {
    var command: String
    var environment: [String: String]
    /// Link name in the working directory → source (path, file:// or http(s):// URL).
    var files: [LocalizedFile]
}

struct LocalizedFile: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable { case file, archive }
    var source: String
    /// Relative path inside the container's working directory.
    var destination: String
    var kind: Kind
}

struct AttemptRecord: Codable, Sendable {
    var id: Int
    var containerId: String
    var startTime: Int64
    var finishTime: Int64 = 0
    var state: String
}

struct AppRecord: Codable, Sendable {
    var id: String
    var user: String
    var name: String
    var queue: String
    var type: String
    var tags: [String]
    var priority: Int
    var state: YarnApplicationState
    var finalStatus: String
    var diagnostics: String
    var startedTime: Int64
    var launchTime: Int64 = 0
    var finishedTime: Int64 = 0
    var maxAttempts: Int
    var attempts: [AttemptRecord] = []
    /// The AM container's launch context, for applications submitted through /ws/v1/cluster/apps.
    var amLaunch: LaunchSpec?
    var amMemoryMB: Int64 = 0
    var amVcores: Int = 0
    /// For applications that run a service.
    var service: String?
    /// Resource usage of finished containers, in MB·s and vcore·s.
    var memorySeconds: Int64 = 0
    var vcoreSeconds: Int64 = 0
    /// YARN's logAggregationStatus once the application has ended: RUNNING
    /// while its logs are copied into the HDFS store, then SUCCEEDED or FAILED.
    var logAggregationStatus: String?
}

struct InstanceRecord: Codable, Sendable {
    var index: Int
    var containerId: String?
    /// Consecutive quick failures, for the restart back-off.
    var quickFailures: Int = 0
    var notBefore: Int64 = 0
    /// Set when the instance will not run again (ON_FAILURE success, NEVER).
    var finalExit: Int?
}

struct ComponentRecord: Codable, Sendable {
    var spec: Component
    var desired: Int64
    var instances: [Int: InstanceRecord] = [:]

    var restartPolicy: RestartPolicy { spec.restartPolicy ?? .ALWAYS }
}

struct ServiceRecord: Codable, Sendable {
    var name: String
    var user: String
    var spec: Service
    var appId: String
    var state: ServiceState
    var launchTime: Int64
    /// Milliseconds since the epoch after which the service is stopped; nil for no limit.
    var expiresAt: Int64?
    var components: [ComponentRecord]
}

struct ClusterState: Codable, Sendable {
    var version = 1
    var nextAppSequence = 1
    var nextContainerSequence = 1
    /// The timestamp part of ids given out by this cluster's current run.
    var clusterTimestamp: Int64 = 0
    var apps: [String: AppRecord] = [:]
    var appOrder: [String] = []
    var containers: [String: ContainerRecord] = [:]
    var services: [String: ServiceRecord] = [:]
    /// Ids given out by new-application and not yet submitted.
    var reservedAppIds: Set<String> = []
    /// Who asked new-application for each reserved id: only they may submit it.
    var appIdIssuers: [String: String]? = nil
}

func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
