import Foundation
import Flink
import Hadoop
import Testing
import TestSupport

/// Every test that runs Flink JVMs, one at a time: two cores do not hold
/// several Flink clusters at once without timing out.
@Suite("Real Flink on the embedded cluster", .serialized)
enum RealFlink {
    /// Waits until `flinkctl status NAME` reports the job FINISHED.
    static func jobFinished(_ name: String, on cluster: TestCluster, timeout: Double, user: [String] = []) async -> Bool {
        await eventually(timeout: timeout, interval: 1) {
            try run(flinkctlBinary, ["status", name, "--rm", cluster.url, "--output", "json"] + user).stdout
                .contains("\"jobState\" : \"FINISHED\"")
        }
    }
}

/// Real Flink jobs through `flinkctl submit` on an embedded cluster.
extension RealFlink {
@Suite("flinkctl submit, end to end with real Flink")
struct SubmitEndToEndTests {
    static var runnerJar: String {
        ProcessInfo.processInfo.environment["FLINKCTL_SQL_RUNNER"]
            ?? (ProcessInfo.processInfo.environment["HOME"] ?? "/root") + "/.flinkctl/flinkctl-sql-runner.jar"
    }

    static func write(_ text: String, _ path: String) throws -> String {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Every line of the committed (visible) part files under `dir`.
    static func committedLines(_ dir: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: dir) else { return [] }
        var lines: [String] = []
        for case let rel as String in e where !(rel as NSString).lastPathComponent.hasPrefix(".") {
            let path = dir + "/" + rel
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
                  let data = FileManager.default.contents(atPath: path) else { continue }
            lines += String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        return lines
    }

    static func batchSQL(out: String, rows: Int = 1000) -> String {
        """
        -- a bounded job: the sum and count of 1..\(rows)
        SET 'execution.runtime-mode' = 'batch';
        CREATE TABLE numbers (n INT) WITH (
          'connector' = 'datagen', 'number-of-rows' = '\(rows)',
          'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '\(rows)');
        CREATE TABLE totals (total BIGINT, cnt BIGINT) WITH (
          'connector' = 'filesystem', 'path' = 'file://\(out)', 'format' = 'csv');
        INSERT INTO totals SELECT CAST(SUM(n) AS BIGINT), COUNT(*) FROM numbers;
        """
    }

    /// A streaming, checkpointed job: 1..rows at `rate` rows/s into an exactly-once file sink.
    static func streamingSQL(out: String, rows: Int, rate: Int) -> String {
        """
        CREATE TABLE numbers (n INT) WITH (
          'connector' = 'datagen', 'rows-per-second' = '\(rate)',
          'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '\(rows)');
        CREATE TABLE copies (n INT) WITH (
          'connector' = 'filesystem', 'path' = 'file://\(out)', 'format' = 'csv',
          'sink.rolling-policy.rollover-interval' = '1 s', 'sink.rolling-policy.check-interval' = '1 s');
        INSERT INTO copies SELECT n FROM numbers;
        """
    }

    func submit(_ cluster: TestCluster, _ args: [String]) throws -> CommandResult {
        try run(flinkctlBinary, ["submit", "--rm", cluster.url] + args,
                environment: ["FLINKCTL_SQL_RUNNER": Self.runnerJar])
    }

    @Test("a SQL job and a jar job run through submit and their output is exact")
    func sqlAndJar() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let dir = cluster.directory
            let sql = try Self.write(Self.batchSQL(out: dir + "/out-sql"), dir + "/sum.sql")
            let r = try submit(cluster, ["--sql", sql, "--name", "sum-sql", "--taskmanagers", "1", "--slots", "1"])
            #expect(r.status == 0, "submit failed: \(r.stdout)\n\(r.stderr)")
            #expect(r.stdout.contains("FINISHED"))
            #expect(Self.committedLines(dir + "/out-sql") == ["500500,1000"])

            let status = try run(flinkctlBinary, ["status", "sum-sql", "--rm", cluster.url, "--output", "json"])
            #expect(status.stdout.contains("\"jobState\" : \"FINISHED\"") && status.stdout.contains("\"serviceState\" : \"STOPPED\""), "\(status.stdout)")

            // After the end: the logs were aggregated, and flinkctl logs reads
            // the JobManager's from the log server, with the job's last switch.
            let sqlApp = try #require(try cluster.services.get("sum-sql").id)
            #expect(await eventually(timeout: 30) { try cluster.rm.application(sqlApp).logAggregationStatus == "SUCCEEDED" })
            let jmLogs = try run(flinkctlBinary, ["logs", "sum-sql", "--rm", cluster.url, "--component", "jobmanager"])
            #expect(jmLogs.status == 0, "\(jmLogs.stderr)")
            #expect(jmLogs.stdout.contains("==> jobmanager (") && jmLogs.stdout.contains(") jobmanager.log <=="))
            #expect(jmLogs.stdout.range(of: #"Job .* switched from state RUNNING to FINISHED"#, options: .regularExpression) != nil,
                    "\(jmLogs.stdout.suffix(2000))")
            #expect(!jmLogs.stdout.contains("==> taskmanager"), "--component jobmanager printed a TaskManager's log")
            let tail = try run(flinkctlBinary, ["logs", "sum-sql", "--rm", cluster.url, "--component", "jobmanager",
                                                "--file", "jobmanager.log", "--tail", "5"])
            let tailLines = tail.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            #expect(tail.status == 0 && tailLines.count == 6 && tailLines[0].hasPrefix("==> jobmanager ("), "\(tail.stdout)")

