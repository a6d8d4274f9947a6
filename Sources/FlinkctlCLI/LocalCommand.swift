import ArgumentParser
import Deploy
import ProcessSpawn
import FlinkctlBase
import Flink
import Foundation
import Hadoop
import HTTPTransport
import Kerberos
import YarnLocal

struct LocalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Run an embedded single-node YARN cluster on this machine.",
        discussion: """
        The embedded cluster speaks the ResourceManager REST API (/ws/v1/cluster), the YARN \
        Services API (/app/v1/services) and the NodeManager log API (/ws/v1/node), so every \
        flinkctl command, curl and other YARN REST clients work against it. Containers are \
        local process groups; state, container directories and logs live under --dir.
        """,
        subcommands: [Start.self, Stop.self, Status.self]
    )

    struct DirectoryOption: ParsableArguments {
        @Option(name: .long, help: ArgumentHelp("Directory for the cluster's state, containers and logs. Default: ~/.flinkctl/local.", valueName: "DIR"))
        var dir: String?

        var resolved: String {
            let d = dir ?? LocalDefaults.directory
            if d.hasPrefix("/") { return (d as NSString).standardizingPath }
            return ((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(d) as NSString).standardizingPath
        }
    }

    // The one command that awaits (the cluster runs on Swift concurrency);
    // flinkctl's entry point runs it in a task, everything else on the main thread.
    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start",
            abstract: "Start the embedded cluster; returns once it answers.",
            discussion: "Runs in the background unless --foreground is given. A cluster restarted on the same --dir recovers its applications and services, and adopts containers that are still running."
        )

        @OptionGroup var directory: DirectoryOption

        @Option(name: .long, help: "Port for the REST API; 0 picks a free one.")
        var port: Int = LocalDefaults.port

        @Option(name: .long, help: "Address to bind. Loopback unless told otherwise.")
        var host: String = "127.0.0.1"

        @Option(name: .customLong("memory-mb"), help: "Memory the node offers to containers, in MB.")
        var memoryMB: Int64 = 8192

        @Option(name: .long, help: "Virtual cores the node offers to containers.")
        var vcores: Int = 8

        @Flag(name: .long, help: "Stay attached: run the cluster in this process until SIGTERM or Ctrl-C.")
        var foreground = false

        @Option(name: .customLong("start-timeout"), help: "Seconds to wait for the cluster to answer.")
        var startTimeout: Double = 30

        @Option(name: .customLong("store-quota"), help: ArgumentHelp("Most bytes the WebHDFS store may hold, e.g. 20G, 512M or 1048576; writes beyond it are refused. Default: half the disk space free at start.", valueName: "SIZE"))
        var storeQuota: String?

        /// `--store-quota` in bytes: a number with an optional K, M, G or T (powers of 1024).
        static func parseSize(_ s: String) -> Int64? {
            let t = s.trimmingCharacters(in: .whitespaces).uppercased()
            let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
            var digits = Substring(t)
            var unit: Int64 = 1
            if let last = t.last, let u = units[last] { unit = u; digits = digits.dropLast() }
            if digits.hasSuffix("B") && unit == 1 { digits = digits.dropLast() }
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), let n = Int64(digits), n > 0 else { return nil }
            let (bytes, overflow) = n.multipliedReportingOverflow(by: unit)
            return overflow ? nil : bytes
        }

        @Option(name: .customLong("hadoop-home"), help: ArgumentHelp("The Hadoop installation the node offers its containers (jars under share/hadoop/common/lib), as a NodeManager does through HADOOP_COMMON_HOME and HADOOP_CONF_DIR; Flink reaches hdfs:// and webhdfs:// through it. Default: the one scripts/setup.sh installed (~/.flinkctl/hadoop-home); 'none' for a node without Hadoop.", valueName: "DIR"))
        var hadoopHome: String?

        /// `--hadoop-home`, else the installed one if there is one; nil: none.
        func resolvedHadoopHome() throws -> String? {
            if hadoopHome == "none" { return nil }
            if hadoopHome?.isEmpty == true { throw Failure(.input, "--hadoop-home needs a Hadoop installation's directory, or 'none'") }
            guard let dir = hadoopHome ?? LocalDefaults.installedHadoopHome() else { return nil }
            let absolute = dir.hasPrefix("/") ? dir : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(dir)
            let home = (absolute as NSString).standardizingPath
            let env = ["HADOOP_COMMON_HOME": home, "HADOOP_CONF_DIR": home + "/etc/hadoop"]
            guard NodeHadoop.find(environment: env) != nil, NodeHadoop.hasHadoopJars(home: home) else {
                throw Failure(.input, "--hadoop-home \(dir): no Hadoop jars (hadoop-common or hadoop-client-api) under \(home)/share/hadoop/common or its lib/ (run scripts/setup.sh, or give a Hadoop installation)")
            }
            return home
        }

        @Flag(name: .long, help: "Start a ZooKeeper (Debian's zookeeper package) beside the cluster, for JobManager high availability; `local stop` stops it. Its address is printed and kept in the cluster's record.")
        var zookeeper = false

        @Option(name: .customLong("zookeeper-port"), help: "Port for --zookeeper; 0 picks a free one.")
        var zookeeperPort: Int = 0

        @OptionGroup var kerberos: LocalKerberosOptions
        @OptionGroup var tls: LocalTLSOptions

        func validate() throws {
            try kerberos.check()
            try tls.check()
            guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            guard memoryMB > 0, memoryMB <= 1 << 30 else { throw ValidationError("--memory-mb must be between 1 and \(1 << 30)") }
            guard (0...65535).contains(zookeeperPort) else { throw ValidationError("--zookeeper-port must be between 0 and 65535") }
            guard vcores > 0, vcores <= 1 << 20 else { throw ValidationError("--vcores must be between 1 and \(1 << 20)") }
            if let storeQuota, Self.parseSize(storeQuota) == nil {
                throw ValidationError("--store-quota: '\(storeQuota)' is not a size; give bytes, or a number with K, M, G or T (e.g. 20G)")
            }
        }

        func run() async throws {
            let dir = directory.resolved
            var config = LocalClusterConfiguration(directory: dir, host: host, port: port, memoryMB: memoryMB, vcores: vcores)
            if let ms = ProcessInfo.processInfo.environment["FLINKCTL_LOCAL_GRACE_MS"], let n = Int(ms) {
                config.stopGracePeriod = .milliseconds(n)
            }
            try runReporting { try kerberos.apply(to: &config) }
            try runSecurity { try tls.apply(to: &config) }
            config.storeQuota = storeQuota.flatMap(Self.parseSize)
            try runReporting { config.hadoopHome = try resolvedHadoopHome() }
            if zookeeper { config.zooKeeper = zookeeperPort }
            // The keystore's password has been read: it leaves the cluster
            // process's environment, so that nothing started from here can see
            // it, and is wiped where it was, so /proc/PID/environ shows it no more.
            if foreground, let variable = tls.password.passwordEnv {
                if let value = getenv(variable) { memset(value, 0, strlen(value)) }
                unsetenv(variable)
            }
            if foreground {
                try await runReporting { try await ClusterDaemon(configuration: config).run() }
                return
            }
            try runReporting { try startInBackground(dir: dir) }
        }

        func startInBackground(dir: String) throws {
            if let info = ClusterProcessInfo.read(directory: dir), info.isAlive {
                throw Failure(.input, "a cluster is already running from \(dir) (pid \(info.pid), \(info.url))")
            }
            let logs = (dir as NSString).appendingPathComponent("logs")
            do {
                try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
            } catch {
                throw Failure(.local, "cannot create \(logs): \(error.localizedDescription)")
            }
            unlink(ClusterProcessInfo.path(directory: dir))
            let logFile = (logs as NSString).appendingPathComponent("cluster.log")
            let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
            let args = [exe, "local", "start", "--foreground", "--dir", dir, "--port", String(port), "--host", host,
                        "--memory-mb", String(memoryMB), "--vcores", String(vcores)] + kerberos.arguments + tls.arguments
                + (storeQuota.map { ["--store-quota", $0] } ?? [])
                + ["--hadoop-home", (try resolvedHadoopHome()) ?? "none"]
                + (zookeeper ? ["--zookeeper", "--zookeeper-port", String(zookeeperPort)] : [])
            let pid: Int32
            do {
                pid = try spawnProcess(exe, arguments: Array(args.dropFirst()), environment: ProcessInfo.processInfo.environment,
                                       directory: dir, stdout: logFile, stderr: logFile, newSession: true)
            } catch {
                throw Failure(.local, "cannot start the cluster process: \(error)")
            }

            // Quick at first (the cluster answers in well under a second), backing off to 0.25 s.
            let clock = SystemClock()
            let up = try clock.poll(WaitPolicy(timeout: startTimeout, initial: 0.02, maximum: 0.25)) { () throws -> ClusterProcessInfo? in
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid {
                    let tail = (try? String(contentsOfFile: logFile, encoding: .utf8))?.split(separator: "\n").suffix(5).joined(separator: "\n") ?? ""
                    // The cluster process reports its own failure's side in its
                    // exit status: a bad certificate or keytab is the user's (2).
                    let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
                    throw Failure(exited == ExitStatusCode.usage ? .input : .remote, "the cluster process exited at start:\n\(tail)")
                }
                guard let info = ClusterProcessInfo.read(directory: dir), info.pid == pid, Self.answers(info.url) else { return nil }
                return info
            }
            if let info = up {
                print("Embedded YARN cluster running at \(info.url) (pid \(pid), \(info.memoryMB) MB, \(info.vcores) vcores)")
                print("Directory: \(dir)")
                print("Log: \(logFile)")
                if let zk = info.zooKeeper {
                    print("ZooKeeper: \(zk) (for -D high-availability.type=zookeeper -D high-availability.zookeeper.quorum=\(zk))")
                }
                return
            }
            kill(pid, SIGTERM)
            throw Failure(.remote, "the cluster did not answer within \(Int(startTimeout)) s; see \(logFile)")
        }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "stop",
            abstract: "Stop the embedded cluster and every container it runs.",
            discussion: "Applications and services stay in the cluster's state; the next `local start` on the same directory brings services back."
        )

        @OptionGroup var directory: DirectoryOption

        @Option(name: .long, help: "Seconds to wait before killing the cluster process.")
        var timeout: Double = 30

        func run() throws {
            let dir = directory.resolved
            guard let info = ClusterProcessInfo.read(directory: dir), info.isAlive else {
                print("No cluster is running from \(dir).")
                return
            }
            kill(info.pid, SIGTERM)
            let stopped = SystemClock().poll(WaitPolicy(timeout: timeout, initial: 0.02, maximum: 0.25)) { info.isAlive ? nil : true }
            if stopped == true { print("Stopped the cluster (pid \(info.pid)).") ; return }
            kill(info.pid, SIGKILL)
            print("The cluster (pid \(info.pid)) did not stop within \(Int(timeout)) s and was killed.")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show whether the embedded cluster runs, where, and what it holds.",
            discussion: "Exit code 1 when no cluster runs from the directory."
        )

        @OptionGroup var directory: DirectoryOption
        @OptionGroup var output: OutputOptions

        struct Report: Codable {
            var running: Bool
            var pid: Int32?
            var url: String?
            var directory: String
            var memoryMB: Int64?
            var vcores: Int?
            var appsRunning: Int?
            var containersAllocated: Int?
            var allocatedMB: Int64?
        }

        func run() throws {
            let dir = directory.resolved
            var report = Report(running: false, directory: dir)
            if let info = ClusterProcessInfo.read(directory: dir), info.isAlive {
                report.running = true
                report.pid = info.pid
                report.url = info.url
                report.memoryMB = info.memoryMB
                report.vcores = info.vcores
                if let endpoint = try? RESTEndpoint(address: ClusterAddress(urls: [info.url])),
                   let m = try? ResourceManagerClient(endpoint: endpoint).metrics() {
                    report.appsRunning = m.appsRunning
                    report.containersAllocated = m.containersAllocated
                    report.allocatedMB = m.allocatedMB
                }
            }
            if output.output == .json {
                try printJSON(report)
            } else if report.running {
                print("Running at \(report.url!) (pid \(report.pid!))")
                print("Directory: \(dir)")
                print("Resources: \(report.allocatedMB ?? 0) of \(report.memoryMB ?? 0) MB in \(report.containersAllocated ?? 0) containers; \(report.appsRunning ?? 0) applications running")
            } else {
                print("No cluster is running from \(dir).")
            }
            if !report.running { throw ExitCode(ExitStatusCode.unhealthy) }
        }
    }
}
