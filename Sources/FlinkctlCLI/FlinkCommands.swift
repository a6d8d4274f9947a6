import AppMaster
import ArgumentParser
import Deploy
import Flink
import Foundation
import Hadoop
import HTTPTransport

/// Where staged files go when the cluster is this machine's embedded one:
/// FLINKCTL_STAGING_ROOT, else ~/.flinkctl/staging.
enum StagingDefaults {
    static var root: String {
        if let root = ProcessInfo.processInfo.environment["FLINKCTL_STAGING_ROOT"], !root.isEmpty { return root }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".flinkctl/staging")
    }
    static var sqlRunnerJar: String {
        if let p = ProcessInfo.processInfo.environment["FLINKCTL_SQL_RUNNER"] { return p }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".flinkctl/flinkctl-sql-runner.jar")
    }
}

/// The deployment behind a service name: its spec from the Services API and
/// the staging area (a shared directory or HDFS) where the appmaster
/// publishes the JobManager's address and the job's result.
final class DeployedFlink {
    let service: Service
    /// The staging location, as the service's containers were given it.
    let staging: String?
    let area: StagingArea?

    init(name: String, services: ServicesClient) throws {
        service = try services.get(name)
        guard service.description?.hasPrefix("Apache Flink") == true else {
            throw CLIError("\(name) is a YARN service but not a Flink deployment made by flinkctl")
        }
        staging = service.configuration?.env?["FLINKCTL_STAGING"]
        area = try stagingArea(staging, endpoint: services.endpoint)
    }

    /// Read once per command: with HDFS staging each read is a WebHDFS call.
    lazy var jobManager: JobManagerAddress? = area.flatMap { JobManagerAddress.read(from: $0) }
    lazy var result: JobResult? = area.flatMap { JobResult.read(from: $0) }

    func rest() throws -> FlinkRESTClient? {
        guard let jm = jobManager else { return nil }
        return try FlinkRESTClient(baseURL: jm.restURL, options: .timeouts(connect: 2, total: 10))
    }

    /// The newest job the JobManager knows.
    func currentJob() throws -> FlinkRESTClient.JobOverview? {
        guard let rest = try rest() else { return nil }
        return try rest.newestJob()
    }
}

extension ClusterOptions {
    /// The Services client and a submitter that reports progress on stdout.
    func submitter() throws -> (ServicesClient, Submitter) {
        let endpoint = try endpoint()
        let services = ServicesClient(endpoint: endpoint)
        var submitter = Submitter(services: services, resourceManagerURLs: endpoint.address.urls,
                                  user: endpoint.address.user, progress: { print($0) })
        submitter.transport = endpoint.http.options
        return (services, submitter)
    }
}

/// A deployment's staging area (nil when the service names none), reached as
/// `endpoint` reaches the ResourceManager: the same user, TLS settings and
/// Kerberos login.
func stagingArea(_ text: String?, endpoint: RESTEndpoint) throws -> StagingArea? {
    guard let text, let location = try? StagingLocation(parsing: text) else { return nil }
    guard location.isRemote else { return try StagingArea(location, user: nil) }
    return try StagingArea(location, user: endpoint.address.user, options: endpoint.http.options, login: endpoint.login)
}

/// The staging area of a deployment this command just staged.
func stagingArea(of deployment: Deployment, endpoint: RESTEndpoint) throws -> StagingArea {
    guard let area = try stagingArea(deployment.stagingDirectory, endpoint: endpoint) else {
        throw CLIError("\(deployment.stagingDirectory) is not a staging location")
    }
    return area
}

/// `--staging`, shared by the commands that stage a deployment.
struct StagingOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Where to stage the deployment's files: a directory the cluster's nodes share, or HDFS as webhdfs://NAMENODE:PORT/PATH (swebhdfs:// for https). Default: FLINKCTL_STAGING_ROOT, then ~/.flinkctl/staging.", valueName: "LOCATION"))
    var staging: String?

    @Flag(name: .customLong("ship-flink"), help: "With staging in HDFS: ship the Flink distribution there too (uploaded once, then reused), for nodes that have none at the path it has here.")
    var shipFlink = false

    var root: String { staging ?? StagingDefaults.root }

    func validate() throws {
        if let staging {
            do { _ = try StagingLocation(parsing: staging) } catch let e as FlinkError { throw ValidationError(e.message) }
        }
    }
}

