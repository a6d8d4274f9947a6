import DeploymentModel
import Flink
import FlinkctlBase
import Foundation
import Hadoop
import HTTPTransport

/// What the user asked `flinkctl submit` for.
public struct SubmitRequest: Sendable {
    public enum Job: Sendable {
        /// A SQL script; `arguments` (NAME=VALUE) fill `${NAME}` in it.
        case sql(file: String, arguments: [String])
        case jar(file: String, mainClass: String?, arguments: [String])
        case session
    }
    public var name: String
    public var job: Job
    public var taskManagers: Int
    public var slots: Int
    public var jobManagerMemory: String
    public var taskManagerMemory: String
    public var queue: String?
    public var overrides: [String]
    public var configFile: String?
    public var fromSavepoint: String?
    public var flinkDist: String?
    public var stagingRoot: String
    public var sqlRunnerJar: String?
    /// Ship this keytab with the deployment and log in as `principal` in it.
    public var keytab: String?
    public var principal: String?
    /// Ship the Flink distribution into HDFS (once, cached) instead of naming
    /// the path it has on the client, where the nodes may have none.
    public var shipFlink = false
    /// The Hadoop jars on the nodes (`--hadoop-classpath`), instead of what
    /// the NodeManagers' environment says.
    public var hadoopClasspath: String?
    /// Virtual cores per container (`--tm-vcores`, `--jm-vcores`); written as
    /// Flink's `yarn.containers.vcores` and `yarn.appmaster.vcores`.
    public var taskManagerVcores: Int?
    public var jobManagerVcores: Int?
    /// Flink options (`key=value`) from flinkctl's defaults file: below
    /// `--flink-conf` and `-D`, above flinkctl's own defaults.
    public var flinkDefaults: [String] = []
    /// Flink's reactive mode (`scheduler-mode: reactive`): an application's
    /// job rescales itself to the slots it gets (`flinkctl scale`).
    public var reactive = false
    /// The containers' log4j2 configuration (the user's conf directory's
    /// log4j.properties); nil: flinkctl's own.
    public var log4jProperties: String?
    /// `--ship PATH` and `--ship-archive FILE[#NAME]`: put into every
    /// container's working directory, jars among them on the class path.
    public var ship: [String] = []
    public var shipArchives: [String] = []
    /// `--tls-dir`: the keystore and truststore to ship, and the Flink
    /// settings of internal TLS that name the shipped copies.
    public var tls: TLSFiles?

    public struct TLSFiles: Sendable {
        /// Where the shipped copies are, in the containers' working directory.
        public static let keystoreName = "flinkctl-tls.keystore"
        public static let truststoreName = "flinkctl-tls.truststore"
        public var directory: String
        public var settings: [String: String]
        public init(directory: String, settings: [String: String]) {
            self.directory = directory
            self.settings = settings
        }
        /// Each shipped name → the file of `security keystore generate` it copies.
        static let sources = [keystoreName: "flink.keystore", truststoreName: "flink.truststore"]
        /// The shipped item `name` copies from `directory`, if `name` is one of them.
        static func item(_ name: String, in directory: String) -> ShipItem? {
            sources[name].map { ShipItem(source: directory + "/" + $0, name: name, kind: .file) }
        }
        var items: [ShipItem] { [Self.keystoreName, Self.truststoreName].compactMap { Self.item($0, in: directory) } }
    }

    public init(name: String, job: Job, taskManagers: Int, slots: Int, jobManagerMemory: String,
                taskManagerMemory: String, queue: String?, overrides: [String], configFile: String?,
                fromSavepoint: String?, flinkDist: String?, stagingRoot: String, sqlRunnerJar: String?,
                keytab: String? = nil, principal: String? = nil) {
        self.name = name
        self.job = job
        self.taskManagers = taskManagers
        self.slots = slots
        self.jobManagerMemory = jobManagerMemory
        self.taskManagerMemory = taskManagerMemory
        self.queue = queue
        self.overrides = overrides
        self.configFile = configFile
        self.fromSavepoint = fromSavepoint
        self.flinkDist = flinkDist
        self.stagingRoot = stagingRoot
        self.sqlRunnerJar = sqlRunnerJar
        self.keytab = keytab
        self.principal = principal
    }
}

