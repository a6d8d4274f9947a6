import Foundation
import Hadoop
import Logging
@testable import YarnLocal

/// Time that moves only when a test moves it.
final class TestClock: ClusterClock, @unchecked Sendable {
    // @unchecked: both readings are only touched under `lock`.
    private let lock = NSLock()
    private var epoch: Int64
    private var monotonic: Int64 = 5_000

    init(epoch: Int64 = 1_800_000_000_000) { self.epoch = epoch }

    func epochMillis() -> Int64 { lock.withLock { epoch } }
    func monotonicMillis() -> Int64 { lock.withLock { monotonic } }

    func advance(milliseconds ms: Int64) {
        lock.withLock {
            epoch += ms
            monotonic += ms
        }
    }
}

/// Service launches without the host: the spec's command and env, no files.
struct TestResolver: ServiceLaunchResolver {
    func launchSpec(svc: ServiceRecord, component comp: ComponentRecord, index: Int) throws -> LaunchSpec {
        var env = comp.spec.configuration?.env ?? [:]
        env["COMPONENT_INSTANCE_NAME"] = "\(comp.spec.name)-\(index)"
        return LaunchSpec(command: comp.spec.launchCommand ?? "", environment: env, files: [])
    }
}

struct SentSignal: Hashable, CustomStringConvertible {
    var container: String
    var signal: Int32
    var description: String { "\(signal)→\(container)" }
}

/// A core with a test clock, and an executor that only records: every
/// launch succeeds with a new pid (unless its user is in `refusedUsers`),
/// every signal is noted.
struct Harness {
    let clock: TestClock
    var core: ClusterCore
    var nextPid: Int32 = 1000
    var launched: [String] = []
    var signals: [SentSignal] = []
    /// Applications whose logs the core asked to aggregate, in order.
    var aggregations: [String] = []
    var refusedUsers: Set<String> = []

    static func configuration(memoryMB: Int64, vcores: Int) -> LocalClusterConfiguration {
        var c = LocalClusterConfiguration(directory: "/nonexistent/cluster-core-tests", memoryMB: memoryMB, vcores: vcores)
        c.memoryCheckEvery = 1
        c.stopGracePeriod = .seconds(5)
        return c
    }

    init(memoryMB: Int64 = 4096, vcores: Int = 8, state: ClusterState = ClusterState(), clock: TestClock = TestClock()) {
        self.clock = clock
        var logger = Logger(label: "cluster-core-tests")
        logger.logLevel = .critical
        core = ClusterCore(state: state, configuration: Self.configuration(memoryMB: memoryMB, vcores: vcores),
                           clock: clock, resolver: TestResolver(), logger: logger, clusterUser: "yarn")
    }

    /// What `LocalCluster.perform` does, with a fake executor.
    mutating func perform(_ actions: [ClusterAction]) {
        var queue = actions[...]
        while let action = queue.popFirst() {
            switch action {
            case let .launch(id, user):
                guard let c = core.state.containers[id], c.phase == .running, c.pid == 0 else { continue }
                if refusedUsers.contains(user) {
                    queue.append(contentsOf: core.launchFailed(id, diagnostics: "no local user \(user)"))
                    continue
                }
                nextPid += 1
                launched.append(id)
                queue.append(contentsOf: core.launched(id, pid: nextPid, startTicks: 42))
            case let .signal(id, _, signal):
                signals.append(SentSignal(container: id, signal: signal))
            case let .aggregateLogs(appId, _):
                aggregations.append(appId)
            }
        }
    }

    /// A request, then the actions it left.
    @discardableResult
    mutating func request<T>(_ body: (inout ClusterCore) throws -> T) rethrows -> T {
        defer { perform(core.takeActions()) }
        return try body(&core)
    }

    mutating func tick(exits: [ContainerExit] = [], memory: [String: Int64]? = nil) {
        perform(core.tick(exits: exits, memoryUsage: memory))
    }

    mutating func exit(_ id: String, _ code: Int) {
        tick(exits: [ContainerExit(containerId: id, exitStatus: code)])
    }

    mutating func takeSignals() -> [SentSignal] {
        defer { signals = [] }
        return signals
    }

    // MARK: - Reading the state

    func service(_ name: String) -> ServiceRecord { core.state.services[name]! }

    func container(_ id: String) -> ContainerRecord { core.state.containers[id]! }

    /// The container instance `index` of `component` holds now (nil when none).
    func instanceContainer(_ service: String, _ component: String, _ index: Int) -> ContainerRecord? {
        guard let comp = core.state.services[service]?.components.first(where: { $0.spec.name == component }),
              let cid = comp.instances[index]?.containerId else { return nil }
        return core.state.containers[cid]
    }

    func running(_ service: String) -> [ContainerRecord] {
        core.state.containers.values.filter { $0.service == service && $0.phase == .running }.sorted { $0.id < $1.id }
    }

    // MARK: - Making requests

    static func spec(_ name: String, lifetime: Int64? = nil, components: [Component]) -> Service {
        Service(name: name, version: "1", components: components, lifetime: lifetime)
    }

    static func component(_ name: String, count: Int64, policy: RestartPolicy? = nil, memory: Int64 = 256,
                          command: String = "sleep 1000") -> Component {
        Component(name: name, launchCommand: command, resource: ServiceResource(cpus: 1, memory: String(memory)),
                  numberOfContainers: count, restartPolicy: policy)
    }

    /// Creates a service as `LocalCluster.createService` does once the
    /// host's checks passed.
    @discardableResult
    mutating func create(_ spec: Service, user: String = "alice") throws -> ServiceStatus {
        let components = (spec.components ?? []).map { ComponentRecord(spec: $0, desired: $0.numberOfContainers ?? 0) }
        return try request { try $0.createService(spec, user: user, components: components) }
    }

    /// Asks for an application id and submits an AM that runs `command`.
    @discardableResult
    mutating func submit(user: String = "alice", memory: Int64 = 512, maxAttempts: Int = 2,
                         command: String = "am --id {{CONTAINER_ID}}") throws -> String {
        let id = core.newApplication(user: user)
        try core.checkSubmittable(id, user: user)
        try request {
            try $0.acceptApplication(ApplicationSubmission(applicationId: id, applicationName: "job"), user: user,
                                     launch: LaunchSpec(command: command, environment: ["USER": user], files: []),
                                     memoryMB: memory, vcores: 1, maxAttempts: maxAttempts)
        }
        return id
    }
}
