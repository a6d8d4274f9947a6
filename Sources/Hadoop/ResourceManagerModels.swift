// Value types that mirror the ResourceManager REST API's JSON (Hadoop 3.x,
// "ResourceManager REST API's"). Field names are Hadoop's; unknown keys are
// ignored on decode so that newer ResourceManagers still parse.

/// `GET /ws/v1/cluster/info` → `{"clusterInfo": …}`
public struct ClusterInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var startedOn: Int64
    public var state: String
    public var haState: String
    public var rmStateStoreName: String?
    public var resourceManagerVersion: String
    public var resourceManagerBuildVersion: String?
    public var resourceManagerVersionBuiltOn: String?
    public var hadoopVersion: String
    public var hadoopBuildVersion: String?
    public var hadoopVersionBuiltOn: String?
    public var haZooKeeperConnectionState: String?

    public init(id: Int64, startedOn: Int64, state: String, haState: String, rmStateStoreName: String?,
                resourceManagerVersion: String, hadoopVersion: String) {
        self.id = id
        self.startedOn = startedOn
        self.state = state
        self.haState = haState
        self.rmStateStoreName = rmStateStoreName
        self.resourceManagerVersion = resourceManagerVersion
        self.resourceManagerBuildVersion = resourceManagerVersion
        self.resourceManagerVersionBuiltOn = nil
        self.hadoopVersion = hadoopVersion
        self.hadoopBuildVersion = hadoopVersion
        self.hadoopVersionBuiltOn = nil
        self.haZooKeeperConnectionState = "ResourceManager HA is not enabled."
    }
}

public struct ClusterInfoEnvelope: Codable, Sendable { public var clusterInfo: ClusterInfo
    public init(clusterInfo: ClusterInfo) { self.clusterInfo = clusterInfo } }

/// `GET /ws/v1/cluster/metrics` → `{"clusterMetrics": …}`
public struct ClusterMetrics: Codable, Sendable, Equatable {
    public var appsSubmitted = 0
    public var appsCompleted = 0
    public var appsPending = 0
    public var appsRunning = 0
    public var appsFailed = 0
    public var appsKilled = 0
    public var reservedMB: Int64 = 0
    public var availableMB: Int64 = 0
    public var allocatedMB: Int64 = 0
    public var totalMB: Int64 = 0
    public var reservedVirtualCores = 0
    public var availableVirtualCores = 0
    public var allocatedVirtualCores = 0
    public var totalVirtualCores = 0
    public var containersAllocated = 0
    public var containersReserved = 0
    public var containersPending = 0
    public var totalNodes = 0
    public var activeNodes = 0
    public var lostNodes = 0
    public var unhealthyNodes = 0
    public var decommissioningNodes = 0
    public var decommissionedNodes = 0
    public var rebootedNodes = 0
    public var shutdownNodes = 0
    public init() {}
}

public struct ClusterMetricsEnvelope: Codable, Sendable { public var clusterMetrics: ClusterMetrics
    public init(clusterMetrics: ClusterMetrics) { self.clusterMetrics = clusterMetrics } }

/// One NodeManager, as `GET /ws/v1/cluster/nodes` lists it.
public struct NodeReport: Codable, Sendable, Equatable {
    public var rack: String
    public var state: String
    public var id: String
    public var nodeHostName: String
    public var nodeHTTPAddress: String
    public var lastHealthUpdate: Int64
    public var version: String
    public var healthReport: String
    public var numContainers: Int
    public var usedMemoryMB: Int64
    public var availMemoryMB: Int64
    public var usedVirtualCores: Int
    public var availableVirtualCores: Int

