import Foundation
import Testing
import TestSupport

extension RealFlink {
/// The project's main job through `flinkctl submit`, checked by its independent verifier.
@Suite("The traffic-flow job")
struct TrafficTests {
    static let repo: String = {
        var dir = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { dir.deleteLastPathComponent() }
        return dir.path
    }()

    func generate(_ dir: String, minutes: Int, rate: Int) throws {
        let g = try run("/usr/bin/env", ["python3", Self.repo + "/deploy/traffic/generate.py", "--out", dir + "/in",
                                         "--seed", "7", "--minutes", String(minutes), "--rate", String(rate)])
        guard g.status == 0 else { throw CLIFailure(g.stderr) }
    }

    func verify(_ dir: String) throws -> CommandResult {
        try run("/usr/bin/env", ["python3", Self.repo + "/deploy/traffic/verify.py", "--input", dir + "/in",
                                 "--output", dir + "/out", "--quiet"])
    }

    struct CLIFailure: Error { var message: String; init(_ m: String) { message = m } }

    func submit(_ cluster: TestCluster, _ dir: String, extra: [String]) throws -> CommandResult {
        try RealFlink.SubmitEndToEndTests().submit(cluster, [
            "--sql", Self.repo + "/deploy/traffic/traffic.sql", "--name", "traffic", "--taskmanagers", "1", "--slots", "4",
            "--tm-memory", "1728m", "-D", "execution.checkpointing.interval=1s"] + extra
            + ["--", "TRAFFIC_INPUT=\(dir)/in", "TRAFFIC_OUTPUT=\(dir)/out"])
    }

    @Test("counts per checkpoint per minute are exact; late and future-dated passes are counted apart")
    func exact() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let dir = cluster.directory + "/traffic"
            try generate(dir, minutes: 30, rate: 90)
            let r = try submit(cluster, dir, extra: [])
            #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
            let v = try verify(dir)
            #expect(v.status == 0 && v.stdout.contains("VERDICT: EXACT"), "\(v.stdout)")
            #expect(v.stdout.contains("477 late, 216 future-dated"), "\(v.stdout)")
        }
    }

    /// What the checkpoint wait saw last, for the message when it gives up.
    final class Seen: @unchecked Sendable { var jobs = ""; var checkpoints = "" }

    @Test("a TaskManager killed with SIGKILL after a checkpoint: the job restores and the verdict is still exact")
    func taskManagerKilled() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let dir = cluster.directory + "/traffic"
            try generate(dir, minutes: 60, rate: 300)
            let r = try submit(cluster, dir, extra: ["--detached"])
            #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
            let rest = r.stdout.split(separator: "\n").first { $0.hasPrefix("Flink REST: ") }.map { String($0.dropFirst(12)) } ?? ""
            // Wait for a completed checkpoint, then kill the only TaskManager.
            let seen = Seen()
            let checkpointed = await eventually(timeout: 60, interval: 0.2) {
                let jobs = try run("/usr/bin/curl", ["-s", rest + "/jobs/overview"]).stdout
                seen.jobs = jobs
                guard let jid = jobs.split(separator: "\"").drop(while: { $0 != "jid" }).dropFirst(2).first else { return false }
                let cp = try run("/usr/bin/curl", ["-s", rest + "/jobs/\(jid)/checkpoints"]).stdout
                seen.checkpoints = String(cp.prefix(400))
                return cp.contains("\"completed\":") && !cp.contains("\"completed\":0")
            }
            #expect(checkpointed, "no checkpoint completed: REST \(rest), last /jobs/overview \(seen.jobs.prefix(400)), last checkpoints \(seen.checkpoints); submit printed \(r.stdout)")
            let tms = processes(matching: "TaskManagerRunner").filter {
                ((try? String(contentsOfFile: "/proc/\($0)/cmdline", encoding: .utf8)) ?? "").contains(cluster.directory)
            }
            #expect(tms.count == 1)
            for pid in tms { kill(pid, SIGKILL) }
            let done = await RealFlink.jobFinished("traffic", on: cluster, timeout: 150)
            #expect(done, "the job did not finish after its TaskManager was killed")
            let v = try verify(dir)
            #expect(v.status == 0 && v.stdout.contains("VERDICT: EXACT"), "\(v.stdout)")
        }
    }
}
}
