import DeploymentModel
import Flink
import FlinkctlBase
import Foundation
import Hadoop
import HTTPTransport
import Kerberos
import ProcessSpawn

/// The process in the `jobmanager` container: it starts the Flink JobManager
/// JVM, publishes its address, grows the `taskmanager` component to the
/// wanted size, forwards SIGTERM to the JVM, and when an application-mode
/// job ends it records the result and stops the service.
public struct AppMaster {
    public let staging: String
    let environment = ProcessInfo.processInfo.environment

    public init(staging: String) { self.staging = staging }

    /// Where the JobManager archives finished jobs: the staging directory when
    /// it is local, else the container's own directory (read by this process).
    func archiveDirectory(_ deployment: Deployment, workDir: String) -> String {
        if case .local(let dir) = deployment.staging { return (dir as NSString).appendingPathComponent("archive") }
        return (workDir as NSString).appendingPathComponent("archive")
    }

    func log(_ message: String) {
        let line = "\(UTCTimestamp.now()) appmaster: \(message)\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }

    public func run() throws -> Int32 {
        let workDir = environment["PWD"] ?? FileManager.default.currentDirectoryPath
        let deployment = try Deployment.load(stagingDirectory: staging, workDir: workDir)
        let session = try login(deployment)
        let area = try stagingArea(deployment, session: session)
        let services = ServicesClient(endpoint: try resourceManagerEndpoint(deployment, session: session))
        var config = deployment.configuration
        let ha = HighAvailability(config)

        // A restart of the jobmanager component. Without HA the new JobManager
        // would run the job again from its beginning and write its output
        // again: the deployment ends FAILED instead, saying why. With HA it
        // recovers the job, within the attempts Flink's YARN options allow.
        var attempts = JobManagerAttempts.read(from: area) ?? JobManagerAttempts()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let attempt = JobManagerAttempts.Attempt(number: (attempts.attempts.last?.number ?? 0) + 1,
                                                 containerId: environment["CONTAINER_ID"], started: now)
        attempts.attempts.append(attempt)
        try attempts.write(to: area)
        if attempt.number > 1 {
            let reason = attempts.lastFailure ?? "the JobManager was lost"
            log("attempt \(attempt.number): the previous one ended: \(reason)")
            guard ha != nil else {
                return fail(deployment, services: services, area: area,
                            "the JobManager was lost (\(reason)); without high availability it is not started again, as the job would run from its beginning and write its output again: \(HighAvailability.howToEnable)")
            }
            let interval = HighAvailability.validityInterval(config)
            let recent = attempts.attempts.dropLast().filter { interval < 0 || now - $0.started <= interval }.count + 1
            let allowed = HighAvailability.maxAttempts(config)
            guard recent <= allowed else {
                return fail(deployment, services: services, area: area,
                            "the JobManager failed \(recent - 1) times within yarn.application-attempt-failures-validity-interval (\(interval) ms), more than yarn.application-attempts=\(allowed) allows; the last: \(reason)")
            }
        }

        // The node's Hadoop: Flink reaches hdfs:// and webhdfs:// through it.
        // With HDFS staging and no directory of its own, a job checkpoints
        // beside its staged files; a path that needs Hadoop on a node without
        // it fails now, not minutes later inside the JVM.
        let hadoop = NodeHadoop.find(environment: environment, override: deployment.hadoopClasspath)
        if let hadoop { log("Hadoop on this node from \(hadoop.source)") }
        defaultCheckpointDirectory(&config, deployment: deployment, hadoop: hadoop)
        if hadoop == nil, let needing = NodeHadoop.pathNeedingHadoop(in: config) {
            return fail(deployment, services: services, area: area,
                        "\(needing.key) is \(needing.value), but this node has no Hadoop for Flink to reach it: \(NodeHadoop.howToProvide)")
        }

        let archiveDirectory = archiveDirectory(deployment, workDir: workDir)
        let logDir = environment["LOG_DIRS"]?.split(separator: ",").first.map(String.init) ?? workDir
        let host = environment["NM_HOST"] ?? "127.0.0.1"
        let confDir = (workDir as NSString).appendingPathComponent("conf")
        try FileManager.default.createDirectory(atPath: confDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: (workDir as NSString).appendingPathComponent("tmp"), withIntermediateDirectories: true)

        let rpcPort = try freePort(), restPort = try freePort()
        config["jobmanager.rpc.address"] = host
        config["jobmanager.rpc.port"] = String(rpcPort)
        config["jobmanager.bind-host"] = host
        config["rest.address"] = host
        config["rest.bind-address"] = host
        config["rest.port"] = String(restPort)
        config["io.tmp.dirs"] = (workDir as NSString).appendingPathComponent("tmp")
        // The JobManager archives each finished job here (as for the
        // HistoryServer) before it shuts down: the one record of a job's final
        // state that outlives a JobManager which stopped right after it.
        config["jobmanager.archive.fs.dir"] = "file://" + archiveDirectory
        var command = try writeContainerConfiguration(config, deployment: deployment, confDir: confDir, logDir: logDir)
        command.hadoopClasspath = hadoop?.classpath ?? []
        command.environmentJavaOptions = environment["FLINK_ENV_JAVA_OPTS"]
        command.krb5Configuration = krb5Configuration(config, environment: environment)
        let argv = command.jobManager(deployment.mode, memory: try JobManagerMemory(configuration: config), configuration: config)
        let stderrPath = (logDir as NSString).appendingPathComponent("jobmanager.err")
        let pid = try spawnProcess(argv[0], arguments: Array(argv.dropFirst()), environment: environment,
                                   directory: workDir, stdout: (logDir as NSString).appendingPathComponent("jobmanager.out"),
                                   stderr: stderrPath, newSession: false)
        log("started the JobManager (pid \(pid)), REST on \(host):\(restPort), attempt \(attempt.number)")
        JVMSignalForwarder.install(pid: pid)

        let address = JobManagerAddress(host: host, rpcPort: rpcPort, restPort: restPort, containerId: environment["CONTAINER_ID"])
        try area.write(Deployment.jobManagerFile, try JSONEncoder().encode(address))

        if deployment.taskManagers > 0 {
            do {
                try services.flex(deployment.name, component: "taskmanager", to: Int64(deployment.taskManagers))
                log("asked for \(deployment.taskManagers) TaskManagers")
            } catch {
                log("cannot flex the taskmanager component: \(error)")
            }
        }
        let code = try watch(pid: pid, deployment: deployment, address: address, services: services, area: area,
                             archiveDirectory: archiveDirectory, stderrPath: stderrPath, highAvailability: ha != nil)
        if code != 0 {
            // Said for the next attempt, which reads it from the record.
            var latest = JobManagerAttempts.read(from: area) ?? attempts
            if let i = latest.attempts.lastIndex(where: { $0.number == attempt.number }) {
                latest.attempts[i].failure = "the JobManager JVM exited with code \(code)"
                try? latest.write(to: area)
            }
        }
        return code
    }

    /// Ends the deployment FAILED for `reason` before any JobManager starts:
    /// records the result where `status` reads it and stops the service.
    func fail(_ deployment: Deployment, services: ServicesClient, area: StagingArea, _ reason: String) -> Int32 {
        log(reason)
        let previous = JobResult.read(from: area)
        finish(JobResult(jobId: previous?.jobId, state: "FAILED", failure: reason), recorded: false,
               deployment: deployment, services: services, area: area)
        return 0
    }

    /// Logs in from the shipped keytab, if the deployment has one; the session
    /// is kept fresh for as long as the job runs.
    func login(_ deployment: Deployment) throws -> KeytabSession? {
        guard let session = try shippedKeytabLogin(deployment) else { return nil }
        log("logged in as \(session.principal) from the shipped keytab")
        return session
    }

    /// The ResourceManager, reached as the deployment's user: with SPNEGO from
    /// the keytab session on a Kerberized cluster, with `?user.name=` otherwise.
    func resourceManagerEndpoint(_ deployment: Deployment, session: KeytabSession?) throws -> RESTEndpoint {
        guard let session else {
            return try RESTEndpoint(address: ClusterAddress(urls: deployment.resourceManagerURLs, user: deployment.user))
        }
        var options = TransportOptions()
        options.negotiate = true
        return try RESTEndpoint(address: ClusterAddress(urls: deployment.resourceManagerURLs, user: nil), options: options,
                                login: spnegoLogin(session))
    }

    /// Follows the JVM and, in application mode, the job, until both are done.
    func watch(pid: pid_t, deployment: Deployment, address: JobManagerAddress, services: ServicesClient,
               area: StagingArea, archiveDirectory: String, stderrPath: String,
               highAvailability: Bool) throws -> Int32 {
        let rest = try FlinkRESTClient(baseURL: address.restURL, options: .timeouts(connect: 1, total: 5))
        var lastJob: FlinkRESTClient.JobOverview? = nil
        var lastState = ""
        var recorded = false
        while true {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let code = exitCode(fromWaitStatus: status)
                log("the JobManager exited with \(code)")
                let archived = JobArchive.latest(in: archiveDirectory)
                if highAvailability, code != 0, archived == nil, !recorded {
                    // Lost, not ended: with HA a new attempt recovers the job
                    // (YARN restarts the component on failure).
                    log("the job did not end; a new attempt will recover it")
                    return code
                }
                if case .application = deployment.mode {
                    var result = archived
                        ?? JobResult(jobId: lastJob?.jid, state: "FAILED", failure: nil)
                    if result.state != "FINISHED" && result.failure == nil {
                        result.failure = Self.lastError(stderrPath) ?? "the JobManager exited with code \(code)"
                    }
                    finish(result, recorded: recorded, deployment: deployment, services: services, area: area)
                    return 0
                }
                return code
            }
            if let jobs = try? rest.jobs(), let job = jobs.max(by: { ($0.startTime ?? 0) < ($1.startTime ?? 0) }) {
                if job.state != lastState {
                    log("job \(job.jid) is \(job.state)")
                    lastState = job.state
                }
                lastJob = job
                if job.isTerminal, case .application = deployment.mode, !recorded {
                    var failure: String? = nil
                    if job.state != "FINISHED" { failure = (try? rest.rootException(job.jid)) ?? nil }
                    recorded = record(JobResult(jobId: job.jid, state: job.state, failure: failure), in: area)
                }
            }
            usleep(500_000)
        }
    }

