import Foundation

/// A byte count as Flink's `MemorySize` parses it: a number with an optional
/// unit (b, k/kb, m/mb, g/gb, t/tb, and the long names), base 1024.
public struct MemorySize: Comparable, Sendable, CustomStringConvertible, Codable {
    public var bytes: Int64

    public init(bytes: Int64) { self.bytes = bytes }
    public static func mebibytes(_ n: Int64) -> MemorySize { MemorySize(bytes: n << 20) }

    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = t.prefix { $0.isNumber }
        guard !digits.isEmpty, let n = Int64(digits) else { return nil }
        let unit = t.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let shift: Int64
        switch unit {
        case "", "b", "bytes": shift = 0
        case "k", "kb", "kibibytes": shift = 10
        case "m", "mb", "mebibytes": shift = 20
        case "g", "gb", "gibibytes": shift = 30
        case "t", "tb", "tebibytes": shift = 40
        default: return nil
        }
        guard n <= (Int64.max >> shift) else { return nil }
        bytes = n << shift
    }

    public static func < (a: MemorySize, b: MemorySize) -> Bool { a.bytes < b.bytes }
    public static func + (a: MemorySize, b: MemorySize) -> MemorySize { MemorySize(bytes: a.bytes + b.bytes) }
    public static func - (a: MemorySize, b: MemorySize) -> MemorySize { MemorySize(bytes: a.bytes - b.bytes) }

    /// `bytes × fraction`, truncated, computed as Flink does: the fraction is a
    /// Java float widened to double and printed by Double.toString (0.1f →
    /// 0.10000000149011612), then multiplied exactly as a BigDecimal.
    public func multiplied(byFloat fraction: Float) -> MemorySize {
        let decimal = Double(fraction).description // shortest round-trip digits, as Java prints them
        let (mantissa, scale) = Self.decimalParts(decimal)
        let product = bytes.multipliedFullWidth(by: mantissa)
        var divisor: Int64 = 1
        for _ in 0..<scale { divisor *= 10 }
        let (q, _) = divisor.dividingFullWidth(product)
        return MemorySize(bytes: q)
    }

    /// "0.10000000149011612" → (10000000149011612, 17)
    static func decimalParts(_ s: String) -> (Int64, Int) {
        guard let dot = s.firstIndex(of: ".") else { return (Int64(s) ?? 0, 0) }
        let whole = s[..<dot], frac = s[s.index(after: dot)...]
        return (Int64(whole + frac) ?? 0, frac.count)
    }

    public var description: String { "\(bytes)b" }
    public var megabytes: Int64 { bytes >> 20 }
}

/// The TaskManager memory model (Flink 1.10+), computed from the configuration
/// the way `TaskExecutorProcessUtils` does for a configured process size.
public struct TaskManagerMemory: Sendable, Equatable {
    public var frameworkHeap: MemorySize
    public var frameworkOffHeap: MemorySize
    public var taskHeap: MemorySize
    public var taskOffHeap: MemorySize
    public var network: MemorySize
    public var managed: MemorySize
    public var metaspace: MemorySize
    public var overhead: MemorySize
    public var slots: Int
    public var cpuCores: Double

    /// The JVM's heap, direct memory and metaspace limits.
    public var jvmArguments: [String] {
        let heap = frameworkHeap.bytes + taskHeap.bytes
        return ["-Xmx\(heap)", "-Xms\(heap)",
                "-XX:MaxDirectMemorySize=\(frameworkOffHeap.bytes + taskOffHeap.bytes + network.bytes)",
                "-XX:MaxMetaspaceSize=\(metaspace.bytes)"]
    }

    /// The derived sizes, passed to TaskManagerRunner as `-D key=value` so it
    /// uses exactly what the JVM was sized for.
    public var dynamicProperties: [(String, String)] {
        [("taskmanager.memory.framework.heap.size", "\(frameworkHeap.bytes)b"),
         ("taskmanager.memory.task.heap.size", "\(taskHeap.bytes)b"),
         ("taskmanager.memory.framework.off-heap.size", "\(frameworkOffHeap.bytes)b"),
         ("taskmanager.memory.task.off-heap.size", "\(taskOffHeap.bytes)b"),
         ("taskmanager.memory.network.min", "\(network.bytes)b"),
         ("taskmanager.memory.network.max", "\(network.bytes)b"),
         ("taskmanager.memory.managed.size", "\(managed.bytes)b"),
         ("taskmanager.memory.jvm-metaspace.size", "\(metaspace.bytes)b"),
         ("taskmanager.memory.jvm-overhead.min", "\(overhead.bytes)b"),
         ("taskmanager.memory.jvm-overhead.max", "\(overhead.bytes)b"),
         ("taskmanager.numberOfTaskSlots", String(slots)),
         ("taskmanager.cpu.cores", String(format: "%.1f", cpuCores)),
         ("external-resources", "none")]
    }

