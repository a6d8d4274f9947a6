import Foundation
import Hadoop
import Testing
import TestSupport

@Suite("Durable state of the embedded cluster")
struct RecoveryTests {
    @Test("kill -9 of the cluster and a restart lose nothing; survivors are adopted, the dead restarted")
    func crashAndRestart() async throws {
        try await withTestCluster { cluster in
            let jm = markedSleep(), tm = markedSleep()
            try cluster.services.create(twoComponentService("durable", jm: jm.command, tm: tm.command, tmCount: 2))
            #expect(await eventually { try cluster.services.get("durable").state == .STABLE })
            let done = try cluster.rm.newApplication().applicationId
            try cluster.rm.submit(submission(done, name: "finished-before", command: "true"))
            #expect(await eventually { try cluster.rm.application(done).state == "FINISHED" })
            let before = try cluster.services.get("durable")
            let jmContainer = liveContainers(before, "jobmanager")[0].id
            let tmContainers = Set(liveContainers(before, "taskmanager").map(\.id))
            let appsBefore = try cluster.rm.applications().map(\.id).sorted()

            cluster.crash()
            #expect(processes(matching: jm.marker).count == 1, "containers outlive the cluster process")
            // One taskmanager dies while the cluster is down.
            let tmPids = processes(matching: tm.marker)
            #expect(tmPids.count == 2)
            kill(tmPids[0], SIGKILL)
            try await Task.sleep(for: .milliseconds(300))

            try cluster.restart()
            #expect(try cluster.rm.applications().map(\.id).sorted() == appsBefore)
            #expect(try cluster.rm.application(done).finalStatus == "SUCCEEDED")
            let ok = await eventually {
                let s = try cluster.services.get("durable")
                return s.state == .STABLE && liveContainers(s, "taskmanager").count == 2
                    && processes(matching: tm.marker).count == 2
            }
            #expect(ok, "the service did not come back to 2 taskmanagers")
            let after = try cluster.services.get("durable")
            #expect(liveContainers(after, "jobmanager")[0].id == jmContainer, "the surviving jobmanager is adopted, not replaced")
            let tmAfter = Set(liveContainers(after, "taskmanager").map(\.id))
            #expect(tmAfter.intersection(tmContainers).count == 1, "one taskmanager adopted, one replaced")
            #expect(processes(matching: jm.marker).count == 1)

            // The adopted containers are still managed: destroy ends them.
            try cluster.services.destroy("durable")
            #expect(await eventually { processes(matching: jm.marker).isEmpty && processes(matching: tm.marker).isEmpty })
        }
    }

    @Test("a second cluster on the same directory is refused")
    func lockedDirectory() async throws {
        try await withTestCluster { cluster in
            let r = try run(flinkctlBinary, ["local", "start", "--dir", cluster.directory, "--port", "0"])
            #expect(r.status != 0 && r.stderr.contains("already running"))
            let f = try run(flinkctlBinary, ["local", "start", "--foreground", "--dir", cluster.directory, "--port", "0"])
            #expect(f.status == 2 && f.stderr.contains("already running"))
        }
    }

    @Test("local stop ends the cluster and its containers; status then says so")
    func stop() async throws {
        try await withTemporaryDirectory { dir in
            let cluster = try TestCluster(directory: dir)
            let s = markedSleep()
            try cluster.services.create(Service(name: "x", version: "1", components: [
                Component(name: "c", launchCommand: s.command, resource: ServiceResource(cpus: 1, memory: "64"), numberOfContainers: 2),
            ]))
            #expect(await eventually { processes(matching: s.marker).count == 2 })
            let r = try run(flinkctlBinary, ["local", "stop", "--dir", dir])
            #expect(r.status == 0)
            #expect(!processIsRunning(cluster.pid))
            #expect(processes(matching: s.marker).isEmpty)
            let st = try run(flinkctlBinary, ["local", "status", "--dir", dir, "--output", "json"])
            #expect(st.status == 1 && st.stdout.contains("\"running\" : false"))
            // Stopping twice is fine.
            #expect(try run(flinkctlBinary, ["local", "stop", "--dir", dir]).status == 0)
        }
    }
}