func flinkErrors(_ body: () throws -> Void) throws {
    try runReporting {
        do { try body() } catch let e as FlinkError {
            throw CLIError(e.message, exitCode: e.kind == .rest ? ExitStatusCode.remote : ExitStatusCode.usage)
        }
    }
}

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Run a Flink job (SQL script or jar) as a YARN service, in application mode.",
        discussion: "The service has a `jobmanager` component, whose container runs the JobManager under flinkctl's appmaster, and a `taskmanager` component that the appmaster grows to --taskmanagers. Without --detached, flinkctl waits for the job to end and exits 0 only if it FINISHED."
    )

    @OptionGroup var cluster: ClusterOptions
    @Option(name: .long, help: ArgumentHelp("A SQL script to run (statements separated by ';').", valueName: "FILE"))
    var sql: String?
    @Option(name: .long, help: ArgumentHelp("A job jar to run.", valueName: "FILE"))
    var jar: String?
    @Option(name: .customLong("class"), help: "The jar's main class, if its manifest names none.")
    var mainClass: String?
    @Option(name: .long, help: "Service name (lower-case letters, digits and '-').")
    var name: String = "flink"
    @Option(name: .long, help: "Number of TaskManagers.")
    var taskmanagers: Int = 1
    @Option(name: .long, help: "Task slots per TaskManager.")
    var slots: Int = 1
    @Option(name: .customLong("jm-memory"), help: ArgumentHelp("JobManager process size.", valueName: "SIZE"))
    var jmMemory: String = "1024m"
    @Option(name: .customLong("tm-memory"), help: ArgumentHelp("TaskManager process size.", valueName: "SIZE"))
    var tmMemory: String = "1024m"
    @Option(name: .long, help: "YARN queue.")
    var queue: String?
    @Option(name: .customShort("D"), help: ArgumentHelp("A Flink option, key=value; repeatable.", valueName: "key=value"))
    var options: [String] = []
    @Option(name: .long, help: ArgumentHelp("A Flink config.yaml or flink-conf.yaml to merge over the defaults.", valueName: "FILE"))
    var flinkConf: String?
    @Option(name: .customLong("from-savepoint"), help: ArgumentHelp("Start from this savepoint or retained checkpoint.", valueName: "PATH"))
    var fromSavepoint: String?
    @Option(name: .customLong("flink-dist"), help: ArgumentHelp("Flink distribution. Default: FLINK_HOME, then the one scripts/setup.sh installed.", valueName: "DIR"))
    var flinkDist: String?
    @OptionGroup var staging: StagingOption
    @Flag(name: .long, help: "Return once the job runs.")
    var detached = false
    @Option(name: .long, help: "Seconds to wait for the job to start running.")
    var startTimeout: Double = 180
    @Argument(parsing: .postTerminator, help: "After --: arguments for the jar's main class, or NAME=VALUE pairs that fill ${NAME} in the SQL script.")
    var jobArguments: [String] = []

    func validate() throws {
        guard (sql == nil) != (jar == nil) else { throw ValidationError("give exactly one of --sql FILE or --jar FILE") }
        guard taskmanagers >= 1 else { throw ValidationError("--taskmanagers must be at least 1") }
        guard slots >= 1 else { throw ValidationError("--slots must be at least 1") }
        if mainClass != nil && jar == nil { throw ValidationError("--class goes with --jar") }
    }

    func run() throws {
        try flinkErrors {
            let (services, submitter) = try cluster.submitter()
            let args = jobArguments.first == "--" ? Array(jobArguments.dropFirst()) : jobArguments
            let job: SubmitRequest.Job = sql.map { .sql(file: absolute($0), arguments: args) }
                ?? .jar(file: absolute(jar!), mainClass: mainClass, arguments: args)
            var request = SubmitRequest(
                name: name, job: job, taskManagers: taskmanagers, slots: slots, jobManagerMemory: jmMemory,
                taskManagerMemory: tmMemory, queue: queue, overrides: options, configFile: flinkConf.map(absolute),
                fromSavepoint: fromSavepoint, flinkDist: flinkDist, stagingRoot: staging.root,
                sqlRunnerJar: StagingDefaults.sqlRunnerJar, keytab: cluster.keytab.map(absolute), principal: cluster.principal)
            request.shipFlink = staging.shipFlink
            let (deployment, status) = try submitter.submit(request)
            print("Submitted service \(name): \(status.diagnostics ?? "")")
            try follow(deployment: deployment, services: services)
        }
    }

    func follow(deployment: Deployment, services: ServicesClient) throws {
        let area = try stagingArea(of: deployment, endpoint: services.endpoint)
        let deadline = Date().addingTimeInterval(startTimeout)
        var lastLine = ""
        var running = false
        // One client (and connection) from the moment the appmaster publishes the address.
        var jobManager: (address: JobManagerAddress, rest: FlinkRESTClient)? = nil
        while true {
            if let result = JobResult.read(from: area) {
                // The appmaster stops the service right after it records the result.
                for _ in 0..<100 where (try? services.get(deployment.name))?.state != .STOPPED { usleep(100_000) }
                print("Job \(result.jobId ?? "") \(result.state)")
                if let failure = result.failure { printError(failure) }
                if result.state != "FINISHED" { throw ExitCode(ExitStatusCode.unhealthy) }
                return
            }
            let svc = try? services.get(deployment.name)
            let tms = svc?.components?.first { $0.name == "taskmanager" }?.containers?.filter { $0.state == .READY }.count ?? 0
            var jobState = "not submitted yet"
            if jobManager == nil, let jm = JobManagerAddress.read(from: area),
               let rest = try? FlinkRESTClient(baseURL: jm.restURL, options: .timeouts(connect: 1, total: 3)) {
                jobManager = (jm, rest)
            }
            if let job = (try? jobManager?.rest.jobs())??.first {
                jobState = "\(job.jid) \(job.state)"
                if job.state == "RUNNING" { running = true }
            }
            let line = "containers: jobmanager \(svc?.components?.first { $0.name == "jobmanager" }?.containers?.count ?? 0)/1, taskmanagers \(tms)/\(deployment.taskManagers); job: \(jobState)"
            if line != lastLine { print(line); lastLine = line }
            if running && detached {
                if let jm = jobManager?.address { print("Flink REST: \(jm.restURL)") }
                return
            }
            if svc?.state == .STOPPED || svc?.state == .FAILED {
                throw CLIError("the service stopped before the job ended; see `flinkctl logs \(deployment.name)`", exitCode: ExitStatusCode.remote)
            }
            if !running && Date() > deadline {
                throw CLIError("the job did not start within \(Int(startTimeout)) s; see `flinkctl logs \(deployment.name)`", exitCode: ExitStatusCode.remote)
            }
            usleep(250_000)
        }
    }
}

struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Flink session clusters on YARN: a JobManager that takes jobs over REST.",
        subcommands: [Start.self]
    )

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a session cluster as a YARN service; returns once its TaskManagers have registered.")
        @OptionGroup var cluster: ClusterOptions
        @Option(name: .long, help: "Service name.") var name: String = "flink-session"
        @Option(name: .long, help: "Number of TaskManagers.") var taskmanagers: Int = 1
        @Option(name: .long, help: "Task slots per TaskManager.") var slots: Int = 1
        @Option(name: .customLong("jm-memory"), help: ArgumentHelp("JobManager process size.", valueName: "SIZE")) var jmMemory: String = "1024m"
        @Option(name: .customLong("tm-memory"), help: ArgumentHelp("TaskManager process size.", valueName: "SIZE")) var tmMemory: String = "1024m"
        @Option(name: .long, help: "YARN queue.") var queue: String?
        @Option(name: .customShort("D"), help: ArgumentHelp("A Flink option, key=value; repeatable.", valueName: "key=value")) var options: [String] = []
        @Option(name: .customLong("flink-dist"), help: ArgumentHelp("Flink distribution.", valueName: "DIR")) var flinkDist: String?
        @Option(name: .long, help: "Seconds to wait for the session to be ready.") var startTimeout: Double = 120
        @OptionGroup var staging: StagingOption

        func validate() throws {
            guard taskmanagers >= 1, slots >= 1 else { throw ValidationError("--taskmanagers and --slots must be at least 1") }
        }

        func run() throws {
            try flinkErrors {
                let (services, submitter) = try cluster.submitter()
                var request = SubmitRequest(
                    name: name, job: .session, taskManagers: taskmanagers, slots: slots, jobManagerMemory: jmMemory,
                    taskManagerMemory: tmMemory, queue: queue, overrides: options, configFile: nil, fromSavepoint: nil,
                    flinkDist: flinkDist, stagingRoot: staging.root, sqlRunnerJar: nil)
                request.shipFlink = staging.shipFlink
                let (deployment, status) = try submitter.submit(request)
                let area = try stagingArea(of: deployment, endpoint: services.endpoint)
                print("Started service \(name): \(status.diagnostics ?? "")")
                let deadline = Date().addingTimeInterval(startTimeout)
                while Date() < deadline {
                    if let jm = JobManagerAddress.read(from: area),
                       let o = try? FlinkRESTClient(baseURL: jm.restURL).overview(), o.taskmanagers >= taskmanagers, o.slotsTotal >= taskmanagers * slots {
                        print("Session ready: \(o.taskmanagers) TaskManagers, \(o.slotsTotal) slots; Flink REST \(jm.restURL)")
                        return
                    }
                    usleep(250_000)
                }
                throw CLIError("the session was not ready within \(Int(startTimeout)) s; see `flinkctl logs \(name)`", exitCode: ExitStatusCode.remote)
            }
        }
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a job jar or a SQL script on a session cluster through Flink's REST API.",
        discussion: """
        The jar is uploaded to the session's JobManager (POST /jars/upload) and run (POST /jars/{id}/run). \
        A SQL script runs the same way, through flinkctl's SQL runner jar; the script is copied into the \
        session's staging directory, where the JobManager reads it.
        """
    )
    @OptionGroup var cluster: ClusterOptions
    @Option(name: .long, help: "The session's service name.") var session: String
    @Option(name: .long, help: ArgumentHelp("A job jar to run.", valueName: "FILE")) var jar: String?
    @Option(name: .long, help: ArgumentHelp("A SQL script to run (its INSERTs as one job).", valueName: "FILE")) var sql: String?
    @Option(name: .customLong("class"), help: "The jar's main class, if its manifest names none.") var mainClass: String?
    @Option(name: .long, help: "Parallelism of the job.") var parallelism: Int?
    @Option(name: .customLong("from-savepoint"), help: ArgumentHelp("Start from this savepoint.", valueName: "PATH")) var fromSavepoint: String?
    @Flag(name: .long, help: "Return once the job is submitted.") var detached = false
    @Argument(parsing: .postTerminator, help: "Arguments for the main class, or NAME=VALUE for the script's ${NAME} (after --).") var jobArguments: [String] = []

    func validate() throws {
        guard (jar == nil) != (sql == nil) else { throw ValidationError("give one of --jar FILE and --sql FILE") }
        if sql != nil && mainClass != nil { throw ValidationError("--class applies to --jar only") }
    }

    func run() throws {
        try flinkErrors {
            let file = jar ?? sql!
            guard FileManager.default.isReadableFile(atPath: file) else { throw CLIError("--\(jar != nil ? "jar" : "sql") \(file): no such file") }
            let d = try DeployedFlink(name: session, services: ServicesClient(endpoint: try cluster.endpoint()))
            guard let rest = try d.rest() else {
                throw CLIError("\(session) has no JobManager address yet: is the session running?", exitCode: ExitStatusCode.unhealthy)
            }
            var args = jobArguments.first == "--" ? Array(jobArguments.dropFirst()) : jobArguments
            let jarId: String
            var entryClass = mainClass
            if let sql {
                let runner = StagingDefaults.sqlRunnerJar
                guard FileManager.default.isReadableFile(atPath: runner) else {
                    throw CLIError("the SQL runner jar is missing (\(runner)): run scripts/setup.sh to build it")
                }
                guard let staging = d.staging, let location = try? StagingLocation(parsing: staging) else {
                    throw CLIError("\(session) has no staging directory to put the script in")
                }
                // The JobManager reads the script from its own file system.
                guard !location.isRemote else {
                    throw CLIError("\(session) is staged in HDFS, which its JobManager does not read: run the script with `flinkctl submit --sql` instead")
                }
                let script = (staging as NSString).appendingPathComponent("run-\(Int64(Date().timeIntervalSince1970 * 1000))-\((sql as NSString).lastPathComponent)")
                do { try FileManager.default.copyItem(atPath: absolute(sql), toPath: script) } catch {
                    throw CLIError("cannot copy \(sql) into \(staging): \(error.localizedDescription)")
                }
                jarId = try rest.uploadJar(runner)
                entryClass = sqlRunnerClass
                args = ["--session", script] + args
            } else {
                jarId = try rest.uploadJar(absolute(file))
            }
            let job = try rest.runJar(jarId, entryClass: entryClass, arguments: args, parallelism: parallelism, savepointPath: fromSavepoint)
            print("Submitted job \(job) to \(session)")
            if detached { return }
            var last = ""
            while true {
                guard let j = try rest.jobs().first(where: { $0.jid == job }) else { usleep(250_000); continue }
                if j.state != last { print("Job \(job) \(j.state)"); last = j.state }
                if j.isTerminal {
                    if j.state != "FINISHED" {
                        if let why = try? rest.rootException(job) { printError(why) }
                        throw ExitCode(ExitStatusCode.unhealthy)
                    }
                    return
                }
                usleep(250_000)
            }
        }
    }
}

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List Flink deployments on the cluster and their jobs.")
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions

    struct Row: Codable { var name: String; var state: String; var application: String?; var job: String?; var jobState: String?; var rest: String? }

    func run() throws {
        try flinkErrors {
            let services = ServicesClient(endpoint: try cluster.endpoint())
            let flink = try services.list().filter { $0.description?.hasPrefix("Apache Flink") == true }
            // Each deployment's job is asked of its own JobManager or staging area
            // (over WebHDFS when in HDFS), all at once: a list of many deployments
            // takes about as long as the slowest one.
            let found = Rows(count: flink.count)
            DispatchQueue.concurrentPerform(iterations: flink.count) { i in
                found.set(i, Self.row(flink[i], area: try? stagingArea(flink[i].configuration?.env?["FLINKCTL_STAGING"], endpoint: services.endpoint)))
            }
            let rows = found.all
            if output.output == .json { return try printJSON(rows) }
            printTable(["NAME", "SERVICE", "APPLICATION", "JOB", "JOB-STATE", "REST"],
                       rows.map { [$0.name, $0.state, $0.application ?? "", $0.job ?? "", $0.jobState ?? "", $0.rest ?? ""] })
        }
    }
}

