import Flink
import Foundation
import Testing
import TestSupport

/// The UDFs of the doctor's test jobs: one slow on purpose, one that makes
/// its TaskManager's container outgrow its memory once.
func buildDoctorUDFJar(in dir: String) throws -> String {
    try compileJar("""
    package org.flinkctl.test;

    import java.io.File;
    import org.apache.flink.table.functions.ScalarFunction;

    public class DoctorUDFs {
        /** 10 ms a row: at most 100 rows a second a subtask, however idle the CPU. */
        public static class Slow extends ScalarFunction {
            public Long eval(Long n) {
                try { Thread.sleep(10); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
                return n;
            }
        }

        /** Once (while `marker` does not exist): a child process holding 1.5 GiB, in the container's session. */
        public static class Hog extends ScalarFunction {
            public Long eval(Long n, String marker) {
                File f = new File(marker);
                if (!f.exists()) {
                    try {
                        f.createNewFile();
                        new ProcessBuilder("perl", "-e", "$x = 'a' x (1536 * 1024 * 1024); sleep 300").inheritIO().start();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }
                return n;
            }
        }
    }
    """, file: "DoctorUDFs.java", package: "org.flinkctl.test", in: dir, name: "doctor-udfs.jar")
}

extension RealFlink {
@Suite("flinkctl doctor NAME: a running job's verdicts")
struct DoctorJobTests {
    let e2e = RealFlink.SubmitEndToEndTests()

    struct Report: Decodable {
        struct Check: Decodable { var name: String; var verdict: String; var detail: String; var fix: String }
        var checks: [Check]
        subscript(_ name: String) -> Check? { checks.first { $0.name == name } }
    }

    /// Passes per key per one-second event-time window, as the traffic job
    /// counts per checkpoint per minute, from a paced generator.
    static func flowSQL(rate: Int, parallelism: Int, keys: String, udfs: String = "", select: String = "n",
                        settings: String = "") -> String {
        """
        SET 'table.exec.resource.default-parallelism' = '\(parallelism)';
        \(settings)
        SET 'table.exec.simplify-operator-name-enabled' = 'false';
        \(udfs)
        CREATE TABLE passes (
          n BIGINT,
          ts AS LOCALTIMESTAMP,
          WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
        ) WITH ('connector' = 'datagen', 'rows-per-second' = '\(rate)', 'scan.parallelism' = '1',
                'fields.n.kind' = 'random', 'fields.n.min' = '0', 'fields.n.max' = '1000000');
        CREATE TEMPORARY VIEW keyed AS SELECT \(keys) AS k, \(select) AS n, ts FROM passes;
        CREATE TABLE flow (k BIGINT, window_start TIMESTAMP(3), passes BIGINT, total BIGINT) WITH ('connector' = 'blackhole');
        INSERT INTO flow
        SELECT k, window_start, COUNT(*), SUM(n) FROM TABLE(TUMBLE(TABLE keyed, DESCRIPTOR(ts), INTERVAL '1' SECOND))
        GROUP BY k, window_start, window_end;
        """
    }