/// The class the SQL runner jar runs (deploy/sql-runner).
public let sqlRunnerClass = "org.flinkctl.sql.SqlRunner"

/// Turns a submit request into a staged deployment and a YARN service.
public struct Submitter: Sendable {
    public let services: ServicesClient
    public let resourceManagerURLs: [String]
    public let user: String?
    public let progress: @Sendable (String) -> Void
    /// How WebHDFS is reached when staging goes to HDFS (TLS, timeouts).
    public var transport = TransportOptions()

    public init(services: ServicesClient, resourceManagerURLs: [String], user: String?,
                progress: @escaping @Sendable (String) -> Void) {
        self.services = services
        self.resourceManagerURLs = resourceManagerURLs
        self.user = user
        self.progress = progress
    }

    /// Checks the request, stages files, and creates the service. Nothing is
    /// left behind when a check fails.
    public func submit(_ request: SubmitRequest) throws -> (Deployment, ServiceStatus) {
        var request = request
        var fetched: String? = nil
        defer { if let fetched { try? FileManager.default.removeItem(atPath: fetched) } }
        if case .jar(let file, let mainClass, let arguments) = request.job, file.contains("://") {
            let (directory, local) = try fetchJar(file)
            fetched = directory
            request.job = .jar(file: local, mainClass: mainClass, arguments: arguments)
        }
        let distribution = try FlinkDistribution.locate(explicit: request.flinkDist)
        _ = try locateJava()
        guard request.taskManagers >= 0, request.slots >= 1 else {
            throw FlinkError(.configuration, "--taskmanagers must be 0 or more and --slots at least 1")
        }
        var config = try baseConfiguration(request, distribution: distribution)
        // Memory checked now, not in a container minutes later.
        _ = try TaskManagerMemory(configuration: config)
        _ = try JobManagerMemory(configuration: config)
        _ = try Self.vcores(config)

        if request.shipFlink, !(try StagingLocation(parsing: request.stagingRoot)).isRemote {
            throw FlinkError(.configuration, "--ship-flink ships the distribution into HDFS: give --staging webhdfs://…")
        }
        let (mode, jobFile) = try jobMode(request)
        let shipItems = try ShipItem.parse(ship: request.ship, archives: request.shipArchives) + (request.tls?.items ?? [])
        if let clash = Dictionary(grouping: shipItems, by: \.name).first(where: { $0.value.count > 1 }) {
            throw FlinkError(.configuration, "--ship: '\(clash.key)' is a name --tls-dir ships under")
        }
        for (key, value) in request.tls?.settings ?? [:] { config[key] = value }
        let shippedJars = try shipItems.flatMap { try $0.jars() }
        if case .jar(let file, _, _) = request.job,
           shipItems.contains(where: { "shipped-" + $0.name == (file as NSString).lastPathComponent }) {
            throw FlinkError(.configuration, "--jar \(file): rename the jar, its name is one flinkctl stages a shipped item under")
        }
        // A stopped deployment of the same name is replaced (its application
        // stays in the ResourceManager's history); a running one is not.
        if let existing = try? services.get(request.name) {
            switch existing.state {
            case .STOPPED?, .FAILED?, .SUCCEEDED?:
                try destroy(existing, keepingSavepoint: request.fromSavepoint)
                progress("Replaced the stopped service \(request.name)")
            default:
                throw FlinkError(.job, "a service named \(request.name) is already running (\(existing.state?.rawValue ?? "?")): cancel it first or pick another --name")
            }
        }
        let stamp = Int64(Date().timeIntervalSince1970 * 1000)
        let location = try StagingLocation(parsing: request.stagingRoot).appending("\(request.name)-\(stamp)")
        var stager = try Stager(location, user: user, transport: transport, progress: progress)
        var created = false
        defer { if !created { try? stager.area.removeAll() } }

        let container = containerExecutable()
        let binary = try stager.putShared(container.path, as: container.name, permission: 0o700)
        var jars: [String] = []
        var finalMode = mode
        switch request.job {
        case .sql(_, let arguments):
            guard let runner = request.sqlRunnerJar, FileManager.default.fileExists(atPath: runner) else {
                throw FlinkError(.configuration, "the SQL runner jar is missing (\(request.sqlRunnerJar ?? "not built")): run scripts/setup.sh to build it")
            }
            jars.append(try stager.putShared(runner, as: "flinkctl-sql-runner.jar"))
            let sql = try stager.put(jobFile!, as: "job.sql")
            finalMode = .application(jobClass: sqlRunnerClass, arguments: [sql] + arguments)
        case .jar(let file, _, _):
            jars.append(try stager.put(file, as: (file as NSString).lastPathComponent))
        case .session:
            break
        }
        var kerberos: Deployment.KerberosLogin? = nil
        if let keytab = request.keytab, let principal = request.principal {
            let staged = try stager.putKeytab(keytab)
            kerberos = Deployment.KerberosLogin(keytab: staged, principal: principal)
            config["security.kerberos.login.keytab"] = staged
            config["security.kerberos.login.principal"] = principal
            config["security.kerberos.login.use-ticket-cache"] = "false"
        }
        // Checkpoints go beside the staged files when those are on a local file
        // system the containers share. Flink reaches no HDFS without Hadoop's
        // jars, so with HDFS staging a job without a checkpoint directory of its
        // own keeps its checkpoints in the JobManager (Flink's default).
        if case .local(let dir) = location {
            config["execution.checkpointing.dir"] = config["execution.checkpointing.dir"] ?? "file://" + dir + "/checkpoints"
        }
        Self.highAvailabilityDefaults(&config, location: location)
        if distribution.version.major < 2, let dir = config["execution.checkpointing.dir"] {
            config["state.checkpoints.dir"] = config["state.checkpoints.dir"] ?? dir
        }

        var deployment = Deployment(name: request.name, distribution: distribution, mode: finalMode, userJars: jars,
                                    configuration: config, taskManagers: request.taskManagers,
                                    stagingDirectory: location.description, resourceManagerURLs: resourceManagerURLs, user: user,
                                    queue: request.queue)
        deployment.kerberos = kerberos
        deployment.hadoopClasspath = request.hadoopClasspath
        deployment.log4jProperties = request.log4jProperties
        deployment.sharedFiles = stager.shared.isEmpty ? nil : stager.shared
        if request.shipFlink { deployment.distributionArchive = try stager.putDistribution(distribution) }
        if !shipItems.isEmpty {
            deployment.shipped = try shipItems.map { try stager.ship($0) }
            deployment.shippedJars = shippedJars
        }
        deployment.tlsDirectory = request.tls?.directory
        try stager.putRecord(deployment)
        progress(stager.summary)
        let status = try createService(for: deployment, binary: binary, files: stager.localized)
        created = true
        return (deployment, status)
    }

