import Foundation
import Hadoop
import Logging

// The embedded cluster's scheduler and state machine, without processes,
// files or wall time: `ClusterCore` owns the `ClusterState`, reads the time
// from an injected `ClusterClock`, and answers each event (a REST request, a
// monitor round, a container's exit, a launch's outcome, a recovery) by
// changing the state and listing the actions its owner must take. The actor
// `LocalCluster` holds one, performs the actions through `ContainerExecutor`
// and feeds the outcomes back; tests drive one with a test clock.

/// Where the core reads the time. Epoch milliseconds for what is recorded
/// and shown (launch and finish times, lifetimes, restart back-off);
/// monotonic milliseconds for the stop grace period, which must not jump
/// with the wall clock.
public protocol ClusterClock: Sendable {
    func epochMillis() -> Int64
    func monotonicMillis() -> Int64
}

/// The real clocks.
public struct SystemClusterClock: ClusterClock {
    public init() {}
    public func epochMillis() -> Int64 { nowMillis() }
    public func monotonicMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// What the core asks of the world while it decides, answered at once: the
/// launch context of a service instance. Resolving it reads the host (the
/// cluster's environment, files named by the spec, the HDFS store), so the
/// owner supplies it; a failure leaves the instance waiting, as before.
protocol ServiceLaunchResolver: Sendable {
    func launchSpec(svc: ServiceRecord, component: ComponentRecord, index: Int) throws -> LaunchSpec
}

/// What the owner of a core must do after an event.
enum ClusterAction: Sendable, Equatable {
    /// Start this container's process for `user`, then report the outcome
    /// with `launched` or `launchFailed`. The container already holds its
    /// resources (phase `.running`, no pid yet).
    case launch(containerId: String, user: String)
    /// Send `signal` to the container's process group (led by `pid`).
    case signal(containerId: String, pid: Int32, signal: Int32)
    /// Copy the logs of every container of this ended application into the
    /// HDFS store (YARN's log aggregation), then report with `logsAggregated`.
    case aggregateLogs(appId: String, user: String)
}

/// A container process the owner saw end, with the exit code to record.
struct ContainerExit: Sendable, Equatable {
    var containerId: String
    var exitStatus: Int
}

/// A container found without its process after a restart, with the exit
/// code its launch script recorded (nil when it recorded none).
struct LostContainer: Sendable, Equatable {
    var containerId: String
    var recordedExitCode: Int?
}

struct ClusterCore {
    let configuration: LocalClusterConfiguration
    let clock: any ClusterClock
    var resolver: any ServiceLaunchResolver
    let logger: Logger
    /// Whom containers of an unknown application run for: the cluster's own user.
    let clusterUser: String
    /// Changed only through the core's events (its extensions included); its owner reads it.
    var state: ClusterState
    /// The state changed since it was last persisted.
    private(set) var dirty = false
    private(set) var ticks = 0
    /// Containers whose stop grace period is running: id → monotonic time of SIGTERM.
    private(set) var terminating: [String: Int64] = [:]
    /// Actions decided and not yet taken by the owner.
    private var actions: [ClusterAction] = []

    /// A core for a new run of the cluster over `state` (empty, or loaded
    /// after a restart): ids issued from now on carry this run's timestamp.
    init(state: ClusterState, configuration: LocalClusterConfiguration, clock: any ClusterClock,
         resolver: any ServiceLaunchResolver, logger: Logger, clusterUser: String) {
        self.configuration = configuration
        self.clusterUser = clusterUser
        self.clock = clock
        self.resolver = resolver
        self.logger = logger
        self.state = state
        self.state.clusterTimestamp = clock.epochMillis()
    }

    var now: Int64 { clock.epochMillis() }

    // MARK: - Actions and persistence

    /// The actions decided since the last call, in order; the owner takes them all.
    mutating func takeActions() -> [ClusterAction] {
        defer { actions = [] }
        return actions
    }

    mutating func markDirty() { dirty = true }

    /// Called by the owner once the state is safely written.
    mutating func persisted() { dirty = false }

    // MARK: - Identifiers

