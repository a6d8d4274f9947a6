import Foundation
import Hadoop
import Testing
import TestSupport
import YarnLocal

extension RealFlink {
/// JobManager high availability: ZooKeeper (Debian's package, started here on
/// loopback), checkpoints and HA metadata in the embedded cluster's WebHDFS
/// (Flink through the node's Hadoop), and kills of the JobManager's processes.
@Suite("JobManager high availability and lost JobManagers")
struct HighAvailabilityTests {
    let traffic = TrafficTests()

    /// Live processes of this cluster's containers (run from a directory
    /// under it) whose command line contains `marker`.
    static func pids(_ marker: String, in cluster: TestCluster) -> [Int32] {
        processes(matching: marker).filter {
            ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\($0)/cwd")) ?? "").hasPrefix(cluster.directory + "/")
        }
    }

    /// `status --output json`, decoded.
    static func status(_ name: String, _ cluster: TestCluster) -> [String: Any] {
        let r = try? run(flinkctlBinary, ["status", name, "--rm", cluster.url, "--output", "json"])
        return ((try? JSONSerialization.jsonObject(with: Data((r?.stdout ?? "").utf8))) as? [String: Any]) ?? [:]
    }

    /// The job's checkpoint statistics from its JobManager's REST API.
    static func checkpoints(_ name: String, _ cluster: TestCluster) -> [String: Any]? {
        let s = status(name, cluster)
        guard let rest = s["rest"] as? String, let job = s["job"] as? String,
              let r = try? run("/usr/bin/curl", ["-s", "-m", "3", rest + "/jobs/\(job)/checkpoints"]) else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]
    }

