import Flink
import FlinkctlBase
import Foundation
import Hadoop

/// One finding of `flinkctl doctor`: a verdict, the evidence, and the fix.
public struct DoctorCheck: Codable, Equatable, Sendable {
    public enum Verdict: String, Codable, Comparable, Sendable {
        case ok, warn, fail
        public static func < (a: Verdict, b: Verdict) -> Bool { a.rank < b.rank }
        var rank: Int { self == .ok ? 0 : self == .warn ? 1 : 2 }
    }

    public var name: String
    public var verdict: Verdict
    public var detail: String
    public var fix: String

    public init(name: String, verdict: Verdict, detail: String, fix: String) {
        self.name = name
        self.verdict = verdict
        self.detail = detail
        self.fix = fix
    }

    public static func ok(_ name: String, _ detail: String) -> DoctorCheck { DoctorCheck(name: name, verdict: .ok, detail: detail, fix: "") }
    public static func warn(_ name: String, _ detail: String, fix: String) -> DoctorCheck { DoctorCheck(name: name, verdict: .warn, detail: detail, fix: fix) }
    public static func fail(_ name: String, _ detail: String, fix: String) -> DoctorCheck { DoctorCheck(name: name, verdict: .fail, detail: detail, fix: fix) }
}

public struct DoctorReport: Codable, Sendable {
    public var checks: [DoctorCheck]
    public init(checks: [DoctorCheck]) { self.checks = checks }
}

/// `flinkctl doctor NAME`: a running job, sampled twice from Flink's REST
/// API `sample` seconds apart, and its containers from YARN's history.
public struct JobDiagnosis {
    /// The limits each check compares with; the output states them.
    public struct Thresholds: Sendable {
        /// A vertex whose subtasks are back-pressured this share of the time: warn; twice it (at most 1): fail.
        public var backpressure = 0.25
        /// A subtask that read this many times its vertex's median: skew.
        public var skew = 2.0
        /// …when it read at least this many records in the sample.
        public var skewMinimumRecords: Int64 = 1000
        /// Heap used over its maximum, at both samples: warn.
        public var heap = 0.9
        /// A checkpoint taking this share of its timeout: warn.
        public var checkpointDuration = 0.5
        public init() {}
    }

    public let rest: FlinkRESTClient
    public let job: String
    public let application: String?
    public let logServer: ContainerLogServer?
    public var thresholds = Thresholds()
    public var sample: Double = 10

    public init(rest: FlinkRESTClient, job: String, application: String?, logServer: ContainerLogServer?) {
        self.rest = rest
        self.job = job
        self.application = application
        self.logServer = logServer
    }

    /// What one look at the job sees.
    struct Snapshot {
        var taken = Date()
        var state = ""
        var startTime: Int64 = 0
        var vertices: [Vertex] = []
        /// Vertex id → the ids of the vertices it reads from.
        var inputs: [String: [String]] = [:]
        var restarts: Int64 = 0
        var checkpoints: [String: Any] = [:]
        var checkpointConfig: [String: Any] = [:]
        var taskManagers: [(id: String, heapUsed: Double, heapMax: Double, managedUsed: Double, managedTotal: Double)] = []
        /// How often the JobManager refreshes the metrics it serves (metrics.fetcher.update-interval).
        var metricsInterval: Int64 = 10_000
    }

    struct Vertex {
        var id: String
        var name: String
        var parallelism: Int
        /// Records read per subtask (Flink's `read-records`), in subtask order.
        var readRecords: [Int64]
        var backpressure: (level: String, ratio: Double, busiest: Double)?
        /// The lowest input watermark per subtask (Long.MIN_VALUE: none yet).
        var watermarks: [Int64]
    }

