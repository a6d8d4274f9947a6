import ArgumentParser
import Foundation
import Hadoop

struct YarnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yarn",
        abstract: "Look at and act on the YARN cluster itself, as `yarn application` and `yarn node` do.",
        subcommands: [Apps.self, App.self, Kill.self, Nodes.self, Cluster.self, LogsCommand.self]
    )

    struct Apps: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "apps",
            abstract: "List applications (yarn application -list).",
            discussion: "Without --states, every application is listed, finished ones included."
        )
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var output: OutputOptions

        @Option(name: .long, help: ArgumentHelp("Only these states, comma-separated (NEW, ACCEPTED, RUNNING, FINISHED, FAILED, KILLED, …).", valueName: "STATES"))
        var states: String?
        @Option(name: .customLong("app-user"), help: "Only applications of this user.")
        var appUser: String?
        @Option(name: .long, help: ArgumentHelp("Only these application types, comma-separated (e.g. yarn-service).", valueName: "TYPES"))
        var types: String?
        @Option(name: .long, help: "Only the given queue.")
        var queue: String?
        @Option(name: .long, help: "At most this many applications.")
        var limit: Int?

        func validate() throws {
            if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
        }

        func run() throws {
            try runReporting {
                let filter = ApplicationFilter(
                    states: (states ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() },
                    user: appUser, queue: queue,
                    applicationTypes: (types ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                    limit: limit)
                let apps = try ResourceManagerClient(endpoint: try cluster.endpoint()).applications(filter)
                if output.output == .json { return try printJSON(apps) }
                print("Total number of applications: \(apps.count)")
                printTable(["Application-Id", "Application-Name", "Application-Type", "User", "Queue", "State", "Final-State", "Progress", "Tracking-URL"],
                           apps.map { [$0.id, $0.name, $0.applicationType, $0.user, $0.queue, $0.state, $0.finalStatus,
                                       "\(Int($0.progress))%", $0.trackingUrl ?? "N/A"] })
            }
        }
    }

    struct App: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "app", abstract: "Show one application's report (yarn application -status).")
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "Application id, e.g. application_1700000000000_0001.")
        var id: String

        func run() throws {
            try runReporting {
                let app = try ResourceManagerClient(endpoint: try cluster.endpoint()).application(id)
                if output.output == .json { return try printJSON(app) }
                let rows: [(String, String)] = [
                    ("Application-Id", app.id), ("Application-Name", app.name), ("Application-Type", app.applicationType),
                    ("User", app.user), ("Queue", app.queue), ("Start-Time", String(app.startedTime)),
                    ("Finish-Time", String(app.finishedTime)), ("Progress", "\(Int(app.progress))%"),
                    ("State", app.state), ("Final-State", app.finalStatus), ("Tracking-URL", app.trackingUrl ?? "N/A"),
                    ("AM Host", app.amHostHttpAddress ?? "N/A"),
                    ("Aggregate Resource Allocation", "\(app.memorySeconds) MB-seconds, \(app.vcoreSeconds) vcore-seconds"),
                    ("Diagnostics", app.diagnostics),
                ]
                print("Application Report :")
                for (k, v) in rows { print("\t\(k) : \(v)") }
            }
        }
    }

    struct Kill: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "kill", abstract: "Kill an application (yarn application -kill) and wait until it is KILLED.")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "Application id.")
        var id: String

        func run() throws {
            try runReporting {
                let rm = ResourceManagerClient(endpoint: try cluster.endpoint())
                let current = try rm.state(id)
                if let s = YarnApplicationState(rawValue: current), s.isTerminal {
                    print("Application \(id) has already finished: \(current)")
                    return
                }
                let state = try rm.kill(id)
                print(state == "KILLED" ? "Killed application \(id)" : "Application \(id) finished as \(state) before it could be killed")
            }
        }
    }

    struct Nodes: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "nodes", abstract: "List NodeManagers (yarn node -list).")
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try runReporting {
                let nodes = try ResourceManagerClient(endpoint: try cluster.endpoint()).nodes()
                if output.output == .json { return try printJSON(nodes) }
                print("Total Nodes: \(nodes.count)")
                printTable(["Node-Id", "Node-State", "Node-Http-Address", "Containers", "Memory-Used", "Memory-Avail", "VCores-Used", "VCores-Avail"],
                           nodes.map { [$0.id, $0.state, $0.nodeHTTPAddress, String($0.numContainers), "\($0.usedMemoryMB) MB",
                                        "\($0.availMemoryMB) MB", String($0.usedVirtualCores), String($0.availableVirtualCores)] })
            }
        }
    }

    struct Cluster: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cluster", abstract: "Show the ResourceManager's info and metrics.")
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var output: OutputOptions

        struct Report: Codable { var clusterInfo: ClusterInfo; var clusterMetrics: ClusterMetrics; var url: String }

        func run() throws {
            try runReporting {
                let endpoint = try cluster.endpoint()
                let rm = ResourceManagerClient(endpoint: endpoint)
                let report = Report(clusterInfo: try rm.clusterInfo(), clusterMetrics: try rm.metrics(),
                                    url: endpoint.address.urls.joined(separator: ","))
                if output.output == .json { return try printJSON(report) }
                let i = report.clusterInfo, m = report.clusterMetrics
                print("ResourceManager: \(report.url) (\(i.state), \(i.haState)), Hadoop \(i.hadoopVersion)")
                print("Nodes: \(m.activeNodes) active of \(m.totalNodes)")
                print("Memory: \(m.allocatedMB) MB allocated of \(m.totalMB) MB; vcores: \(m.allocatedVirtualCores) of \(m.totalVirtualCores)")
                print("Applications: \(m.appsRunning) running, \(m.appsPending) pending, \(m.appsCompleted) completed, \(m.appsFailed) failed, \(m.appsKilled) killed")
                print("Containers: \(m.containersAllocated) allocated, \(m.containersPending) pending")
            }
        }
    }
}