    /// The ERROR and `Caused by` lines of every JobManager log of the
    /// cluster, for a failure's message: what went wrong inside the JVMs.
    static func jobManagerErrors(_ cluster: TestCluster) -> String {
        let logs = cluster.directory + "/logs"
        let files = (FileManager.default.subpaths(atPath: logs) ?? []).filter { $0.hasSuffix("jobmanager.log") }.sorted()
        return files.map { file -> String in
            let text = (try? String(contentsOfFile: logs + "/" + file, encoding: .utf8)) ?? ""
            let lines = text.split(separator: "\n").filter { $0.contains(" ERROR ") || $0.hasPrefix("Caused by") }
            return "\(file):\n" + lines.suffix(12).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// How many JobManagers of the cluster resumed their recovered job without
    /// planning its SQL again (the SQL runner says so on its standard output).
    static func resumedWithoutPlanning(_ cluster: TestCluster) -> Int {
        let logs = cluster.directory + "/logs"
        return (FileManager.default.subpaths(atPath: logs) ?? []).filter { $0.hasSuffix("jobmanager.out") }.filter {
            ((try? String(contentsOfFile: logs + "/" + $0, encoding: .utf8)) ?? "")
                .contains("was recovered from the HA store: resuming it without planning the SQL again")
        }.count
    }

    static func completed(_ stats: [String: Any]?) -> Int {
        ((stats?["counts"] as? [String: Any])?["completed"] as? Int) ?? 0
    }

    /// The checkpoint the running attempt restored from, if it restored one.
    static func restored(_ stats: [String: Any]?) -> Int? {
        ((stats?["latest"] as? [String: Any])?["restored"] as? [String: Any])?["id"] as? Int
    }

    @Test("traffic job, checkpoints in webhdfs://, ZooKeeper HA: the JobManager JVM killed; every process of its container killed; a TaskManager killed with it: each time a new attempt restores the latest checkpoint and the verdict is EXACT")
    func jobManagerKills() async throws {
        try await withTestCluster(memoryMB: 8192) { cluster in
            let zk = try ZooKeeperServer.start(directory: cluster.directory + "/zookeeper")
            defer { zk.stop() }
            let input = cluster.directory + "/traffic-input"
            try traffic.generate(input, minutes: 60, rate: 300)
            let webhdfs = cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://")
            let kills: [(what: String, markers: [String])] = [
                ("the JobManager JVM", ["StandaloneApplicationClusterEntryPoint"]),
                ("every process of the jobmanager container", ["StandaloneApplicationClusterEntryPoint", "appmaster --staging"]),
                ("a TaskManager and the JobManager", ["StandaloneApplicationClusterEntryPoint", "TaskManagerRunner"]),
            ]
            // One deployment a kill, each killed early (after its first
            // checkpoint), so that no job can end before its kill however
            // fast the machine is.
            for (i, kill) in kills.enumerated() {
                let dir = cluster.directory + "/traffic-\(i)"
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: input + "/in", toPath: dir + "/in")
                let r = try traffic.submit(cluster, dir, extra: [
                    "--detached",
                    "-D", "execution.checkpointing.dir=\(webhdfs)/flink/checkpoints",
                    "-D", "high-availability.type=zookeeper", "-D", "high-availability.zookeeper.quorum=\(zk.quorum)",
                    "-D", "high-availability.storageDir=\(webhdfs)/flink/ha", "-D", "yarn.application-attempts=3"])
                #expect(r.status == 0, "\(r.stdout) \(r.stderr)")

                let checkpointed = await eventually(timeout: 90, interval: 0.1) {
                    Self.completed(Self.checkpoints("traffic", cluster)) > 0
                }
                #expect(checkpointed, "no checkpoint before killing \(kill.what): \(Self.status("traffic", cluster))\n\(Self.jobManagerErrors(cluster))")
                let latest = ((Self.checkpoints("traffic", cluster)?["latest"] as? [String: Any])?["completed"] as? [String: Any])?["id"] as? Int
                let victims = kill.markers.flatMap { Self.pids($0, in: cluster) }
                #expect(victims.count == kill.markers.count, "\(kill.what): found \(victims) in \(Self.status("traffic", cluster))")
                for pid in victims { Foundation.kill(pid, SIGKILL) }

                // A new attempt leads, restores a checkpoint at least as new as
                // the last one seen, and says why the one before it ended.
                let recovered = await eventually(timeout: 120, interval: 0.5) {
                    let s = Self.status("traffic", cluster)
                    return s["attempt"] as? Int == 2 && s["jobState"] as? String == "RUNNING"
                        && Self.restored(Self.checkpoints("traffic", cluster)) != nil
                }
                let s = Self.status("traffic", cluster)
                #expect(recovered, "after killing \(kill.what): \(s)\n\(Self.jobManagerErrors(cluster))")
                let restored = Self.restored(Self.checkpoints("traffic", cluster)) ?? -1
                #expect(restored >= (latest ?? 0), "restored checkpoint \(restored), the latest completed was \(latest ?? -1)")
                #expect((s["lastAttemptFailure"] as? String)?.isEmpty == false, "\(s)")
                // The new attempt resumed the stored job; it did not plan the SQL again.
                #expect(Self.resumedWithoutPlanning(cluster) == i + 1, "after \(kill.what)")

                let done = await RealFlink.jobFinished("traffic", on: cluster, timeout: 240)
                #expect(done, "the job did not finish after \(kill.what): \(Self.status("traffic", cluster))")
                let v = try traffic.verify(dir)
                #expect(v.status == 0 && v.stdout.contains("VERDICT: EXACT"), "after \(kill.what): \(v.stdout)")
            }
            // Checkpoints and HA metadata are in HDFS.
            let hdfs = try WebHDFSClient(baseURL: cluster.url, user: localUserName)
            #expect(try !hdfs.list("/flink/checkpoints").isEmpty)
            #expect(try !hdfs.list("/flink/ha").isEmpty)
        }
    }

    @Test("after a failover, list, savepoint and cancel reach the new leader: a savepoint in webhdfs:// of the recovered job, then cancel stops the deployment")
    func operationsFollowTheNewLeader() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let zk = try ZooKeeperServer.start(directory: cluster.directory + "/zookeeper")
            defer { zk.stop() }
            let webhdfs = cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://")
            // A job that runs until told, with keyed state.
            let sql = cluster.directory + "/endless.sql"
            try """
            CREATE TABLE events (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '50',
              'fields.k.min' = '1', 'fields.k.max' = '100');
            CREATE TABLE sink (k INT, c BIGINT) WITH ('connector' = 'blackhole');
            INSERT INTO sink SELECT k, COUNT(*) FROM events GROUP BY k;
            """.write(toFile: sql, atomically: true, encoding: .utf8)
            let r = try run(flinkctlBinary, ["submit", "--rm", cluster.url, "--sql", sql, "--name", "endless", "--detached",
                                             "-D", "execution.checkpointing.interval=1s",
                                             "-D", "execution.checkpointing.dir=\(webhdfs)/flink/checkpoints",
                                             "-D", "high-availability.type=zookeeper", "-D", "high-availability.zookeeper.quorum=\(zk.quorum)",
                                             "-D", "high-availability.storageDir=\(webhdfs)/flink/ha", "-D", "yarn.application-attempts=3"])
            #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
            let checkpointed = await eventually(timeout: 90, interval: 0.2) { Self.completed(Self.checkpoints("endless", cluster)) > 0 }
            #expect(checkpointed, "no checkpoint: \(Self.status("endless", cluster))\n\(Self.jobManagerErrors(cluster))")
            let before = Self.status("endless", cluster)
            let victims = Self.pids("StandaloneApplicationClusterEntryPoint", in: cluster)
            #expect(victims.count == 1, "\(victims)")
            for pid in victims { kill(pid, SIGKILL) }

            let recovered = await eventually(timeout: 120, interval: 0.5) {
                let s = Self.status("endless", cluster)
                return s["attempt"] as? Int == 2 && s["jobState"] as? String == "RUNNING"
            }
            let after = Self.status("endless", cluster)
            #expect(recovered, "\(after)\n\(Self.jobManagerErrors(cluster))")
            #expect(after["job"] as? String == before["job"] as? String, "the same job goes on")

            let list = try run(flinkctlBinary, ["list", "--jobs", "--rm", cluster.url, "--output", "json"])
            let rows = (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
            #expect(rows.contains { $0["deployment"] as? String == "endless" && $0["state"] as? String == "RUNNING"
                        && $0["job"] as? String == before["job"] as? String }, "\(list.stdout) \(list.stderr)")

