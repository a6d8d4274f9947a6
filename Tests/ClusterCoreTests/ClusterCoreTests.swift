import Foundation
import Hadoop
import Testing
@testable import YarnLocal

/// The embedded cluster's core, driven by events and a test clock: no
/// processes, no sleeps, no wall time.
@Suite("Cluster core")
struct ClusterCoreTests {
    // MARK: - Restart policies (YARN Services API: ALWAYS, ON_FAILURE, NEVER)

    @Test("ALWAYS restarts after success and failure, backing off after quick failures")
    func restartAlways() throws {
        var h = Harness()
        try h.create(Harness.spec("web", components: [Harness.component("server", count: 1, policy: .ALWAYS)]))
        let first = try #require(h.instanceContainer("web", "server", 0))
        #expect(first.phase == .running && first.pid > 0 && first.ready)
        #expect(h.service("web").state == .STABLE)

        // A clean exit is restarted too, at once (first quick exit).
        h.clock.advance(milliseconds: 1_000)
        h.exit(first.id, 0)
        #expect(h.container(first.id).phase == .complete && h.container(first.id).exitStatus == 0)
        let second = try #require(h.instanceContainer("web", "server", 0))
        #expect(second.id != first.id && second.phase == .running)

        // The second quick failure waits 250 ms.
        h.clock.advance(milliseconds: 1_000)
        h.exit(second.id, 1)
        #expect(h.instanceContainer("web", "server", 0) == nil)
        h.clock.advance(milliseconds: 249)
        h.tick()
        #expect(h.instanceContainer("web", "server", 0) == nil)
        h.clock.advance(milliseconds: 1)
        h.tick()
        let third = try #require(h.instanceContainer("web", "server", 0))
        #expect(third.phase == .running)

        // After a long run, a failure restarts at once again.
        h.clock.advance(milliseconds: 20_000)
        h.exit(third.id, 137)
        let fourth = try #require(h.instanceContainer("web", "server", 0))
        #expect(fourth.phase == .running && fourth.id != third.id)
        #expect(h.launched == [first.id, second.id, third.id, fourth.id])
        #expect(h.core.state.apps[h.service("web").appId]?.state == .RUNNING)
    }