    public init(rack: String, state: String, id: String, nodeHostName: String, nodeHTTPAddress: String,
                lastHealthUpdate: Int64, version: String, healthReport: String, numContainers: Int,
                usedMemoryMB: Int64, availMemoryMB: Int64, usedVirtualCores: Int, availableVirtualCores: Int) {
        self.rack = rack
        self.state = state
        self.id = id
        self.nodeHostName = nodeHostName
        self.nodeHTTPAddress = nodeHTTPAddress
        self.lastHealthUpdate = lastHealthUpdate
        self.version = version
        self.healthReport = healthReport
        self.numContainers = numContainers
        self.usedMemoryMB = usedMemoryMB
        self.availMemoryMB = availMemoryMB
        self.usedVirtualCores = usedVirtualCores
        self.availableVirtualCores = availableVirtualCores
    }
}

public struct NodesEnvelope: Codable, Sendable {
    public struct Nodes: Codable, Sendable { public var node: [NodeReport]?
        public init(node: [NodeReport]?) { self.node = node } }
    public var nodes: Nodes?
    public init(nodes: [NodeReport]) { self.nodes = nodes.isEmpty ? nil : Nodes(node: nodes) }
}

/// YARN's application states (YarnApplicationState).
public enum YarnApplicationState: String, Codable, Sendable, CaseIterable {
    case NEW, NEW_SAVING, SUBMITTED, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED

    public var isTerminal: Bool { self == .FINISHED || self == .FAILED || self == .KILLED }
}

/// An application report: `GET /ws/v1/cluster/apps/{id}` → `{"app": …}`.
public struct ApplicationReport: Codable, Sendable, Equatable {
    public var id: String
    public var user: String
    public var name: String
    public var queue: String
    /// Kept as a string: older ResourceManagers leak internal states here.
    public var state: String
    public var finalStatus: String
    public var progress: Double
    public var trackingUI: String
    public var trackingUrl: String?
    public var diagnostics: String
    public var clusterId: Int64
    public var applicationType: String
    /// One comma-separated string, as Hadoop sends it.
    public var applicationTags: String
    public var priority: Int
    public var startedTime: Int64
    public var launchTime: Int64
    public var finishedTime: Int64
    public var elapsedTime: Int64
    public var amContainerLogs: String?
    public var amHostHttpAddress: String?
    public var amRPCAddress: String?
    public var allocatedMB: Int64
    public var allocatedVCores: Int
    public var runningContainers: Int
    public var memorySeconds: Int64
    public var vcoreSeconds: Int64
    public var queueUsagePercentage: Double
    public var clusterUsagePercentage: Double
    public var preemptedResourceMB: Int64
    public var preemptedResourceVCores: Int
    public var numNonAMContainerPreempted: Int
    public var numAMContainerPreempted: Int
    public var logAggregationStatus: String
    public var unmanagedApplication: Bool

    public init(id: String, user: String, name: String, queue: String, state: String, finalStatus: String,
                progress: Double, trackingUI: String, trackingUrl: String?, diagnostics: String, clusterId: Int64,
                applicationType: String, applicationTags: String, priority: Int, startedTime: Int64,
                launchTime: Int64, finishedTime: Int64, elapsedTime: Int64, amContainerLogs: String?,
                amHostHttpAddress: String?, allocatedMB: Int64, allocatedVCores: Int, runningContainers: Int,
                memorySeconds: Int64, vcoreSeconds: Int64) {
        self.id = id
        self.user = user
        self.name = name
        self.queue = queue
        self.state = state
        self.finalStatus = finalStatus
        self.progress = progress
        self.trackingUI = trackingUI
        self.trackingUrl = trackingUrl
        self.diagnostics = diagnostics
        self.clusterId = clusterId
        self.applicationType = applicationType
        self.applicationTags = applicationTags
        self.priority = priority
        self.startedTime = startedTime
        self.launchTime = launchTime
        self.finishedTime = finishedTime
        self.elapsedTime = elapsedTime
        self.amContainerLogs = amContainerLogs
        self.amHostHttpAddress = amHostHttpAddress
        self.amRPCAddress = nil
        self.allocatedMB = allocatedMB
        self.allocatedVCores = allocatedVCores
        self.runningContainers = runningContainers
        self.memorySeconds = memorySeconds
        self.vcoreSeconds = vcoreSeconds
        self.queueUsagePercentage = 0
        self.clusterUsagePercentage = 0
        self.preemptedResourceMB = 0
        self.preemptedResourceVCores = 0
        self.numNonAMContainerPreempted = 0
        self.numAMContainerPreempted = 0
        self.logAggregationStatus = "DISABLED"
        self.unmanagedApplication = false
    }

