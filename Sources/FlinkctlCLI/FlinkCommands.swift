import AppMaster
import ArgumentParser
import Deploy
import DeploymentModel
import Flink
import FlinkctlBase
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

extension ClusterOptions {
    /// The deployment lifecycle on this cluster; its progress goes to stdout.
    func lifecycle() throws -> Lifecycle {
        Lifecycle(endpoint: try endpoint(), progress: { print($0) })
    }
}

/// `--staging`, shared by the commands that stage a deployment.
struct StagingOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Where to stage the deployment's files: a directory the cluster's nodes share, or HDFS as webhdfs://NAMENODE:PORT/PATH (swebhdfs:// for https). Default: FLINKCTL_STAGING_ROOT, then ~/.flinkctl/staging.", valueName: "LOCATION"))
    var staging: String?

    @Flag(name: .customLong("ship-flink"), help: "With staging in HDFS: ship the Flink distribution there too (uploaded once, then reused), for nodes that have none at the path it has here.")
    var shipFlink = false

    /// --staging, FLINKCTL_STAGING_ROOT, the defaults file, then ~/.flinkctl/staging.
    func root(_ settings: Settings) throws -> String {
        guard let r = try settings.resolve("staging", flag: staging) else { return StagingDefaults.root }
        do { _ = try StagingLocation(parsing: r.value!) } catch let e as FlinkError {
            throw Failure(.input, "\(r.source): \(e.message)")
        }
        return r.value!
    }

    func validate() throws {
        if let staging {
            do { _ = try StagingLocation(parsing: staging) } catch let e as FlinkError { throw ValidationError(e.message) }
        }
    }
}

/// `-D key=value`, for every command that sets Flink options.
struct FlinkOverrides: ParsableArguments {
    @Option(name: .customShort("D"), help: ArgumentHelp("A Flink option, key=value; repeatable.", valueName: "key=value"))
    var options: [String] = []
}

/// What a deployment is made of, shared by `submit` and `session start`:
/// its size, memory, queue, Flink options, distribution and staging.
struct DeploymentOptions: ParsableArguments {
    @Option(name: .long, help: "Number of TaskManagers.")
    var taskmanagers: Int = 1
    @Option(name: .long, help: "Task slots per TaskManager.")
    var slots: Int = 1
    @Option(name: .customLong("jm-memory"), help: ArgumentHelp("JobManager process size.", valueName: "SIZE"))
    var jmMemory: String = "1024m"
    @Option(name: .customLong("tm-memory"), help: ArgumentHelp("TaskManager process size.", valueName: "SIZE"))
    var tmMemory: String = "1024m"
    @Option(name: .customLong("tm-vcores"), help: ArgumentHelp("Virtual cores of each TaskManager container (Flink's yarn.containers.vcores). Default: its --slots.", valueName: "N"))
    var tmVcores: Int?
    @Option(name: .customLong("jm-vcores"), help: ArgumentHelp("Virtual cores of the JobManager container (Flink's yarn.appmaster.vcores). Default: 1.", valueName: "N"))
    var jmVcores: Int?
    @Option(name: .long, help: "YARN queue.")
    var queue: String?
    @Flag(name: .long, help: "Flink's reactive mode: the job rescales itself to the TaskManagers it has (see `flinkctl scale`). Applications only.")
    var reactive = false
    @Option(name: .long, help: ArgumentHelp("A file or directory put into every container's working directory under its name; jars in it go on the job's class path (Flink's yarn.ship-files). Repeatable.", valueName: "PATH"))
    var ship: [String] = []
    @Option(name: .customLong("ship-archive"), help: ArgumentHelp("A .tar, .tar.gz, .tgz or .zip unpacked into every container's working directory as NAME (default: its file name without the extension); jars in it go on the class path (Flink's yarn.ship-archives). Repeatable.", valueName: "FILE[#NAME]"))
    var shipArchive: [String] = []
    @Option(name: .customLong("tls-dir"), help: ArgumentHelp("The output of `flinkctl security keystore generate`: its flink.keystore and flink.truststore are shipped and Flink's internal TLS (security.ssl.internal.*) uses them; ca.keystore stays here. Needs --tls-password-file.", valueName: "DIR"))
    var tlsDir: String?
    @Option(name: .customLong("tls-password-file"), help: ArgumentHelp("The keystores' password (with --tls-dir): the first line of a file only you can read.", valueName: "FILE"))
    var tlsPasswordFile: String?
    @OptionGroup var flink: FlinkOverrides
    @Option(name: .customLong("flink-dist"), help: ArgumentHelp("Flink distribution. Default: FLINK_HOME, then the one scripts/setup.sh installed.", valueName: "DIR"))
    var flinkDist: String?
    @OptionGroup var staging: StagingOption
    @Option(name: .customLong("hadoop-classpath"), help: ArgumentHelp("The Hadoop jars on the cluster's nodes, as a class path (dir/* allowed), for Flink to reach hdfs:// and webhdfs://. Default: what the NodeManagers give each container (HADOOP_CLASSPATH, else HADOOP_COMMON_HOME and HADOOP_CONF_DIR).", valueName: "CP"))
    var hadoopClasspath: String?