    public func run(sleep: (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) throws -> [DoctorCheck] {
        let first = try snapshot()
        sleep(sample)
        let second = try snapshot()
        // Back pressure as the second sample saw it, or the first where the second had none.
        var latest = second
        for i in latest.vertices.indices where latest.vertices[i].backpressure == nil {
            latest.vertices[i].backpressure = first.vertices.first { $0.id == latest.vertices[i].id }?.backpressure
        }
        return [restartsCheck(first, second), checkpointsCheck(first, second), backpressureCheck(latest),
                watermarksCheck(first, second), skewCheck(first, second), memoryCheck(first, second), containersCheck()]

    }

    // MARK: - Reading the job

    func snapshot() throws -> Snapshot {
        var s = Snapshot()
        let detail = try rest.json("/jobs/\(job)") as? [String: Any] ?? [:]
        s.state = detail["state"] as? String ?? ""
        s.startTime = Self.int(detail["start-time"])
        if let plan = (try? rest.json("/jobs/\(job)/plan")) as? [String: Any],
           let nodes = (plan["plan"] as? [String: Any])?["nodes"] as? [[String: Any]] {
            for n in nodes {
                guard let id = n["id"] as? String else { continue }
                s.inputs[id] = (n["inputs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
        }
        for v in detail["vertices"] as? [[String: Any]] ?? [] {
            guard let id = v["id"] as? String else { continue }
            var vertex = Vertex(id: id, name: v["name"] as? String ?? id, parallelism: Int(Self.int(v["parallelism"])),
                                readRecords: [], backpressure: nil, watermarks: [])
            if let sub = (try? rest.json("/jobs/\(job)/vertices/\(id)")) as? [String: Any],
               let subtasks = sub["subtasks"] as? [[String: Any]] {
                vertex.readRecords = subtasks.map { Self.int(($0["metrics"] as? [String: Any])?["read-records"]) }
            }
            // Flink answers without subtasks while it has no metrics for the
            // vertex (just started, or between two fetches): asked once more.
            for attempt in 0..<2 {
                if let bp = (try? rest.json("/jobs/\(job)/vertices/\(id)/backpressure")) as? [String: Any],
                   let subtasks = bp["subtasks"] as? [[String: Any]], !subtasks.isEmpty {
                    let ratios = subtasks.map { Self.double($0["ratio"]) }
                    let busy = subtasks.map { Self.double($0["busyRatio"]) }
                    vertex.backpressure = (bp["backpressureLevel"] as? String ?? "ok", ratios.max() ?? 0, busy.max() ?? 0)
                    break
                }
                if attempt == 0 { Thread.sleep(forTimeInterval: 0.2) }
            }
            if let marks = (try? rest.json("/jobs/\(job)/vertices/\(id)/watermarks")) as? [[String: Any]] {
                var bySubtask: [Int: Int64] = [:]
                for m in marks {
                    guard let key = m["id"] as? String, key.hasSuffix(".currentInputWatermark"),
                          let index = Int(key.prefix { $0 != "." }) else { continue }
                    bySubtask[index] = Self.int(m["value"])
                }
                vertex.watermarks = bySubtask.keys.sorted().map { bySubtask[$0]! }
            }
            s.vertices.append(vertex)
        }
        if let metrics = (try? rest.json("/jobs/\(job)/metrics?get=numRestarts")) as? [[String: Any]] {
            s.restarts = metrics.first.map { Self.int($0["value"]) } ?? 0
        }
        if let config = (try? rest.json("/jobmanager/config")) as? [[String: Any]],
           let entry = config.first(where: { $0["key"] as? String == "metrics.fetcher.update-interval" }) {
            s.metricsInterval = Self.int(entry["value"])
        }
        s.checkpoints = (try? rest.json("/jobs/\(job)/checkpoints")) as? [String: Any] ?? [:]
        s.checkpointConfig = (try? rest.json("/jobs/\(job)/checkpoints/config")) as? [String: Any] ?? [:]
        let tms = ((try? rest.json("/taskmanagers")) as? [String: Any])?["taskmanagers"] as? [[String: Any]] ?? []
        for tm in tms {
            guard let id = tm["id"] as? String else { continue }
            let wanted = "Status.JVM.Memory.Heap.Used,Status.JVM.Memory.Heap.Max,Status.Flink.Memory.Managed.Used,Status.Flink.Memory.Managed.Total"
            let list = (try? rest.json("/taskmanagers/\(id)/metrics?get=\(wanted)")) as? [[String: Any]] ?? []
            var m: [String: Double] = [:]
            for e in list { if let k = e["id"] as? String { m[k] = Self.double(e["value"]) } }
            s.taskManagers.append((id, m["Status.JVM.Memory.Heap.Used"] ?? 0, m["Status.JVM.Memory.Heap.Max"] ?? 0,
                                   m["Status.Flink.Memory.Managed.Used"] ?? 0, m["Status.Flink.Memory.Managed.Total"] ?? 0))
        }
        return s
    }

    static func int(_ v: Any?) -> Int64 {
        if let n = v as? NSNumber { return n.int64Value }
        if let s = v as? String { return Int64(s) ?? Int64(Double(s) ?? 0) }
        return 0
    }

    static func double(_ v: Any?) -> Double {
        if let n = v as? NSNumber { return n.doubleValue }
        if let s = v as? String { return Double(s) ?? 0 }
        return 0
    }

    func exception() -> String? {
        guard let e = (try? rest.json("/jobs/\(job)/exceptions")) as? [String: Any] else { return nil }
        let entries = (e["exceptionHistory"] as? [String: Any])?["entries"] as? [[String: Any]] ?? []
        let text = entries.first.flatMap { $0["stacktrace"] as? String } ?? e["root-exception"] as? String
        return text.map { FlinkRESTClient.errorSummary($0) }.map { String($0.prefix(300)) }
    }

    // MARK: - The checks

    func restartsCheck(_ a: Snapshot, _ b: Snapshot) -> DoctorCheck {
        let inSample = b.restarts - a.restarts
        // The job's exceptions are read only when it has restarted.
        let cause = b.restarts > 0 ? exception().map { "; last cause: \($0)" } ?? "" : ""
        if inSample > 0 {
            return .fail("restarts", "the job restarted \(inSample) time(s) during the \(Int(sample)) s sample (\(b.restarts) since it started)\(cause)",
                         fix: "read the cause above and the JobManager's log: flinkctl logs NAME --component jobmanager")
        }
        if b.restarts > 0 {
            return .warn("restarts", "\(b.restarts) restart(s) since the job started, none in the sample\(cause)",
                         fix: "flinkctl logs NAME --component jobmanager shows why")
        }
        return .ok("restarts", "no restart since the job started (\(b.state))")
    }

    func checkpointsCheck(_ a: Snapshot, _ b: Snapshot) -> DoctorCheck {
        let interval = Self.int(b.checkpointConfig["interval"])
        let timeout = Self.int(b.checkpointConfig["timeout"])
        guard interval > 0, interval < Int64.max / 2 else {
            return .warn("checkpoints", "checkpointing is off: a failure replays the job from its start",
                         fix: "-D execution.checkpointing.interval=30s (and a durable execution.checkpointing.dir)")
        }
        let counts = { (s: Snapshot) -> (completed: Int64, failed: Int64) in
            let c = s.checkpoints["counts"] as? [String: Any] ?? [:]
            return (Self.int(c["completed"]), Self.int(c["failed"]))
        }
        let (ca, cb) = (counts(a), counts(b))
        let latest = b.checkpoints["latest"] as? [String: Any] ?? [:]
        let completed = latest["completed"] as? [String: Any]
        let failed = latest["failed"] as? [String: Any]
        let failedInSample = cb.failed - ca.failed
        let message = failed.flatMap { $0["failure_message"] as? String }.map { String($0.prefix(300)) } ?? "no message"
        let limits = "interval \(interval) ms, timeout \(timeout) ms"
        // Failing now: the newest failure is newer than the newest success.
        let failingNow = failed.map { Self.int($0["trigger_timestamp"]) > Self.int(completed?["trigger_timestamp"]) } ?? false
        if failedInSample > 0 || failingNow {
            return .fail("checkpoints", "\(failedInSample > 0 ? "\(failedInSample) checkpoint(s) failed in the sample" : "the latest checkpoint failed") (\(cb.completed) completed, \(cb.failed) failed in all; \(limits)): \(message)",
                         fix: "check that execution.checkpointing.dir can be written by the job's user, and the TaskManagers' logs")
        }
        let now = Int64(b.taken.timeIntervalSince1970 * 1000)
        guard let completed else {
            let running = now - b.startTime
            if running > 2 * interval + timeout {
                return .fail("checkpoints", "no checkpoint completed in \(running / 1000) s of running (\(limits))",
                             fix: "look for checkpoints that never finish: back pressure, or a slow or full checkpoint storage")
            }
            return .ok("checkpoints", "no checkpoint yet; the job started \(running / 1000) s ago (\(limits))")
        }
        let age = now - Self.int(completed["latest_ack_timestamp"])
        let duration = Self.int(completed["end_to_end_duration"])
        let size = Self.int(completed["checkpointed_size"] ?? completed["state_size"])
        let alignment = Self.int(completed["alignment_buffered"])
        let evidence = "last completed \(age / 1000) s ago in \(duration) ms, \(size) bytes; \(cb.completed) completed, \(cb.failed) failed (\(limits))"
        if age > 2 * interval + max(duration, 1000) {
            return .warn("checkpoints", "no checkpoint for a while: " + evidence,
                         fix: "look for back pressure (doctor's backpressure check) or slow checkpoint storage")
        }
        if timeout > 0, Double(duration) > thresholds.checkpointDuration * Double(timeout) {
            return .warn("checkpoints", "checkpoints take over \(Int(thresholds.checkpointDuration * 100))% of their timeout: " + evidence
                         + (alignment > 0 ? "; \(alignment) bytes buffered in alignment" : ""),
                         fix: "unaligned checkpoints (-D execution.checkpointing.unaligned.enabled=true), less back pressure, or a longer timeout")
        }
        return .ok("checkpoints", evidence)
    }

    /// The back-pressured vertices, and the bottleneck: the busiest vertex
    /// downstream of them.
    func backpressureCheck(_ s: Snapshot) -> DoctorCheck {
        let pressured = s.vertices.filter { ($0.backpressure?.ratio ?? 0) >= thresholds.backpressure }
        guard !pressured.isEmpty else {
            let worst = s.vertices.map { $0.backpressure?.ratio ?? 0 }.max() ?? 0
            return .ok("backpressure", "no vertex back-pressured (highest ratio \(String(format: "%.2f", worst)); warn from \(thresholds.backpressure))")
        }
        // Downstream of a back-pressured vertex: the vertices that read from it, and on.
        var downstream: Set<String> = []
        var frontier = Set(pressured.map(\.id))
        while !frontier.isEmpty {
            let next = Set(s.vertices.filter { v in (s.inputs[v.id] ?? []).contains { frontier.contains($0) } }.map(\.id))
                .subtracting(downstream)
            downstream.formUnion(next)
            frontier = next
        }
        let candidates = s.vertices.filter { downstream.contains($0.id) && ($0.backpressure?.ratio ?? 0) < thresholds.backpressure }
        let bottleneck = (candidates.isEmpty ? s.vertices : candidates).max { ($0.backpressure?.busiest ?? 0) < ($1.backpressure?.busiest ?? 0) }
        let worst = pressured.max { ($0.backpressure?.ratio ?? 0) < ($1.backpressure?.ratio ?? 0) }!
        let ratio = worst.backpressure?.ratio ?? 0
        let detail = "\(pressured.map { "\($0.name) back-pressured \(Int(($0.backpressure?.ratio ?? 0) * 100))%" }.joined(separator: "; ")); "
            + "the bottleneck: \(bottleneck.map { "\($0.name) (busy \(Int(($0.backpressure?.busiest ?? 0) * 100))%)" } ?? "not found")"
        let fix = "make the bottleneck faster or give it more parallelism; look at its TaskManagers' CPU and GC"
        return ratio >= min(1, 2 * thresholds.backpressure)
            ? .fail("backpressure", detail + " (fail from \(min(1, 2 * thresholds.backpressure)))", fix: fix)
            : .warn("backpressure", detail + " (warn from \(thresholds.backpressure))", fix: fix)
    }

    func watermarksCheck(_ a: Snapshot, _ b: Snapshot) -> DoctorCheck {
        let none = Int64.min
        let withMarks = b.vertices.filter { v in v.watermarks.contains { $0 != none } }
        guard !withMarks.isEmpty else {
            return .ok("watermarks", "no vertex has an event-time watermark: the job runs on processing time, or none has been emitted yet")
        }
        var problems: [String] = []
        // Watermarks are metrics, which the JobManager refreshes only every
        // metrics.fetcher.update-interval: a shorter sample cannot see them move.
        let canSeeStall = b.taken.timeIntervalSince(a.taken) * 1000 > Double(b.metricsInterval)
        for v in withMarks {
            if let i = v.watermarks.firstIndex(of: none) {
                problems.append("\(v.name): subtask \(i) has no watermark while others do: an idle input holds the watermark back")
                continue
            }
            guard canSeeStall, let before = a.vertices.first(where: { $0.id == v.id }) else { continue }
            let low = v.watermarks.min() ?? none, lowBefore = before.watermarks.min() ?? none
            let read = v.readRecords.reduce(0, +) - before.readRecords.reduce(0, +)
            if low == lowBefore, read > 0 {
                problems.append("\(v.name): the watermark stayed at \(low) while \(read) records arrived in the sample")
            }
        }
        if !problems.isEmpty {
            return .warn("watermarks", problems.joined(separator: "; "),
                         fix: "set the source's idleness (scan.watermark.idle-timeout, or WatermarkStrategy.withIdleness) and check its out-of-orderness bound")
        }
        let lows = withMarks.map { "\($0.name.prefix(60)): \($0.watermarks.min() ?? none)" }
        let stall = canSeeStall ? "watermarks advance" : "every input has a watermark (a stall shows only over a sample longer than the \(b.metricsInterval / 1000) s in which Flink refreshes its metrics)"
        return .ok("watermarks", "\(stall); lowest per vertex: \(lows.joined(separator: "; "))")
    }

    /// Records read per subtask since the job started (a sample alone can
    /// be too short for the counters to say much), against the vertex's median.
    func skewCheck(_ a: Snapshot, _ b: Snapshot) -> DoctorCheck {
        var found: [String] = []
        for v in b.vertices where v.readRecords.count >= 2 {
            let read = v.readRecords
            let sorted = read.sorted()
            let median = Double(sorted[sorted.count / 2] + sorted[(sorted.count - 1) / 2]) / 2
            guard let top = read.max(), let index = read.firstIndex(of: top), top >= thresholds.skewMinimumRecords else { continue }
            if Double(top) > thresholds.skew * max(median, 1) {
                found.append("\(v.name): subtask \(index) read \(top) records since the job started, the median subtask \(Int64(median))")
            }
        }
        if found.isEmpty {
            return .ok("skew", "no subtask read more than \(thresholds.skew)× its vertex's median (of at least \(thresholds.skewMinimumRecords) records)")
        }
        return .warn("skew", found.joined(separator: "; "),
                     fix: "spread the hot keys: salt them (key + random suffix, then combine), or aggregate locally first (table.optimizer.agg-phase-strategy=TWO_PHASE)")
    }

    func memoryCheck(_ a: Snapshot, _ b: Snapshot) -> DoctorCheck {
        guard !b.taskManagers.isEmpty else { return .ok("memory", "no TaskManager reports memory") }
        var high: [String] = []
        var lines: [String] = []
        for tm in b.taskManagers {
            let mib = { (x: Double) in Int(x / 1_048_576) }
            lines.append("\(tm.id): heap \(mib(tm.heapUsed))/\(mib(tm.heapMax)) MiB, managed \(mib(tm.managedUsed))/\(mib(tm.managedTotal)) MiB")
            let before = a.taskManagers.first { $0.id == tm.id }
            let share = tm.heapMax > 0 ? tm.heapUsed / tm.heapMax : 0
            let shareBefore = before.map { $0.heapMax > 0 ? $0.heapUsed / $0.heapMax : 0 } ?? share
            if share > thresholds.heap && shareBefore > thresholds.heap { high.append(tm.id) }
        }
        if !high.isEmpty {
            return .warn("memory", "heap above \(Int(thresholds.heap * 100))% at both samples on \(high.joined(separator: ", ")): \(lines.joined(separator: "; "))",
                         fix: "a larger --tm-memory (or taskmanager.memory.task.heap.size); look for state kept on the heap")
        }
        return .ok("memory", lines.joined(separator: "; "))
    }

    /// YARN's side: containers of the application that ended badly.
    func containersCheck() -> DoctorCheck {
        guard let application, let logServer, let containers = try? logServer.containers(application: application) else {
            return .ok("containers", "no container history from the log server to read")
        }
        let memory = containers.filter { $0.containerExitStatus == -104 || $0.containerExitStatus == -103 }
        // Stopped by YARN on purpose (flex, stop, kill) or still running: not failures.
        let failed = containers.filter { c in
            guard let code = c.containerExitStatus, c.containerState == "COMPLETE" else { return false }
            return ![0, -104, -103, -105, -106, 143].contains(code)
        }
        if !memory.isEmpty {
            return .fail("containers", "\(memory.count) container(s) killed by YARN for exceeding their memory (exit \(memory.map { String($0.containerExitStatus ?? 0) }.joined(separator: ", "))): \(memory.map(\.containerId).joined(separator: ", ")); \(containers.count) containers in all",
                         fix: "a larger --tm-memory, or more taskmanager.memory.jvm-overhead for native memory (RocksDB, direct buffers)")
        }
        if !failed.isEmpty {
            return .warn("containers", "\(failed.count) container(s) failed: \(failed.map { "\($0.containerId) exit \($0.containerExitStatus ?? 0)" }.joined(separator: ", ")); \(containers.count) in all",
                         fix: "flinkctl logs NAME --container ID shows why")
        }
        return .ok("containers", "\(containers.count) container(s), none killed for memory or failed")
    }
}