    /// Records the result (unless the job already did) and stops the service.
    func finish(_ result: JobResult, recorded: Bool, deployment: Deployment, services: ServicesClient, area: StagingArea) {
        if !recorded { _ = record(result, in: area) }
        log("the application ended: \(JobResult.read(from: area)?.state ?? result.state); stopping the service")
        _ = try? services.stop(deployment.name)
    }

    /// Writes the job's result where the client reads it; false if it could not.
    func record(_ result: JobResult, in area: StagingArea) -> Bool {
        do {
            try area.write(Deployment.resultFile, try JSONEncoder().encode(result))
            return true
        } catch {
            log("cannot record the job's result: \(error)")
            return false
        }
    }

    /// The last meaningful lines the JVM wrote to stderr (Flink's own message
    /// for a SQL error, say).
    static func lastError(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("\tat ") && !$0.hasPrefix("SLF4J") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return lines.suffix(3).joined(separator: "\n")
    }
}

/// With HDFS staging, a node with Hadoop, and no directory of its own, a job
/// checkpoints under its staging directory (`…/checkpoints`), with Kerberos
/// too (Flink's Hadoop login from the shipped keytab). Not over https: Hadoop
/// would need the cluster's truststore.
func defaultCheckpointDirectory(_ config: inout FlinkConfiguration, deployment: Deployment, hadoop: NodeHadoop?) {
    guard hadoop != nil, config["execution.checkpointing.dir"] == nil,
          case .webHDFS(let base, _) = deployment.staging, base.hasPrefix("http://") else { return }
    config["execution.checkpointing.dir"] = deployment.staging.description + "/checkpoints"
}

