import DeploymentModel
import Flink
import FlinkctlBase
import Foundation
import Hadoop
import HTTPTransport

/// The life of Flink deployments on one cluster, as the command line drives
/// it: submit, follow, status, list, cancel, savepoint, redeploy, destroy,
/// session start and run. Synchronous throughout; every wait has a deadline
/// and a poll interval that backs off (`WaitPolicy`), measured on an
/// injected clock. Errors are the modules' own (`HadoopError`, `FlinkError`)
/// or a `Failure` saying which side failed; nothing is printed here, except
/// through `progress`.
public struct Lifecycle: Sendable {
    public let services: ServicesClient
    public var submitter: Submitter
    public var clock: any WaitClock
    /// How each JobManager is asked (short timeouts: an answer is quick or absent).
    public var jobManagerOptions: TransportOptions = .timeouts(connect: 2, total: 10)
    /// How the state of a service is polled while waiting for it to stop.
    public var stopPolicy = WaitPolicy(timeout: 20, initial: 0.1, maximum: 1)

    public init(services: ServicesClient, submitter: Submitter, clock: any WaitClock = SystemClock()) {
        self.services = services
        self.submitter = submitter
        self.clock = clock
    }

    /// A lifecycle whose submitter reports progress through `progress`.
    public init(endpoint: RESTEndpoint, clock: any WaitClock = SystemClock(),
                progress: @escaping @Sendable (String) -> Void = { _ in }) {
        let services = ServicesClient(endpoint: endpoint)
        var submitter = Submitter(services: services, resourceManagerURLs: endpoint.address.urls,
                                  user: endpoint.address.user, progress: progress)
        submitter.transport = endpoint.http.options
        self.init(services: services, submitter: submitter, clock: clock)
    }

    // MARK: Finding deployments

    /// The deployment behind a service name, or a `Failure` when the service
    /// is not a Flink deployment made by flinkctl.
    public func deployment(_ name: String) throws -> DeployedFlink {
        let service = try services.get(name)
        guard Self.isFlink(service) else {
            throw Failure(.input, "\(name) is a YARN service but not a Flink deployment made by flinkctl")
        }
        return DeployedFlink(service: service, area: try stagingArea(service.configuration?.env?["FLINKCTL_STAGING"]),
                             jobManagerOptions: jobManagerOptions)
    }

    static func isFlink(_ service: Service) -> Bool { service.description?.hasPrefix("Apache Flink") == true }

    /// A staging area (nil when `text` names none), reached as the
    /// ResourceManager is: the same user, TLS settings and Kerberos login.
    public func stagingArea(_ text: String?) throws -> StagingArea? {
        guard let text, let location = try? StagingLocation(parsing: text) else { return nil }
        let endpoint = services.endpoint
        guard location.isRemote else { return try StagingArea(location, user: nil) }
        return try StagingArea(location, user: endpoint.address.user, options: endpoint.http.options, login: endpoint.login)
    }

    // MARK: Status and list

    /// What `status` shows: the service, its containers, and the job (from
    /// the JobManager while the service runs, else from the recorded result).
    public func status(_ name: String) throws -> DeploymentStatus {
        let d = try deployment(name)
        return d.status(includeFailure: true)
    }

    /// Every Flink deployment on the cluster. Each one's job is asked of its
    /// own JobManager or staging area, all at once, so a list of many takes
    /// about as long as the slowest.
    public func list() throws -> [DeploymentStatus] {
        try eachDeployment { $0.status(includeFailure: false) }
    }

