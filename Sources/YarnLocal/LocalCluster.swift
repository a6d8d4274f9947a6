import Foundation
import Hadoop
import Logging

/// The embedded single-node cluster: ResourceManager, NodeManager and the
/// Services API in one actor. Its `ClusterCore` decides (scheduling,
/// restarts, lifetimes, memory limits); the actor checks requests against
/// the host, starts and signals processes, watches them and persists the
/// state. REST handlers call it, and a monitor loop calls `tick()` to notice
/// exits, enforce memory limits and lifetimes, restart what must be
/// restarted and place what waits.
public actor LocalCluster {
    public let configuration: LocalClusterConfiguration
    let executor: ContainerExecutor
    let store: StateStore
    /// The WebHDFS namespace, jailed under `DIR/hdfs`.
    nonisolated let hdfs: HDFSStore
    nonisolated let logger: Logger
    /// The scheduler and state machine: it decides, this actor acts.
    var core: ClusterCore
    let startedOn: Int64
    var httpAddress: String

    public init(configuration: LocalClusterConfiguration, logger: Logger) throws {
        self.configuration = configuration
        executor = ContainerExecutor(fileCache: (configuration.directory as NSString).appendingPathComponent("filecache"))
        self.logger = logger
        self.store = StateStore(directory: configuration.directory)
        let hdfs: HDFSStore
        do {
            hdfs = try HDFSStore(root: configuration.storeDirectory, superuser: LocalClusterConfiguration.processUser,
                                 admins: configuration.kerberos?.admins ?? [], quota: configuration.effectiveStoreQuota())
        } catch let e as HDFSStore.StoreError {
            throw LocalClusterError(.internal, e.message)
        }
        self.hdfs = hdfs
        let httpAddress = "\(configuration.nodeHost):\(configuration.port)"
        self.httpAddress = httpAddress
        let loaded = try store.load() ?? ClusterState()
        core = ClusterCore(state: loaded, configuration: configuration, clock: SystemClusterClock(),
                           resolver: HostLaunchResolver(configuration: configuration, hdfs: hdfs, httpAddress: httpAddress),
                           logger: logger, clusterUser: LocalClusterConfiguration.processUser)
        startedOn = core.state.clusterTimestamp
    }

    public func setHTTPPort(_ port: Int) {
        httpAddress = "\(configuration.nodeHost):\(port)"
        core.resolver = host
    }

    /// The state, as the core keeps it (read-only here: changes go through the core).
    var state: ClusterState { core.state }

    var allocated: (memory: Int64, vcores: Int, count: Int) { core.allocated }

    /// The host's side of launches and of request checks.
    var host: HostLaunchResolver {
        HostLaunchResolver(configuration: configuration, hdfs: hdfs, httpAddress: httpAddress)
    }

    // MARK: - Persistence

    /// Writes the state if it changed. Called before a mutating request is
    /// answered, so that what was acknowledged survives a crash.
    public func persistIfNeeded() throws {
        guard core.dirty else { return }
        try store.save(core.state)
        core.persisted()
    }

    // MARK: - Actions

    /// Takes what the core decided: starts processes (reporting each
    /// outcome back, which may decide more) and sends signals.
    func perform(_ actions: [ClusterAction]) {
        var queue = actions[...]
        while let action = queue.popFirst() {
            switch action {
            case let .launch(id, user):
                // Finished before its turn came (its application ended in
                // the same decision): nothing to start.
                guard let c = core.state.containers[id], c.phase == .running, c.pid == 0 else { continue }
                do {
                    let launched = try executor.launch(c, store: hdfs, user: user, runAs: try launchIdentity(user))
                    queue.append(contentsOf: core.launched(id, pid: launched.pid, startTicks: launched.startTicks))
                } catch {
                    queue.append(contentsOf: core.launchFailed(id, diagnostics: "\(error)"))
                }
            case let .signal(_, pid, signal):
                executor.signal(pid: pid, signal)
            case let .aggregateLogs(appId, user):
                startLogAggregation(appId: appId, user: user)
            }
        }
    }

    /// Takes the actions a request left with the core (also when it threw
    /// after changing something).
    func performPending() {
        perform(core.takeActions())
    }

    // MARK: - Recovery

    /// After a restart: adopt containers whose processes survived, finish
    /// those that did not (their restart policies then apply).
    public func recover() {
        var adopted = 0
        var lost: [LostContainer] = []
        for (id, c) in core.state.containers where c.phase == .running {
            if c.pid > 0, ProcessTable.isAlive(c.pid, startTicks: c.pidStartTicks) {
                adopted += 1
                continue
            }
            lost.append(LostContainer(containerId: id, recordedExitCode: executor.recordedExitCode(c)))
        }
        if adopted + lost.count > 0 {
            logger.notice("recovered containers", metadata: ["adopted": "\(adopted)", "lost": "\(lost.count)"])
        }
        perform(core.recover(lost: lost))
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

    // MARK: - Monitoring

    /// One round of the monitor: reaps exited containers and, when due,
    /// samples memory; the core decides what follows.
    public func tick() {
        var exits: [ContainerExit] = []
        let running = core.state.containers.values.filter { $0.phase == .running && $0.pid > 0 }
        for c in running {
            var status: Int32 = 0
            let r = waitpid(c.pid, &status, WNOHANG)
            if r == c.pid {
                let code: Int
                if status & 0x7f == 0 { code = Int((status >> 8) & 0xff) } // exited
                else { code = 128 + Int(status & 0x7f) } // killed by a signal
                exits.append(ContainerExit(containerId: c.id, exitStatus: executor.recordedExitCode(c) ?? code))
            } else if r < 0 && errno == ECHILD {
                // Adopted after a restart: not our child, so watch /proc instead.
                if !ProcessTable.isAlive(c.pid, startTicks: c.pidStartTicks) {
                    let code = executor.recordedExitCode(c) ?? (c.stopReason ?? ExitStatus.aborted)
                    exits.append(ContainerExit(containerId: c.id, exitStatus: code))
                }
            }
        }
        var usage: [String: Int64]?
        if core.memoryCheckDue {
            let bySession = ProcessTable.residentBytesBySession()
            var sample: [String: Int64] = [:]
            for c in core.state.containers.values where c.phase == .running && c.pid > 0 {
                sample[c.id] = bySession[c.pid] ?? 0
            }
            usage = sample
        }
        perform(core.tick(exits: exits, memoryUsage: usage))
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