/// The krb5.conf Flink's JVMs should read: Flink's own key, else MIT's
/// `KRB5_CONFIG` (Java reads /etc/krb5.conf otherwise), if the file is there.
func krb5Configuration(_ config: FlinkConfiguration, environment: [String: String]) -> String? {
    guard let path = config["security.kerberos.krb5-conf.path"] ?? environment["KRB5_CONFIG"],
          path.hasPrefix("/"), FileManager.default.isReadableFile(atPath: path) else { return nil }
    return path
}

/// Logs in from the keytab shipped with the deployment (nil without one).
func shippedKeytabLogin(_ deployment: Deployment) throws -> KeytabSession? {
    guard let k = deployment.kerberos else { return nil }
    let session = try KeytabSession(keytab: k.keytab, principal: k.principal)
    session.activate()
    try session.ensureFresh()
    return session
}

/// SPNEGO from a keytab session, kept fresh for as long as the job runs.
func spnegoLogin(_ session: KeytabSession) -> SPNEGOLogin {
    SPNEGOLogin(ensureTicket: { try session.ensureFresh() }, renew: { try session.renew() })
}

/// A deployment's staging area, reached as its user: with SPNEGO from the
/// keytab session when there is one, with `user.name` otherwise.
func stagingArea(_ deployment: Deployment, session: KeytabSession?) throws -> StagingArea {
    try StagingArea(deployment.staging, user: session == nil ? deployment.user : nil, login: session.map(spnegoLogin))
}