    /// `body` for every Flink deployment on the cluster, in the cluster's
    /// order, each asked of its JobManager with short timeouts and all at
    /// once; one deployment is asked inline (the thread pool costs more
    /// than it saves).
    func eachDeployment<T: Sendable>(_ body: @escaping @Sendable (DeployedFlink) -> T) throws -> [T] {
        let flink = try services.list().filter(Self.isFlink)
        var quick = jobManagerOptions
        quick.connectTimeout = min(quick.connectTimeout, 1)
        quick.timeout = min(quick.timeout, 3)
        let one = { @Sendable [quick] (service: Service) -> T in
            let area = try? stagingArea(service.configuration?.env?["FLINKCTL_STAGING"])
            return body(DeployedFlink(service: service, area: area ?? nil, jobManagerOptions: quick))
        }
        guard flink.count > 1 else { return flink.map(one) }
        let found = Slots<T>(count: flink.count)
        DispatchQueue.concurrentPerform(iterations: flink.count) { i in
            found.set(i, one(flink[i]))
        }
        return found.all
    }

    // MARK: Submit and follow

    public func submit(_ request: SubmitRequest) throws -> (Deployment, ServiceStatus) {
        try submitter.submit(request)
    }

    /// What `follow` saw last: containers and the job, one line's worth.
    public struct Progress: Sendable, Equatable {
        public var jobManagers: Int
        public var taskManagers: Int
        public var taskManagersWanted: Int
        public var job: String?
        public var jobState: String?

        public var line: String {
            let job = self.job.map { "\($0) \(jobState ?? "")" } ?? "not submitted yet"
            return "containers: jobmanager \(jobManagers)/1, taskmanagers \(taskManagers)/\(taskManagersWanted); job: \(job)"
        }
    }

    public enum FollowOutcome: Sendable, Equatable {
        /// The job runs (`until: .running`); its JobManager's REST address.
        case running(rest: String?)
        /// The job ended and the appmaster recorded how.
        case ended(JobResult)
    }

    public enum Until: Sendable { case running, ended }

    /// Follows a deployment just submitted: until its job runs (`.running`),
    /// or until it ends (`.ended`). `onProgress` hears every change. The job
    /// must be RUNNING within `startTimeout` seconds; with `.ended` it must
    /// end within `endTimeout`. A service that stops without a recorded
    /// result is a remote failure.
    public func follow(_ deployment: Deployment, until: Until, startTimeout: Double, endTimeout: Double = 86_400,
                       interval: WaitPolicy? = nil, onProgress: (Progress) -> Void = { _ in }) throws -> FollowOutcome {
        guard let area = try stagingArea(deployment.stagingDirectory) else {
            throw Failure(.input, "\(deployment.stagingDirectory) is not a staging location")
        }
        var policy = interval ?? WaitPolicy(timeout: 0, initial: 0.1, maximum: 0.5)
        let started = clock.now()
        var last: Progress? = nil
        var runningSince: Double? = nil
        var jobManager: FlinkRESTClient? = nil
        var quick = jobManagerOptions
        quick.connectTimeout = min(quick.connectTimeout, 1)
        quick.timeout = min(quick.timeout, 3)
        policy.timeout = startTimeout + endTimeout
        let outcome: FollowOutcome? = try clock.poll(policy) { () throws -> FollowOutcome? in
            if let result = JobResult.read(from: area) {
                // The appmaster stops the service right after it records the result.
                _ = waitUntilStopped(deployment.name)
                return .ended(result)
            }
            let service = try? services.get(deployment.name)
            if jobManager == nil, let jm = JobManagerAddress.read(from: area) {
                jobManager = try? FlinkRESTClient(baseURL: jm.restURL, options: quick)
            }
            let components = service?.components ?? []
            var progress = Progress(
                jobManagers: components.first { $0.name == "jobmanager" }?.containers?.count ?? 0,
                taskManagers: components.first { $0.name == "taskmanager" }?.containers?.filter { $0.state == .READY }.count ?? 0,
                taskManagersWanted: deployment.taskManagers)
            if let job = (try? jobManager?.jobs())??.first {
                progress.job = job.jid
                progress.jobState = job.state
                if job.state == "RUNNING", runningSince == nil { runningSince = clock.now() }
            }
            if progress != last { onProgress(progress); last = progress }
            if runningSince != nil && until == .running {
                return .running(rest: JobManagerAddress.read(from: area)?.restURL)
            }
            if service?.state == .STOPPED || service?.state == .FAILED {
                // A result written just before the stop is read once more.
                if let result = JobResult.read(from: area) { return .ended(result) }
                throw Failure(.remote, "the service stopped before the job ended; see `flinkctl logs \(deployment.name)`")
            }
            let now = clock.now()
            if runningSince == nil && now - started > startTimeout {
                throw Failure(.remote, "the job did not start within \(Int(startTimeout)) s; see `flinkctl logs \(deployment.name)`")
            }
            return nil
        }
        guard let outcome else {
            throw Failure(.unhealthy, "the job did not end within \(Int(endTimeout)) s; it goes on: see `flinkctl status \(deployment.name)`")
        }
        return outcome
    }