extension ListCommand {
    static func row(_ s: Service, area: StagingArea?) -> Row {
        var row = Row(name: s.name ?? "", state: s.state?.rawValue ?? "", application: s.id)
        if s.state != .STOPPED, let area, let jm = JobManagerAddress.read(from: area) {
            row.rest = jm.restURL
            if let job = (try? FlinkRESTClient(baseURL: jm.restURL, options: .timeouts(connect: 1, total: 3)).newestJob()) ?? nil {
                row.job = job.jid
                row.jobState = job.state
            }
        }
        if row.jobState == nil, let area, let r = JobResult.read(from: area) {
            row.job = r.jobId
            row.jobState = r.state
        }
        return row
    }

    /// Rows filled in from several threads, kept in the services' order.
    final class Rows: @unchecked Sendable {
        // @unchecked: `rows` is touched only while `lock` is held.
        private let lock = NSLock()
        private var rows: [Row?]
        init(count: Int) { rows = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ row: Row) { lock.withLock { rows[i] = row } }
        var all: [Row] { lock.withLock { rows.compactMap { $0 } } }
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a Flink deployment: service, containers and job.")
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Service name.") var name: String

    struct Report: Codable {
        var name: String; var serviceState: String; var application: String?
        var jobManagers: Int; var taskManagers: Int; var taskManagersWanted: Int
        var rest: String?; var job: String?; var jobState: String?; var failure: String?
    }

