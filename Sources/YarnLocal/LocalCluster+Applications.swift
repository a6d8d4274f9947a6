import Foundation
import Hadoop

extension LocalCluster {
    // MARK: - Cluster, metrics, nodes

    public func clusterInfo() -> ClusterInfo {
        ClusterInfo(id: startedOn, startedOn: startedOn, state: "STARTED", haState: "ACTIVE",
                    rmStateStoreName: "flinkctl.local.FileStateStore",
                    resourceManagerVersion: Self.version, hadoopVersion: Self.version)
    }

    static let version = "3.4.1-flinkctl-local"

    public func metrics() -> ClusterMetrics {
        var m = ClusterMetrics()
        let used = allocated
        for app in state.apps.values {
            m.appsSubmitted += 1
            switch app.state {
            case .FINISHED: m.appsCompleted += 1
            case .FAILED: m.appsFailed += 1
            case .KILLED: m.appsKilled += 1
            case .RUNNING: m.appsRunning += 1
            default: m.appsPending += 1
            }
        }
        m.totalMB = configuration.memoryMB
        m.allocatedMB = used.memory
        m.availableMB = configuration.memoryMB - used.memory
        m.totalVirtualCores = configuration.vcores
        m.allocatedVirtualCores = used.vcores
        m.availableVirtualCores = configuration.vcores - used.vcores
        m.containersAllocated = used.count
        m.containersPending = state.containers.values.filter { $0.phase == .pending }.count
        m.totalNodes = 1
        m.activeNodes = 1
        return m
    }

    public func nodes() -> [NodeReport] {
        let used = allocated
        return [NodeReport(rack: "/default-rack", state: "RUNNING", id: httpAddress, nodeHostName: configuration.nodeHost,
                           nodeHTTPAddress: httpAddress, lastHealthUpdate: core.now, version: Self.version,
                           healthReport: "", numContainers: used.count, usedMemoryMB: used.memory,
                           availMemoryMB: configuration.memoryMB - used.memory, usedVirtualCores: used.vcores,
                           availableVirtualCores: configuration.vcores - used.vcores)]
    }

    // MARK: - Application reports

    func report(_ app: AppRecord) -> ApplicationReport {
        let now = core.now
        var allocMB: Int64 = 0, allocV = 0, running = 0
        var memSec = app.memorySeconds, vSec = app.vcoreSeconds
        if !app.state.isTerminal {
            for c in state.containers.values where c.appId == app.id && c.phase == .running {
                allocMB += c.memoryMB
                allocV += c.vcores
                running += 1
                let s = max(0, (now - c.launchTime) / 1000)
                memSec += c.memoryMB * s
                vSec += Int64(c.vcores) * s
            }
        }
        let finished = app.state.isTerminal
        let amContainer = app.attempts.last?.containerId
        let trackingUI = (app.state == .RUNNING || finished) ? (finished ? "History" : "ApplicationMaster") : "UNASSIGNED"
        let tracking: String? = trackingUI == "UNASSIGNED" ? nil : "\(configuration.scheme)://\(httpAddress)/proxy/\(app.id)/"
        let progress: Double = finished ? 100 : 0
        var report = ApplicationReport(
            id: app.id, user: app.user, name: app.name, queue: app.queue, state: app.state.rawValue,
            finalStatus: app.finalStatus, progress: progress, trackingUI: trackingUI, trackingUrl: tracking,
            diagnostics: app.diagnostics, clusterId: state.clusterTimestamp, applicationType: app.type,
            applicationTags: app.tags.joined(separator: ","), priority: app.priority, startedTime: app.startedTime,
            launchTime: app.launchTime, finishedTime: app.finishedTime,
            elapsedTime: (finished ? app.finishedTime : now) - app.startedTime,
            amContainerLogs: amContainer.map { "\(configuration.scheme)://\(httpAddress)/node/containerlogs/\($0)/\(app.user)" },
            amHostHttpAddress: amContainer == nil ? nil : httpAddress,
            allocatedMB: finished ? -1 : allocMB, allocatedVCores: finished ? -1 : allocV,
            runningContainers: finished ? -1 : running, memorySeconds: memSec, vcoreSeconds: vSec)
        report.logAggregationStatus = app.logAggregationStatus ?? "NOT_START"
        return report
    }