    /// Waits, within `stopPolicy`, until the service is STOPPED (or gone);
    /// whether it did.
    @discardableResult
    public func waitUntilStopped(_ name: String, policy: WaitPolicy? = nil) -> Bool {
        clock.poll(policy ?? stopPolicy) { () -> Bool? in
            do {
                let state = try services.get(name).state
                return state == .STOPPED || state == .FAILED || state == .SUCCEEDED ? true : nil
            } catch let e as HadoopError where e.status == 404 {
                return true
            } catch {
                return nil
            }
        } ?? false
    }

    // MARK: Cancel, savepoint, redeploy, destroy

    public struct Cancelled: Sendable, Equatable {
        /// The job cancelled or stopped, if one ran.
        public var job: String?
        /// The savepoint taken first, when asked for.
        public var savepoint: String?
        /// Whether the service was stopped too (not when one job of a session was).
        public var serviceStopped = false
        public init(job: String? = nil, savepoint: String? = nil) {
            self.job = job
            self.savepoint = savepoint
        }
    }

    /// Stops a job (with a savepoint into `savepointDirectory` when given).
    /// Without `job`: the deployment's running job and then its service (the
    /// appmaster stops it when an application's job ends; a session, or a
    /// service that has not stopped within `stopPolicy`, is stopped here); a
    /// session running several jobs is refused with their list. With `job`:
    /// that job only, and a session goes on serving its other jobs.
    public func cancel(_ name: String, savepointDirectory: String? = nil, job: String? = nil) throws -> Cancelled {
        let d = try deployment(name)
        var done = Cancelled()
        // Without --job, a JobManager that does not answer has no job to stop
        // (the service is stopped all the same); several running jobs are refused.
        let target: (FlinkRESTClient, FlinkRESTClient.JobOverview)?
        do {
            target = try runningJob(d, name: name, job: job)
        } catch let failure as Failure {
            throw failure
        } catch where job == nil {
            target = nil
        }
        if let (rest, running) = target {
            if let dir = savepointDirectory {
                done.savepoint = try rest.stopWithSavepoint(running.jid, directory: dir)
            } else {
                try rest.cancel(running.jid)
            }
            done.job = running.jid
        } else if savepointDirectory != nil {
            throw Failure(.unhealthy, "\(name) has no running job to take a savepoint of")
        }
        let session = isSession(d)
        if job != nil && session { return done }
        if session || !waitUntilStopped(name) {
            _ = try services.stop(name)
            waitUntilStopped(name)
        }
        done.serviceStopped = true
        return done
    }

    /// Takes a savepoint of the running job (of `job`, in a session running
    /// several); the job goes on. Its location.
    public func savepoint(_ name: String, directory: String, job: String? = nil) throws -> String {
        let d = try deployment(name)
        guard let (rest, running) = try runningJob(d, name: name, job: job) else {
            throw Failure(.unhealthy, "\(name) has no running job")
        }
        return try rest.triggerSavepoint(running.jid, directory: directory)
    }