    /// Destroys a deployment's service and removes its staging directory
    /// (local or in HDFS), unless `savepoint` lies inside it. A service that
    /// still runs is refused unless `force`: its job would be lost.
    public func destroy(_ service: Service, force: Bool = false, keepingSavepoint savepoint: String? = nil) throws {
        let name = service.name ?? ""
        switch service.state {
        case .STOPPED?, .FAILED?, .SUCCEEDED?: break
        default:
            guard force else {
                throw FlinkError(.job, "\(name) is \(service.state?.rawValue ?? "running"): cancel it first (or destroy it with --force)")
            }
        }
        let staging = service.configuration?.env?["FLINKCTL_STAGING"].flatMap { try? StagingLocation(parsing: $0) }
        try services.destroy(name)
        guard let staging else { return }
        if let savepoint, Self.savepoint(savepoint, isInside: staging) {
            progress("Kept \(staging): the savepoint to start from is inside it")
            return
        }
        do {
            try StagingArea(staging, user: user, options: transport).removeAll()
            progress("Removed \(staging)")
        } catch let e as FlinkError {
            progress("The service is destroyed but its staging directory is not removed: \(e.message)")
        }
    }

    /// Stops nothing itself: given a deployment whose job was stopped with a
    /// savepoint, stages it again (the same job, configuration and size; the
    /// flinkctl binary that runs now) and starts it from the savepoint, so new
    /// certificates, a new flinkctl or changed options take effect without
    /// losing state.
    public func redeploy(_ old: Deployment, fromSavepoint savepoint: String, overrides: [String]) throws -> (Deployment, ServiceStatus) {
        let stamp = Int64(Date().timeIntervalSince1970 * 1000)
        let location = old.staging.parent.appending("\(old.name)-\(stamp)")
        let oldArea = try StagingArea(old.staging, user: user, options: transport)
        var stager = try Stager(location, user: user, transport: transport, progress: progress)
        var created = false
        defer { if !created { try? stager.area.removeAll() } }
        let container = containerExecutable()
        let binary = try stager.putShared(container.path, as: container.name, permission: 0o700)
        var new = old
        new.stagingDirectory = location.description
        let userJars = try old.userJars.map { try stager.carry($0, from: oldArea, shared: old.sharedFiles) }
        // The keystores of --tls-dir come from that directory again when it is
        // still here: a `cert renew` since the first submit ships the new ones.
        new.shipped = try old.shipped?.map { shipped in
            if let dir = old.tlsDirectory, let fresh = SubmitRequest.TLSFiles.item(shipped.name, in: dir),
               FileManager.default.isReadableFile(atPath: fresh.source) {
                return try stager.ship(fresh)
            }
            return try stager.carry(shipped, from: oldArea)
        }
        new.userJars = userJars
        if case .application(let cls, let args) = old.mode {
            new.mode = .application(jobClass: cls, arguments: try args.map { arg in
                if let jar = old.userJars.firstIndex(of: arg) { return userJars[jar] }
                return old.isStaged(arg) ? try stager.carry(arg, from: oldArea) : arg
            })
        }
        for key in new.configuration.keys {
            if let v = new.configuration[key], v.contains(old.stagingDirectory) {
                new.configuration[key] = v.replacingOccurrences(of: old.stagingDirectory, with: location.description)
            }
        }
        if let k = old.kerberos {
            let keytab = try stager.carry(k.keytab, from: oldArea, keytab: true)
            new.kerberos = Deployment.KerberosLogin(keytab: keytab, principal: k.principal)
            new.configuration["security.kerberos.login.keytab"] = keytab
        }
        new.configuration[new.recoveryKey] = savepoint
        // A new cluster id: the new JobManager starts from the savepoint, not
        // from what the old one left in ZooKeeper.
        if new.configuration["high-availability.cluster-id"] == old.staging.lastComponent {
            new.configuration["high-availability.cluster-id"] = nil
        }
        Self.highAvailabilityDefaults(&new.configuration, location: location)
        for o in overrides {
            let (k, v) = try FlinkConfiguration.parseOverride(o)
            new.configuration[k] = v
        }
        _ = try Self.vcores(new.configuration)
        if let existing = try? services.get(old.name), existing.state != .STOPPED && existing.state != .FAILED && existing.state != .SUCCEEDED {
            throw FlinkError(.job, "\(old.name) is still \(existing.state?.rawValue ?? "running"): stop its job with a savepoint first")
        }
        try? services.destroy(old.name)
        new.sharedFiles = stager.shared.isEmpty ? nil : stager.shared
        try stager.putRecord(new)
        progress(stager.summary)
        let status = try createService(for: new, binary: binary, files: stager.localized)
        created = true
        // The old deployment's staging directory (its checkpoints, job archive and
        // staged files) serves nothing once the new one runs from the savepoint,
        // unless the savepoint itself lies inside it. Without this, every
        // redeploy (renew-certificates.sh from cron) left one behind.
        if !Self.savepoint(savepoint, isInside: old.staging) {
            try? oldArea.removeAll()
        }
        return (new, status)
    }