    func validate() throws {
        guard taskmanagers >= 1 else { throw ValidationError("--taskmanagers must be at least 1") }
        guard slots >= 1 else { throw ValidationError("--slots must be at least 1") }
        for (flag, value) in [("--tm-vcores", tmVcores), ("--jm-vcores", jmVcores)] {
            if let value, value < 1 { throw ValidationError("\(flag) must be at least 1, not \(value)") }
        }
    }

    /// The submit request for `job`, with the cluster's keytab shipped when
    /// one is given; what the flags leave unset comes from the environment
    /// and the defaults file.
    func request(name: String, job: SubmitRequest.Job, cluster: ClusterOptions, configFile: String? = nil,
                 fromSavepoint: String? = nil, settings: Settings? = nil) throws -> SubmitRequest {
        let settings = try settings ?? Settings.current()
        let login = try cluster.resolvedKerberos(settings)
        var request = SubmitRequest(
            name: name, job: job, taskManagers: taskmanagers, slots: slots, jobManagerMemory: jmMemory,
            taskManagerMemory: tmMemory, queue: try settings.value("queue", flag: queue), overrides: flink.options,
            configFile: configFile, fromSavepoint: fromSavepoint,
            flinkDist: try settings.value("flink-dist", flag: flinkDist), stagingRoot: try staging.root(settings),
            sqlRunnerJar: StagingDefaults.sqlRunnerJar, keytab: login?.keytab.value.map(absolute), principal: login?.principal.value)
        request.flinkDefaults = settings.flinkDefaults
        request.log4jProperties = try settings.log4jProperties()
        request.reactive = reactive
        request.ship = ship
        request.shipArchives = shipArchive
        if let tlsDir {
            request.tls = try TLSDirectory.load(tlsDir, passwordFile: tlsPasswordFile)
        } else if tlsPasswordFile != nil {
            throw FlinkError(.configuration, "--tls-password-file goes with --tls-dir DIR")
        }
        request.shipFlink = staging.shipFlink
        request.hadoopClasspath = try settings.value("hadoop-classpath", flag: hadoopClasspath)
        request.taskManagerVcores = tmVcores
        request.jobManagerVcores = jmVcores
        return request
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
    @Option(name: .long, help: ArgumentHelp("A job jar to run: a local file, or a webhdfs:// or swebhdfs:// URL.", valueName: "FILE|URL"))
    var jar: String?
    @Option(name: .customLong("class"), help: "The jar's main class, if its manifest names none.")
    var mainClass: String?
    @Option(name: .long, help: "Service name (lower-case letters, digits and '-').")
    var name: String = "flink"
    @OptionGroup var deployment: DeploymentOptions
    @Option(name: .long, help: ArgumentHelp("A Flink config.yaml or flink-conf.yaml to merge over the defaults.", valueName: "FILE"))
    var flinkConf: String?
    @Option(name: .customLong("from-savepoint"), help: ArgumentHelp("Start from this savepoint or retained checkpoint.", valueName: "PATH"))
    var fromSavepoint: String?
    @Flag(name: .long, help: "Return once the job runs.")
    var detached = false
    @Option(name: .long, help: "Seconds to wait for the job to start running.")
    var startTimeout: Double = 180
    @Option(name: .long, help: ArgumentHelp("Without --detached: seconds to wait for the job to end (it goes on after).", valueName: "SECONDS"))
    var waitTimeout: Double = 86_400
    @Argument(parsing: .postTerminator, help: "After --: arguments for the jar's main class, or NAME=VALUE pairs that fill ${NAME} in the SQL script.")
    var jobArguments: [String] = []

    func validate() throws {
        guard (sql == nil) != (jar == nil) else { throw ValidationError("give exactly one of --sql FILE or --jar FILE") }
        if mainClass != nil && jar == nil { throw ValidationError("--class goes with --jar") }
        guard startTimeout > 0, waitTimeout > 0 else { throw ValidationError("--start-timeout and --wait-timeout must be positive") }
    }

    func run() throws {
        try runReporting {
            let lifecycle = try cluster.lifecycle()
            let args = jobArguments.first == "--" ? Array(jobArguments.dropFirst()) : jobArguments
            let job: SubmitRequest.Job = sql.map { .sql(file: absolute($0), arguments: args) }
                ?? .jar(file: jar!.contains("://") ? jar! : absolute(jar!), mainClass: mainClass, arguments: args)
            let request = try deployment.request(name: name, job: job, cluster: cluster, configFile: flinkConf.map(absolute),
                                             fromSavepoint: fromSavepoint)
            let (submitted, status) = try lifecycle.submit(request)
            print("Submitted service \(name): \(status.diagnostics ?? "")")
            let outcome = try lifecycle.follow(submitted, until: detached ? .running : .ended, startTimeout: startTimeout,
                                               endTimeout: waitTimeout) { print($0.line) }
            switch outcome {
            case .running(let rest):
                if let rest { print("Flink REST: \(rest)") }
            case .ended(let result):
                print("Job \(result.jobId ?? "") \(result.state)")
                if let failure = result.failure { printError(failure) }
                if result.state != "FINISHED" { throw ExitCode(ExitStatusCode.unhealthy) }
            }
        }
    }
}

struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Flink session clusters on YARN: a JobManager that takes jobs over REST.",
        subcommands: [Start.self, Stop.self]
    )

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop a session: each running job (with a savepoint when asked), then its service.")
        @OptionGroup var cluster: ClusterOptions
        @Argument(help: "The session's service name.") var name: String
        @Option(name: .long, help: ArgumentHelp("Stop each running job with a savepoint into DIR.", valueName: "DIR"))
        var savepoint: String?

        func run() throws {
            try runReporting {
                for done in try cluster.lifecycle().stopSession(name, savepointDirectory: savepoint.map(stateLocation)) {
                    if let location = done.savepoint {
                        print("Job \(done.job ?? ""): savepoint \(location)")
                    } else {
                        print("Cancelled job \(done.job ?? "")")
                    }
                }
                print("Stopped service \(name)")
            }
        }
    }

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a session cluster as a YARN service; returns once its TaskManagers have registered.")
        @OptionGroup var cluster: ClusterOptions
        @Option(name: .long, help: "Service name.") var name: String = "flink-session"
        @OptionGroup var deployment: DeploymentOptions
        @Option(name: .long, help: "Seconds to wait for the session to be ready.") var startTimeout: Double = 120

        func run() throws {
            try runReporting {
                let lifecycle = try cluster.lifecycle()
                let ready = try lifecycle.startSession(try deployment.request(name: name, job: .session, cluster: cluster),
                                                       readyTimeout: startTimeout) { status in
                    print("Started service \(name): \(status.diagnostics ?? "")")
                }
                print("Session ready: \(ready.taskManagers) TaskManagers, \(ready.slots) slots; Flink REST \(ready.rest)")
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
    @Option(name: .long, help: ArgumentHelp("Without --detached: seconds to wait for the job to end (it goes on after).", valueName: "SECONDS"))
    var waitTimeout: Double = 86_400
    @Argument(parsing: .postTerminator, help: "Arguments for the main class, or NAME=VALUE for the script's ${NAME} (after --).") var jobArguments: [String] = []

    func validate() throws {
        guard (jar == nil) != (sql == nil) else { throw ValidationError("give one of --jar FILE and --sql FILE") }
        if sql != nil && mainClass != nil { throw ValidationError("--class applies to --jar only") }
        guard waitTimeout > 0 else { throw ValidationError("--wait-timeout must be positive") }
    }

    func run() throws {
        try runReporting {
            let lifecycle = try cluster.lifecycle()
            let args = jobArguments.first == "--" ? Array(jobArguments.dropFirst()) : jobArguments
            let job: Lifecycle.SessionJob = sql.map { .sql(file: absolute($0), runnerJar: StagingDefaults.sqlRunnerJar, arguments: args) }
                ?? .jar(file: absolute(jar!), mainClass: mainClass, arguments: args)
            let id = try lifecycle.run(session: session, job: job, parallelism: parallelism, fromSavepoint: fromSavepoint)
            print("Submitted job \(id) to \(session)")
            if detached { return }
            let end = try lifecycle.waitForJob(session: session, job: id, timeout: waitTimeout) { print("Job \(id) \($0)") }
            if end.state != "FINISHED" {
                if let why = end.failure { printError(why) }
                throw ExitCode(ExitStatusCode.unhealthy)
            }
        }
    }
}

func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
}