    /// Stops a session: each running job (with a savepoint into
    /// `savepointDirectory` when given), then the service.
    public func stopSession(_ name: String, savepointDirectory: String? = nil) throws -> [Cancelled] {
        let d = try deployment(name)
        guard isSession(d) else {
            throw Failure(.input, "\(name) is not a session but an application deployment: use `flinkctl cancel \(name)`")
        }
        var stopped: [Cancelled] = []
        if d.service.state != .STOPPED, let rest = try d.rest() {
            for running in try rest.jobs().filter({ !$0.isTerminal }) {
                if let dir = savepointDirectory {
                    stopped.append(Cancelled(job: running.jid, savepoint: try rest.stopWithSavepoint(running.jid, directory: dir)))
                } else {
                    try rest.cancel(running.jid)
                    stopped.append(Cancelled(job: running.jid))
                }
            }
        }
        _ = try services.stop(name)
        waitUntilStopped(name)
        return stopped
    }

    public struct Scaled: Sendable, Equatable {
        public var from: Int
        public var to: Int
    }

    /// Grows or shrinks a running deployment's `taskmanager` component to
    /// `taskManagers` containers, and records the number, so that a later
    /// JobManager attempt (HA) or a redeploy keeps it. YARN picks which
    /// containers go when it shrinks.
    public func scale(_ name: String, taskManagers: Int) throws -> Scaled {
        guard taskManagers >= 1 else { throw Failure(.input, "--taskmanagers must be at least 1") }
        let d = try deployment(name)
        switch d.service.state {
        case .STOPPED?, .FAILED?, .SUCCEEDED?:
            throw Failure(.input, "\(name) is \(d.service.state!.rawValue): only a running deployment can be scaled")
        default: break
        }
        guard let area = d.area else { throw Failure(.remote, "\(name) names no staging directory") }
        var record = try Deployment.load(from: area)
        let from = Int(d.service.components?.first { $0.name == "taskmanager" }?.numberOfContainers ?? Int64(record.taskManagers))
        try services.flex(name, component: "taskmanager", to: Int64(taskManagers))
        record.taskManagers = taskManagers
        try area.write(Deployment.fileName, try record.encoded(), permission: 0o600)
        return Scaled(from: from, to: taskManagers)
    }

    /// One job of a deployment, as `list --jobs` shows it.
    public struct JobRow: Codable, Sendable, Equatable {
        public var deployment: String
        public var serviceState: String
        public var job: String
        public var name: String?
        public var state: String
        public var startTime: Int64?
    }

    /// Every job of every Flink deployment: a running JobManager's jobs (a
    /// session has several), else the job its deployment recorded at its end.
    public func listJobs() throws -> [JobRow] {
        try eachDeployment { d -> [JobRow] in
            let name = d.service.name ?? "", state = d.service.state?.rawValue ?? ""
            if d.service.state != .STOPPED, let jobs = try? d.rest()?.jobs(), !jobs.isEmpty {
                return jobs.sorted { ($0.startTime ?? 0) < ($1.startTime ?? 0) }.map {
                    JobRow(deployment: name, serviceState: state, job: $0.jid, name: $0.name, state: $0.state, startTime: $0.startTime)
                }
            }
            guard let r = d.result, let id = r.jobId else { return [] }
            return [JobRow(deployment: name, serviceState: state, job: id, name: nil, state: r.state, startTime: nil)]
        }.flatMap { $0 }
    }

    /// Whether a deployment is a session cluster (its record says so).
    func isSession(_ d: DeployedFlink) -> Bool {
        guard let area = d.area, let record = try? Deployment.load(from: area) else { return false }
        return record.mode == .session
    }

