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
                           nodeHTTPAddress: httpAddress, lastHealthUpdate: nowMillis(), version: Self.version,
                           healthReport: "", numContainers: used.count, usedMemoryMB: used.memory,
                           availMemoryMB: configuration.memoryMB - used.memory, usedVirtualCores: used.vcores,
                           availableVirtualCores: configuration.vcores - used.vcores)]
    }

    // MARK: - Application reports

    func report(_ app: AppRecord) -> ApplicationReport {
        let now = nowMillis()
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
        return ApplicationReport(
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
        report(try requireApp(id))
    }

    public func attempts(_ id: String) throws -> [AppAttempt] {
        let app = try requireApp(id)
        return app.attempts.map { a in
            AppAttempt(id: a.id, startTime: a.startTime, finishedTime: a.finishTime, containerId: a.containerId,
                       nodeHttpAddress: httpAddress, nodeId: httpAddress,
                       logsLink: "\(configuration.scheme)://\(httpAddress)/node/containerlogs/\(a.containerId)/\(app.user)",
                       appAttemptId: String(format: "appattempt_%@_%06d", String(app.id.dropFirst("application_".count)), a.id),
                       appAttemptState: a.state)
        }
    }

    public func appState(_ id: String) throws -> String {
        try requireApp(id).state.rawValue
    }

    // MARK: - Submission

    /// Ids given out and not yet submitted are kept up to this many; the
    /// oldest go first (a client that asks and never submits holds none for long).
    static let maxReservedIds = 1000

    public func newApplication(user: String) -> NewApplication {
        if state.reservedAppIds.count >= Self.maxReservedIds {
            let bySequence = state.reservedAppIds.sorted { (Int($0.split(separator: "_").last ?? "") ?? 0) < (Int($1.split(separator: "_").last ?? "") ?? 0) }
            for old in bySequence.prefix(state.reservedAppIds.count - Self.maxReservedIds + 1) {
                state.reservedAppIds.remove(old)
                state.appIdIssuers?[old] = nil
            }
        }
        let id = newAppId()
        state.reservedAppIds.insert(id)
        state.appIdIssuers = (state.appIdIssuers ?? [:]).merging([id: user]) { $1 }
        markDirty()
        return NewApplication(applicationId: id,
                              maximumResourceCapability: .init(memory: configuration.memoryMB, vCores: configuration.vcores))
    }

    public func submit(_ s: ApplicationSubmission, user: String) throws {
        let id = s.applicationId
        guard Self.validAppId(id) else {
            throw LocalClusterError(.badRequest, "Could not parse application id \(id)")
        }
        guard state.apps[id] == nil else {
            throw LocalClusterError(.conflict, "Application with id \(id) is already present! Cannot add a duplicate!")
        }
        // An id is taken once, by whom new-application gave it to.
        guard state.reservedAppIds.contains(id) else {
            throw LocalClusterError(.badRequest, "Application id \(id) was not given out by new-application (or was already used): ask for a new one")
        }
        if let issuer = state.appIdIssuers?[id], issuer != user {
            throw LocalClusterError(.forbidden, "Application id \(id) was given to \(issuer), not to \(user)")
        }
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
            let source = try localSource(resource.resource, what: "local resource \(name)", user: user)
            files.append(LocalizedFile(source: source, destination: name, kind: kind))
        }
        var env = baseEnvironment(user: user)
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
        env["APP_SUBMIT_TIME_ENV"] = String(nowMillis())

        state.reservedAppIds.remove(id)
        state.appIdIssuers?[id] = nil
        let app = AppRecord(
            id: id, user: user, name: s.applicationName ?? "N/A", queue: s.queue ?? "default",
            type: s.applicationType ?? "YARN", tags: s.applicationTags?.tag ?? [], priority: s.priority ?? 0,
            state: .ACCEPTED, finalStatus: "UNDEFINED", diagnostics: "", startedTime: nowMillis(),
            maxAttempts: maxAttempts,
            amLaunch: LaunchSpec(command: commands.command.joined(separator: " "), environment: env, files: files),
            amMemoryMB: memory, amVcores: vcores)
        state.apps[id] = app
        state.appOrder.append(id)
        markDirty()
        startAttempt(id)
    }

    /// Where a resource comes from, checked for the submitting user:
    /// `hdfs://[host[:port]]/path` is a file of this cluster's WebHDFS store
    /// that the user may read (localized through the store's jail when the
    /// container starts); an `http(s)://` URL is fetched by the container; a
    /// local path or `file://` URL is for the cluster's own user and admins
    /// only, since every container could otherwise read any file the
    /// cluster's Unix user can.
    func localSource(_ source: String, what: String, user: String) throws -> String {
        if source.hasPrefix("http://") || source.hasPrefix("https://") { return source }
        if source.hasPrefix("hdfs://") {
            let rest = source.dropFirst("hdfs://".count)
            let path = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? ""
            let checked: HDFSStore.Path
            do { checked = try HDFSStore.Path(absolute: path) } catch {
                throw LocalClusterError(.badRequest, "\(what): '\(source.prefix(300))' names no file in HDFS")
            }
            guard !checked.isRoot else { throw LocalClusterError(.badRequest, "\(what): '\(source.prefix(300))' names no file in HDFS") }
            do {
                let (fd, _) = try hdfs.openForReading(checked, as: hdfs.caller(user))
                close(fd)
            } catch let e as HDFSStore.StoreError {
                if e.status == 404 {
                    throw LocalClusterError(.badRequest, "\(what): \(source.prefix(300)) does not exist in the cluster's HDFS (WebHDFS at /webhdfs/v1)")
                }
                throw LocalClusterError(.forbidden, "\(what): \(e.message)")
            }
            return "hdfs://" + checked.string
        }
        guard configuration.superusers.contains(user) else {
            throw LocalClusterError(.forbidden, "\(what): '\(source.prefix(300))' is a file on the cluster's host; only the cluster's own user and its admins may name one. Put it in HDFS (hdfs://) or give an http(s):// URL")
        }
        try Self.checkSource(source, what: what)
        return source
    }

    /// A local source must be an absolute path or file:// URL of a readable file.
    static func checkSource(_ source: String, what: String) throws {
        let path = source.hasPrefix("file://") ? String(source.dropFirst("file://".count)) : source
        guard path.hasPrefix("/") else {
            throw LocalClusterError(.badRequest, "\(what): '\(source.prefix(300))' is not an absolute path, file://, hdfs:// or http(s):// URL")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw LocalClusterError(.badRequest, "\(what): \(path.prefix(300)) does not exist or cannot be read")
        }
    }

    /// What Hadoop's NodeManager puts in every container's environment.
    func baseEnvironment(user: String) -> [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        var env: [String: String] = [
            "USER": user, "LOGNAME": user, "HADOOP_USER_NAME": user,
            "NM_HOST": configuration.nodeHost,
            "NM_PORT": String(httpAddress.split(separator: ":").last ?? ""),
            "NM_HTTP_PORT": String(httpAddress.split(separator: ":").last ?? ""),
            "HOME": inherited["HOME"] ?? "/tmp",
            "PATH": inherited["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "LANG": inherited["LANG"] ?? "C.UTF-8",
            "YARN_RM_ADDRESS": "\(configuration.scheme)://\(httpAddress)",
        ]
        for key in ["JAVA_HOME", "HADOOP_CONF_DIR", "FLINK_HOME", "TZ", "KRB5_CONFIG"] {
            if let v = inherited[key] { env[key] = v }
        }
        return env
    }

    func startAttempt(_ appId: String) {
        guard var app = state.apps[appId], let launch = app.amLaunch else { return }
        let attempt = app.attempts.count + 1
        let cid = requestContainer(appId: appId, attempt: attempt, memoryMB: app.amMemoryMB, vcores: app.amVcores,
                                   launch: launch, isAppMaster: true)
        app = state.apps[appId] ?? app
        app.attempts.append(AttemptRecord(id: attempt, containerId: cid, startTime: nowMillis(), state: "ALLOCATED"))
        state.apps[appId] = app
        markDirty()
    }

    func appMasterFinished(_ c: ContainerRecord) {
        guard var app = state.apps[c.appId], !app.state.isTerminal else { return }
        let code = c.exitStatus ?? 0
        if let i = app.attempts.lastIndex(where: { $0.containerId == c.id }) {
            app.attempts[i].finishTime = c.finishTime
            app.attempts[i].state = code == 0 ? "FINISHED" : "FAILED"
        }
        state.apps[c.appId] = app
        if code == 0 {
            finishApp(c.appId, state: .FINISHED, finalStatus: "SUCCEEDED", diagnostics: "")
        } else if app.attempts.count < app.maxAttempts && c.stopReason == nil {
            app.diagnostics = "AM Container for \(app.attempts.last.map { String($0.id) } ?? "?") exited with exitCode: \(code). Retrying."
            state.apps[c.appId] = app
            startAttempt(c.appId)
        } else {
            let diag = c.stopReason == ExitStatus.killedExceededPhysicalMemory ? c.diagnostics :
                "Application \(app.id) failed \(app.attempts.count) times due to AM Container for attempt \(app.attempts.count) exited with exitCode: \(code)\n\(c.diagnostics)"
            finishApp(c.appId, state: .FAILED, finalStatus: "FAILED", diagnostics: diag)
        }
    }

    func finishApp(_ id: String, state newState: YarnApplicationState, finalStatus: String, diagnostics: String) {
        guard var app = state.apps[id], !app.state.isTerminal else { return }
        app.state = newState
        app.finalStatus = finalStatus
        if !diagnostics.isEmpty { app.diagnostics = diagnostics }
        app.finishedTime = nowMillis()
        app.amLaunch = nil // no attempt will follow
        state.apps[id] = app
        markDirty()
        for c in state.containers.values where c.appId == id && c.phase != .complete {
            stopContainer(c.id, reason: ExitStatus.killedByResourceManager, diagnostics: "Container killed: the application finished")
        }
    }

    // MARK: - Kill

    /// `PUT /apps/{id}/state`. Answers the state the application is in afterwards.
    public func setAppState(_ id: String, target: String, user: String) throws -> String {
        let app = try requireApp(id)
        guard target == "KILLED" else {
            if target == app.state.rawValue { return app.state.rawValue }
            throw LocalClusterError(.badRequest, "java.lang.Exception: Only 'KILLED' is allowed as a target state.")
        }
        if app.state.isTerminal { return app.state.rawValue }
        if let name = app.service, var svc = state.services[name], svc.appId == id {
            stopServiceContainers(&svc, reason: ExitStatus.killedByResourceManager)
            svc.state = .STOPPED
            state.services[name] = svc
        }
        finishApp(id, state: .KILLED, finalStatus: "KILLED",
                  diagnostics: "Application killed by user \(user).")
        return "KILLED"
    }
}