/// A savepoint or checkpoint location as Flink takes it: a URI with a
/// scheme (`webhdfs://…`, `hdfs:///…`, `s3://…`, `file:/…`) passes through
/// unchanged; a plain path is made absolute against the current directory.
func stateLocation(_ text: String) -> String {
    if let colon = text.firstIndex(of: ":"), colon != text.startIndex,
       text[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) }),
       text[..<colon].first!.isLetter {
        return text
    }
    return absolute(text)
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List Flink deployments on the cluster and their jobs.",
                                                    discussion: "With --jobs, a line per job: a session has several.")
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @Flag(name: .long, help: "List every job of every deployment (a session's jobs one by one).")
    var jobs = false

    struct Row: Codable { var name: String; var state: String; var application: String?; var job: String?; var jobState: String?; var rest: String? }

    func run() throws {
        try runReporting {
            if jobs {
                let rows = try cluster.lifecycle().listJobs()
                if output.output == .json { return try printJSON(rows) }
                printTable(["NAME", "SERVICE", "JOB", "JOB-STATE", "STARTED", "JOB-NAME"],
                           rows.map { [$0.deployment, $0.serviceState, $0.job, $0.state,
                                       $0.startTime.map { UTCTimestamp.string(epochSeconds: $0 / 1000) } ?? "", $0.name ?? ""] })
                return
            }
            let rows = try cluster.lifecycle().list().map {
                Row(name: $0.name, state: $0.serviceState, application: $0.application, job: $0.job, jobState: $0.jobState, rest: $0.rest)
            }
            if output.output == .json { return try printJSON(rows) }
            printTable(["NAME", "SERVICE", "APPLICATION", "JOB", "JOB-STATE", "REST"],
                       rows.map { [$0.name, $0.state, $0.application ?? "", $0.job ?? "", $0.jobState ?? "", $0.rest ?? ""] })
        }
    }
}