            // The SQL runner as a plain jar job, with its class and an argument;
            // submitted from a conf directory whose log4j.properties the
            // containers use instead of flinkctl's own.
            let jarSQL = try Self.write(Self.batchSQL(out: dir + "/out-jar", rows: 10), dir + "/jar.sql")
            let conf = dir + "/conf"
            try FileManager.default.createDirectory(atPath: conf, withIntermediateDirectories: true)
            try FlinkProcessCommand.log4jProperties.replacingOccurrences(of: "layout.pattern = %d", with: "layout.pattern = OURS %d")
                .write(toFile: conf + "/log4j.properties", atomically: true, encoding: .utf8)
            let j = try run(flinkctlBinary, ["submit", "--rm", cluster.url, "--jar", Self.runnerJar, "--class", "org.flinkctl.sql.SqlRunner",
                                             "--name", "sum-jar", "--", jarSQL],
                            environment: ["FLINKCTL_SQL_RUNNER": Self.runnerJar, "FLINKCTL_CONF_DIR": conf])
            #expect(j.status == 0, "jar submit failed: \(j.stdout)\n\(j.stderr)")
            #expect(Self.committedLines(dir + "/out-jar") == ["55,10"])
            // The JobManager's log, in the node's log directory for the application.
            let appId = try #require(try cluster.rm.applications().first { $0.name == "sum-jar" }?.id)
            let appLogs = dir + "/logs/" + appId
            let jobManagerLog = try FileManager.default.contentsOfDirectory(atPath: appLogs).map { appLogs + "/" + $0 + "/jobmanager.log" }
                .first { FileManager.default.fileExists(atPath: $0) }
            let logLines = try String(contentsOfFile: try #require(jobManagerLog), encoding: .utf8).split(separator: "\n").filter { $0.contains(" INFO ") }
            #expect(!logLines.isEmpty && logLines.allSatisfy { $0.hasPrefix("OURS ") }, "\(logLines.prefix(3))")

            let list = try run(flinkctlBinary, ["list", "--rm", cluster.url])
            #expect(list.stdout.contains("sum-sql") && list.stdout.contains("sum-jar"))
        }
    }

    @Test("errors are clear: a SQL error shows Flink's message; bad input changes nothing")
    func errors() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let dir = cluster.directory
            let bad = try Self.write("CREATE TABLE t (n INT) WITH ('connector' = 'datagen');\nSELEC n FROM t;\n", dir + "/bad.sql")
            let r = try submit(cluster, ["--sql", bad, "--name", "bad-sql"])
            #expect(r.status == 1, "\(r.stdout) \(r.stderr)")
            #expect(r.stderr.contains("SELEC") || r.stderr.contains("parse"), "no Flink message: \(r.stderr)")
            #expect(!r.stderr.contains("\tat org."), "a Java stack leaked: \(r.stderr)")