    // Decoding is tolerant: a real ResourceManager omits fields the caller may
    // not see, and older ones lack some of them.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        user = try c.decodeIfPresent(String.self, forKey: .user) ?? ""
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        queue = try c.decodeIfPresent(String.self, forKey: .queue) ?? ""
        state = try c.decodeIfPresent(String.self, forKey: .state) ?? ""
        finalStatus = try c.decodeIfPresent(String.self, forKey: .finalStatus) ?? "UNDEFINED"
        progress = try c.decodeIfPresent(Double.self, forKey: .progress) ?? 0
        trackingUI = try c.decodeIfPresent(String.self, forKey: .trackingUI) ?? "UNASSIGNED"
        trackingUrl = try c.decodeIfPresent(String.self, forKey: .trackingUrl)
        diagnostics = try c.decodeIfPresent(String.self, forKey: .diagnostics) ?? ""
        clusterId = try c.decodeIfPresent(Int64.self, forKey: .clusterId) ?? 0
        applicationType = try c.decodeIfPresent(String.self, forKey: .applicationType) ?? ""
        applicationTags = try c.decodeIfPresent(String.self, forKey: .applicationTags) ?? ""
        priority = try c.decodeIfPresent(Int.self, forKey: .priority) ?? 0
        startedTime = try c.decodeIfPresent(Int64.self, forKey: .startedTime) ?? 0
        launchTime = try c.decodeIfPresent(Int64.self, forKey: .launchTime) ?? 0
        finishedTime = try c.decodeIfPresent(Int64.self, forKey: .finishedTime) ?? 0
        elapsedTime = try c.decodeIfPresent(Int64.self, forKey: .elapsedTime) ?? 0
        amContainerLogs = try c.decodeIfPresent(String.self, forKey: .amContainerLogs)
        amHostHttpAddress = try c.decodeIfPresent(String.self, forKey: .amHostHttpAddress)
        amRPCAddress = try c.decodeIfPresent(String.self, forKey: .amRPCAddress)
        allocatedMB = try c.decodeIfPresent(Int64.self, forKey: .allocatedMB) ?? 0
        allocatedVCores = try c.decodeIfPresent(Int.self, forKey: .allocatedVCores) ?? 0
        runningContainers = try c.decodeIfPresent(Int.self, forKey: .runningContainers) ?? 0
        memorySeconds = try c.decodeIfPresent(Int64.self, forKey: .memorySeconds) ?? 0
        vcoreSeconds = try c.decodeIfPresent(Int64.self, forKey: .vcoreSeconds) ?? 0
        queueUsagePercentage = try c.decodeIfPresent(Double.self, forKey: .queueUsagePercentage) ?? 0
        clusterUsagePercentage = try c.decodeIfPresent(Double.self, forKey: .clusterUsagePercentage) ?? 0
        preemptedResourceMB = try c.decodeIfPresent(Int64.self, forKey: .preemptedResourceMB) ?? 0
        preemptedResourceVCores = try c.decodeIfPresent(Int.self, forKey: .preemptedResourceVCores) ?? 0
        numNonAMContainerPreempted = try c.decodeIfPresent(Int.self, forKey: .numNonAMContainerPreempted) ?? 0
        numAMContainerPreempted = try c.decodeIfPresent(Int.self, forKey: .numAMContainerPreempted) ?? 0
        logAggregationStatus = try c.decodeIfPresent(String.self, forKey: .logAggregationStatus) ?? "DISABLED"
        unmanagedApplication = try c.decodeIfPresent(Bool.self, forKey: .unmanagedApplication) ?? false
    }
}