    public init(configuration c: FlinkConfiguration) throws {
        func size(_ key: String, _ fallback: String) throws -> MemorySize {
            let text = c[key] ?? fallback
            guard let s = MemorySize(parsing: text) else {
                throw FlinkError(.configuration, "\(key): '\(text)' is not a memory size (e.g. 1728m, 2g)")
            }
            return s
        }
        func fraction(_ key: String, _ fallback: Float) throws -> Float {
            guard let text = c[key] else { return fallback }
            guard let f = Float(text), f >= 0, f < 1 else {
                throw FlinkError(.configuration, "\(key): '\(text)' is not a fraction between 0 and 1")
            }
            return f
        }
        guard c["taskmanager.memory.process.size"] != nil else {
            throw FlinkError(.configuration, "taskmanager.memory.process.size is not set")
        }
        let process = try size("taskmanager.memory.process.size", "1728m")
        metaspace = try size("taskmanager.memory.jvm-metaspace.size", "256m")
        let overheadMin = try size("taskmanager.memory.jvm-overhead.min", "192m")
        let overheadMax = try size("taskmanager.memory.jvm-overhead.max", "1g")
        overhead = min(max(process.multiplied(byFloat: try fraction("taskmanager.memory.jvm-overhead.fraction", 0.1)), overheadMin), overheadMax)
        guard process > metaspace + overhead else {
            throw FlinkError(.configuration, "taskmanager.memory.process.size \(process.megabytes)m is too small: JVM metaspace (\(metaspace.megabytes)m) and overhead (\(overhead.megabytes)m) need more")
        }
        let total = process - metaspace - overhead
        frameworkHeap = try size("taskmanager.memory.framework.heap.size", "128m")
        frameworkOffHeap = try size("taskmanager.memory.framework.off-heap.size", "128m")
        taskOffHeap = try size("taskmanager.memory.task.off-heap.size", "0b")
        let networkMin = try size("taskmanager.memory.network.min", "64m")
        let networkMax = c["taskmanager.memory.network.max"].flatMap { MemorySize(parsing: $0) } ?? MemorySize(bytes: .max)
        network = min(max(total.multiplied(byFloat: try fraction("taskmanager.memory.network.fraction", 0.1)), networkMin), networkMax)
        if let m = c["taskmanager.memory.managed.size"] {
            guard let s = MemorySize(parsing: m) else {
                throw FlinkError(.configuration, "taskmanager.memory.managed.size: '\(m)' is not a memory size")
            }
            managed = s
        } else {
            managed = total.multiplied(byFloat: try fraction("taskmanager.memory.managed.fraction", 0.4))
        }
        let fixed = frameworkHeap + frameworkOffHeap + taskOffHeap + managed + network
        guard fixed < total else {
            throw FlinkError(.configuration, "taskmanager.memory.process.size \(process.megabytes)m is too small: framework heap, framework off-heap, task off-heap, managed (\(managed.megabytes)m) and network (\(network.megabytes)m) memory exceed the total Flink memory of \(total.megabytes)m")
        }
        taskHeap = total - fixed
        slots = Int(c["taskmanager.numberOfTaskSlots"] ?? "1") ?? 1
        cpuCores = Double(c["taskmanager.cpu.cores"] ?? "") ?? Double(slots)
    }
}

/// The JobManager memory model for a configured process size.
public struct JobManagerMemory: Sendable, Equatable {
    public var heap: MemorySize
    public var offHeap: MemorySize
    public var metaspace: MemorySize
    public var overhead: MemorySize

    public var jvmArguments: [String] {
        ["-Xmx\(heap.bytes)", "-Xms\(heap.bytes)", "-XX:MaxMetaspaceSize=\(metaspace.bytes)"]
    }

    public var dynamicProperties: [(String, String)] {
        [("jobmanager.memory.heap.size", "\(heap.bytes)b"),
         ("jobmanager.memory.off-heap.size", "\(offHeap.bytes)b"),
         ("jobmanager.memory.jvm-metaspace.size", "\(metaspace.bytes)b"),
         ("jobmanager.memory.jvm-overhead.min", "\(overhead.bytes)b"),
         ("jobmanager.memory.jvm-overhead.max", "\(overhead.bytes)b")]
    }

    public init(configuration c: FlinkConfiguration) throws {
        let text = c["jobmanager.memory.process.size"] ?? "1600m"
        guard let process = MemorySize(parsing: text) else {
            throw FlinkError(.configuration, "jobmanager.memory.process.size: '\(text)' is not a memory size")
        }
        metaspace = MemorySize(parsing: c["jobmanager.memory.jvm-metaspace.size"] ?? "256m") ?? .mebibytes(256)
        offHeap = MemorySize(parsing: c["jobmanager.memory.off-heap.size"] ?? "128m") ?? .mebibytes(128)
        let oMin = MemorySize(parsing: c["jobmanager.memory.jvm-overhead.min"] ?? "192m") ?? .mebibytes(192)
        let oMax = MemorySize(parsing: c["jobmanager.memory.jvm-overhead.max"] ?? "1g") ?? .mebibytes(1024)
        overhead = min(max(process.multiplied(byFloat: Float(c["jobmanager.memory.jvm-overhead.fraction"] ?? "0.1") ?? 0.1), oMin), oMax)
        guard process > metaspace + overhead + offHeap else {
            throw FlinkError(.configuration, "jobmanager.memory.process.size \(process.megabytes)m is too small for metaspace, off-heap and overhead")
        }
        heap = process - metaspace - overhead - offHeap
    }
}