    /// With JobManager HA: a cluster id of the deployment's own (its staging
    /// directory's name), so that deployments never share ZooKeeper state, and
    /// HA metadata beside the staged files unless the user names a place.
    public static func highAvailabilityDefaults(_ config: inout FlinkConfiguration, location: StagingLocation) {
        guard HighAvailability(config) != nil else { return }
        config["high-availability.cluster-id"] = config["high-availability.cluster-id"] ?? location.lastComponent
        // A new JobManager waits for the lost one's ZooKeeper session to
        // expire before it leads: 6 s rather than Flink's 60 s (measured:
        // the new JVM is ready to lead ~8 s after the kill, so the session
        // no longer holds recovery up; BENCHMARKS.md). A connection that is
        // only suspended (a JVM paused past the 4 s read timeout on a loaded
        // node) keeps the leader: leadership goes when the session is lost.
        config["high-availability.zookeeper.client.session-timeout"] = config["high-availability.zookeeper.client.session-timeout"] ?? "6000"
        config["high-availability.zookeeper.client.tolerate-suspended-connections"] =
            config["high-availability.zookeeper.client.tolerate-suspended-connections"] ?? "true"
        if config["high-availability.storageDir"] == nil {
            switch location {
            case .local(let dir): config["high-availability.storageDir"] = "file://" + dir + "/ha"
            case .webHDFS: config["high-availability.storageDir"] = location.description + "/ha"
            }
        }
    }

