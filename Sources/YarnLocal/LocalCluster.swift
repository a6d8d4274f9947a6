import Foundation
import Hadoop
import Logging

/// The embedded single-node cluster: ResourceManager, NodeManager and the
/// Services API in one actor. It owns the durable state; REST handlers call
/// it, and a monitor loop calls `tick()` to notice exits, enforce memory
/// limits and lifetimes, restart what must be restarted and place what waits.
public actor LocalCluster {
    public let configuration: LocalClusterConfiguration
    let executor: ContainerExecutor
    let store: StateStore
    /// The WebHDFS namespace, jailed under `DIR/hdfs`.
    nonisolated let hdfs: HDFSStore
    let logger: Logger
    var state: ClusterState
    let startedOn: Int64
    var httpAddress: String
    var dirty = false
    var ticks = 0
    /// Containers whose stop grace period is running: id → time of SIGTERM.
    var terminating: [String: ContinuousClock.Instant] = [:]

    public init(configuration: LocalClusterConfiguration, logger: Logger) throws {
        self.configuration = configuration
        executor = ContainerExecutor(fileCache: (configuration.directory as NSString).appendingPathComponent("filecache"))
        self.logger = logger
        self.store = StateStore(directory: configuration.directory)
        do {
            self.hdfs = try HDFSStore(root: configuration.storeDirectory, superuser: LocalClusterConfiguration.processUser,
                                      admins: configuration.kerberos?.admins ?? [], quota: configuration.effectiveStoreQuota())
        } catch let e as HDFSStore.StoreError {
            throw LocalClusterError(.internal, e.message)
        }
        self.startedOn = nowMillis()
        self.httpAddress = "\(configuration.nodeHost):\(configuration.port)"
        var loaded = try store.load() ?? ClusterState()
        loaded.clusterTimestamp = startedOn
        self.state = loaded
    }

    public func setHTTPPort(_ port: Int) {
        httpAddress = "\(configuration.nodeHost):\(port)"
    }

    // MARK: - Persistence

    func markDirty() { dirty = true }

    /// Writes the state if it changed. Called before a mutating request is
    /// answered, so that what was acknowledged survives a crash.
    public func persistIfNeeded() throws {
        guard dirty else { return }
        try store.save(state)
        dirty = false
    }

    // MARK: - Recovery

    /// After a restart: adopt containers whose processes survived, finish
    /// those that did not (their restart policies then apply).
    public func recover() {
        var adopted = 0, lost = 0
        for (id, c) in state.containers where c.phase == .running {
            if c.pid > 0, ProcessTable.isAlive(c.pid, startTicks: c.pidStartTicks) {
                adopted += 1
                continue
            }
            lost += 1
            if let code = executor.recordedExitCode(c) {
                complete(id, exitStatus: code, diagnostics: "Container exited with a non-zero exit code \(code) while the cluster was down")
            } else {
                complete(id, exitStatus: ExitStatus.aborted,
                         diagnostics: "Container released: its process was gone when the cluster restarted")
            }
        }
        if adopted + lost > 0 {
            logger.notice("recovered containers", metadata: ["adopted": "\(adopted)", "lost": "\(lost)"])
        }
        reconcileAll()
        markDirty()
    }

    // MARK: - Identifiers

    /// The next application id: never one in use or reserved, so that an id
    /// submitted early by someone else cannot collide with a service's.
    func newAppId() -> String {
        while true {
            let seq = state.nextAppSequence
            state.nextAppSequence += 1
            let id = String(format: "application_%lld_%04d", state.clusterTimestamp, seq)
            if state.apps[id] == nil && !state.reservedAppIds.contains(id) { return id }
        }
    }

    func newContainerId(appId: String, attempt: Int) -> String {
        let seq = state.nextContainerSequence
        state.nextContainerSequence += 1
        let parts = appId.split(separator: "_")
        let ts = parts.count == 3 ? String(parts[1]) : String(state.clusterTimestamp)
        let app = parts.count == 3 ? String(parts[2]) : "0000"
        return String(format: "container_%@_%@_%02d_%06d", ts, app, attempt, seq)
    }

    static func validAppId(_ id: String) -> Bool {
        let parts = id.split(separator: "_", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == "application" && Int64(parts[1]) != nil && Int(parts[2]) != nil
    }

    func requireApp(_ id: String) throws -> AppRecord {
        guard Self.validAppId(id) else {
            throw LocalClusterError(.badRequest, "Invalid ApplicationId: \(id)")
        }
        guard let app = state.apps[id] else {
            throw LocalClusterError(.notFound, "app with id: \(id) not found")
        }
        return app
    }

    // MARK: - Resources

    var allocated: (memory: Int64, vcores: Int, count: Int) {
        var m: Int64 = 0, v = 0, n = 0
        for c in state.containers.values where c.phase == .running {
            m += c.memoryMB
            v += c.vcores
            n += 1
        }
        return (m, v, n)
    }

    func fits(memoryMB: Int64, vcores: Int) -> Bool {
        memoryMB <= configuration.memoryMB && vcores <= configuration.vcores
    }

    // MARK: - Containers

    /// Asks for a container; it starts now if it fits, or waits in line.
    @discardableResult
    func requestContainer(appId: String, attempt: Int, memoryMB: Int64, vcores: Int, launch: LaunchSpec,
                          service: String? = nil, component: String? = nil, instance: Int? = nil,
                          isAppMaster: Bool = false) -> String {
        let id = newContainerId(appId: appId, attempt: attempt)
        let workDir = (configuration.containersDirectory as NSString).appendingPathComponent("\(appId)/\(id)")
        let logDir = (configuration.logsDirectory as NSString).appendingPathComponent("\(appId)/\(id)")
        var env = launch.environment
        env["CONTAINER_ID"] = id
        env["PWD"] = workDir
        env["LOG_DIRS"] = logDir
        env["LOCAL_DIRS"] = (configuration.containersDirectory as NSString).appendingPathComponent(appId)
        let command = Self.expand(launch.command, env: env, logDir: logDir)
        var expandedEnv: [String: String] = [:]
        for (k, v) in env { expandedEnv[k] = Self.expand(v, env: env, logDir: logDir) }
        let record = ContainerRecord(
            id: id, appId: appId, memoryMB: memoryMB, vcores: vcores, phase: .pending, requestedAt: nowMillis(),
            workDir: workDir, logDir: logDir,
            launch: LaunchSpec(command: command, environment: expandedEnv, files: launch.files),
            service: service, component: component, instance: instance, isAppMaster: isAppMaster)
        state.containers[id] = record
        markDirty()
        schedule()
        return id
    }

    /// YARN's cross-platform markers: `{{VAR}}`, `<CPS>`, `<LOG_DIR>`. One
    /// pass from left to right over the original text: what a marker is
    /// replaced with is never expanded again, and `{{VAR}}` names only the
    /// container's own environment (what YARN sets and the request's `env`),
    /// never the cluster process's.
    static func expand(_ s: String, env: [String: String], logDir: String) -> String {
        guard s.contains("{{") || s.contains("<") else { return s }
        var out = ""
        var rest = Substring(s)
        while let i = rest.firstIndex(where: { $0 == "{" || $0 == "<" }) {
            out += rest[..<i]
            rest = rest[i...]
            if rest.hasPrefix("<LOG_DIR>") {
                out += logDir
                rest = rest.dropFirst("<LOG_DIR>".count)
            } else if rest.hasPrefix("<CPS>") {
                out += ":"
                rest = rest.dropFirst("<CPS>".count)
            } else if rest.hasPrefix("{{") {
                // No `}}` after this one means none after any later one: the
                // rest is plain text (one search, not one per character).
                guard let close = rest.range(of: "}}") else { break }
                out += env[String(rest[rest.index(rest.startIndex, offsetBy: 2)..<close.lowerBound])] ?? ""
                rest = rest[close.upperBound...]
            } else {
                out.append(rest.removeFirst())
            }
        }
        return out + rest
    }

    /// Starts waiting containers, in order of request, while they fit.
    func schedule() {
        var used = allocated
        let pending = state.containers.values.filter { $0.phase == .pending }.sorted { $0.id < $1.id }
        for c in pending {
            guard used.memory + c.memoryMB <= configuration.memoryMB,
                  used.vcores + c.vcores <= configuration.vcores else { continue }
            used.memory += c.memoryMB
            used.vcores += c.vcores
            start(c.id)
        }
    }

    /// Whose containers run how. The cluster's own user and its admins: as
    /// the cluster's Unix user. Without Kerberos, everyone: `user.name` is
    /// trusted, as by Hadoop's DefaultContainerExecutor. With Kerberos,
    /// anyone else runs as the local user of the same name when the cluster
    /// runs as root (as YARN's LinuxContainerExecutor), and is refused
    /// otherwise, since their container could read all the cluster can.
    func launchIdentity(_ user: String) throws -> ContainerExecutor.RunAs? {
        guard configuration.kerberos != nil, !configuration.superusers.contains(user) else { return nil }
        guard geteuid() == 0 else {
            throw LocalClusterError(.forbidden, "Containers of \(user) cannot be started: this Kerberized cluster does not run as root, so it cannot run them as \(user), and only the cluster's user and its admins (--admins) may run containers as the cluster's user")
        }
        guard let pw = getpwnam(user) else {
            throw LocalClusterError(.forbidden, "Containers of \(user) cannot be started: there is no local user \(user) to run them as (create one, or make \(user) an admin with --admins)")
        }
        // YARN's container-executor: no system accounts (min.user.id 1000).
        guard pw.pointee.pw_uid >= Self.minimumUserId else {
            throw LocalClusterError(.forbidden, "Containers of \(user) cannot be started: the local user \(user) has uid \(pw.pointee.pw_uid), below \(Self.minimumUserId), as system accounts have (YARN's min.user.id)")
        }
        return ContainerExecutor.RunAs(name: user, uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid)
    }

    /// The lowest uid containers may run as, as YARN's `min.user.id`.
    static let minimumUserId: uid_t = 1000

    func start(_ id: String) {
        guard var c = state.containers[id] else { return }
        do {
            let user = state.apps[c.appId]?.user ?? LocalClusterConfiguration.processUser
            let launched = try executor.launch(c, store: hdfs, user: user, runAs: try launchIdentity(user))
            c.phase = .running
            c.pid = launched.pid
            c.pidStartTicks = launched.startTicks
            c.launchTime = nowMillis()
            state.containers[id] = c
            markDirty()
            containerStarted(c)
        } catch {
            c.phase = .running
            c.launchTime = nowMillis()
            state.containers[id] = c
            complete(id, exitStatus: ExitStatus.invalid, diagnostics: "\(error)")
        }
    }

    func containerStarted(_ c: ContainerRecord) {
        guard var app = state.apps[c.appId] else { return }
        if app.state == .ACCEPTED || app.state == .SUBMITTED {
            app.state = .RUNNING
            if app.launchTime == 0 { app.launchTime = c.launchTime }
        }
        if c.isAppMaster, let i = app.attempts.lastIndex(where: { $0.containerId == c.id }) {
            app.attempts[i].state = "RUNNING"
            app.attempts[i].startTime = c.launchTime
        }
        state.apps[c.appId] = app
    }

    /// Asks a container to stop: SIGTERM now, SIGKILL after the grace period.
    func stopContainer(_ id: String, reason: Int, diagnostics: String) {
        guard var c = state.containers[id] else { return }
        switch c.phase {
        case .complete:
            return
        case .pending:
            c.phase = .running // never started: complete it at once
            state.containers[id] = c
            complete(id, exitStatus: reason, diagnostics: diagnostics)
        case .running:
            guard c.stopReason == nil else { return }
            c.stopReason = reason
            c.diagnostics = diagnostics
            c.stopRequestedAt = nowMillis()
            state.containers[id] = c
            executor.signal(c, SIGTERM)
            terminating[id] = .now
            markDirty()
        }
    }

    /// Records a container's end, frees its resources and lets its owner react.
    func complete(_ id: String, exitStatus: Int, diagnostics: String) {
        guard var c = state.containers[id], c.phase != .complete else { return }
        // Whatever the leader left behind in its group goes with it.
        if c.pid > 0 { executor.signal(c, SIGKILL) }
        terminating[id] = nil
        c.phase = .complete
        c.finishTime = nowMillis()
        // A finished container is never launched again (a restart is a new
        // container); keep its command for the record, drop the rest so the
        // state file stays small.
        c.launch = LaunchSpec(command: c.launch.command, environment: [:], files: [])
        c.exitStatus = c.stopReason ?? exitStatus
        if c.stopReason == nil { c.diagnostics = diagnostics }
        state.containers[id] = c
        markDirty()
        if var app = state.apps[c.appId], c.launchTime > 0 {
            let seconds = max(0, (c.finishTime - c.launchTime) / 1000)
            app.memorySeconds += c.memoryMB * seconds
            app.vcoreSeconds += Int64(c.vcores) * seconds
            state.apps[c.appId] = app
        }
        logger.info("container finished", metadata: [
            "yarn.container.id": "\(id)", "exit": "\(c.exitStatus ?? 0)",
        ])
        if c.isAppMaster {
            appMasterFinished(c)
        } else if let service = c.service {
            serviceContainerFinished(service: service, container: c)
        }
        schedule()
    }

    // MARK: - Monitoring

    /// One round of the monitor: exits, grace periods, memory, lifetimes.
    public func tick() {
        ticks += 1
        let running = state.containers.values.filter { $0.phase == .running && $0.pid > 0 }
        for c in running {
            var status: Int32 = 0
            let r = waitpid(c.pid, &status, WNOHANG)
            if r == c.pid {
                let code: Int
                if status & 0x7f == 0 { code = Int((status >> 8) & 0xff) } // exited
                else { code = 128 + Int(status & 0x7f) } // killed by a signal
                let recorded = executor.recordedExitCode(c) ?? code
                complete(c.id, exitStatus: recorded, diagnostics: Self.exitDiagnostics(recorded))
            } else if r < 0 && errno == ECHILD {
                // Adopted after a restart: not our child, so watch /proc instead.
                if !ProcessTable.isAlive(c.pid, startTicks: c.pidStartTicks) {
                    let code = executor.recordedExitCode(c) ?? (c.stopReason ?? ExitStatus.aborted)
                    complete(c.id, exitStatus: code, diagnostics: Self.exitDiagnostics(code))
                }
            }
        }
        let now = ContinuousClock.now
        for (id, since) in terminating where now - since >= configuration.stopGracePeriod {
            if let c = state.containers[id] { executor.signal(c, SIGKILL) }
        }
        if ticks % configuration.memoryCheckEvery == 0 { enforceMemoryLimits() }
        enforceLifetimes()
        reconcileAll()
        schedule()
    }

    static func exitDiagnostics(_ code: Int) -> String {
        code == 0 ? "" : "Exception from container-launch.\nExit code: \(code)"
    }

    /// Kills containers whose process tree holds more resident memory than
    /// they were given, with YARN's exit status and message.
    func enforceMemoryLimits() {
        let running = state.containers.values.filter { $0.phase == .running && $0.pid > 0 && $0.stopReason == nil }
        guard !running.isEmpty else { return }
        let usage = ProcessTable.residentBytesBySession()
        for c in running {
            let used = usage[c.pid] ?? 0
            let limit = c.memoryMB * 1024 * 1024
            guard used > limit else { continue }
            let message = "Container [pid=\(c.pid),containerID=\(c.id)] is running \(used - limit)B beyond the 'PHYSICAL' memory limit. Current usage: \(Self.human(used)) of \(Self.human(limit)) physical memory used. Killing container."
            logger.warning("container over its memory limit", metadata: ["yarn.container.id": "\(c.id)"])
            stopContainer(c.id, reason: ExitStatus.killedExceededPhysicalMemory, diagnostics: message)
            if let c = state.containers[c.id] { executor.signal(c, SIGKILL) }
        }
    }

    static func human(_ bytes: Int64) -> String {
        let mb = Double(bytes) / 1048576
        return mb >= 1024 ? String(format: "%.1f GB", mb / 1024) : String(format: "%.1f MB", mb)
    }

    /// Stops every container (for a clean shutdown of the cluster) and waits
    /// for them to go, up to the grace period.
    public func shutdownContainers() async {
        for c in state.containers.values where c.phase == .running {
            executor.signal(c, SIGTERM)
        }
        let deadline = ContinuousClock.now + configuration.stopGracePeriod
        while ContinuousClock.now < deadline {
            let alive = state.containers.values.filter {
                $0.phase == .running && $0.pid > 0 && ProcessTable.isAlive($0.pid, startTicks: $0.pidStartTicks)
            }
            for c in alive { var s: Int32 = 0; waitpid(c.pid, &s, WNOHANG) }
            if alive.isEmpty { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        for c in state.containers.values where c.phase == .running { executor.signal(c, SIGKILL) }
        // Leave them as running: the next start finds the processes gone and
        // restarts them under their policies, as after a crash.
        try? persistIfNeeded()
    }
}