public struct ApplicationEnvelope: Codable, Sendable { public var app: ApplicationReport
    public init(app: ApplicationReport) { self.app = app } }

/// `{"apps":{"app":[…]}}`, or `{"apps":null}` when there are none.
public struct ApplicationsEnvelope: Codable, Sendable {
    public struct Apps: Codable, Sendable { public var app: [ApplicationReport]?
        public init(app: [ApplicationReport]?) { self.app = app } }
    public var apps: Apps?
    public init(apps: [ApplicationReport]) { self.apps = apps.isEmpty ? nil : Apps(app: apps) }
    public var list: [ApplicationReport] { apps?.app ?? [] }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(apps, forKey: .apps) // explicit null, as Hadoop writes it
    }
}

public struct AppAttempt: Codable, Sendable, Equatable {
    public var id: Int
    public var startTime: Int64
    public var finishedTime: Int64
    public var containerId: String
    public var nodeHttpAddress: String
    public var nodeId: String
    public var logsLink: String
    public var appAttemptId: String
    public var appAttemptState: String

    public init(id: Int, startTime: Int64, finishedTime: Int64, containerId: String, nodeHttpAddress: String,
                nodeId: String, logsLink: String, appAttemptId: String, appAttemptState: String) {
        self.id = id
        self.startTime = startTime
        self.finishedTime = finishedTime
        self.containerId = containerId
        self.nodeHttpAddress = nodeHttpAddress
        self.nodeId = nodeId
        self.logsLink = logsLink
        self.appAttemptId = appAttemptId
        self.appAttemptState = appAttemptState
    }
}

public struct AppAttemptsEnvelope: Codable, Sendable {
    public struct Attempts: Codable, Sendable { public var appAttempt: [AppAttempt]
        public init(appAttempt: [AppAttempt]) { self.appAttempt = appAttempt } }
    public var appAttempts: Attempts
    public init(attempts: [AppAttempt]) { appAttempts = Attempts(appAttempt: attempts) }
}

public struct AppState: Codable, Sendable, Equatable {
    public var state: String
    public init(state: String) { self.state = state }
}

/// `POST /ws/v1/cluster/apps/new-application`
public struct NewApplication: Codable, Sendable {
    public struct Capability: Codable, Sendable { public var memory: Int64; public var vCores: Int
        public init(memory: Int64, vCores: Int) { self.memory = memory; self.vCores = vCores } }
    public var applicationId: String
    public var maximumResourceCapability: Capability
    enum CodingKeys: String, CodingKey {
        case applicationId = "application-id"
        case maximumResourceCapability = "maximum-resource-capability"
    }
    public init(applicationId: String, maximumResourceCapability: Capability) {
        self.applicationId = applicationId
        self.maximumResourceCapability = maximumResourceCapability
    }
}

/// A JAXB map as JSON: `{"entry":[{"key":K,"value":V}, …]}`.
public struct EntryMap<Value: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable { public var key: String; public var value: Value
        public init(key: String, value: Value) { self.key = key; self.value = value } }
    public var entry: [Entry]

    public init(_ pairs: [(String, Value)]) { entry = pairs.map { Entry(key: $0.0, value: $0.1) } }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // JAXB writes a single entry as an object rather than a one-element array.
        if let list = try? c.decode([Entry].self, forKey: .entry) {
            entry = list
        } else if let one = try c.decodeIfPresent(Entry.self, forKey: .entry) {
            entry = [one]
        } else {
            entry = []
        }
    }

    public var pairs: [(String, Value)] { entry.map { ($0.key, $0.value) } }
    public subscript(key: String) -> Value? { entry.first { $0.key == key }?.value }
}

