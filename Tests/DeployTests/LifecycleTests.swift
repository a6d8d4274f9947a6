import Deploy
import Flink
import DeploymentModel
import FlinkctlBase
import Foundation
import Hadoop
import Testing
import TestSupport

extension TestClock: WaitClock {}

/// The deployment lifecycle against a canned ResourceManager (Services API)
/// and a canned JobManager (Flink's REST API): no cluster, no JVM, and no
/// wall time in the waits (a `TestClock` moves only when slept on).
@Suite struct LifecycleTests {
    /// A staging directory holding what the appmaster publishes.
    final class Staging: Sendable {
        let dir: String
        init() throws {
            dir = NSTemporaryDirectory() + "lifecycle-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: dir) }
        func publish(jobManagerPort: Int) throws {
            let address = JobManagerAddress(host: "127.0.0.1", rpcPort: 1, restPort: jobManagerPort, containerId: nil)
            try JSONEncoder().encode(address).write(to: URL(fileURLWithPath: dir + "/" + Deployment.jobManagerFile))
        }
        func record(_ result: JobResult) throws {
            try JSONEncoder().encode(result).write(to: URL(fileURLWithPath: dir + "/" + Deployment.resultFile))
        }
    }

    /// A Services API answer for a Flink deployment in `state`.
    static func service(_ name: String, state: String, staging: String, jobManagers: Int = 1, taskManagers: Int = 2) -> String {
        let tms = (0..<taskManagers).map { #"{"id":"container_1_0001_01_00000\#($0 + 2)","state":"READY"}"# }.joined(separator: ",")
        return #"""
        {"name":"\#(name)","id":"application_1_0001","state":"\#(state)","description":"Apache Flink 2.3.0 (flinkctl)",
         "components":[
           {"name":"jobmanager","number_of_containers":1,"containers":[\#(jobManagers == 0 ? "" : #"{"id":"container_1_0001_01_000001","state":"READY"}"#)]},
           {"name":"taskmanager","number_of_containers":\#(taskManagers),"containers":[\#(tms)]}],
         "configuration":{"env":{"FLINKCTL_STAGING":"\#(staging)"}}}
        """#
    }

    static func lifecycle(_ rm: StubHTTPServer, clock: TestClock) -> Lifecycle {
        let endpoint = try! RESTEndpoint(address: ClusterAddress(urls: [rm.url], user: "tester"))
        return Lifecycle(endpoint: endpoint, clock: clock)
    }

    @Test func statusReadsTheServiceAndAsksTheJobManager() throws {
        let staging = try Staging()
        let jm = StubHTTPServer { r in
            r.path == "/jobs" ? .json(#"{"jobs":[{"id":"a1b2","status":"RUNNING"}]}"#) : StubHTTPServer.Reply(404)
        }
        try staging.publish(jobManagerPort: jm.port)
        let rm = StubHTTPServer { r in
            r.path == "/app/v1/services/traffic" ? .json(Self.service("traffic", state: "STABLE", staging: staging.dir)) : StubHTTPServer.Reply(404)
        }
        let s = try Self.lifecycle(rm, clock: TestClock()).status("traffic")
        #expect(s == DeploymentStatus(name: "traffic", serviceState: "STABLE", application: "application_1_0001",
                                      jobManagers: 1, taskManagers: 2, taskManagersWanted: 2,
                                      rest: "http://127.0.0.1:\(jm.port)", job: "a1b2", jobState: "RUNNING", failure: nil))
    }

    @Test func statusOfAStoppedDeploymentReadsTheRecordedResult() throws {
        let staging = try Staging()
        try staging.record(JobResult(jobId: "f00d", state: "FAILED", failure: "java.lang.ArithmeticException: / by zero"))
        let rm = StubHTTPServer { _ in .json(Self.service("traffic", state: "STOPPED", staging: staging.dir, jobManagers: 0, taskManagers: 0)) }
        let s = try Self.lifecycle(rm, clock: TestClock()).status("traffic")
        #expect(s.job == "f00d" && s.jobState == "FAILED" && s.failure == "java.lang.ArithmeticException: / by zero")
    }

    @Test func listAsksEachDeploymentsJobManagerInOrderAndSkipsOtherServices() throws {
        let jm = StubHTTPServer { r in
            r.path == "/jobs" ? .json(#"{"jobs":[{"id":"a1b2","status":"RUNNING"}]}"#) : StubHTTPServer.Reply(404)
        }
        let stagings = try (0..<3).map { _ in try Staging() }
        for s in stagings { try s.publish(jobManagerPort: jm.port) }
        let sleeper = #"{"name":"sleeper","state":"STABLE","description":"sleep 1000"}"#
        for count in [1, 3] {
            let flink = (0..<count).map { Self.service("job\($0)", state: "STABLE", staging: stagings[$0].dir) }
            let rm = StubHTTPServer { r in
                r.path == "/app/v1/services" ? .json("[" + ([sleeper] + flink).joined(separator: ",") + "]") : StubHTTPServer.Reply(404)
            }
            let list = try Self.lifecycle(rm, clock: TestClock()).list()
            #expect(list.map(\.name) == (0..<count).map { "job\($0)" })
            #expect(list.allSatisfy { $0.job == "a1b2" && $0.jobState == "RUNNING" && $0.rest == "http://127.0.0.1:\(jm.port)" })
        }
    }

    @Test func aServiceThatIsNotFlinkIsAnInputError() throws {
        let rm = StubHTTPServer { _ in .json(#"{"name":"sleeper","state":"STABLE","description":"sleep 1000"}"#) }
        #expect { try Self.lifecycle(rm, clock: TestClock()).status("sleeper") } throws: { error in
            (error as? Failure)?.side == .input && "\(error)".contains("not a Flink deployment")
        }
    }

    @Test func cancelCancelsTheJobAndWaitsForTheServiceToStop() throws {
        let staging = try Staging()
        final class State: @unchecked Sendable { var cancelled = false; let lock = NSLock() }
        let state = State()
        let jm = StubHTTPServer { r in
            switch (r.method, r.path) {
            case ("GET", "/jobs"):
                return .json(#"{"jobs":[{"id":"j1","status":"\#(state.lock.withLock { state.cancelled } ? "CANCELED" : "RUNNING")"}]}"#)
            case ("PATCH", "/jobs/j1"):
                state.lock.withLock { state.cancelled = true }
                return StubHTTPServer.Reply(202, "{}")
            default: return StubHTTPServer.Reply(404)
            }
        }
        try staging.publish(jobManagerPort: jm.port)
        let gets = Counter()
        let rm = StubHTTPServer { r in
            // The appmaster stops the service a moment after the job ends:
            // the third look finds it STOPPED.
            if r.method == "GET" {
                let n = gets.next()
                let stopped = state.lock.withLock { state.cancelled } && n >= 3
                return .json(Self.service("traffic", state: stopped ? "STOPPED" : "STABLE", staging: staging.dir))
            }
            return StubHTTPServer.Reply(500)
        }
        let clock = TestClock()
        let done = try Self.lifecycle(rm, clock: clock).cancel("traffic")
        var expected = Lifecycle.Cancelled(job: "j1", savepoint: nil)
        expected.serviceStopped = true
        #expect(done == expected)
        #expect(jm.requests.contains { $0.method == "PATCH" && $0.target == "/jobs/j1?mode=cancel" })
        #expect(!rm.requests.contains { $0.method == "PUT" }, "the service stopped by itself: no stop request")
        #expect(clock.now() - 1000 < 2, "stopped after a few short polls, not the whole wait")
    }

    /// The old wait (`for _ in 0..<100 where state != .STOPPED { sleep }`) went
    /// on asking after the service had stopped. This one asks once.
    @Test func theWaitForAStoppedServiceAsksOnce() throws {
        let rm = StubHTTPServer { _ in .json(Self.service("traffic", state: "STOPPED", staging: "/nonexistent")) }
        let clock = TestClock()
        #expect(Self.lifecycle(rm, clock: clock).waitUntilStopped("traffic"))
        #expect(rm.count("GET", "/app/v1/services/traffic") == 1)
        #expect(clock.sleeps.isEmpty)
    }

    /// A service that never stops: the wait ends at its deadline, having asked
    /// a bounded number of times with an interval that grows.
    @Test func theWaitForAServiceThatNeverStopsIsBounded() throws {
        let rm = StubHTTPServer { _ in .json(Self.service("traffic", state: "STABLE", staging: "/nonexistent")) }
        let clock = TestClock()
        var lifecycle = Self.lifecycle(rm, clock: clock)
        lifecycle.stopPolicy = WaitPolicy(timeout: 20, initial: 0.1, maximum: 1)
        #expect(!lifecycle.waitUntilStopped("traffic"))
        let asked = rm.count("GET", "/app/v1/services/traffic")
        #expect(abs(clock.now() - 1000 - 20) < 0.001, "waited exactly the deadline")
        #expect(asked >= 10 && asked <= 30, "asked \(asked) times in 20 s")
        let sleeps = clock.sleeps
        #expect(sleeps.first == 0.1 && sleeps.dropLast().max() == 1, "backs off from 0.1 s to 1 s: \(sleeps)")
    }

    /// `cancel` of a service that does not stop by itself stops it.
    @Test func cancelStopsAServiceThatDoesNotStopByItself() throws {
        let staging = try Staging()
        let jm = StubHTTPServer { r in
            r.method == "PATCH" ? StubHTTPServer.Reply(202, "{}") : .json(#"{"jobs":[{"id":"j1","status":"RUNNING"}]}"#)
        }
        try staging.publish(jobManagerPort: jm.port)
        let rm = StubHTTPServer { r in
            r.method == "PUT" ? StubHTTPServer.Reply(200, #"{"diagnostics":"stopped"}"#)
                : .json(Self.service("traffic", state: "STABLE", staging: staging.dir))
        }
        _ = try Self.lifecycle(rm, clock: TestClock()).cancel("traffic")
        let stop = rm.requests.first { $0.method == "PUT" }
        #expect(stop.map { String(decoding: $0.body, as: UTF8.self).contains("STOPPED") } == true)
    }

    /// A session running two jobs: an operation without --job is refused
    /// with both listed; with --job it acts on that job alone and the
    /// session's service is left running; an unknown or ended job is refused.
    @Test func aSessionsJobsAreActedOnOneByOne() throws {
        let staging = try Staging()
        let dist = staging.dir + "/flink"
        try FileManager.default.createDirectory(atPath: dist + "/lib", withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dist + "/lib/flink-dist-2.3.0.jar", contents: Data())
        let record = Deployment(name: "sess", distribution: try FlinkDistribution(home: dist), mode: .session, userJars: [],
                                configuration: FlinkConfiguration(), taskManagers: 1, stagingDirectory: staging.dir,
                                resourceManagerURLs: [], user: "tester")
        try JSONEncoder().encode(record).write(to: URL(fileURLWithPath: staging.dir + "/" + Deployment.fileName))
        let a = String(repeating: "a", count: 32), b = String(repeating: "b", count: 32), old = String(repeating: "c", count: 32)
        let jm = StubHTTPServer { r in
            switch (r.method, r.path) {
            case ("GET", "/jobs"):
                return .json(#"{"jobs":[{"id":"\#(a)","status":"RUNNING"},{"id":"\#(b)","status":"RUNNING"},{"id":"\#(old)","status":"FINISHED"}]}"#)
            case ("GET", "/jobs/overview"):
                return .json(#"{"jobs":[{"jid":"\#(a)","name":"alpha","state":"RUNNING"},{"jid":"\#(b)","name":"beta","state":"RUNNING"},{"jid":"\#(old)","name":"gamma","state":"FINISHED"}]}"#)
            case ("PATCH", _): return StubHTTPServer.Reply(202, "{}")
            default: return StubHTTPServer.Reply(404)
            }
        }
        try staging.publish(jobManagerPort: jm.port)
        let rm = StubHTTPServer { r in
            r.method == "GET" ? .json(Self.service("sess", state: "STABLE", staging: staging.dir)) : StubHTTPServer.Reply(200, "{}")
        }
        let lifecycle = Self.lifecycle(rm, clock: TestClock())
        for operation in [{ _ = try lifecycle.cancel("sess") }, { _ = try lifecycle.savepoint("sess", directory: "/tmp/sp") }] {
            #expect { try operation() } throws: { error in
                let f = error as? Failure
                return f?.side == .input && "\(error)".contains(a) && "\(error)".contains("beta") && !"\(error)".contains(old)
            }
        }
        #expect(!jm.requests.contains { $0.method == "PATCH" } && !rm.requests.contains { $0.method == "PUT" }, "nothing was stopped")

        let done = try lifecycle.cancel("sess", job: b)
        #expect(done.job == b && !done.serviceStopped)
        #expect(jm.requests.filter { $0.method == "PATCH" }.map(\.target) == ["/jobs/\(b)?mode=cancel"])
        #expect(!rm.requests.contains { $0.method == "PUT" }, "the session goes on")

        #expect { _ = try lifecycle.cancel("sess", job: String(repeating: "d", count: 32)) } throws: { error in
            (error as? Failure)?.side == .input && "\(error)".contains("no such job") && "\(error)".contains("gamma")
        }
        #expect { _ = try lifecycle.cancel("sess", job: old) } throws: { error in
            (error as? Failure)?.side == .unhealthy && "\(error)".contains("FINISHED")
        }
    }

    @Test func savepointOfADeploymentWithoutARunningJobIsUnhealthy() throws {
        let staging = try Staging()
        let jm = StubHTTPServer { _ in .json(#"{"jobs":[{"id":"j1","status":"FINISHED"}]}"#) }
        try staging.publish(jobManagerPort: jm.port)
        let rm = StubHTTPServer { _ in .json(Self.service("traffic", state: "STABLE", staging: staging.dir)) }
        #expect { _ = try Self.lifecycle(rm, clock: TestClock()).savepoint("traffic", directory: "/tmp/sp") } throws: { error in
            (error as? Failure)?.side == .unhealthy && (error as? Failure)?.exitStatus == 1
        }
    }

    /// `run` without `--detached` used to wait for ever; now its wait ends
    /// at its deadline, as an unhealthy result that says the job goes on.
    @Test func theWaitForASessionJobEndsAtItsDeadline() throws {
        let staging = try Staging()
        let jm = StubHTTPServer { _ in .json(#"{"jobs":[{"jid":"j9","name":"q","state":"RUNNING"}]}"#) }
        try staging.publish(jobManagerPort: jm.port)
        let rm = StubHTTPServer { _ in .json(Self.service("session", state: "STABLE", staging: staging.dir)) }
        let clock = TestClock()
        var states: [String] = []
        #expect { _ = try Self.lifecycle(rm, clock: clock).waitForJob(session: "session", job: "j9", timeout: 60) { states.append($0) } } throws: { error in
            (error as? Failure)?.side == .unhealthy && "\(error)".contains("did not end within 60 s")
        }
        #expect(states == ["RUNNING"], "each change heard once")
        #expect(abs(clock.now() - 1000 - 60) < 0.001)
        let asked = jm.count("GET", "/jobs/overview")
        #expect(asked > 5 && asked <= 75, "asked \(asked) times in 60 s")
    }

    @Test func theWaitForASessionJobReportsHowItEnded() throws {
        let staging = try Staging()
        let polls = Counter()
        let jm = StubHTTPServer { r in
            switch r.path {
            case "/jobs/overview":
                return .json(#"{"jobs":[{"jid":"j9","name":"q","state":"\#(polls.next() < 2 ? "RUNNING" : "FAILED")"}]}"#)
            case "/jobs/j9/exceptions":
                return .json(#"{"exceptionHistory":{"entries":[{"exceptionName":"java.lang.IllegalStateException","stacktrace":"java.lang.IllegalStateException: boom\n\tat X"}]}}"#)
            default: return StubHTTPServer.Reply(404)
            }
        }
        try staging.publish(jobManagerPort: jm.port)
        let rm = StubHTTPServer { _ in .json(Self.service("session", state: "STABLE", staging: staging.dir)) }
        let end = try Self.lifecycle(rm, clock: TestClock()).waitForJob(session: "session", job: "j9", timeout: 60)
        #expect(end == Lifecycle.JobEnd(state: "FAILED", failure: "java.lang.IllegalStateException: boom"))
    }

    /// A job that never starts: `follow` gives up at the start deadline with a
    /// remote failure that points at the logs.
    @Test func followGivesUpAtTheStartDeadline() throws {
        let staging = try Staging()
        let rm = StubHTTPServer { _ in .json(Self.service("traffic", state: "STARTED", staging: staging.dir, taskManagers: 0)) }
        let clock = TestClock()
        let deployment = try Self.deployment(staging: staging.dir)
        var lines: [String] = []
        #expect { _ = try Self.lifecycle(rm, clock: clock).follow(deployment, until: .running, startTimeout: 30) { lines.append($0.line) } } throws: { error in
            (error as? Failure)?.side == .remote && "\(error)".contains("did not start within 30 s") && "\(error)".contains("flinkctl logs traffic")
        }
        #expect(lines == ["containers: jobmanager 1/1, taskmanagers 0/2; job: not submitted yet"])
        #expect(clock.now() - 1000 >= 30 && clock.now() - 1000 < 31)
    }

    @Test func followEndsWithTheRecordedResult() throws {
        let staging = try Staging()
        let polls = Counter()
        let rm = StubHTTPServer { _ in
            .json(Self.service("traffic", state: polls.next() < 2 ? "STABLE" : "STOPPED", staging: staging.dir))
        }
        let clock = TestClock()
        try staging.record(JobResult(jobId: "j1", state: "FINISHED", failure: nil))
        let outcome = try Self.lifecycle(rm, clock: clock).follow(try Self.deployment(staging: staging.dir), until: .ended, startTimeout: 30)
        #expect(outcome == .ended(JobResult(jobId: "j1", state: "FINISHED", failure: nil)))
    }

    @Test func aServiceThatStopsWithoutAResultIsARemoteFailure() throws {
        let staging = try Staging()
        let rm = StubHTTPServer { _ in .json(Self.service("traffic", state: "FAILED", staging: staging.dir)) }
        #expect { _ = try Self.lifecycle(rm, clock: TestClock()).follow(try Self.deployment(staging: staging.dir), until: .ended, startTimeout: 30) } throws: { error in
            (error as? Failure)?.side == .remote && "\(error)".contains("stopped before the job ended")
        }
    }

    static func deployment(staging: String) throws -> Deployment {
        let json = #"""
        {"name":"traffic","distribution":{"home":"/opt/flink","version":{"major":2,"minor":3,"patch":0}},
         "mode":{"session":{}},"userJars":[],"configuration":{"keys":[],"values":{}},"taskManagers":2,
         "stagingDirectory":"\#(staging)","resourceManagerURLs":["http://127.0.0.1:1"],"user":"tester"}
        """#
        return try JSONDecoder().decode(Deployment.self, from: Data(json.utf8))
    }
}

/// A thread-safe counter for the stubs' handlers.
final class Counter: @unchecked Sendable {
    // @unchecked: `n` is touched only while `lock` is held.
    private let lock = NSLock()
    private var n = 0
    func next() -> Int { lock.withLock { n += 1; return n } }
}

/// The settings flinkctl adds to a deployment with JobManager HA.
@Suite struct HighAvailabilityDefaultsTests {
    @Test func addedWithHAKeptWhenGivenNoneWithout() throws {
        let location = StagingLocation.webHDFS(baseURL: "http://nn:9870", path: "/user/alice/.flinkctl/staging/job-17")
        var config = FlinkConfiguration()
        config["high-availability.type"] = "zookeeper"
        config["high-availability.zookeeper.quorum"] = "zk:2181"
        Submitter.highAvailabilityDefaults(&config, location: location)
        #expect(config["high-availability.cluster-id"] == "job-17")
        #expect(config["high-availability.storageDir"] == location.description + "/ha")
        #expect(config["high-availability.zookeeper.client.session-timeout"] == "6000")
        #expect(config["high-availability.zookeeper.client.tolerate-suspended-connections"] == "true")

        // What the user gave stays.
        var given = FlinkConfiguration()
        given["high-availability.type"] = "zookeeper"
        given["high-availability.zookeeper.client.session-timeout"] = "30000"
        given["high-availability.zookeeper.client.tolerate-suspended-connections"] = "false"
        given["high-availability.storageDir"] = "hdfs:///ha"
        given["high-availability.cluster-id"] = "mine"
        Submitter.highAvailabilityDefaults(&given, location: .local("/tmp/s/job-1"))
        #expect(given["high-availability.zookeeper.client.session-timeout"] == "30000")
        #expect(given["high-availability.zookeeper.client.tolerate-suspended-connections"] == "false")
        #expect(given["high-availability.storageDir"] == "hdfs:///ha" && given["high-availability.cluster-id"] == "mine")

        // Without HA nothing is added.
        var plain = FlinkConfiguration()
        plain["parallelism.default"] = "2"
        Submitter.highAvailabilityDefaults(&plain, location: location)
        #expect(plain.keys == ["parallelism.default"])
    }
}