/// `--job ID`: one job of a deployment, as Flink names it (32 hexadecimal digits).
struct JobOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The job to act on (its id, as `list --jobs` shows it); needed when a session runs several.", valueName: "ID"))
    var job: String?

    func validate() throws {
        if let job, job.count != 32 || !job.allSatisfy(\.isHexDigit) {
            throw ValidationError("--job \(job) is not a Flink job id (32 hexadecimal digits)")
        }
    }
}

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a Flink deployment: service, containers and job.")
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Service name.") var name: String

    func run() throws {
        try runReporting {
            let report = try cluster.lifecycle().status(name)
            if output.output == .json { return try printJSON(report) }
            print("\(name): service \(report.serviceState), application \(report.application ?? "-")")
            print("  containers: jobmanager \(report.jobManagers)/1, taskmanagers \(report.taskManagers)/\(report.taskManagersWanted)")
            print("  job: \(report.job ?? "-") \(report.jobState ?? "")")
            if let rest = report.rest { print("  Flink REST: \(rest)") }
            if let attempt = report.attempt, attempt > 1 {
                print("  JobManager attempt \(attempt); the previous one ended: \(report.lastAttemptFailure ?? "unknown")")
            }
            if let f = report.failure { print("  failure: \(f)") }
        }
    }
}

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel", abstract: "Stop a Flink deployment's job, optionally with a savepoint, and its service.",
        discussion: "With --job, only that job: a session goes on serving its other jobs. Without it, a session running several jobs is refused with their list.")
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Service name.") var name: String
    @Option(name: .long, help: ArgumentHelp("Take a savepoint into DIR first (stop with savepoint).", valueName: "DIR"))
    var savepoint: String?
    @OptionGroup var job: JobOption

    func run() throws {
        try runReporting {
            let done = try cluster.lifecycle().cancel(name, savepointDirectory: savepoint.map(stateLocation), job: job.job)
            if let location = done.savepoint {
                print("Savepoint: \(location)")
            } else if let job = done.job {
                print("Cancelled job \(job)")
            }
            if done.serviceStopped { print("Stopped service \(name)") }
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
        try runReporting {
            try cluster.lifecycle().destroy(name, force: force)
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
    @OptionGroup var flink: FlinkOverrides

    func run() throws {
        try runReporting {
            let done = try cluster.lifecycle().redeploy(name, savepointDirectory: stateLocation(savepoint), overrides: flink.options)
            print("Redeployed \(name) from the savepoint: \(done.status.diagnostics ?? "")")
        }
    }
}

struct ScaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale", abstract: "Grow or shrink a running deployment's TaskManagers.",
        discussion: """
        Flexes the service's taskmanager component to --taskmanagers containers and records the number \
        (a later JobManager attempt or a redeploy keeps it). A deployment submitted with --reactive rescales \
        its job to the slots it gets; otherwise new TaskManagers serve new jobs (a session) or a later restart. \
        `status` shows the TaskManagers wanted and running.
        """)
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Service name.") var name: String
    @Option(name: .long, help: "The number of TaskManagers to have (1 to 10000).") var taskmanagers: Int

    func validate() throws {
        guard (1...10_000).contains(taskmanagers) else { throw ValidationError("--taskmanagers must be between 1 and 10000, not \(taskmanagers)") }
    }

    func run() throws {
        try runReporting {
            let scaled = try cluster.lifecycle().scale(name, taskManagers: taskmanagers)
            print("Scaled \(name): \(scaled.from) → \(scaled.to) TaskManagers")
        }
    }
}

struct SavepointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "savepoint", abstract: "Take a savepoint of a running job; the job goes on.")
    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "Service name.") var name: String
    @Argument(help: "Target directory.") var directory: String
    @OptionGroup var job: JobOption

    func run() throws {
        try runReporting {
            print("Savepoint: \(try cluster.lifecycle().savepoint(name, directory: stateLocation(directory), job: job.job))")
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
            printError(e.description)
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
