import ArgumentParser
import FlinkctlBase
import Foundation
import Hadoop

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the logs of a deployment's or an application's containers, while it runs and after it ended.",
        discussion: """
        NAME is a service name or an application id. While the application runs, each container's logs \
        are read from the NodeManager of its node; once it has ended, from the log server \
        (yarn.log.server.web-service.url, or --log-server), which keeps the logs YARN aggregated, those \
        of restarted and killed containers included. With -f, new output is printed as it is written, \
        until the application ends.
        """
    )

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Service name or application id.")
    var name: String
    @Option(name: .long, help: ArgumentHelp("Only this container.", valueName: "ID"))
    var container: String?
    @Option(name: .long, help: ArgumentHelp("Only this component's containers, e.g. jobmanager or taskmanager.", valueName: "NAME"))
    var component: String?
    @Option(name: .long, help: "Only this log file (e.g. stdout, stderr, jobmanager.log).")
    var file: String?
    @Option(name: .long, help: ArgumentHelp("Only the last N lines of each file.", valueName: "N"))
    var tail: Int?
    @Option(name: .customLong("log-server"), help: ArgumentHelp("The log server's REST address (yarn.log.server.web-service.url), e.g. http://jhs:19888/ws/v1/applicationhistory. Default: HADOOP_CONF_DIR's yarn-site.xml, then the ResourceManager's address.", valueName: "URL"))
    var logServer: String?
    @Flag(name: [.customShort("f"), .long], help: "Keep printing new output until the application ends or you interrupt.")
    var follow = false

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail must be 0 or more lines") }
        if let logServer, !(logServer.hasPrefix("http://") || logServer.hasPrefix("https://")) {
            throw ValidationError("--log-server must be an http:// or https:// URL")
        }
        if let file, file.isEmpty || file.contains("/") || file == "." || file == ".." {
            throw ValidationError("--file names one log file, without a directory")
        }
        if let container, !container.hasPrefix("container_") || container.contains("/") {
            throw ValidationError("--container takes a container id (container_…); use --component for a component")
        }
    }

    func run() throws {
        try runReporting {
            let endpoint = try cluster.endpoint()
            let source = try ContainerLogs(endpoint: endpoint, logServer: try logServerURL(endpoint))
            let app = try source.application(named: name)
            var offsets: [String: Int64] = [:]
            while true {
                let ended = try source.hasEnded(app)
                let containers = try source.containers(of: app, ended: ended)
                    .filter { container == nil || $0.id == container }
                var shown = 0
                for c in containers {
                    guard let (reader, files) = source.listing(c, ended: ended) else { continue }
                    let label = c.label ?? ContainerLogs.component(files: files.map(\.fileName)) ?? "container"
                    if let component, !(label == component || label.hasPrefix(component + "-")) { continue }
                    shown += 1
                    for f in files where file == nil || f.fileName == file {
                        try show(reader, c.id, label, f, offsets: &offsets)
                    }
                }
                fflush(nil)
                if !follow {
                    if shown == 0 {
                        throw Failure(.unhealthy, "\(name) has no \(component.map { "\($0) " } ?? "")containers with logs to show\(container.map { " (asked for \($0))" } ?? "")")
                    }
                    return
                }
                if ended { return }
                sleep(1)
            }
        }
    }

    /// Prints one file: whole, its last `--tail` lines, or under -f what is new since last time.
    func show(_ reader: ContainerLogServer, _ id: String, _ label: String, _ f: NodeLogsClient.LogFile,
              offsets: inout [String: Int64]) throws {
        let key = id + "/" + f.fileName
        if follow {
            var bytes: [UInt8]
            if let offset = offsets[key] {
                guard f.fileSize > offset else { return }
                bytes = try reader.read(container: id, file: f.fileName, range: .from(offset))
                offsets[key] = offset + Int64(bytes.count)
            } else {
                bytes = try tail.map { try ContainerLogs.lastLines($0, of: f, reader, id) }
                    ?? reader.read(container: id, file: f.fileName, range: .all)
                offsets[key] = f.fileSize
            }
            if bytes.last == 10 { bytes.removeLast() }
            guard !bytes.isEmpty else { return }
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
                print("[\(label) \(f.fileName)] \(line)")
            }
            return
        }
        let bytes = try tail.map { try ContainerLogs.lastLines($0, of: f, reader, id) }
            ?? reader.read(container: id, file: f.fileName, range: .all)
        print("==> \(label) (\(id)) \(f.fileName) <==")
        print(String(decoding: bytes, as: UTF8.self), terminator: bytes.last == 10 || bytes.isEmpty ? "" : "\n")
    }

    func logServerURL(_ endpoint: RESTEndpoint) throws -> String? {
        try cluster.logServerURL(flag: logServer, endpoint: endpoint)
    }
}

extension ClusterOptions {
    /// --log-server, then HADOOP_CONF_DIR's yarn.log.server.web-service.url,
    /// then the ResourceManager's own address (the embedded cluster serves
    /// both; a real ResourceManager answers 404 there and only the
    /// NodeManagers are asked).
    func logServerURL(flag: String?, endpoint: RESTEndpoint) throws -> String? {
        if let flag { return flag }
        let env = try Settings.current().environment
        if rm == nil, env["FLINKCTL_RM"] == nil, let dir = env["HADOOP_CONF_DIR"], !dir.isEmpty,
           let conf = try? HadoopConfiguration(directory: dir),
           let url = conf["yarn.log.server.web-service.url"], !url.isEmpty {
            return url
        }
        return endpoint.address.urls.first.map { $0 + "/ws/v1/applicationhistory" }
    }
}