            let sp = try run(flinkctlBinary, ["savepoint", "endless", "\(webhdfs)/flink/savepoints", "--rm", cluster.url])
            #expect(sp.status == 0 && sp.stdout.contains("Savepoint: "), "\(sp.stdout) \(sp.stderr)")
            let hdfs = try WebHDFSClient(baseURL: cluster.url, user: localUserName)
            #expect(try hdfs.list("/flink/savepoints").contains { $0.pathSuffix.hasPrefix("savepoint-") })

            let cancel = try run(flinkctlBinary, ["cancel", "endless", "--rm", cluster.url])
            #expect(cancel.status == 0, "\(cancel.stdout) \(cancel.stderr)")
            let stopped = await eventually(timeout: 60, interval: 0.5) {
                (try? cluster.services.get("endless").state) == .STOPPED
            }
            #expect(stopped, "\(Self.status("endless", cluster))")
            #expect(Self.pids("StandaloneApplicationClusterEntryPoint", in: cluster).isEmpty)
        }
    }

    @Test("without HA, a JobManager whose whole container is killed ends the deployment FAILED with the reason; nothing is written twice")
    func lostJobManagerWithoutHA() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let rows = 600
            let (_, out) = try await RealFlink.StreamingRecoveryTests().startStreaming(cluster, name: "lone", rows: rows, committed: 40)
            let victims = Self.pids("StandaloneApplicationClusterEntryPoint", in: cluster) + Self.pids("appmaster --staging", in: cluster)
            #expect(victims.count == 2, "\(victims)")
            for pid in victims { kill(pid, SIGKILL) }

            let ended = await eventually(timeout: 60, interval: 0.5) {
                (Self.status("lone", cluster)["jobState"] as? String) == "FAILED"
            }
            let s = Self.status("lone", cluster)
            #expect(ended, "\(s)")
            let failure = s["failure"] as? String ?? ""
            #expect(failure.contains("without high availability") && failure.contains("high-availability.type=zookeeper"), "\(failure)")
            #expect(s["serviceState"] as? String == "STOPPED", "\(s)")
            let text = try run(flinkctlBinary, ["status", "lone", "--rm", cluster.url]).stdout
            #expect(text.contains("JobManager attempt 2") && text.contains("failure: the JobManager was lost"), "\(text)")

            // Nothing restarted the job: no value twice, and not all of them.
            try await Task.sleep(for: .seconds(3))
            let values = RealFlink.SubmitEndToEndTests.committedLines(out).compactMap { Int($0) }
            #expect(Set(values).count == values.count, "a value was written twice")
            #expect(values.count < rows, "the job ran to its end: \(values.count)")
            #expect(Self.pids("TaskManagerRunner", in: cluster).isEmpty, "TaskManagers still run")
        }
    }

    @Test("a checkpoint directory in HDFS on a node without Hadoop fails at once, saying what to set")
    func noHadoopOnTheNode() async throws {
        let dir = try FileManager.default.url(for: .itemReplacementDirectory, in: .userDomainMask,
                                              appropriateFor: URL(fileURLWithPath: "/tmp"), create: true).path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cluster = try TestCluster(directory: dir, memoryMB: 4096, extraArguments: ["--hadoop-home", "none"])
        defer { cluster.stop() }
        let out = dir + "/out"
        let sql = try RealFlink.SubmitEndToEndTests.write(RealFlink.SubmitEndToEndTests.batchSQL(out: out), dir + "/sum.sql")
        let started = Date()
        let webhdfs = cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://")
        let r = try RealFlink.SubmitEndToEndTests().submit(cluster, ["--sql", sql, "--name", "nohadoop",
                                                                     "-D", "execution.checkpointing.dir=\(webhdfs)/cp"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("execution.checkpointing.dir") && r.stderr.contains("no Hadoop")
                && r.stderr.contains("--hadoop-classpath"), "\(r.stdout) \(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 30, "it should fail before any JVM starts")
        #expect(Self.pids("StandaloneApplicationClusterEntryPoint", in: cluster).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
}
