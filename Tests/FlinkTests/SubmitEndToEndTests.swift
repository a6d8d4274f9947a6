import Foundation
import Hadoop
import Testing
import TestSupport

/// Real Flink jobs through `flinkctl submit` on an embedded cluster.
@Suite("flinkctl submit, end to end with real Flink", .serialized)
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

            // The SQL runner as a plain jar job, with its class and an argument.
            let jarSQL = try Self.write(Self.batchSQL(out: dir + "/out-jar", rows: 10), dir + "/jar.sql")
            let j = try submit(cluster, ["--jar", Self.runnerJar, "--class", "org.flinkctl.sql.SqlRunner",
                                         "--name", "sum-jar", "--", jarSQL])
            #expect(j.status == 0, "jar submit failed: \(j.stdout)\n\(j.stderr)")
            #expect(Self.committedLines(dir + "/out-jar") == ["55,10"])

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