    /// The virtual cores of the JobManager's and of each TaskManager's
    /// container, as Flink's YARN client reads them: `yarn.appmaster.vcores`
    /// (default 1) and `yarn.containers.vcores` (default: the TaskManager's
    /// slots, so that each slot has a core).
    public static func vcores(_ config: FlinkConfiguration) throws -> (jobManager: Int, taskManager: Int) {
        func read(_ key: String, option: String, default value: Int) throws -> Int {
            guard let text = config[key] else { return value }
            guard let n = Int(text.trimmingCharacters(in: .whitespaces)), n >= 1 else {
                throw FlinkError(.configuration, "\(key) (\(option)) must be a whole number of at least 1, not '\(text)'")
            }
            return n
        }
        let slots = Int(config["taskmanager.numberOfTaskSlots"] ?? "1") ?? 1
        return (try read("yarn.appmaster.vcores", option: "--jm-vcores", default: 1),
                try read("yarn.containers.vcores", option: "--tm-vcores", default: max(1, slots)))
    }

    /// Whether a savepoint path (`file:/…`, a plain path, `hdfs://…`) lies
    /// inside a staging location, which then must not be removed.
    public static func savepoint(_ savepoint: String, isInside location: StagingLocation) -> Bool {
        switch location {
        case .local(let dir):
            let path = savepoint.hasPrefix("file://") ? String(savepoint.dropFirst(7))
                : savepoint.hasPrefix("file:") ? String(savepoint.dropFirst(5)) : savepoint
            return path.hasPrefix(dir + "/")
        case .webHDFS(_, let dir):
            guard let scheme = ["hdfs://", "webhdfs://", "swebhdfs://"].first(where: { savepoint.hasPrefix($0) }) else { return false }
            let rest = savepoint.dropFirst(scheme.count)
            let path = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? ""
            return path.hasPrefix(dir + "/")
        }
    }