/// Finds an application's containers and where each one's logs are.
struct ContainerLogs {
    let endpoint: RESTEndpoint
    let rm: ResourceManagerClient
    let logServer: ContainerLogServer?

    init(endpoint: RESTEndpoint, logServer: String?) throws {
        self.endpoint = endpoint
        rm = ResourceManagerClient(endpoint: endpoint)
        self.logServer = logServer.map { ContainerLogServer(base: $0, like: endpoint) }
    }

    struct App {
        var id: String
        /// The service, while the Services API still has it.
        var service: String?
    }

    struct Container {
        var id: String
        /// The component instance (jobmanager-0), when the Services API names it.
        var label: String?
        /// `http://host:port` of its NodeManager, when known.
        var node: String?
    }

    /// A service name or an application id. A service the Services API no
    /// longer knows (destroyed) is found among the ResourceManager's
    /// applications by name, the newest first.
    func application(named name: String) throws -> App {
        if name.hasPrefix("application_") { return App(id: name, service: nil) }
        do {
            let service = try ServicesClient(endpoint: endpoint).get(name)
            if let id = service.id, !id.isEmpty { return App(id: id, service: name) }
        } catch let e as HadoopError where e.status == 404 {}
        let apps = try rm.applications().filter { $0.name == name }.sorted { $0.startedTime > $1.startedTime }
        guard let app = apps.first else {
            throw Failure(.input, "there is no service or application \(name)")
        }
        return App(id: app.id, service: nil)
    }

    func hasEnded(_ app: App) throws -> Bool {
        ["FINISHED", "FAILED", "KILLED"].contains(try rm.application(app.id).state)
    }

    /// Every container of the application from the log server (finished,
    /// restarted and killed ones too); without one, those running now.
    func containers(of app: App, ended: Bool) throws -> [Container] {
        var labels: [String: String] = [:]
        var hosts: [String: String] = [:]
        if let service = app.service, !ended,
           let spec = try? ServicesClient(endpoint: endpoint).get(service) {
            for comp in spec.components ?? [] {
                for c in comp.containers ?? [] {
                    labels[c.id] = c.componentInstanceName ?? comp.name
                    if let h = c.bareHost { hosts[c.id] = h }
                }
            }
        }
        if let logServer, let listed = try? logServer.containers(application: app.id), !listed.isEmpty {
            return listed.map { Container(id: $0.containerId, label: labels[$0.containerId], node: $0.nodeHttpAddress) }
        }
        var out = labels.keys.sorted().map { Container(id: $0, label: labels[$0], node: nil) }
        let nodes = (try? rm.nodes()) ?? []
        for i in out.indices {
            if let host = hosts[out[i].id], let n = nodes.first(where: { $0.nodeHostName == host }) {
                out[i].node = n.nodeHTTPAddress
            }
        }
        for a in (try? rm.attempts(app.id)) ?? [] where !out.contains(where: { $0.id == a.containerId }) {
            out.append(Container(id: a.containerId, label: "attempt-\(a.id)", node: a.nodeHttpAddress))
        }
        return out
    }

    /// The container's log files and who serves them: its NodeManager
    /// while the application runs, the log server after; the other one when
    /// the first does not have them (a cluster without log aggregation keeps
    /// them on the node; a NodeManager forgets an ended application's).
    func listing(_ c: Container, ended: Bool) -> (ContainerLogServer, [NodeLogsClient.LogFile])? {
        let node = ContainerLogServer(base: nodeBase(c.node) + "/ws/v1/node", like: endpoint)
        let order = ended ? [logServer, node] : [node, logServer]
        for reader in order.compactMap({ $0 }) {
            if let files = try? reader.files(container: c.id) { return (reader, files) }
        }
        return nil
    }

    /// `http://host:port` of a NodeManager (its address may come without a
    /// scheme); the ResourceManager's address when it is not known.
    func nodeBase(_ node: String?) -> String {
        let rmBase = endpoint.address.urls.first ?? ""
        guard let node, !node.isEmpty else { return rmBase }
        if node.contains("://") { return node }
        return (rmBase.hasPrefix("https://") ? "https://" : "http://") + node
    }

    /// A Flink container's component, from the log it writes.
    static func component(files: [String]) -> String? {
        if files.contains("jobmanager.log") { return "jobmanager" }
        if files.contains("taskmanager.log") { return "taskmanager" }
        return nil
    }

    /// The last `n` lines of a file, read from its end in growing steps.
    static func lastLines(_ n: Int, of f: NodeLogsClient.LogFile, _ reader: ContainerLogServer, _ id: String) throws -> [UInt8] {
        guard n > 0 else { return [] }
        var want: Int64 = 16 * 1024
        while true {
            let bytes = try reader.read(container: id, file: f.fileName, range: .size(-want))
            if let cut = lastLinesStart(bytes, n) { return Array(bytes[cut...]) }
            if Int64(bytes.count) < want || want >= f.fileSize { return bytes }
            want *= 4
        }
    }

    /// Where the last `n` lines of `bytes` begin, if it holds more than `n`.
    static func lastLinesStart(_ bytes: [UInt8], _ n: Int) -> Int? {
        var end = bytes.count
        if bytes.last == 10 { end -= 1 }
        var seen = 0
        var i = end
        while i > 0 {
            i -= 1
            if bytes[i] == 10 {
                seen += 1
                if seen == n { return i + 1 }
            }
        }
        return nil
    }
}