public struct LocalResource: Codable, Sendable, Equatable {
    public var resource: String
    public var type: String
    public var visibility: String
    public var size: Int64?
    public var timestamp: Int64?
    public init(resource: String, type: String = "FILE", visibility: String = "APPLICATION",
                size: Int64? = nil, timestamp: Int64? = nil) {
        self.resource = resource
        self.type = type
        self.visibility = visibility
        self.size = size
        self.timestamp = timestamp
    }
}

/// `commands` is `{"command": "…"}` or `{"command": ["…", …]}`.
public struct Commands: Codable, Sendable, Equatable {
    public var command: [String]
    public init(_ command: [String]) { self.command = command }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let one = try? c.decode(String.self, forKey: .command) { command = [one] }
        else { command = try c.decodeIfPresent([String].self, forKey: .command) ?? [] }
    }
}

public struct ContainerLaunchContext: Codable, Sendable, Equatable {
    public var localResources: EntryMap<LocalResource>?
    public var environment: EntryMap<String>?
    public var commands: Commands?
    public var applicationACLs: EntryMap<String>?
    enum CodingKeys: String, CodingKey {
        case localResources = "local-resources"
        case environment
        case commands
        case applicationACLs = "application-acls"
    }
    public init(localResources: EntryMap<LocalResource>? = nil, environment: EntryMap<String>? = nil,
                commands: Commands? = nil, applicationACLs: EntryMap<String>? = nil) {
        self.localResources = localResources
        self.environment = environment
        self.commands = commands
        self.applicationACLs = applicationACLs
    }
}

public struct ResourceRequest: Codable, Sendable, Equatable {
    public var memory: Int64
    public var vCores: Int
    public init(memory: Int64, vCores: Int) { self.memory = memory; self.vCores = vCores }
}

/// The body of `POST /ws/v1/cluster/apps`.
public struct ApplicationSubmission: Codable, Sendable, Equatable {
    public struct Tags: Codable, Sendable, Equatable { public var tag: [String]
        public init(tag: [String]) { self.tag = tag }
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let one = try? c.decode(String.self, forKey: .tag) { tag = [one] }
            else { tag = try c.decodeIfPresent([String].self, forKey: .tag) ?? [] }
        }
    }
    public var applicationId: String
    public var applicationName: String?
    public var queue: String?
    public var priority: Int?
    public var amContainerSpec: ContainerLaunchContext?
    public var unmanagedAM: Bool?
    public var maxAppAttempts: Int?
    public var resource: ResourceRequest?
    public var applicationType: String?
    public var applicationTags: Tags?

    enum CodingKeys: String, CodingKey {
        case applicationId = "application-id"
        case applicationName = "application-name"
        case queue, priority
        case amContainerSpec = "am-container-spec"
        case unmanagedAM = "unmanaged-AM"
        case maxAppAttempts = "max-app-attempts"
        case resource
        case applicationType = "application-type"
        case applicationTags = "application-tags"
    }

    public init(applicationId: String, applicationName: String? = nil, queue: String? = nil,
                amContainerSpec: ContainerLaunchContext? = nil, resource: ResourceRequest? = nil,
                applicationType: String? = nil, maxAppAttempts: Int? = nil) {
        self.applicationId = applicationId
        self.applicationName = applicationName
        self.queue = queue
        self.amContainerSpec = amContainerSpec
        self.resource = resource
        self.applicationType = applicationType
        self.maxAppAttempts = maxAppAttempts
    }
}

/// Hadoop's error body: `{"RemoteException":{"exception":…,"message":…,"javaClassName":…}}`.
public struct RemoteExceptionBody: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var exception: String
        public var message: String
        public var javaClassName: String?
        public init(exception: String, message: String, javaClassName: String?) {
            self.exception = exception
            self.message = message
            self.javaClassName = javaClassName
        }
    }
    public var remoteException: Detail
    enum CodingKeys: String, CodingKey { case remoteException = "RemoteException" }
    public init(exception: String, message: String, javaClassName: String) {
        remoteException = Detail(exception: exception, message: message, javaClassName: javaClassName)
    }
}