    /// The YARN service for a staged deployment: `jobmanager` (1, ON_FAILURE)
    /// and `taskmanager` (grown by the appmaster; ALWAYS, the only policy that
    /// can be flexed and the one that replaces TaskManagers that die).
    /// With HDFS staging the containers get their files from YARN (`files`,
    /// localized into `resources/`), and the keytab is named in HDFS too.
    func createService(for deployment: Deployment, binary: String, files: [ConfigFile]) throws -> ServiceStatus {
        let c = deployment.configuration
        let jmMB = MemorySize(parsing: c["jobmanager.memory.process.size"] ?? "1600m")?.megabytes ?? 1600
        let tmMB = MemorySize(parsing: c["taskmanager.memory.process.size"] ?? "1728m")?.megabytes ?? 1728
        let staging = deployment.stagingDirectory
        let vcores = try Self.vcores(c)
        var service = Service(name: deployment.name, version: "1.0", components: [
            Component(name: "jobmanager", launchCommand: "\(binary) appmaster --staging \(staging)",
                      resource: ServiceResource(cpus: vcores.jobManager, memory: String(jmMB)), numberOfContainers: 1,
                      restartPolicy: .ON_FAILURE),
            // The appmaster flexes this up to --taskmanagers once it has published
            // the JobManager's address, so TaskManagers start beside the JobManager.
            Component(name: "taskmanager", launchCommand: "\(binary) taskmanager --staging \(staging)",
                      resource: ServiceResource(cpus: vcores.taskManager, memory: String(tmMB)), numberOfContainers: 0,
                      restartPolicy: .ALWAYS),
        ], configuration: ServiceConfiguration(env: ["FLINKCTL_STAGING": staging], files: files.isEmpty ? nil : files),
           queue: deployment.queue)
        service.description = "Apache Flink \(deployment.distribution.version) (flinkctl)"
        if let archive = deployment.distributionArchive {
            service.artifact = Artifact(id: "hdfs://" + archive, type: "TARBALL")
        }
        if let k = deployment.kerberos {
            let keytab = deployment.staging.isRemote ? deployment.staging.resourceURI((k.keytab as NSString).lastPathComponent)
                : "file://" + k.keytab
            service.kerberosPrincipal = KerberosPrincipal(principalName: k.principal, keytab: keytab)
        }
        return try services.create(service)
    }