    /// The job an operation acts on: `job` when given (one of the
    /// deployment's jobs, still running), else its one running job; nil when
    /// nothing runs. Several running jobs without `job` are refused, listed.
    func runningJob(_ d: DeployedFlink, name: String, job: String?) throws -> (FlinkRESTClient, FlinkRESTClient.JobOverview)? {
        guard d.service.state != .STOPPED, let rest = try d.rest() else {
            if let job { throw Failure(.unhealthy, "\(name) is not running: job \(job) cannot be reached") }
            return nil
        }
        // Flink's light listing says which jobs run; names only for messages.
        let all = try rest.jobStates()
        func listing(_ jobs: [FlinkRESTClient.JobOverview]) -> String {
            let names = Dictionary(((try? rest.jobs()) ?? []).map { ($0.jid, $0.name) }) { a, _ in a }
            return jobs.map { "  \($0.jid)  \($0.state)  \(names[$0.jid] ?? "")" }.joined(separator: "\n")
        }
        guard let job else {
            let running = all.filter { !$0.isTerminal }
            if running.count > 1 {
                throw Failure(.input, "\(name) runs \(running.count) jobs; give --job with one of them:\n" + listing(running))
            }
            return running.first.map { (rest, $0) }
        }
        guard let found = all.first(where: { $0.jid == job }) else {
            throw Failure(.input, "--job \(job): \(name) has no such job" + (all.isEmpty ? "" : "; its jobs:\n" + listing(all)))
        }
        guard !found.isTerminal else { throw Failure(.unhealthy, "job \(job) of \(name) has already ended (\(found.state))") }
        return (rest, found)
    }

    public struct Redeployed: Sendable {
        public var savepoint: String
        public var deployment: Deployment
        public var status: ServiceStatus
    }

    /// Stops the job with a savepoint and starts it again from there, staged
    /// anew with the flinkctl that runs now and `overrides` applied.
    public func redeploy(_ name: String, savepointDirectory: String, overrides: [String]) throws -> Redeployed {
        let d = try deployment(name)
        guard let area = d.area, let job = try d.currentJob(), !job.isTerminal, let rest = try d.rest() else {
            throw Failure(.unhealthy, "\(name) has no running job to redeploy")
        }
        let old = try Deployment.load(from: area)
        let location = try rest.stopWithSavepoint(job.jid, directory: savepointDirectory)
        submitter.progress("Savepoint: \(location)")
        // The appmaster stops the service once the job has stopped; the new
        // deployment cannot be made while the old one runs.
        var policy = stopPolicy
        policy.timeout = max(policy.timeout, 30)
        waitUntilStopped(name, policy: policy)
        let (new, status) = try submitter.redeploy(old, fromSavepoint: location, overrides: overrides)
        return Redeployed(savepoint: location, deployment: new, status: status)
    }

    /// Deletes a stopped deployment: its service and its staging directory.
    public func destroy(_ name: String, force: Bool) throws {
        try submitter.destroy(try deployment(name).service, force: force)
    }

    // MARK: Sessions

    public struct SessionReady: Sendable, Equatable {
        public var taskManagers: Int
        public var slots: Int
        public var rest: String
    }

    /// Starts a session cluster and waits until `taskManagers` TaskManagers
    /// with `taskManagers × slots` slots have registered.
    public func startSession(_ request: SubmitRequest, readyTimeout: Double,
                             started: (ServiceStatus) -> Void = { _ in }) throws -> SessionReady {
        let (deployment, status) = try submitter.submit(request)
        started(status)
        guard let area = try stagingArea(deployment.stagingDirectory) else {
            throw Failure(.input, "\(deployment.stagingDirectory) is not a staging location")
        }
        let wanted = request.taskManagers
        let ready = clock.poll(WaitPolicy(timeout: readyTimeout, initial: 0.1, maximum: 0.5)) { () -> SessionReady? in
            guard let jm = JobManagerAddress.read(from: area),
                  let o = try? FlinkRESTClient(baseURL: jm.restURL, options: jobManagerOptions).overview(),
                  o.taskmanagers >= wanted, o.slotsTotal >= wanted * request.slots else { return nil }
            return SessionReady(taskManagers: o.taskmanagers, slots: o.slotsTotal, rest: jm.restURL)
        }
        guard let ready else {
            throw Failure(.remote, "the session was not ready within \(Int(readyTimeout)) s; see `flinkctl logs \(request.name)`")
        }
        return ready
    }

