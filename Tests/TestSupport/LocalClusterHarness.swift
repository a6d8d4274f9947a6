import Foundation
import Hadoop
import HTTPTransport

/// A temporary directory removed when the scope ends.
public func withTemporaryDirectory<R>(_ body: (String) async throws -> R) async throws -> R {
    let path = NSTemporaryDirectory() + "flinkctl-test-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    // FLINKCTL_TEST_KEEP=1 keeps the directory (logs, state) for a look after the run.
    defer { if ProcessInfo.processInfo.environment["FLINKCTL_TEST_KEEP"] == nil { try? FileManager.default.removeItem(atPath: path) } }
    return try await body(path)
}

/// The built `flinkctl` binary: FLINKCTL_BIN, or the one next to the test bundle.
public var flinkctlBinary: String {
    if let bin = ProcessInfo.processInfo.environment["FLINKCTL_BIN"] { return bin }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    // The test bundle may sit in a .xctest directory.
    while dir.path != "/" {
        let candidate = dir.appendingPathComponent("flinkctl").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/flinkctl").path
}

/// The result of running a command to its end.
public struct CommandResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// Runs a program with arguments and waits for it.
@discardableResult
public func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                input: String? = nil) throws -> CommandResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let stdin = input.map { _ in Pipe() }
    if let stdin { p.standardInput = stdin }
    try p.run()
    if let stdin, let input {
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try? stdin.fileHandleForWriting.close()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return CommandResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                         stderr: String(decoding: e, as: UTF8.self))
}

/// An embedded cluster started through `flinkctl local start` on an ephemeral
/// port in its own directory.
public final class TestCluster: @unchecked Sendable {
    // @unchecked: fields are set once in init; `pid` changes only in restart(), called from the test's task.
    public let directory: String
    public private(set) var url: String
    public private(set) var pid: Int32
    public let memoryMB: Int
    public let vcores: Int
    /// More `local start` options (e.g. --kerberos …) and environment (e.g. KRB5_CONFIG).
    public let extraArguments: [String]
    public let environment: [String: String]

    public init(directory: String, memoryMB: Int = 4096, vcores: Int = 16,
                extraArguments: [String] = [], environment: [String: String] = [:]) throws {
        self.directory = directory
        self.memoryMB = memoryMB
        self.vcores = vcores
        self.extraArguments = extraArguments
        self.environment = environment
        (url, pid) = try Self.start(directory: directory, port: 0, memoryMB: memoryMB, vcores: vcores,
                                    extraArguments: extraArguments, environment: environment)
    }

    static func start(directory: String, port: Int, memoryMB: Int, vcores: Int,
                      extraArguments: [String] = [], environment: [String: String] = [:]) throws -> (String, Int32) {
        let r = try run(flinkctlBinary, ["local", "start", "--dir", directory, "--port", String(port),
                                         "--memory-mb", String(memoryMB), "--vcores", String(vcores)] + extraArguments,
                        environment: environment.merging(["FLINKCTL_LOCAL_GRACE_MS": "1500"]) { $1 })
        guard r.status == 0 else {
            throw HadoopError(code: .configuration, message: "local start failed (\(r.status)): \(r.stderr)")
        }
        let data = FileManager.default.contents(atPath: directory + "/cluster.json") ?? Data()
        let obj = (try JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (obj["url"] as? String ?? "", Int32(obj["pid"] as? Int ?? 0))
    }

    /// Starts the cluster again on the same directory and port.
    public func restart() throws {
        let port = Int(url.split(separator: ":").last!)!
        (url, pid) = try Self.start(directory: directory, port: port, memoryMB: memoryMB, vcores: vcores,
                                    extraArguments: extraArguments, environment: environment)
    }

    /// The cluster's own user by default: the one who may name host files as
    /// sources (other users stage in HDFS).
    public func endpoint(user: String? = localUserName) throws -> RESTEndpoint {
        try RESTEndpoint(address: ClusterAddress(urls: [url], user: user))
    }

    public var rm: ResourceManagerClient { ResourceManagerClient(endpoint: try! endpoint()) }
    public var services: ServicesClient { ServicesClient(endpoint: try! endpoint()) }

    /// Sends a raw request and returns status and body, for checking error answers.
    public func raw(_ method: String, _ path: String, body: String? = nil) throws -> (Int, String) {
        let http = try HTTPClient()
        let r = try http.perform(HTTPRequest(method: method, url: url + path,
                                             headers: body == nil ? [] : [("Content-Type", "application/json")],
                                             body: body.map { Array($0.utf8) }))
        return (r.status, r.text)
    }

    public func stop() {
        _ = try? run(flinkctlBinary, ["local", "stop", "--dir", directory])
    }

    /// Kills the cluster process with SIGKILL and waits for it to go.
    public func crash() {
        kill(pid, SIGKILL)
        for _ in 0..<100 where processIsRunning(pid) { usleep(20_000) }
    }

    deinit { stop() }
}

/// The Unix user the tests (and so the clusters they start) run as.
public var localUserName: String {
    guard let pw = getpwuid(geteuid()), let n = pw.pointee.pw_name else { return "root" }
    return String(cString: n)
}

/// Makes a local user (no home, no login) unless the host has one, for
/// tests whose containers run as that user; needs root, as the cluster does
/// to run containers as others.
public func ensureLocalUser(_ name: String) throws {
    guard getpwnam(name) == nil else { return }
    // An ordinary user (uid 1000 and up): containers never run as system accounts.
    let r = try run("/usr/sbin/useradd", ["--no-create-home", "--shell", "/usr/sbin/nologin", name])
    guard r.status == 0 || getpwnam(name) != nil else {
        throw HadoopError(code: .configuration, message: "useradd \(name) failed: \(r.stderr)")
    }
}

/// Whether `pid` runs: a zombie, which a killed process stays until it is
/// reaped, does not.
public func processIsRunning(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(after: close)...].split(separator: " ").first ?? ""
    return state != "Z" && state != "X"
}

/// Scoped cluster: started before `body`, stopped after, whatever happens.
public func withTestCluster<R>(memoryMB: Int = 4096, vcores: Int = 16,
                               _ body: (TestCluster) async throws -> R) async throws -> R {
    try await withTemporaryDirectory { dir in
        let cluster = try TestCluster(directory: dir, memoryMB: memoryMB, vcores: vcores)
        defer { cluster.stop() }
        return try await body(cluster)
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
public func eventually(timeout: Double = 10, interval: Double = 0.1,
                       _ condition: () throws -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
    }
    return (try? condition()) == true
}

/// Pids of live processes whose command line contains `marker`.
public func processes(matching marker: String) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap { name -> Int32? in
        guard let pid = Int32(name), pid != getpid(),
              let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline"), !data.isEmpty else { return nil }
        let cmd = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
        guard cmd.contains(marker) else { return nil }
        // Skip zombies.
        if let stat = FileManager.default.contents(atPath: "/proc/\(name)/stat"),
           let s = String(data: stat, encoding: .utf8), let close = s.lastIndex(of: ")"),
           s[s.index(close, offsetBy: 2)] == "Z" { return nil }
        return pid
    }
}

/// A unique `sleep` command whose processes tests can find by its argument.
public func markedSleep() -> (command: String, marker: String) {
    let n = 3000 + Int.random(in: 0..<6000)
    let frac = Int.random(in: 100..<999)
    let marker = "\(n).\(frac)"
    return ("sleep \(marker)", "sleep \(marker)")
}