            let apps = try cluster.rm.applications().count
            let missing = try submit(cluster, ["--sql", dir + "/nope.sql", "--name", "x"])
            #expect(missing.status == 2 && missing.stderr.contains("no such file"))
            let noDist = try submit(cluster, ["--sql", bad, "--name", "y", "--flink-dist", "/nonexistent"])
            #expect(noDist.status == 2 && noDist.stderr.contains("not a Flink distribution"))
            let tooSmall = try submit(cluster, ["--sql", bad, "--name", "z", "--tm-memory", "300m"])
            #expect(tooSmall.status == 2 && tooSmall.stderr.contains("too small"))
            let both = try submit(cluster, ["--sql", bad, "--jar", bad])
            #expect(both.status == 2)
            #expect(try cluster.rm.applications().count == apps, "bad input must create no application")
        }
    }
}

}

/// Checkpoints, savepoints and failures of a streaming job: exactly-once output.
extension RealFlink {
@Suite("Streaming jobs: savepoints and TaskManager failure")
struct StreamingRecoveryTests {
    let e2e = RealFlink.SubmitEndToEndTests()

    static func waitForCommitted(_ dir: String, atLeast n: Int, timeout: Double = 90) async -> Bool {
        await eventually(timeout: timeout, interval: 0.5) { RealFlink.SubmitEndToEndTests.committedLines(dir).count >= n }
    }

    /// Submits the streaming job (1..rows into `cluster.directory/out`, checkpointed every
    /// second) with --detached and waits until `committed` rows are visible.
    /// Returns the script and the output directory.
    func startStreaming(_ cluster: TestCluster, name: String, rows: Int, committed: Int,
                        extra: [String] = []) async throws -> (sql: String, out: String) {
        let dir = cluster.directory, out = dir + "/out"
        let sql = try RealFlink.SubmitEndToEndTests.write(RealFlink.SubmitEndToEndTests.streamingSQL(out: out, rows: rows, rate: 40), dir + "/stream.sql")
        let r = try e2e.submit(cluster, ["--sql", sql, "--name", name, "-D", "execution.checkpointing.interval=1s", "--detached"] + extra)
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(await Self.waitForCommitted(out, atLeast: committed))
        return (sql, out)
    }

    static func exactOnce(_ dir: String, _ rows: Int) -> (ok: Bool, detail: String) {
        let values = RealFlink.SubmitEndToEndTests.committedLines(dir).compactMap { Int($0) }
        let counts = Dictionary(values.map { ($0, 1) }, uniquingKeysWith: +)
        let missing = (1...rows).filter { counts[$0] == nil }
        let duplicated = counts.filter { $0.value > 1 }.map(\.key).sorted()
        return (missing.isEmpty && duplicated.isEmpty && values.count == rows,
                "\(values.count) lines; missing \(missing.prefix(10)) (\(missing.count)); duplicated \(duplicated.prefix(10)) (\(duplicated.count))")
    }

    /// The job's operator parallelisms, from its JobManager.
    static func parallelism(_ cluster: TestCluster, _ name: String) -> [Int] {
        guard let status = try? run(flinkctlBinary, ["status", name, "--rm", cluster.url, "--output", "json"]).stdout,
              let json = try? JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any],
              let rest = json["rest"] as? String, let job = json["job"] as? String,
              let detail = try? run("/usr/bin/curl", ["-s", "-m", "3", rest + "/jobs/" + job]).stdout,
              let d = try? JSONSerialization.jsonObject(with: Data(detail.utf8)) as? [String: Any],
              d["state"] as? String == "RUNNING", let vertices = d["vertices"] as? [[String: Any]] else { return [] }
        return vertices.compactMap { $0["parallelism"] as? Int }
    }