    /// The next application id: never one in use or reserved, so that an id
    /// submitted early by someone else cannot collide with a service's.
    mutating func newAppId() -> String {
        while true {
            let seq = state.nextAppSequence
            state.nextAppSequence += 1
            let id = String(format: "application_%lld_%04d", state.clusterTimestamp, seq)
            if state.apps[id] == nil && !state.reservedAppIds.contains(id) { return id }
        }
    }

    mutating func newContainerId(appId: String, attempt: Int) -> String {
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
    mutating func requestContainer(appId: String, attempt: Int, memoryMB: Int64, vcores: Int, launch: LaunchSpec,
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
            id: id, appId: appId, memoryMB: memoryMB, vcores: vcores, phase: .pending, requestedAt: now,
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
    mutating func schedule() {
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

    /// Gives a container its resources and asks the owner to start its
    /// process; `launched` or `launchFailed` follows.
    mutating func start(_ id: String) {
        guard var c = state.containers[id] else { return }
        let user = state.apps[c.appId]?.user ?? clusterUser
        c.phase = .running
        c.launchTime = now
        state.containers[id] = c
        markDirty()
        actions.append(.launch(containerId: id, user: user))
    }

    /// The owner started a container's process.
    mutating func launched(_ id: String, pid: Int32, startTicks: UInt64) -> [ClusterAction] {
        guard var c = state.containers[id] else { return [.signal(containerId: id, pid: pid, signal: SIGKILL)] }
        c.pid = pid
        c.pidStartTicks = startTicks
        switch c.phase {
        case .complete:
            // Finished (its application ended) before its process started:
            // the process goes at once, the record stays as it ended.
            actions.append(.signal(containerId: id, pid: pid, signal: SIGKILL))
            return takeActions()
        case .pending, .running:
            c.phase = .running
            c.launchTime = now
            state.containers[id] = c
            markDirty()
            if c.stopReason != nil {
                // Asked to stop before its process started: SIGTERM now, its
                // grace period already runs.
                actions.append(.signal(containerId: id, pid: pid, signal: SIGTERM))
                return takeActions()
            }
            containerStarted(c)
            if let service = c.service { reconcile(service) }
        }
        return takeActions()
    }

    /// The owner could not start a container's process (or may not start it
    /// for its user): it finishes with YARN's INVALID status.
    mutating func launchFailed(_ id: String, diagnostics: String) -> [ClusterAction] {
        if var c = state.containers[id], c.phase != .complete {
            c.phase = .running
            c.launchTime = now
            state.containers[id] = c
            complete(id, exitStatus: ExitStatus.invalid, diagnostics: diagnostics)
        }
        return takeActions()
    }

    mutating func containerStarted(_ c: ContainerRecord) {
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
    mutating func stopContainer(_ id: String, reason: Int, diagnostics: String) {
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
            c.stopRequestedAt = now
            state.containers[id] = c
            signal(c, SIGTERM)
            terminating[id] = clock.monotonicMillis()
            markDirty()
        }
    }

    mutating func signal(_ c: ContainerRecord, _ signal: Int32) {
        guard c.pid > 0 else { return }
        actions.append(.signal(containerId: c.id, pid: c.pid, signal: signal))
    }

    /// Records a container's end, frees its resources and lets its owner react.
    mutating func complete(_ id: String, exitStatus: Int, diagnostics: String) {
        guard var c = state.containers[id], c.phase != .complete else { return }
        // Whatever the leader left behind in its group goes with it.
        signal(c, SIGKILL)
        terminating[id] = nil
        c.phase = .complete
        c.finishTime = now
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
        aggregateLogsIfEnded(c.appId)
    }

    // MARK: - Log aggregation

    /// Once an application has ended and the last of its containers has
    /// stopped writing, its logs go to the HDFS store, as a NodeManager with
    /// log aggregation does. Asked once per application.
    mutating func aggregateLogsIfEnded(_ appId: String) {
        guard var app = state.apps[appId], app.state.isTerminal, app.logAggregationStatus == nil,
              !state.containers.values.contains(where: { $0.appId == appId && $0.phase != .complete }) else { return }
        app.logAggregationStatus = "RUNNING"
        state.apps[appId] = app
        markDirty()
        actions.append(.aggregateLogs(appId: appId, user: app.user))
    }

    /// The owner copied the application's logs (or failed to).
    mutating func logsAggregated(_ appId: String, succeeded: Bool) {
        guard var app = state.apps[appId] else { return }
        app.logAggregationStatus = succeeded ? "SUCCEEDED" : "FAILED"
        state.apps[appId] = app
        markDirty()
    }

    // MARK: - Monitoring

    /// Whether the next `tick` checks memory: the owner then passes a sample.
    var memoryCheckDue: Bool {
        (ticks + 1) % configuration.memoryCheckEvery == 0
            && state.containers.values.contains { $0.phase == .running && $0.pid > 0 && $0.stopReason == nil }
    }

    /// One round of the monitor: the exits the owner saw, grace periods,
    /// memory (when due, from `memoryUsage`: container id → resident bytes
    /// of its process tree), lifetimes, restarts and waiting requests.
    mutating func tick(exits: [ContainerExit] = [], memoryUsage: [String: Int64]? = nil) -> [ClusterAction] {
        ticks += 1
        for e in exits {
            complete(e.containerId, exitStatus: e.exitStatus, diagnostics: Self.exitDiagnostics(e.exitStatus))
        }
        let monotonic = clock.monotonicMillis()
        let grace = Self.millis(configuration.stopGracePeriod)
        for (id, since) in terminating.sorted(by: { $0.key < $1.key }) where monotonic - since >= grace {
            if let c = state.containers[id] { signal(c, SIGKILL) }
        }
        if ticks % configuration.memoryCheckEvery == 0, let memoryUsage { enforceMemoryLimits(memoryUsage) }
        enforceLifetimes()
        reconcileAll()
        schedule()
        return takeActions()
    }

    /// A container's process ended outside a monitor round.
    mutating func containerExited(_ exit: ContainerExit) -> [ClusterAction] {
        complete(exit.containerId, exitStatus: exit.exitStatus, diagnostics: Self.exitDiagnostics(exit.exitStatus))
        return takeActions()
    }

    static func millis(_ d: Duration) -> Int64 {
        let (seconds, attoseconds) = d.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    static func exitDiagnostics(_ code: Int) -> String {
        code == 0 ? "" : "Exception from container-launch.\nExit code: \(code)"
    }

    /// Kills containers whose process tree holds more resident memory than
    /// they were given, with YARN's exit status and message.
    mutating func enforceMemoryLimits(_ usage: [String: Int64]) {
        let running = state.containers.values.filter { $0.phase == .running && $0.pid > 0 && $0.stopReason == nil }
            .sorted { $0.id < $1.id }
        for c in running {
            let used = usage[c.id] ?? 0
            let limit = c.memoryMB * 1024 * 1024
            guard used > limit else { continue }
            let message = "Container [pid=\(c.pid),containerID=\(c.id)] is running \(used - limit)B beyond the 'PHYSICAL' memory limit. Current usage: \(Self.human(used)) of \(Self.human(limit)) physical memory used. Killing container."
            logger.warning("container over its memory limit", metadata: ["yarn.container.id": "\(c.id)"])
            stopContainer(c.id, reason: ExitStatus.killedExceededPhysicalMemory, diagnostics: message)
            if let c = state.containers[c.id] { signal(c, SIGKILL) }
        }
    }

    static func human(_ bytes: Int64) -> String {
        let mb = Double(bytes) / 1048576
        return mb >= 1024 ? String(format: "%.1f GB", mb / 1024) : String(format: "%.1f MB", mb)
    }

    // MARK: - Recovery

    /// After a restart, with the containers whose processes were gone: they
    /// finish (their restart policies then apply), and every service is
    /// brought in line again. Containers whose processes survived stay.
    mutating func recover(lost: [LostContainer]) -> [ClusterAction] {
        for l in lost {
            if let code = l.recordedExitCode {
                complete(l.containerId, exitStatus: code,
                         diagnostics: "Container exited with a non-zero exit code \(code) while the cluster was down")
            } else {
                complete(l.containerId, exitStatus: ExitStatus.aborted,
                         diagnostics: "Container released: its process was gone when the cluster restarted")
            }
        }
        // A copy of logs the crash interrupted is made again (it overwrites).
        for (id, app) in state.apps where app.logAggregationStatus == "RUNNING" {
            actions.append(.aggregateLogs(appId: id, user: app.user))
        }
        reconcileAll()
        markDirty()
        return takeActions()
    }
}