    func start(_ cluster: TestCluster, name: String, sql: String, extra: [String]) async throws {
        let file = cluster.directory + "/\(name).sql"
        try sql.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try e2e.submit(cluster, ["--sql", file, "--name", name, "--detached", "-D", "execution.checkpointing.interval=1s"] + extra)
        try #require(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(await eventually(timeout: 90, interval: 1) {
            try run(flinkctlBinary, ["status", name, "--rm", cluster.url, "--output", "json"]).stdout.contains("\"jobState\" : \"RUNNING\"")
        }, "\(name) did not start")
    }

    func doctor(_ cluster: TestCluster, _ name: String, _ args: [String] = []) throws -> (status: Int32, report: Report?, seconds: Double, stderr: String) {
        let t = Date()
        let r = try run(flinkctlBinary, ["doctor", name, "--rm", cluster.url, "--output", "json"] + args)
        return (r.status, try? JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8)), Date().timeIntervalSince(t), r.stderr)
    }

    @Test("a healthy event-time job: restarts, checkpoints, backpressure, watermarks, skew, memory and containers all ok, exit 0, within --sample + 2 s")
    func healthy() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            try await start(cluster, name: "steady", sql: Self.flowSQL(rate: 200, parallelism: 2, keys: "MOD(n, 16)"),
                            extra: ["--taskmanagers", "1", "--slots", "2"])
            // A checkpoint or two first.
            try await Task.sleep(for: .seconds(4))
            let d = try doctor(cluster, "steady", ["--sample", "3"])
            let report = try #require(d.report, "\(d.stderr)")
            #expect(report.checks.map(\.name) == ["restarts", "checkpoints", "backpressure", "watermarks", "skew", "memory", "containers"])
            #expect(d.status == 0 && report.checks.allSatisfy { $0.verdict == "ok" }, "\(report.checks.filter { $0.verdict != "ok" })")
            #expect(d.seconds <= 3 + 2, "doctor took \(d.seconds) s for a 3 s sample")
            #expect(report["checkpoints"]?.detail.contains("last completed") == true, "\(report["checkpoints"]?.detail ?? "")")
            #expect(report["watermarks"]?.detail.contains("watermarks advance") == true, "\(report["watermarks"]?.detail ?? "")")
            _ = try run(flinkctlBinary, ["cancel", "steady", "--rm", cluster.url])
        }
    }

    @Test("a slow operator behind a shuffle: backpressure names it as the bottleneck; keys 90% one value: skew names the window vertex")
    func slowAndSkewed() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let jar = try buildDoctorUDFJar(in: cluster.directory + "/udf")
            // 3000 rows a second into 4 × 100: the source is held back most of the time.
            let sql = Self.flowSQL(rate: 3000, parallelism: 4, keys: "CASE WHEN MOD(n, 10) < 9 THEN 0 ELSE MOD(n, 64) END",
                                   udfs: "CREATE TEMPORARY FUNCTION slow AS 'org.flinkctl.test.DoctorUDFs$Slow';", select: "slow(n)",
                                   // Every record to the window's subtask of its key (no local pre-aggregation).
                                   settings: "SET 'table.optimizer.agg-phase-strategy' = 'ONE_PHASE';")
            try await start(cluster, name: "jammed", sql: sql, extra: ["--taskmanagers", "1", "--slots", "4", "--tm-memory", "1536m", "--ship", jar])
            // Until Flink itself reports the source held back (the queues
            // before the slow operator take a while to fill).
            var seen: [Double] = []
            let pressured = await eventually(timeout: 60, interval: 1) {
                let status = try run(flinkctlBinary, ["status", "jammed", "--rm", cluster.url, "--output", "json"]).stdout
                let json = try JSONSerialization.jsonObject(with: Data(status.utf8)) as? [String: Any] ?? [:]
                guard let rest = json["rest"] as? String, let job = json["job"] as? String else { return false }
                let detail = try JSONSerialization.jsonObject(with: Data(try run("/usr/bin/curl", ["-s", "-m", "3", "\(rest)/jobs/\(job)"]).stdout.utf8)) as? [String: Any]
                guard let source = (detail?["vertices"] as? [[String: Any]])?.first(where: { ($0["name"] as? String ?? "").hasPrefix("Source") })?["id"] as? String else { return false }
                let bp = try JSONSerialization.jsonObject(with: Data(try run("/usr/bin/curl", ["-s", "-m", "3", "\(rest)/jobs/\(job)/vertices/\(source)/backpressure"]).stdout.utf8)) as? [String: Any]
                let ratio = (bp?["subtasks"] as? [[String: Any]] ?? []).compactMap { ($0["ratio"] as? NSNumber)?.doubleValue }.max() ?? 0
                seen.append(ratio)
                return ratio >= 0.5
            }
            #expect(pressured, "Flink never reported the source back-pressured: \(seen)")
            let d = try doctor(cluster, "jammed", ["--sample", "3"])
            let report = try #require(d.report, "\(d.stderr)")
            let bp = try #require(report["backpressure"])
            #expect(bp.verdict == "warn" || bp.verdict == "fail", "\(bp)")
            let bottleneck = bp.detail.components(separatedBy: "the bottleneck: ").last ?? ""
            #expect(bottleneck.contains("slow("), "\(bp.detail)")
            let skew = try #require(report["skew"])
            #expect(skew.verdict == "warn" && skew.detail.contains("WindowAggregate"), "\(skew)")
            #expect(!skew.fix.isEmpty)
            _ = try run(flinkctlBinary, ["cancel", "jammed", "--rm", cluster.url])
        }
    }

    @Test("checkpoints that cannot be written: checkpoints fail with Flink's reason; a TaskManager killed for memory (-104): containers says so")
    func failingCheckpointsAndMemoryKill() async throws {
        try await withTestCluster(memoryMB: 8192) { cluster in
            let jar = try buildDoctorUDFJar(in: cluster.directory + "/udf")
            let marker = cluster.directory + "/hogged"
            let checkpoints = cluster.directory + "/chk"
            let sql = Self.flowSQL(rate: 100, parallelism: 1, keys: "MOD(n, 4)",
                                   udfs: "CREATE TEMPORARY FUNCTION hog AS 'org.flinkctl.test.DoctorUDFs$Hog';",
                                   select: "hog(n, '\(marker)')")
            try await start(cluster, name: "troubled", sql: sql, extra: [
                "--taskmanagers", "1", "--slots", "1", "--ship", jar,
                "-D", "execution.checkpointing.dir=file://\(checkpoints)",
                "-D", "execution.checkpointing.tolerable-failed-checkpoints=100000",
                "-D", "restart-strategy.type=fixed-delay", "-D", "restart-strategy.fixed-delay.attempts=100"])
            // The hog's TaskManager is killed with -104 and replaced; the job runs again.
            #expect(await eventually(timeout: 90, interval: 1) {
                let list = try run(flinkctlBinary, ["logs", "troubled", "--rm", cluster.url, "--component", "taskmanager", "--file", "stdout"])
                return list.stdout.components(separatedBy: "==> taskmanager").count - 1 >= 2
            }, "no second TaskManager after the memory kill")
            #expect(await eventually(timeout: 90, interval: 1) {
                try run(flinkctlBinary, ["status", "troubled", "--rm", cluster.url, "--output", "json"]).stdout.contains("\"jobState\" : \"RUNNING\"")
            })
            // Then the job's checkpoint directory becomes a file: every checkpoint from now on fails.
            let jobDirs = try FileManager.default.contentsOfDirectory(atPath: checkpoints)
            #expect(!jobDirs.isEmpty)
            for d in jobDirs {
                try FileManager.default.moveItem(atPath: checkpoints + "/" + d, toPath: cluster.directory + "/moved-" + d)
                FileManager.default.createFile(atPath: checkpoints + "/" + d, contents: Data())
            }
            try await Task.sleep(for: .seconds(2))
            let d = try doctor(cluster, "troubled", ["--sample", "3"])
            let report = try #require(d.report, "\(d.stderr)")
            #expect(d.status == 1)
            let cp = try #require(report["checkpoints"])
            #expect(cp.verdict == "fail" && cp.detail.contains("failed"), "\(cp)")
            let containers = try #require(report["containers"])
            #expect(containers.verdict == "fail" && containers.detail.contains("-104"), "\(containers)")
            _ = try run(flinkctlBinary, ["cancel", "troubled", "--rm", cluster.url])
        }
    }
}
}