    @Test("ON_FAILURE restarts a failed instance and keeps a succeeded one down; all succeeded: the service succeeds")
    func restartOnFailure() throws {
        var h = Harness()
        try h.create(Harness.spec("batch", components: [Harness.component("worker", count: 2, policy: .ON_FAILURE)]))
        let w0 = try #require(h.instanceContainer("batch", "worker", 0))
        let w1 = try #require(h.instanceContainer("batch", "worker", 1))

        h.exit(w0.id, 3)
        let w0again = try #require(h.instanceContainer("batch", "worker", 0))
        #expect(w0again.id != w0.id && w0again.phase == .running)

        h.exit(w0again.id, 0)
        #expect(h.instanceContainer("batch", "worker", 0) == nil)
        #expect(h.service("batch").components[0].instances[0]?.finalExit == 0)
        #expect(h.service("batch").state != .SUCCEEDED)

        h.exit(w1.id, 0)
        #expect(h.service("batch").state == .SUCCEEDED)
        let app = try #require(h.core.state.apps[h.service("batch").appId])
        #expect(app.state == .FINISHED && app.finalStatus == "SUCCEEDED")
        #expect(h.launched.count == 3)
        #expect(try h.core.service("batch").components?.first?.state == "SUCCEEDED")

        // Only ALWAYS components may be flexed.
        #expect(throws: LocalClusterError.self) {
            try h.request { try $0.flex("batch", component: "worker", body: ComponentFlex(name: nil, numberOfContainers: 3)) }
        }
    }

    @Test("NEVER restarts nothing; a failed instance fails the service")
    func restartNever() throws {
        var h = Harness()
        try h.create(Harness.spec("once", components: [Harness.component("task", count: 2, policy: .NEVER)]))
        let t0 = try #require(h.instanceContainer("once", "task", 0))
        let t1 = try #require(h.instanceContainer("once", "task", 1))

        h.exit(t0.id, 0)
        h.clock.advance(milliseconds: 60_000)
        h.tick()
        #expect(h.instanceContainer("once", "task", 0) == nil)
        #expect(h.service("once").state != .FAILED)

        h.exit(t1.id, 2)
        h.tick()
        #expect(h.launched == [t0.id, t1.id])
        #expect(h.service("once").components[0].instances[1]?.finalExit == 2)
        #expect(h.service("once").state == .FAILED)
        let app = try #require(h.core.state.apps[h.service("once").appId])
        #expect(app.state == .FINISHED && app.finalStatus == "FAILED")
        #expect(try h.core.service("once").components?.first?.state == "FAILED")
    }

    // MARK: - Memory

    @Test("A request that does not fit waits until memory frees, then starts")
    func memoryWait() throws {
        var h = Harness(memoryMB: 1024)
        try h.create(Harness.spec("big", components: [Harness.component("b", count: 1, memory: 768)]))
        try h.create(Harness.spec("small", components: [Harness.component("s", count: 1, memory: 512)]))
        let big = try #require(h.instanceContainer("big", "b", 0))
        let small = try #require(h.instanceContainer("small", "s", 0))
        #expect(big.phase == .running)
        #expect(small.phase == .pending && small.pid == 0)
        #expect(h.core.allocated.memory == 768)

        // Stopping holds the memory until the process is gone.
        h.clock.advance(milliseconds: 3_000)
        _ = try h.request { try $0.destroyService("big") }
        #expect(h.takeSignals() == [SentSignal(container: big.id, signal: SIGTERM)])
        h.tick()
        #expect(h.container(small.id).phase == .pending)

        h.exit(big.id, 143)
        #expect(h.container(big.id).exitStatus == ExitStatus.killedByAppMaster)
        let started = h.container(small.id)
        #expect(started.phase == .running && started.pid > 0)
        #expect(started.requestedAt == Harness().clock.epochMillis())
        #expect(started.launchTime == h.clock.epochMillis())
        #expect(h.core.allocated.memory == 512)
        #expect(h.launched == [big.id, small.id])
    }

    @Test("A container over its memory is killed with YARN's status; an AM so killed fails its application without a retry")
    func memoryKill() throws {
        var h = Harness()
        let appId = try h.submit(memory: 512, maxAttempts: 2)
        try h.create(Harness.spec("svc", components: [Harness.component("c", count: 1, memory: 256)]))
        let am = try #require(h.core.state.apps[appId]?.attempts.last?.containerId)
        let svcContainer = try #require(h.instanceContainer("svc", "c", 0))
        #expect(h.container(am).launch.command == "am --id \(am)")
        #expect(h.core.state.apps[appId]?.state == .RUNNING)
        #expect(h.core.state.apps[appId]?.attempts.last?.state == "RUNNING")

        let mb: Int64 = 1024 * 1024
        h.tick(memory: [am: 500 * mb, svcContainer.id: 256 * mb])
        #expect(h.takeSignals().isEmpty)

        h.tick(memory: [am: 600 * mb, svcContainer.id: 300 * mb])
        #expect(h.takeSignals() == [
            SentSignal(container: am, signal: SIGTERM), SentSignal(container: am, signal: SIGKILL),
            SentSignal(container: svcContainer.id, signal: SIGTERM), SentSignal(container: svcContainer.id, signal: SIGKILL),
        ])
        let killed = h.container(am)
        #expect(killed.stopReason == ExitStatus.killedExceededPhysicalMemory)
        #expect(killed.diagnostics.contains("is running \(88 * mb)B beyond the 'PHYSICAL' memory limit"))
        #expect(killed.diagnostics.contains("Current usage: 600.0 MB of 512.0 MB physical memory used"))

        h.tick(exits: [ContainerExit(containerId: am, exitStatus: 137), ContainerExit(containerId: svcContainer.id, exitStatus: 137)])
        #expect(h.container(am).exitStatus == ExitStatus.killedExceededPhysicalMemory)
        let app = try #require(h.core.state.apps[appId])
        #expect(app.state == .FAILED && app.attempts.count == 1)
        #expect(app.diagnostics == killed.diagnostics)
        // The service's instance is not stopped on purpose: ALWAYS restarts it.
        #expect(h.container(svcContainer.id).exitStatus == ExitStatus.killedExceededPhysicalMemory)
        let restarted = try #require(h.instanceContainer("svc", "c", 0))
        #expect(restarted.id != svcContainer.id && restarted.phase == .running)
    }

    // MARK: - Flex

    @Test("Flex up starts instances; flex down stops the highest with SIGTERM, then SIGKILL after the grace period")
    func flexUpAndDown() throws {
        var h = Harness()
        try h.create(Harness.spec("web", components: [
            Harness.component("w", count: 1, command: "serve --id {{CONTAINER_ID}} --name {{COMPONENT_INSTANCE_NAME}} --log <LOG_DIR>/out {{HOME}}"),
        ]))
        let w0 = try #require(h.instanceContainer("web", "w", 0))
        #expect(w0.launch.command == "serve --id \(w0.id) --name w-0 --log \(w0.logDir)/out ")

        let up = try h.request { try $0.flex("web", component: "w", body: ComponentFlex(name: "w", numberOfContainers: 3)) }
        #expect(up.diagnostics == "Updating component (w) size from 1 to 3")
        #expect(h.running("web").count == 3)
        #expect(h.service("web").state == .STABLE)
        let w1 = try #require(h.instanceContainer("web", "w", 1))
        let w2 = try #require(h.instanceContainer("web", "w", 2))

        h.clock.advance(milliseconds: 30_000)
        _ = h.takeSignals()
        try h.request { _ = try $0.flex("web", component: "w", body: ComponentFlex(name: nil, numberOfContainers: 1)) }
        #expect(Set(h.takeSignals().map(\.container)) == [w1.id, w2.id])
        #expect(h.container(w1.id).stopReason == ExitStatus.killedByAppMaster)
        #expect(h.service("web").state == .FLEX)

        // w2 leaves at once; w1 ignores SIGTERM until the grace period ends.
        h.exit(w2.id, 143)
        // What the leader left in its group goes with it.
        #expect(h.takeSignals() == [SentSignal(container: w2.id, signal: SIGKILL)])
        h.clock.advance(milliseconds: 4_999)
        h.tick()
        #expect(h.takeSignals().isEmpty)
        h.clock.advance(milliseconds: 1)
        h.tick()
        #expect(h.takeSignals() == [SentSignal(container: w1.id, signal: SIGKILL)])
        h.exit(w1.id, 137)

        #expect(h.container(w1.id).exitStatus == ExitStatus.killedByAppMaster)
        #expect(h.container(w2.id).exitStatus == ExitStatus.killedByAppMaster)
        #expect(h.service("web").components[0].instances.keys.sorted() == [0])
        #expect(h.running("web").map(\.id) == [w0.id])
        #expect(h.service("web").state == .STABLE)
        #expect(h.launched == [w0.id, w1.id, w2.id])

        #expect(throws: LocalClusterError.self) {
            try h.request { try $0.flex("web", component: "nope", body: ComponentFlex(name: nil, numberOfContainers: 1)) }
        }
    }

    // MARK: - Kill, lifetime, launch failure

    @Test("Killing a service's application stops its containers for good")
    func killServiceApplication() throws {
        var h = Harness()
        try h.create(Harness.spec("web", components: [Harness.component("w", count: 2)]))
        let appId = h.service("web").appId
        let ids = h.running("web").map(\.id)
        #expect(throws: LocalClusterError.self) { try h.request { try $0.setAppState(appId, target: "FINISHED", user: "bob") } }
        let unchanged = try h.request { try $0.setAppState(appId, target: "RUNNING", user: "bob") }
        #expect(unchanged == "RUNNING")

        let answer = try h.request { try $0.setAppState(appId, target: "KILLED", user: "bob") }
        #expect(answer == "KILLED")
        #expect(Set(h.takeSignals()) == Set(ids.map { SentSignal(container: $0, signal: SIGTERM) }))
        #expect(h.service("web").state == .STOPPED)
        let app = try #require(h.core.state.apps[appId])
        #expect(app.state == .KILLED && app.diagnostics == "Application killed by user bob.")

        h.tick(exits: ids.map { ContainerExit(containerId: $0, exitStatus: 143) })
        h.clock.advance(milliseconds: 60_000)
        h.tick()
        #expect(h.running("web").isEmpty)
        #expect(ids.allSatisfy { h.container($0).exitStatus == ExitStatus.killedByResourceManager })
        #expect(h.launched == ids)
    }

    @Test("A container stopped before its process started is signalled once it starts, and killed after the grace period")
    func stopBeforeStart() throws {
        var h = Harness()
        let spec = Harness.spec("web", components: [Harness.component("w", count: 1)])
        _ = try h.core.createService(spec, user: "alice", components: [ComponentRecord(spec: spec.components![0], desired: 1)])
        let pending = h.core.takeActions()
        let id = try #require(h.instanceContainer("web", "w", 0)).id
        #expect(pending == [.launch(containerId: id, user: "alice")])
        #expect(h.container(id).phase == .running && h.container(id).pid == 0)

        // Destroyed in the same breath: no process to signal yet.
        _ = try h.core.destroyService("web")
        #expect(h.core.takeActions().isEmpty)
        #expect(h.container(id).stopReason == ExitStatus.killedByAppMaster)

        h.perform(pending)
        #expect(h.launched == [id])
        #expect(h.takeSignals() == [SentSignal(container: id, signal: SIGTERM)])
        h.clock.advance(milliseconds: 5_000)
        h.tick()
        #expect(h.takeSignals() == [SentSignal(container: id, signal: SIGKILL)])
        h.exit(id, 137)
        #expect(h.container(id).exitStatus == ExitStatus.killedByAppMaster)
        #expect(h.core.state.containers.values.allSatisfy { $0.phase == .complete })
    }

    @Test("A service's lifetime ends it: containers stopped, application killed")
    func lifetimeExpiry() throws {
        var h = Harness()
        try h.create(Harness.spec("short", lifetime: 60, components: [Harness.component("w", count: 1)]))
        let w = try #require(h.instanceContainer("short", "w", 0))
        #expect(h.service("short").expiresAt == h.clock.epochMillis() + 60_000)

        h.clock.advance(milliseconds: 59_999)
        h.tick()
        #expect(try h.core.service("short").lifetime == 0)
        #expect(h.service("short").state == .STABLE)
        h.clock.advance(milliseconds: 1)
        h.tick()
        #expect(h.takeSignals() == [SentSignal(container: w.id, signal: SIGTERM)])
        #expect(h.service("short").state == .STOPPED)
        let app = try #require(h.core.state.apps[h.service("short").appId])
        #expect(app.state == .KILLED && app.diagnostics.contains("lifetime of 60 seconds expired"))
    }

    @Test("An AM that cannot be launched fails with INVALID, is retried, then fails the application")
    func launchFailure() throws {
        var h = Harness()
        h.refusedUsers = ["mallory"]
        let appId = try h.submit(user: "mallory", maxAttempts: 2)
        let app = try #require(h.core.state.apps[appId])
        #expect(app.attempts.count == 2 && app.state == .FAILED)
        #expect(app.attempts.allSatisfy { h.container($0.containerId).exitStatus == ExitStatus.invalid })
        #expect(app.diagnostics.contains("failed 2 times"))
        #expect(h.launched.isEmpty)
    }

    @Test("Application ids are taken once, by whom they were given to")
    func applicationIds() throws {
        var h = Harness()
        let id = h.core.newApplication(user: "alice")
        #expect(throws: LocalClusterError.self) { try h.core.checkSubmittable(id, user: "bob") }
        #expect(throws: LocalClusterError.self) { try h.core.checkSubmittable("application_1_0099", user: "alice") }
        try h.core.checkSubmittable(id, user: "alice")
        _ = try h.submit()
        // A service's id skips ids reserved by others.
        let reserved = h.core.newApplication(user: "carol")
        try h.create(Harness.spec("web", components: [Harness.component("w", count: 1)]))
        #expect(h.service("web").appId != reserved)
        #expect(h.core.state.reservedAppIds.contains(reserved))
    }

    // MARK: - Recovery

    @Test("After a crash, a core built from the persisted state adopts survivors and restarts the lost")
    func recoveryAfterCrash() throws {
        var before = Harness()
        try before.create(Harness.spec("web", components: [Harness.component("w", count: 2)]))
        let appId = try before.submit(maxAttempts: 2)
        let survivor = try #require(before.instanceContainer("web", "w", 0))
        let lost = try #require(before.instanceContainer("web", "w", 1))
        let am = try #require(before.core.state.apps[appId]?.attempts.last?.containerId)
        #expect(before.core.dirty)

        // Persisted as the cluster does, then the process dies.
        let dir = NSTemporaryDirectory() + "cluster-core-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = StateStore(directory: dir)
        try store.save(before.core.state)
        let loaded = try #require(try store.load())

        let clock = TestClock(epoch: before.clock.epochMillis() + 120_000)
        var after = Harness(state: loaded, clock: clock)
        #expect(after.core.state.clusterTimestamp == clock.epochMillis())
        #expect(after.core.state.services["web"]?.appId == before.service("web").appId)
        after.nextPid = 5000
        after.perform(after.core.recover(lost: [
            LostContainer(containerId: lost.id, recordedExitCode: nil),
            LostContainer(containerId: am, recordedExitCode: 1),
        ]))
        #expect(after.core.dirty)

        #expect(after.container(survivor.id).phase == .running && after.container(survivor.id).pid == survivor.pid)
        let released = after.container(lost.id)
        #expect(released.exitStatus == ExitStatus.aborted)
        #expect(released.diagnostics == "Container released: its process was gone when the cluster restarted")
        let replacement = try #require(after.instanceContainer("web", "w", 1))
        #expect(replacement.id != lost.id && replacement.phase == .running && replacement.pid > 5000)
        #expect(after.service("web").state == .STABLE)

        let app = try #require(after.core.state.apps[appId])
        #expect(after.container(am).exitStatus == 1)
        #expect(after.container(am).diagnostics == "Container exited with a non-zero exit code 1 while the cluster was down")
        #expect(app.attempts.count == 2 && app.state == .RUNNING)
        #expect(after.launched.count == 2)

        // Ids go on from where they were, with this run's timestamp for new applications.
        let next = after.core.newApplication(user: "alice")
        #expect(next.hasPrefix("application_\(clock.epochMillis())_"))
        #expect(after.core.state.nextContainerSequence > before.core.state.nextContainerSequence)
    }

    // MARK: - Log aggregation

    @Test("Logs are aggregated once per application, after it ended and its last container stopped; a copy a crash interrupted is made again")
    func logAggregation() throws {
        var h = Harness()
        try h.create(Harness.spec("web", components: [Harness.component("w", count: 2)]))
        let appId = h.service("web").appId
        let ids = h.running("web").map(\.id)
        // A container's end while the application runs aggregates nothing.
        h.clock.advance(milliseconds: 20_000)
        h.exit(ids[0], 1)
        #expect(h.aggregations.isEmpty)
        #expect(h.core.state.apps[appId]?.logAggregationStatus == nil)
        let replacement = try #require(h.instanceContainer("web", "w", 0))

        // Killed: the containers are asked to stop; until the last has, nothing is copied.
        _ = try h.request { try $0.setAppState(appId, target: "KILLED", user: "bob") }
        #expect(h.aggregations.isEmpty)
        h.tick(exits: [ContainerExit(containerId: ids[1], exitStatus: 143)])
        #expect(h.aggregations.isEmpty)
        h.tick(exits: [ContainerExit(containerId: replacement.id, exitStatus: 143)])
        #expect(h.aggregations == [appId])
        #expect(h.core.state.apps[appId]?.logAggregationStatus == "RUNNING")
        h.clock.advance(milliseconds: 60_000)
        h.tick()
        #expect(h.aggregations == [appId], "asked once")

        // The cluster crashes while copying: the next run copies again; then it is done.
        var after = Harness(state: h.core.state, clock: TestClock(epoch: h.clock.epochMillis() + 1_000))
        after.perform(after.core.recover(lost: []))
        #expect(after.aggregations == [appId])
        after.core.logsAggregated(appId, succeeded: true)
        #expect(after.core.state.apps[appId]?.logAggregationStatus == "SUCCEEDED")
        var third = Harness(state: after.core.state, clock: TestClock(epoch: h.clock.epochMillis() + 2_000))
        third.perform(third.core.recover(lost: []))
        #expect(third.aggregations.isEmpty)

        // An application that ends with nothing running is aggregated at once.
        let other = try h.submit(maxAttempts: 1)
        let am = try #require(h.core.state.apps[other]?.attempts.last?.containerId)
        h.exit(am, 0)
        #expect(h.core.state.apps[other]?.state.isTerminal == true)
        #expect(h.aggregations == [appId, other])
    }
}