/// Writes a container's Flink configuration and log4j file, and returns the
/// command builder for its JVM.
func writeContainerConfiguration(_ config: FlinkConfiguration, deployment: Deployment, confDir: String,
                                 logDir: String) throws -> FlinkProcessCommand {
    let version = deployment.distribution.version
    // 0600: the configuration may hold keystore passwords.
    try AtomicFile.write(try config.render(for: version),
                         to: (confDir as NSString).appendingPathComponent(version.configFileName), mode: 0o600)
    try AtomicFile.write(deployment.log4jProperties ?? FlinkProcessCommand.log4jProperties,
                         to: (confDir as NSString).appendingPathComponent("log4j.properties"), mode: 0o644)
    var command = FlinkProcessCommand(java: try locateJava(), distribution: deployment.distribution,
                                      configDirectory: confDir, logDirectory: logDir)
    // The shipped jars follow the job's own, as Flink's usrlib/ does.
    command.userJars = deployment.userJars + (try layOutShipped(deployment, workDir: (confDir as NSString).deletingLastPathComponent))
    return command
}

/// Reads the job archives a JobManager writes to `jobmanager.archive.fs.dir`:
/// one JSON file per job, `{"archive":[{"path":"/jobs/overview","json":"…"},…]}`
/// (Flink 2.3 nests them as `<cluster>/applications/<app>/jobs/<job>`; 1.x
/// writes them flat), so every file below the directory is looked at.
enum JobArchive {
    struct File: Decodable {
        struct Entry: Decodable { var path: String; var json: String }
        var archive: [Entry]
    }

    static func latest(in directory: String) -> JobResult? {
        let names = (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String]) ?? []
        var best: (Int64, JobResult)? = nil
        for name in names where !(name as NSString).lastPathComponent.hasPrefix(".") {
            guard let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)),
                  let file = try? JSONDecoder().decode(File.self, from: data),
                  let overview = file.archive.first(where: { $0.path == "/jobs/overview" }),
                  let jobs = try? JSONDecoder().decode(JobsEnvelope.self, from: Data(overview.json.utf8)),
                  let job = jobs.jobs.first else { continue }
            var failure: String? = nil
            if job.state != "FINISHED", let ex = file.archive.first(where: { $0.path.hasSuffix("/exceptions") }),
               let obj = try? JSONSerialization.jsonObject(with: Data(ex.json.utf8)) as? [String: Any],
               let root = obj["root-exception"] as? String {
                failure = root.split(separator: "\n").first.map(String.init)
            }
            let end = job.endTime ?? 0
            if best == nil || end > best!.0 { best = (end, JobResult(jobId: job.jid, state: job.state, failure: failure)) }
        }
        return best?.1
    }

    struct JobsEnvelope: Decodable { var jobs: [FlinkRESTClient.JobOverview] }
}

/// A TCP port free on loopback now (bound to 0 and released).
func freePort() throws -> Int {
    try freeTCPPort().mapError { FlinkError(.configuration, $0.message) }.get()
}

/// Forwards SIGTERM and SIGINT to the JVM, so a container stop is a clean
/// Flink shutdown; the appmaster then sees the JVM exit and ends too.
enum JVMSignalForwarder {
    nonisolated(unsafe) static var target: pid_t = 0

    static func install(pid: pid_t) {
        target = pid
        signal(SIGTERM) { _ in if JVMSignalForwarder.target > 0 { kill(JVMSignalForwarder.target, SIGTERM) } }
        signal(SIGINT) { _ in if JVMSignalForwarder.target > 0 { kill(JVMSignalForwarder.target, SIGTERM) } }
    }
}
