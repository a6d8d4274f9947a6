import Flink
import Foundation
import Testing
import TestSupport

/// Compiles `source` (the Java file `file`, under `package` when given)
/// against Flink's jars into `dir/name`.
func compileJar(_ source: String, file: String, package: String? = nil, in dir: String, name: String) throws -> String {
    let dist = try FlinkDistribution.locate(explicit: nil)
    let src = dir + "/src/" + (package ?? "").replacingOccurrences(of: ".", with: "/")
    try FileManager.default.createDirectory(atPath: src, withIntermediateDirectories: true)
    try source.write(toFile: src + "/" + file, atomically: true, encoding: .utf8)
    let javac = try run("/usr/bin/javac", ["-d", dir + "/classes", "-cp", dist.libJars().joined(separator: ":"), src + "/" + file])
    guard javac.status == 0 else { throw FlinkError(.java, "javac: \(javac.stderr)") }
    let jar = dir + "/" + name
    let j = try run("/usr/bin/jar", ["cf", jar, "-C", dir + "/classes", "."])
    guard j.status == 0 else { throw FlinkError(.java, "jar: \(j.stderr)") }
    return jar
}

/// A DataStream job compiled here, with no Main-Class in its manifest.
func buildDoublerJar(in dir: String) throws -> String {
    try compileJar("""
    import org.apache.flink.api.common.RuntimeExecutionMode;
    import org.apache.flink.api.common.serialization.SimpleStringEncoder;
    import org.apache.flink.connector.file.sink.FileSink;
    import org.apache.flink.core.fs.Path;
    import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

    public class Doubler {
        public static void main(String[] args) throws Exception {
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.setRuntimeMode(RuntimeExecutionMode.BATCH);
            env.fromSequence(1, Long.parseLong(args[1]))
               .map(x -> String.valueOf(x * 2)).returns(String.class)
               .sinkTo(FileSink.forRowFormat(new Path(args[0]), new SimpleStringEncoder<String>()).build());
            env.execute("doubler");
        }
    }
    """, file: "Doubler.java", in: dir, name: "doubler.jar")
}

extension RealFlink {
@Suite("Session clusters and jar jobs")
struct SessionTests {
    @Test("session start, then run --session with a jar and with a SQL script through Flink's REST API; a jar without Main-Class needs --class")
    func sessionRun() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let dir = cluster.directory
            let jar = try buildDoublerJar(in: dir + "/job")

            let noMain = try run(flinkctlBinary, ["submit", "--rm", cluster.url, "--jar", jar, "--name", "nomain"])
            #expect(noMain.status == 2 && noMain.stderr.contains("no Main-Class") && noMain.stderr.contains("--class"), "\(noMain.stderr)")

            let start = try run(flinkctlBinary, ["session", "start", "--rm", cluster.url, "--name", "sess", "--taskmanagers", "1", "--slots", "2",
                                                 "--tm-vcores", "3", "--jm-vcores", "2"])
            #expect(start.status == 0, "\(start.stdout) \(start.stderr)")
            #expect(start.stdout.contains("Session ready: 1 TaskManagers, 2 slots"))
            // The vcores asked for are in the service's spec and are what the
            // cluster accounts: 2 for the JobManager, 3 for the TaskManager.
            let spec = try cluster.services.get("sess")
            #expect(spec.components?.first { $0.name == "jobmanager" }?.resource?.cpus == 2)
            #expect(spec.components?.first { $0.name == "taskmanager" }?.resource?.cpus == 3)
            let app = try cluster.rm.applications().first { $0.name == "sess" && $0.state == "RUNNING" }
            #expect(app?.allocatedVCores == 5, "allocated: \(String(describing: app?.allocatedVCores))")
            #expect(try cluster.rm.metrics().allocatedVirtualCores == 5)

            for (n, rows) in [(1, 50), (2, 100)] {
                let out = dir + "/out\(n)"
                let r = try run(flinkctlBinary, ["run", "--rm", cluster.url, "--session", "sess", "--jar", jar,
                                                 "--class", "Doubler", "--", out, String(rows)])
                #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
                #expect(r.stdout.contains("FINISHED"))
                let values = RealFlink.SubmitEndToEndTests.committedLines(out).compactMap { Int($0) }.sorted()
                #expect(values == (1...rows).map { $0 * 2 }, "job \(n): \(values.count) values")
            }
            // A SQL script through the runner jar, with ${NAME} from NAME=VALUE after --.
            try """
            SET 'execution.runtime-mode' = 'batch';
            CREATE TABLE src (n BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '${ROWS}',
              'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '${ROWS}');
            CREATE TABLE dst (n BIGINT) WITH ('connector' = 'filesystem', 'path' = '${OUT}', 'format' = 'csv');
            INSERT INTO dst SELECT n * 3 FROM src;
            """.write(toFile: dir + "/triple.sql", atomically: true, encoding: .utf8)
            let sqlOut = dir + "/sql-out"
            let viaSQL = try run(flinkctlBinary, ["run", "--rm", cluster.url, "--session", "sess", "--sql", dir + "/triple.sql",
                                                  "--", "ROWS=40", "OUT=\(sqlOut)"])
            #expect(viaSQL.status == 0 && viaSQL.stdout.contains("FINISHED"), "\(viaSQL.stdout) \(viaSQL.stderr)")
            let tripled = RealFlink.SubmitEndToEndTests.committedLines(sqlOut).compactMap { Int($0) }.sorted()
            #expect(tripled == (1...40).map { $0 * 3 }, "\(tripled.count) values")