    @Test("submit --reactive, then scale 1 → 3 → 1 TaskManagers while rows flow: the job follows its slots; output exact")
    func reactiveScaling() async throws {
        try await withTestCluster(memoryMB: 8192) { cluster in
            // 150 s of rows at 40/s: the job must outlast both rescales, each a
            // TaskManager start and a restore, which took over 90 s on a loaded machine.
            let rows = 6000
            let (_, out) = try await startStreaming(cluster, name: "elastic", rows: rows, committed: 40,
                                                    extra: ["--reactive", "--taskmanagers", "1", "--slots", "1", "--tm-memory", "1024m"])
            #expect(Self.parallelism(cluster, "elastic").allSatisfy { $0 == 1 })
            for (n, previous) in [(3, 1), (1, 3)] {
                let r = try run(flinkctlBinary, ["scale", "elastic", "--taskmanagers", String(n), "--rm", cluster.url])
                #expect(r.status == 0 && r.stdout.contains("\(previous) → \(n) TaskManagers"), "\(r.stdout) \(r.stderr)")
                let status = try run(flinkctlBinary, ["status", "elastic", "--rm", cluster.url]).stdout
                #expect(status.contains("/\(n)"), "status shows the TaskManagers wanted: \(status)")
                let followed = await eventually(timeout: 150, interval: 1) {
                    let p = Self.parallelism(cluster, "elastic")
                    return !p.isEmpty && p.allSatisfy { $0 == n }
                }
                #expect(followed, "the job did not rescale to \(n): \(Self.parallelism(cluster, "elastic"))")
                let running = try run(flinkctlBinary, ["status", "elastic", "--rm", cluster.url]).stdout
                #expect(running.contains("taskmanagers \(n)/\(n)"), "\(running)")
            }
            let done = await RealFlink.jobFinished("elastic", on: cluster, timeout: 300)
            #expect(done, "the job did not finish")
            let exact = Self.exactOnce(out, rows)
            #expect(exact.ok, "\(exact.detail)")
            // Scaling a stopped deployment, or to nothing, is refused. (The
            // appmaster stops the service a moment after the job has ended.)
            let serviceStopped = await eventually(timeout: 30, interval: 0.5) { try cluster.services.get("elastic").state == .STOPPED }
            #expect(serviceStopped)
            let stopped = try run(flinkctlBinary, ["scale", "elastic", "--taskmanagers", "2", "--rm", cluster.url])
            #expect(stopped.status == 2 && stopped.stderr.contains("only a running deployment"), "\(stopped.stderr)")
            let zero = try run(flinkctlBinary, ["scale", "elastic", "--taskmanagers", "0", "--rm", cluster.url])
            #expect(zero.status == 2 && zero.stderr.contains("--taskmanagers"), "\(zero.stderr)")
        }
    }

    @Test("cancel --savepoint webhdfs://…, then submit --from-savepoint that URI, resumes without loss or duplicates")
    func savepointResume() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let rows = 400
            let (sql, out) = try await startStreaming(cluster, name: "stream", rows: rows, committed: 40)

            // Into the cluster's HDFS, through the node's Hadoop; the URI goes to Flink as given.
            let savepoints = cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://") + "/flink/savepoints"
            let cancel = try run(flinkctlBinary, ["cancel", "stream", "--rm", cluster.url, "--savepoint", savepoints])
            #expect(cancel.status == 0, "\(cancel.stdout) \(cancel.stderr)")
            let savepoint = cancel.stdout.split(separator: "\n").first { $0.hasPrefix("Savepoint: ") }.map { String($0.dropFirst(11)) }
            #expect(savepoint?.hasPrefix(savepoints + "/savepoint-") == true, "\(cancel.stdout)")
            #expect(FileManager.default.fileExists(atPath: cluster.directory + "/hdfs/flink/savepoints"), "the savepoint is in the store")
            let before = RealFlink.SubmitEndToEndTests.committedLines(out).count
            #expect(before < rows, "the job should have been stopped part-way (\(before) of \(rows))")