    /// A job jar named by URL (`webhdfs://HOST:PORT/path`, `swebhdfs://…`),
    /// read as this client's user (SPNEGO when logged in) into a private
    /// temporary directory, under its own name; from there it is checked and
    /// staged like a local jar. Returns the directory and the file.
    func fetchJar(_ uri: String) throws -> (directory: String, file: String) {
        guard uri.hasPrefix("webhdfs://") || uri.hasPrefix("swebhdfs://") else {
            throw FlinkError(.configuration, "--jar \(uri): give a local file or a webhdfs:// or swebhdfs:// URL")
        }
        let location: StagingLocation
        do { location = try StagingLocation(parsing: uri) } catch let e as FlinkError {
            throw FlinkError(.configuration, "--jar \(uri): \(e.message)")
        }
        guard case .webHDFS(let base, let path) = location, !path.isEmpty, path != "/" else {
            throw FlinkError(.configuration, "--jar \(uri): no file named")
        }
        let name = (path as NSString).lastPathComponent
        let area = try StagingArea(.webHDFS(baseURL: base, path: (path as NSString).deletingLastPathComponent), user: user, options: transport)
        let bytes: [UInt8]
        do {
            bytes = try area.remote { hdfs in
                guard let st = try hdfs.status(path) else { throw FlinkError(.configuration, "--jar \(uri): no such file") }
                guard st.type == "FILE" else { throw FlinkError(.configuration, "--jar \(uri): not a file") }
                return try hdfs.open(path)
            }
        } catch let e as FlinkError where e.cause != nil {
            throw FlinkError(.configuration, "--jar \(uri)", cause: e.cause)
        }
        var template = Array((NSTemporaryDirectory() + "flinkctl-jar-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw FlinkError(.configuration, "cannot make a temporary directory for \(uri)") }
        let directory = String(cString: made)
        let file = directory + "/" + name
        do { try AtomicFile.write(Data(bytes), to: file, mode: 0o600) } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw FlinkError(.configuration, "cannot keep \(uri) in \(directory): \(error)")
        }
        progress("Read \(name) (\(Stager.megabytes(Int64(bytes.count)))) from \(uri)")
        return (directory, file)
    }

    func baseConfiguration(_ r: SubmitRequest, distribution: FlinkDistribution) throws -> FlinkConfiguration {
        var c = FlinkConfiguration()
        let v2 = distribution.version.major >= 2
        c["jobmanager.memory.process.size"] = r.jobManagerMemory
        c["taskmanager.memory.process.size"] = r.taskManagerMemory
        c["taskmanager.numberOfTaskSlots"] = String(r.slots)
        if r.reactive {
            if case .session = r.job {
                throw FlinkError(.configuration, "--reactive is for applications (submit): Flink's reactive mode does not run a session")
            }
            c["scheduler-mode"] = "reactive"
        }
        if let n = r.taskManagerVcores { c["yarn.containers.vcores"] = String(n) }
        if let n = r.jobManagerVcores { c["yarn.appmaster.vcores"] = String(n) }
        c["parallelism.default"] = String(max(1, r.taskManagers * r.slots))
        c["restart-strategy.type"] = "fixed-delay"
        c["restart-strategy.fixed-delay.attempts"] = "20"
        c["restart-strategy.fixed-delay.delay"] = "2 s"
        c["heartbeat.interval"] = "2000"
        c["heartbeat.timeout"] = "10000"
        // The JobManager refreshes the metrics its REST API serves (back
        // pressure, watermarks, records per subtask) at most this often when
        // asked, 10 s by default: too stale for `doctor NAME` over a short sample.
        c["metrics.fetcher.update-interval"] = "1000"
        // A TaskManager started beside its JobManager retries the ResourceManager
        // every 10 s by default; half a second gets it registered as soon as it can be.
        c["cluster.registration.error-delay"] = "500 ms"
        c["execution.shutdown-on-application-finish"] = "true"
        c["env.java.opts.all"] = FlinkConfiguration.java17ModuleOptions.joined(separator: " ")
        for o in r.flinkDefaults {
            let (k, v) = try FlinkConfiguration.parseOverride(o)
            c[k] = v
        }
        if let file = r.configFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw FlinkError(.configuration, "cannot read the configuration file \(file)")
            }
            c.merge(try FlinkConfiguration.parse(String(decoding: data, as: UTF8.self), file: file))
        }
        for o in r.overrides {
            let (k, v) = try FlinkConfiguration.parseOverride(o)
            c[k] = v
        }
        if let sp = r.fromSavepoint {
            // Flink prints local savepoints as file:/path; other schemes are checked by Flink.
            let local = sp.hasPrefix("file:") ? "/" + sp.dropFirst(5).drop { $0 == "/" } : sp
            guard sp.hasPrefix("file:") || !sp.contains(":") ? FileManager.default.fileExists(atPath: local) : true else {
                throw FlinkError(.configuration, "--from-savepoint \(sp): no such savepoint")
            }
            c[v2 ? "execution.state-recovery.path" : "execution.savepoint.path"] = sp // Deployment.recoveryKey
        }
        return c
    }

    func jobMode(_ r: SubmitRequest) throws -> (JobManagerMode, String?) {
        switch r.job {
        case .session:
            return (.session, nil)
        case .sql(let file, _):
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw FlinkError(.configuration, "--sql \(file): no such file")
            }
            return (.application(jobClass: sqlRunnerClass, arguments: []), file)
        case .jar(let file, let mainClass, let arguments):
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw FlinkError(.configuration, "--jar \(file): no such file")
            }
            guard let cls = mainClass ?? JarManifest.mainClass(of: file) else {
                throw FlinkError(.job, "\(file) names no Main-Class in its manifest: give --class")
            }
            return (.application(jobClass: cls, arguments: arguments), file)
        }
    }

    func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// What the containers run: `flinkctl-container` from beside this flinkctl
    /// (the small program built for it), else this flinkctl itself, whose
    /// hidden `appmaster` and `taskmanager` commands take the same arguments.
    func containerExecutable() -> (path: String, name: String) {
        let current = currentExecutable()
        let sibling = ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent("flinkctl-container")
        if access(sibling, X_OK) == 0 { return (sibling, "flinkctl-container") }
        return (current, "flinkctl")
    }
}

/// Reads `Main-Class` from a jar's manifest.
enum JarManifest {
    static func mainClass(of jar: String) -> String? {
        guard let manifest = runTool("/usr/bin/unzip", ["-p", jar, "META-INF/MANIFEST.MF"]) else { return nil }
        for line in manifest.split(whereSeparator: \.isNewline) where line.hasPrefix("Main-Class:") {
            let v = line.dropFirst("Main-Class:".count).trimmingCharacters(in: .whitespaces)
            return v.isEmpty ? nil : v
        }
        return nil
    }
}