    /// A job for a running session.
    public enum SessionJob: Sendable {
        case jar(file: String, mainClass: String?, arguments: [String])
        /// A SQL script, run by the SQL runner jar from the session's staging
        /// directory (which its JobManager reads).
        case sql(file: String, runnerJar: String, arguments: [String])
    }

    /// Uploads and starts a job on a session; its job id.
    public func run(session: String, job: SessionJob, parallelism: Int?, fromSavepoint: String?) throws -> String {
        let d = try deployment(session)
        guard let jm = d.jobManager else {
            throw Failure(.unhealthy, "\(session) has no JobManager address yet: is the session running?")
        }
        // Uploading a jar and running its main (which, for SQL, plans every
        // statement in the JobManager) take longer than a status question.
        var slow = jobManagerOptions
        slow.timeout = max(slow.timeout, 300)
        let rest = try FlinkRESTClient(baseURL: jm.restURL, options: slow)
        switch job {
        case .jar(let file, let mainClass, let arguments):
            guard FileManager.default.isReadableFile(atPath: file) else { throw Failure(.input, "--jar \(file): no such file") }
            let jarId = try rest.uploadJar(file)
            return try rest.runJar(jarId, entryClass: mainClass, arguments: arguments, parallelism: parallelism,
                                   savepointPath: fromSavepoint)
        case .sql(let file, let runner, let arguments):
            guard FileManager.default.isReadableFile(atPath: file) else { throw Failure(.input, "--sql \(file): no such file") }
            guard FileManager.default.isReadableFile(atPath: runner) else {
                throw Failure(.input, "the SQL runner jar is missing (\(runner)): run scripts/setup.sh to build it")
            }
            guard let area = d.area else { throw Failure(.input, "\(session) has no staging directory to put the script in") }
            // The JobManager reads the script from its own file system.
            guard case .local(let staging) = area.location else {
                throw Failure(.input, "\(session) is staged in HDFS, which its JobManager does not read: run the script with `flinkctl submit --sql` instead")
            }
            let script = (staging as NSString).appendingPathComponent(
                "run-\(Int64(Date().timeIntervalSince1970 * 1000))-\((file as NSString).lastPathComponent)")
            do { try FileManager.default.copyItem(atPath: file, toPath: script) } catch {
                throw Failure(.local, "cannot copy \(file) into \(staging): \(error.localizedDescription)")
            }
            let jarId = try rest.uploadJar(runner)
            return try rest.runJar(jarId, entryClass: sqlRunnerClass, arguments: ["--session", script] + arguments,
                                   parallelism: parallelism, savepointPath: fromSavepoint)
        }
    }

    public struct JobEnd: Sendable, Equatable {
        public var state: String
        /// The root exception, when the job did not finish.
        public var failure: String?
        public init(state: String, failure: String?) {
            self.state = state
            self.failure = failure
        }
    }

    /// Waits until a session's job ends, within `timeout` seconds;
    /// `onState` hears every change of its state.
    public func waitForJob(session: String, job: String, timeout: Double, onState: (String) -> Void = { _ in }) throws -> JobEnd {
        guard let rest = try deployment(session).rest() else {
            throw Failure(.unhealthy, "\(session) has no JobManager address: is the session running?")
        }
        var last = ""
        let end = try clock.poll(WaitPolicy(timeout: timeout, initial: 0.1, maximum: 1)) { () throws -> JobEnd? in
            guard let j = try rest.jobs().first(where: { $0.jid == job }) else { return nil }
            if j.state != last { onState(j.state); last = j.state }
            guard j.isTerminal else { return nil }
            return JobEnd(state: j.state, failure: j.state == "FINISHED" ? nil : (try? rest.rootException(job)) ?? nil)
        }
        guard let end else {
            throw Failure(.unhealthy, "job \(job) did not end within \(Int(timeout)) s; it goes on in \(session)")
        }
        return end
    }
}

