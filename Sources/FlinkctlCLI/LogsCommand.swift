import ArgumentParser
import FlinkctlBase
import Foundation
import Hadoop

struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the logs of a service's containers or an application's master container.",
        discussion: "NAME is a service name (all its running containers) or an application id (its AM containers). With -f, new output is printed as it is written."
    )

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Service name or application id.")
    var name: String
    @Option(name: .long, help: "Only this container, or only this component's containers.")
    var container: String?
    @Option(name: .long, help: "Only this log file (e.g. stdout, stderr, jobmanager.log).")
    var file: String?
    @Flag(name: [.customShort("f"), .long], help: "Keep printing new output until interrupted.")
    var follow = false

    func run() throws {
        try runReporting {
            let endpoint = try cluster.endpoint()
            let logs = NodeLogsClient(endpoint: endpoint)
            var offsets: [String: Int64] = [:]
            repeat {
                let containers = try self.containers(endpoint)
                if containers.isEmpty && !follow {
                    throw Failure(.unhealthy, "\(name) has no containers to show logs of")
                }
                for (id, label) in containers {
                    let files: [NodeLogsClient.LogFile]
                    do { files = try logs.files(container: id) } catch { continue }
                    for f in files where file == nil || f.fileName == file {
                        let key = id + "/" + f.fileName
                        let offset = offsets[key] ?? 0
                        guard f.fileSize > offset || offsets[key] == nil else { continue }
                        let bytes = try logs.read(container: id, file: f.fileName, offset: offset)
                        offsets[key] = offset + Int64(bytes.count)
                        if follow {
                            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).dropLast(bytes.last == 10 ? 1 : 0) {
                                print("[\(label) \(f.fileName)] \(line)")
                            }
                        } else {
                            print("==> \(label) (\(id)) \(f.fileName) <==")
                            print(String(decoding: bytes, as: UTF8.self), terminator: bytes.last == 10 || bytes.isEmpty ? "" : "\n")
                        }
                    }
                }
                fflush(nil)
                if follow { sleep(1) }
            } while follow
        }
    }

    /// Container id → label (component instance or attempt).
    func containers(_ endpoint: RESTEndpoint) throws -> [(String, String)] {
        if name.hasPrefix("application_") {
            let attempts = try ResourceManagerClient(endpoint: endpoint).attempts(name)
            return attempts.map { ($0.containerId, "attempt-\($0.id)") }
                .filter { container == nil || $0.0 == container }
        }
        let service = try ServicesClient(endpoint: endpoint).get(name)
        var out: [(String, String)] = []
        for comp in service.components ?? [] {
            for c in comp.containers ?? [] {
                if let container, container != c.id && container != comp.name { continue }
                out.append((c.id, c.componentInstanceName ?? comp.name))
            }
        }
        return out
    }
}