            let second = try e2e.submit(cluster, ["--sql", sql, "--name", "stream", "-D", "execution.checkpointing.interval=1s",
                                                  "--from-savepoint", savepoint ?? "/none"])
            #expect(second.status == 0, "\(second.stdout) \(second.stderr)")
            let check = Self.exactOnce(out, rows)
            #expect(check.ok, "\(check.detail)")
        }
    }

    @Test("redeploy stops with a savepoint and starts the same job from it: output exact")
    func redeploy() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let dir = cluster.directory, rows = 400
            // A shipped archive goes along, staged again from the old directory.
            try FileManager.default.createDirectory(atPath: dir + "/extras", withIntermediateDirectories: true)
            try "x".write(toFile: dir + "/extras/x.csv", atomically: true, encoding: .utf8)
            #expect(try run("/bin/tar", ["-C", dir + "/extras", "-czf", dir + "/extras.tgz", "x.csv"]).status == 0)
            let (_, out) = try await startStreaming(cluster, name: "moving", rows: rows, committed: 40,
                                                    extra: ["--ship-archive", dir + "/extras.tgz#lookup"])
            let app = try cluster.services.get("moving").id
            let oldStaging = try #require(try cluster.services.get("moving").configuration?.env?["FLINKCTL_STAGING"])
            let r = try run(flinkctlBinary, ["redeploy", "moving", "--rm", cluster.url, "--savepoint", dir + "/sp"])
            #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
            #expect(r.stdout.contains("Savepoint: ") && r.stdout.contains("Redeployed moving"))
            #expect(try cluster.services.get("moving").id != app, "redeploy runs under a new application")
            // The old staging directory is gone; the new one is in use.
            let newStaging = try cluster.services.get("moving").configuration?.env?["FLINKCTL_STAGING"]
            #expect(newStaging != nil && newStaging != oldStaging && FileManager.default.fileExists(atPath: newStaging!))
            #expect(!FileManager.default.fileExists(atPath: oldStaging), "\(oldStaging) is still there")
            #expect(FileManager.default.fileExists(atPath: (newStaging ?? "") + "/shipped-lookup.tar.gz"))
            // The new JobManager's container unpacked it in its working directory.
            let newApp = try cluster.services.get("moving").id ?? "-"
            let unpacked = await eventually(timeout: 60) {
                (FileManager.default.subpaths(atPath: dir + "/containers/" + newApp) ?? []).filter { $0.hasSuffix("/lookup/x.csv") }.count >= 2
            }
            #expect(unpacked, "the redeployed containers did not unpack the shipped archive")
            let done = await RealFlink.jobFinished("moving", on: cluster, timeout: 120)
            #expect(done)
            let check = Self.exactOnce(out, rows)
            #expect(check.ok, "\(check.detail)")
        }
    }

    @Test("a TaskManager killed with SIGKILL mid-run is replaced and the job restores: output exact")
    func taskManagerKilled() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let rows = 600
            let (_, out) = try await startStreaming(cluster, name: "victim", rows: rows, committed: 60)
            let ours = {
                processes(matching: "TaskManagerRunner").filter { pid in
                    let cmd = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
                    return cmd.contains(cluster.directory)
                }
            }
            let tms = ours()
            #expect(tms.count == 1)
            for pid in tms { kill(pid, SIGKILL) }
            #expect(await eventually(timeout: 30) { !ours().isEmpty && Set(ours()).isDisjoint(with: tms) },
                    "no new TaskManager replaced the killed one")

            // The killed TaskManager's log and its replacement's are both reachable,
            // while the job runs (from the node) and after it ended (from the log server).
            let tmLogHeaders = { () throws -> Set<String> in
                let r = try run(flinkctlBinary, ["logs", "victim", "--rm", cluster.url, "--component", "taskmanager",
                                                 "--file", "taskmanager.log"])
                return Set(r.stdout.split(separator: "\n").filter { $0.hasPrefix("==> taskmanager") && $0.hasSuffix(" taskmanager.log <==") }
                    .map { String($0.split(separator: "(")[1].prefix { $0 != ")" }) })
            }
            var running: Set<String> = []
            #expect(await eventually(timeout: 30) { running = try tmLogHeaders(); return running.count == 2 },
                    "the killed and the new TaskManager's logs while running: \(running)")

            let done = await RealFlink.jobFinished("victim", on: cluster, timeout: 150)
            #expect(done, "the job did not finish after the TaskManager was killed")
            let check = Self.exactOnce(out, rows)
            #expect(check.ok, "\(check.detail)")
            let victimApp = try #require(try cluster.services.get("victim").id)
            #expect(await eventually(timeout: 60) { try cluster.rm.application(victimApp).logAggregationStatus == "SUCCEEDED" })
            #expect(try tmLogHeaders() == running, "after the end, from the log server")
        }
    }
}
}