    public func applications(states: [String], user: String?, queue: String?, types: [String],
                             limit: Int?) throws -> [ApplicationReport] {
        var wanted: Set<YarnApplicationState> = []
        for s in states {
            guard let st = YarnApplicationState(rawValue: s.uppercased()) else {
                throw LocalClusterError(.badRequest, "Invalid application-state \(s) specified. It should be one of \(YarnApplicationState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            wanted.insert(st)
        }
        let typeSet = Set(types.map { $0.lowercased() })
        var out: [ApplicationReport] = []
        for id in state.appOrder {
            guard let app = state.apps[id] else { continue }
            if !wanted.isEmpty && !wanted.contains(app.state) { continue }
            if let user, app.user != user { continue }
            if let queue, app.queue != queue { continue }
            if !typeSet.isEmpty && !typeSet.contains(app.type.lowercased()) { continue }
            out.append(report(app))
            if let limit, out.count >= limit { break }
        }
        return out
    }

    public func application(_ id: String) throws -> ApplicationReport {
        report(try core.requireApp(id))
    }

    public func attempts(_ id: String) throws -> [AppAttempt] {
        let app = try core.requireApp(id)
        return app.attempts.map { a in
            AppAttempt(id: a.id, startTime: a.startTime, finishedTime: a.finishTime, containerId: a.containerId,
                       nodeHttpAddress: httpAddress, nodeId: httpAddress,
                       logsLink: "\(configuration.scheme)://\(httpAddress)/node/containerlogs/\(a.containerId)/\(app.user)",
                       appAttemptId: String(format: "appattempt_%@_%06d", String(app.id.dropFirst("application_".count)), a.id),
                       appAttemptState: a.state)
        }
    }

    public func appState(_ id: String) throws -> String {
        try core.requireApp(id).state.rawValue
    }

    // MARK: - Submission

    public func newApplication(user: String) -> NewApplication {
        let id = core.newApplication(user: user)
        return NewApplication(applicationId: id,
                              maximumResourceCapability: .init(memory: configuration.memoryMB, vCores: configuration.vcores))
    }

    public func submit(_ s: ApplicationSubmission, user: String) throws {
        let id = s.applicationId
        try core.checkSubmittable(id, user: user)
        if let name = s.applicationName, name.utf8.count > 1024 {
            throw LocalClusterError(.badRequest, "The application name is longer than 1024 bytes")
        }
        guard let spec = s.amContainerSpec, let commands = spec.commands, !commands.command.isEmpty else {
            throw LocalClusterError(.badRequest, "am-container-spec with at least one command is required")
        }
        _ = try launchIdentity(user)
        let memory = s.resource?.memory ?? 1024
        let vcores = s.resource?.vCores ?? 1
        guard memory > 0, vcores > 0 else {
            throw LocalClusterError(.badRequest, "Invalid resource request: memory and vCores must be positive")
        }
        guard memory <= configuration.memoryMB else {
            throw LocalClusterError(.badRequest, "Requested more memory than configured max")
        }
        guard vcores <= configuration.vcores else {
            throw LocalClusterError(.badRequest, "Requested more cores than configured max")
        }
        let maxAttempts = s.maxAppAttempts ?? configuration.defaultMaxAttempts
        guard maxAttempts >= 1 else {
            throw LocalClusterError(.badRequest, "Invalid max-app-attempts \(maxAttempts): it must be at least 1")
        }
        var files: [LocalizedFile] = []
        for (name, resource) in spec.localResources?.pairs ?? [] {
            guard !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains("..") else {
                throw LocalClusterError(.badRequest, "Invalid local resource name '\(name)'")
            }
            let kind: LocalizedFile.Kind
            switch resource.type.uppercased() {
            case "FILE", "PATTERN": kind = .file
            case "ARCHIVE": kind = .archive
            default: throw LocalClusterError(.badRequest, "Invalid local resource type \(resource.type) for \(name)")
            }
            let source = try host.localSource(resource.resource, what: "local resource \(name)", user: user)
            files.append(LocalizedFile(source: source, destination: name, kind: kind))
        }
        var env = host.baseEnvironment(user: user)
        for (k, v) in spec.environment?.pairs ?? [] {
            guard validEnvironmentName(k) else {
                throw LocalClusterError(.badRequest, "Invalid environment variable name '\(k.prefix(64))': use letters, digits and _")
            }
            env[k] = v
        }
        let launchSize = commands.command.reduce(0) { $0 + $1.utf8.count } + env.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
        guard launchSize <= Self.maxStoredSpec else {
            throw LocalClusterError(.badRequest, "The application's commands and environment are \(launchSize) bytes; the embedded cluster keeps at most \(Self.maxStoredSpec)")
        }
        env["APPLICATION_WEB_PROXY_BASE"] = "/proxy/\(id)"
        env["MAX_APP_ATTEMPTS"] = String(maxAttempts)
        env["APP_SUBMIT_TIME_ENV"] = String(core.now)

        defer { performPending() }
        try core.acceptApplication(
            s, user: user,
            launch: LaunchSpec(command: commands.command.joined(separator: " "), environment: env, files: files),
            memoryMB: memory, vcores: vcores, maxAttempts: maxAttempts)
    }

    // MARK: - Kill

    /// `PUT /apps/{id}/state`. Answers the state the application is in afterwards.
    public func setAppState(_ id: String, target: String, user: String) throws -> String {
        defer { performPending() }
        return try core.setAppState(id, target: target, user: user)
    }
}