            // A statement Flink rejects: Flink's message, a non-zero exit, and the session goes on.
            try """
            CREATE TABLE src (n BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '5');
            CREATE TABLE dst (n BIGINT) WITH ('connector' = 'blackhole');
            INSERT INTO dst SELECT nope FROM src;
            """.write(toFile: dir + "/bad.sql", atomically: true, encoding: .utf8)
            let bad = try run(flinkctlBinary, ["run", "--rm", cluster.url, "--session", "sess", "--sql", dir + "/bad.sql"])
            #expect(bad.status != 0 && bad.stderr.contains("rejected by Flink") && bad.stderr.contains("nope"), "\(bad.stdout) \(bad.stderr)")
            #expect(!bad.stderr.contains("\tat "), "no stack: \(bad.stderr)")
            let both = try run(flinkctlBinary, ["run", "--rm", cluster.url, "--session", "sess", "--sql", dir + "/bad.sql", "--jar", jar])
            #expect(both.status == 2 && both.stderr.contains("one of --jar FILE and --sql FILE"))

            // The session outlives its jobs.
            let status = try run(flinkctlBinary, ["status", "sess", "--rm", cluster.url, "--output", "json"])
            #expect(status.stdout.contains("\"serviceState\" : \"STABLE\""), "\(status.stdout)")
            try await perJobOperations(cluster)
        }
    }

    /// Two streaming jobs in the session (one slot each): listed one by one,
    /// acted on one by one, and `session stop --savepoint` leaves a savepoint
    /// per running job.
    func perJobOperations(_ cluster: TestCluster) async throws {
        let dir = cluster.directory
        try """
        CREATE TABLE src (n BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '20');
        CREATE TABLE dst (n BIGINT) WITH ('connector' = 'blackhole');
        INSERT INTO dst SELECT n FROM src;
        """.write(toFile: dir + "/endless.sql", atomically: true, encoding: .utf8)
        func runningJobs() throws -> [String] {
            let r = try run(flinkctlBinary, ["list", "--jobs", "--rm", cluster.url, "--output", "json"])
            let rows = (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
            return rows.filter { $0["deployment"] as? String == "sess" && $0["state"] as? String == "RUNNING" }.compactMap { $0["job"] as? String }
        }
        func startEndless() throws -> String {
            let r = try run(flinkctlBinary, ["run", "--rm", cluster.url, "--session", "sess", "--sql", dir + "/endless.sql", "--detached"])
            #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
            return String(r.stdout.split(separator: " ").dropFirst(2).first ?? "")
        }
        let a = try startEndless(), b = try startEndless()
        #expect(await eventually(timeout: 60, interval: 0.5) { (try? runningJobs().count) == 2 }, "two jobs should run")
        #expect(Set(try runningJobs()) == [a, b])
        let table = try run(flinkctlBinary, ["list", "--jobs", "--rm", cluster.url])
        #expect(table.stdout.contains(a) && table.stdout.contains(b) && table.stdout.contains("FINISHED"), "\(table.stdout)")

        // Without --job, two running jobs are ambiguous: refused, listed, nothing stopped.
        for args in [["cancel", "sess"], ["savepoint", "sess", dir + "/sp"]] {
            let r = try run(flinkctlBinary, args + ["--rm", cluster.url])
            #expect(r.status == 2 && r.stderr.contains(a) && r.stderr.contains(b) && r.stderr.contains("--job"), "\(args): \(r.stderr)")
        }
        let unknown = try run(flinkctlBinary, ["cancel", "sess", "--rm", cluster.url, "--job", String(repeating: "0", count: 32)])
        #expect(unknown.status == 2 && unknown.stderr.contains("--job") && unknown.stderr.contains("no such job"), "\(unknown.stderr)")
        let malformed = try run(flinkctlBinary, ["cancel", "sess", "--rm", cluster.url, "--job", "nope"])
        #expect(malformed.status == 2 && malformed.stderr.contains("--job"), "\(malformed.stderr)")
        #expect(Set(try runningJobs()) == [a, b])

        let sp = try run(flinkctlBinary, ["savepoint", "sess", dir + "/sp-a", "--job", a, "--rm", cluster.url])
        #expect(sp.status == 0 && sp.stdout.contains("Savepoint: "), "\(sp.stdout) \(sp.stderr)")
        let cancelA = try run(flinkctlBinary, ["cancel", "sess", "--job", a, "--rm", cluster.url])
        #expect(cancelA.status == 0 && cancelA.stdout.contains("Cancelled job \(a)") && !cancelA.stdout.contains("Stopped service"), "\(cancelA.stdout)")
        #expect(await eventually(timeout: 30, interval: 0.5) { (try? runningJobs()) == [b] }, "b goes on alone")
        let again = try run(flinkctlBinary, ["cancel", "sess", "--job", a, "--rm", cluster.url])
        #expect(again.status == 1 && again.stderr.contains("already ended"), "\(again.stderr)")

        // The slot a freed takes a third job; session stop saves both running ones.
        let c = try startEndless()
        #expect(await eventually(timeout: 60, interval: 0.5) { (try? runningJobs().count) == 2 }, "b and c should run")
        let stop = try run(flinkctlBinary, ["session", "stop", "sess", "--savepoint", dir + "/sp-stop", "--rm", cluster.url])
        #expect(stop.status == 0, "session stop: \(stop.stdout) \(stop.stderr)")
        for job in [b, c] {
            #expect(stop.stdout.contains("Job \(job): savepoint "), "\(stop.stdout)")
        }
        let savepoints = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/sp-stop")) ?? []
        #expect(savepoints.filter { $0.hasPrefix("savepoint-") }.count == 2, "\(savepoints)")
        #expect(try cluster.services.get("sess").state == .STOPPED)
    }
}
}