/// The deployment behind a service name: its spec from the Services API and
/// the staging area (a shared directory or HDFS) where the appmaster
/// publishes the JobManager's address and the job's result.
public final class DeployedFlink: @unchecked Sendable {
    // @unchecked: one command's object, used from one thread.
    public let service: Service
    public let area: StagingArea?
    let jobManagerOptions: TransportOptions

    init(service: Service, area: StagingArea?, jobManagerOptions: TransportOptions) {
        self.service = service
        self.area = area
        self.jobManagerOptions = jobManagerOptions
    }

    /// Read once per command: with HDFS staging each read is a WebHDFS call.
    public lazy var jobManager: JobManagerAddress? = area.flatMap { JobManagerAddress.read(from: $0) }
    public lazy var result: JobResult? = area.flatMap { JobResult.read(from: $0) }

    public func rest() throws -> FlinkRESTClient? {
        guard let jm = jobManager else { return nil }
        return try FlinkRESTClient(baseURL: jm.restURL, options: jobManagerOptions)
    }

    /// The newest job the JobManager knows.
    public func currentJob() throws -> FlinkRESTClient.JobOverview? {
        guard let rest = try rest() else { return nil }
        return try rest.newestJob()
    }

    func status(includeFailure: Bool) -> DeploymentStatus {
        let components = service.components ?? []
        let tm = components.first { $0.name == "taskmanager" }
        var s = DeploymentStatus(name: service.name ?? "", serviceState: service.state?.rawValue ?? "",
                                 application: service.id,
                                 jobManagers: components.first { $0.name == "jobmanager" }?.containers?.count ?? 0,
                                 taskManagers: tm?.containers?.filter { $0.state == .READY }.count ?? 0,
                                 taskManagersWanted: Int(tm?.numberOfContainers ?? 0))
        if includeFailure { s.rest = jobManager?.restURL }
        if service.state != .STOPPED, let jm = jobManager {
            s.rest = jm.restURL
            if let job = (try? currentJob()) ?? nil {
                s.job = job.jid
                s.jobState = job.state
            }
        }
        if s.jobState == nil, let r = result {
            s.job = r.jobId
            s.jobState = r.state
            if includeFailure { s.failure = r.failure }
        }
        if includeFailure, let area, let attempts = JobManagerAttempts.read(from: area), let last = attempts.attempts.last {
            s.attempt = last.number
            s.lastAttemptFailure = attempts.lastFailure
        }
        return s
    }
}

/// One deployment as `status` and `list` show it.
public struct DeploymentStatus: Codable, Sendable, Equatable {
    public var name: String
    public var serviceState: String
    public var application: String?
    public var jobManagers: Int
    public var taskManagers: Int
    public var taskManagersWanted: Int
    public var rest: String?
    public var job: String?
    public var jobState: String?
    public var failure: String?
    /// The jobmanager's attempt (1 until a JobManager is lost and started again).
    public var attempt: Int?
    /// Why the attempt before it ended.
    public var lastAttemptFailure: String?

    public init(name: String, serviceState: String, application: String?, jobManagers: Int, taskManagers: Int,
                taskManagersWanted: Int, rest: String? = nil, job: String? = nil, jobState: String? = nil, failure: String? = nil) {
        self.name = name
        self.serviceState = serviceState
        self.application = application
        self.jobManagers = jobManagers
        self.taskManagers = taskManagers
        self.taskManagersWanted = taskManagersWanted
        self.rest = rest
        self.job = job
        self.jobState = jobState
        self.failure = failure
    }
}

/// Results filled in from several threads, kept in order.
final class Slots<T>: @unchecked Sendable {
    // @unchecked: `items` is touched only while `lock` is held.
    private let lock = NSLock()
    private var items: [T?]
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ item: T) { lock.withLock { items[i] = item } }
    var all: [T] { lock.withLock { items.compactMap { $0 } } }
}