    func run() throws {
        try flinkErrors {
            let d = try DeployedFlink(name: name, services: ServicesClient(endpoint: try cluster.endpoint()))
            let comps = d.service.components ?? []
            let tm = comps.first { $0.name == "taskmanager" }
            var report = Report(name: name, serviceState: d.service.state?.rawValue ?? "", application: d.service.id,
                                jobManagers: comps.first { $0.name == "jobmanager" }?.containers?.count ?? 0,
                                taskManagers: tm?.containers?.filter { $0.state == .READY }.count ?? 0,
                                taskManagersWanted: Int(tm?.numberOfContainers ?? 0), rest: d.jobManager?.restURL)
            if d.service.state != .STOPPED, let job = try? d.currentJob() {
                report.job = job.jid
                report.jobState = job.state
            } else if let r = d.result {
                report.job = r.jobId
                report.jobState = r.state
                report.failure = r.failure
            }
            if output.output == .json { return try printJSON(report) }
            print("\(name): service \(report.serviceState), application \(report.application ?? "-")")
            print("  containers: jobmanager \(report.jobManagers)/1, taskmanagers \(report.taskManagers)/\(report.taskManagersWanted)")
            print("  job: \(report.job ?? "-") \(report.jobState ?? "")")
            if let rest = report.rest { print("  Flink REST: \(rest)") }
            if let f = report.failure { print("  failure: \(f)") }
        }
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Stop a Flink deployment's job, optionally with a savepoint, and its service.")
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Service name.") var name: String
    @Option(name: .long, help: ArgumentHelp("Take a savepoint into DIR first (stop with savepoint).", valueName: "DIR"))
    var savepoint: String?

    func run() throws {
        try flinkErrors {
            let services = ServicesClient(endpoint: try cluster.endpoint())
            let d = try DeployedFlink(name: name, services: services)
            if let job = try? d.currentJob(), !job.isTerminal, let rest = try d.rest() {
                if let dir = savepoint {
                    let location = try rest.stopWithSavepoint(job.jid, directory: absolute(dir))
                    print("Savepoint: \(location)")
                } else {
                    try rest.cancel(job.jid)
                    print("Cancelled job \(job.jid)")
                }
            } else if savepoint != nil {
                throw CLIError("\(name) has no running job to take a savepoint of", exitCode: ExitStatusCode.unhealthy)
            }
            // The appmaster stops the service when the job ends; make sure of it.
            for _ in 0..<100 {
                if (try? services.get(name))?.state == .STOPPED { break }
                usleep(200_000)
            }
            if (try? services.get(name))?.state != .STOPPED { try services.stop(name) }
            print("Stopped service \(name)")
        }
    }
}

struct DestroyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy",
        abstract: "Delete a stopped Flink deployment: its YARN service and its staging directory (local or in HDFS).",
        discussion: "A deployment whose service still runs is refused unless --force: cancel it first, with --savepoint to keep its state."
    )
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Service name.") var name: String
    @Flag(name: .long, help: "Destroy it even if it still runs (its job is lost).") var force = false

    func run() throws {
        try flinkErrors {
            let (services, submitter) = try cluster.submitter()
            let d = try DeployedFlink(name: name, services: services)
            try submitter.destroy(d.service, force: force)
            print("Destroyed service \(name)")
        }
    }
}

struct RedeployCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redeploy",
        abstract: "Stop a job with a savepoint and start it again from that savepoint.",
        discussion: "The same job, configuration and size, staged anew with the flinkctl that runs now: new certificates (see security/renew-certificates.sh), a new flinkctl or changed -D options take effect without losing state."
    )
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Service name.") var name: String
    @Option(name: .long, help: ArgumentHelp("Directory for the savepoint.", valueName: "DIR")) var savepoint: String
    @Option(name: .customShort("D"), help: ArgumentHelp("A Flink option to change, key=value; repeatable.", valueName: "key=value"))
    var options: [String] = []

    func run() throws {
        try flinkErrors {
            let (services, submitter) = try cluster.submitter()
            let d = try DeployedFlink(name: name, services: services)
            guard let area = d.area, let job = try d.currentJob(), !job.isTerminal, let rest = try d.rest() else {
                throw CLIError("\(name) has no running job to redeploy", exitCode: ExitStatusCode.unhealthy)
            }
            let old = try Deployment.load(from: area)
            let location = try rest.stopWithSavepoint(job.jid, directory: absolute(savepoint))
            print("Savepoint: \(location)")
            for _ in 0..<150 where (try? services.get(name))?.state != .STOPPED { usleep(200_000) }
            let (_, status) = try submitter.redeploy(old, fromSavepoint: location, overrides: options)
            print("Redeployed \(name) from the savepoint: \(status.diagnostics ?? "")")
        }
    }
}

struct SavepointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "savepoint", abstract: "Take a savepoint of a running job; the job goes on.")
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Service name.") var name: String
    @Argument(help: "Target directory.") var directory: String

    func run() throws {
        try flinkErrors {
            let d = try DeployedFlink(name: name, services: ServicesClient(endpoint: try cluster.endpoint()))
            guard let job = try d.currentJob(), !job.isTerminal, let rest = try d.rest() else {
                throw CLIError("\(name) has no running job", exitCode: ExitStatusCode.unhealthy)
            }
            print("Savepoint: \(try rest.triggerSavepoint(job.jid, directory: absolute(directory)))")
        }
    }
}

/// Runs in the `jobmanager` container.
struct AppMasterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "appmaster", abstract: "Run a deployment's JobManager (inside its YARN container).", shouldDisplay: false)
    @Option(name: .long) var staging: String

    func run() throws {
        do {
            let code = try AppMaster(staging: staging).run()
            throw ExitCode(code)
        } catch let e as FlinkError {
            printError(e.message)
            throw ExitCode(1)
        }
    }
}

/// Runs in each `taskmanager` container.
struct TaskManagerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "taskmanager", abstract: "Become a deployment's TaskManager (inside its YARN container).", shouldDisplay: false)
    @Option(name: .long) var staging: String

    func run() throws {
        do {
            try TaskManagerLauncher(staging: staging).run()
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
