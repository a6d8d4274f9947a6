import Flink
import Foundation
import Hadoop

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
        let distribution = try FlinkDistribution.locate(explicit: request.flinkDist)
        _ = try locateJava()
        guard request.taskManagers >= 0, request.slots >= 1 else {
            throw FlinkError(.configuration, "--taskmanagers must be 0 or more and --slots at least 1")
        }
        var config = try baseConfiguration(request, distribution: distribution)
        // Memory checked now, not in a container minutes later.
        _ = try TaskManagerMemory(configuration: config)
        _ = try JobManagerMemory(configuration: config)

        let (mode, jobFile) = try jobMode(request)
        // A stopped deployment of the same name is replaced (its application
        // stays in the ResourceManager's history); a running one is not.
        if let existing = try? services.get(request.name) {
            switch existing.state {
            case .STOPPED?, .FAILED?, .SUCCEEDED?:
                try services.destroy(request.name)
                progress("Replaced the stopped service \(request.name)")
            default:
                throw FlinkError(.job, "a service named \(request.name) is already running (\(existing.state?.rawValue ?? "?")): cancel it first or pick another --name")
            }
        }
        let stamp = Int64(Date().timeIntervalSince1970 * 1000)
        let staging = (request.stagingRoot as NSString).appendingPathComponent("\(request.name)-\(stamp)")
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw FlinkError(.configuration, "cannot create the staging directory \(staging): \(error.localizedDescription)")
        }
        var created = false
        defer { if !created { try? fm.removeItem(atPath: staging) } }

        var bytes: Int64 = 0
        let container = containerExecutable()
        let binary = try stage(container.path, into: staging, name: container.name, bytes: &bytes)
        var jars: [String] = []
        var finalMode = mode
        switch request.job {
        case .sql(_, let arguments):
            guard let runner = request.sqlRunnerJar, fm.fileExists(atPath: runner) else {
                throw FlinkError(.configuration, "the SQL runner jar is missing (\(request.sqlRunnerJar ?? "not built")): run scripts/setup.sh to build it")
            }
            jars.append(try stage(runner, into: staging, name: "flinkctl-sql-runner.jar", bytes: &bytes))
            let sql = try stage(jobFile!, into: staging, name: "job.sql", bytes: &bytes)
            finalMode = .application(jobClass: sqlRunnerClass, arguments: [sql] + arguments)
        case .jar(let file, _, _):
            jars.append(try stage(file, into: staging, name: (file as NSString).lastPathComponent, bytes: &bytes))
        case .session:
            break
        }
        var kerberos: Deployment.KerberosLogin? = nil
        if let keytab = request.keytab, let principal = request.principal {
            let staged = try stageKeytab(keytab, into: staging)
            kerberos = Deployment.KerberosLogin(keytab: staged, principal: principal)
            config["security.kerberos.login.keytab"] = staged
            config["security.kerberos.login.principal"] = principal
            config["security.kerberos.login.use-ticket-cache"] = "false"
        }
        config["execution.checkpointing.dir"] = config["execution.checkpointing.dir"] ?? "file://" + staging + "/checkpoints"
        if distribution.version.major < 2 {
            config["state.checkpoints.dir"] = config["state.checkpoints.dir"] ?? config["execution.checkpointing.dir"]
        }

        var deployment = Deployment(name: request.name, distribution: distribution, mode: finalMode, userJars: jars,
                                    configuration: config, taskManagers: request.taskManagers,
                                    stagingDirectory: staging, resourceManagerURLs: resourceManagerURLs, user: user,
                                    queue: request.queue)
        deployment.kerberos = kerberos
        bytes += try writeRecord(deployment)
        progress("Staged \(jars.count + 2) files (\(String(format: "%.1f", Double(bytes) / 1_048_576)) MB) in \(staging)")
        let status = try createService(for: deployment, binary: binary)
        created = true
        return (deployment, status)
    }

    /// Stops nothing itself: given a deployment whose job was stopped with a
    /// savepoint, stages it again (the same job, configuration and size; the
    /// flinkctl binary that runs now) and starts it from the savepoint, so new
    /// certificates, a new flinkctl or changed options take effect without
    /// losing state.
    public func redeploy(_ old: Deployment, fromSavepoint savepoint: String, overrides: [String]) throws -> (Deployment, ServiceStatus) {
        let stamp = Int64(Date().timeIntervalSince1970 * 1000)
        let staging = (((old.stagingDirectory as NSString).deletingLastPathComponent) as NSString)
            .appendingPathComponent("\(old.name)-\(stamp)")
        let fm = FileManager.default
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var created = false
        defer { if !created { try? fm.removeItem(atPath: staging) } }
        var bytes: Int64 = 0
        let container = containerExecutable()
        let binary = try stage(container.path, into: staging, name: container.name, bytes: &bytes)
        func moved(_ path: String) -> String {
            path.hasPrefix(old.stagingDirectory + "/") ? staging + path.dropFirst(old.stagingDirectory.count) : path
        }
        var new = old
        new.stagingDirectory = staging
        new.userJars = try old.userJars.map { jar in
            try stage(jar, into: staging, name: (moved(jar) as NSString).lastPathComponent, bytes: &bytes)
        }
        if case .application(let cls, let args) = old.mode {
            new.mode = .application(jobClass: cls, arguments: try args.map { arg in
                guard arg.hasPrefix(old.stagingDirectory + "/"), !old.userJars.contains(arg) else { return arg }
                return try stage(arg, into: staging, name: (arg as NSString).lastPathComponent, bytes: &bytes)
            })
        }
        for key in new.configuration.keys {
            if let v = new.configuration[key], v.contains(old.stagingDirectory) {
                new.configuration[key] = v.replacingOccurrences(of: old.stagingDirectory, with: staging)
            }
        }
        if let k = old.kerberos {
            new.kerberos = Deployment.KerberosLogin(keytab: try stageKeytab(k.keytab, into: staging), principal: k.principal)
        }
        new.configuration[new.recoveryKey] = savepoint
        for o in overrides {
            let (k, v) = try FlinkConfiguration.parseOverride(o)
            new.configuration[k] = v
        }
        if let existing = try? services.get(old.name), existing.state != .STOPPED && existing.state != .FAILED && existing.state != .SUCCEEDED {
            throw FlinkError(.job, "\(old.name) is still \(existing.state?.rawValue ?? "running"): stop its job with a savepoint first")
        }
        try? services.destroy(old.name)
        bytes += try writeRecord(new)
        progress("Staged \(new.userJars.count + 2) files (\(String(format: "%.1f", Double(bytes) / 1_048_576)) MB) in \(staging)")
        let status = try createService(for: new, binary: binary)
        created = true
        // The old deployment's staging directory (its checkpoints, job archive and
        // staged files) serves nothing once the new one runs from the savepoint,
        // unless the savepoint itself lies inside it. Without this, every
        // redeploy (renew-certificates.sh from cron) left one behind.
        let oldRoot = old.stagingDirectory + "/"
        let savepointPath = savepoint.hasPrefix("file://") ? String(savepoint.dropFirst(7))
            : savepoint.hasPrefix("file:") ? String(savepoint.dropFirst(5)) : savepoint
        if !savepointPath.hasPrefix(oldRoot) {
            try? fm.removeItem(atPath: old.stagingDirectory)
        }
        return (new, status)
    }

    func writeRecord(_ deployment: Deployment) throws -> Int64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(deployment)
        try writeAtomically(data, to: (deployment.stagingDirectory as NSString).appendingPathComponent(Deployment.fileName), mode: 0o600)
        return Int64(data.count)
    }

    /// The YARN service for a staged deployment: `jobmanager` (1, ON_FAILURE)
    /// and `taskmanager` (grown by the appmaster; ALWAYS, the only policy that
    /// can be flexed and the one that replaces TaskManagers that die).
    func createService(for deployment: Deployment, binary: String) throws -> ServiceStatus {
        let c = deployment.configuration
        let jmMB = MemorySize(parsing: c["jobmanager.memory.process.size"] ?? "1600m")?.megabytes ?? 1600
        let tmMB = MemorySize(parsing: c["taskmanager.memory.process.size"] ?? "1728m")?.megabytes ?? 1728
        let staging = deployment.stagingDirectory
        var service = Service(name: deployment.name, version: "1.0", components: [
            Component(name: "jobmanager", launchCommand: "\(binary) appmaster --staging \(staging)",
                      resource: ServiceResource(cpus: 1, memory: String(jmMB)), numberOfContainers: 1,
                      restartPolicy: .ON_FAILURE),
            // The appmaster flexes this up to --taskmanagers once it has published
            // the JobManager's address, so TaskManagers start beside the JobManager.
            Component(name: "taskmanager", launchCommand: "\(binary) taskmanager --staging \(staging)",
                      resource: ServiceResource(cpus: 1, memory: String(tmMB)), numberOfContainers: 0,
                      restartPolicy: .ALWAYS),
        ], configuration: ServiceConfiguration(env: ["FLINKCTL_STAGING": staging]), queue: deployment.queue)
        service.description = "Apache Flink \(deployment.distribution.version) (flinkctl)"
        if let k = deployment.kerberos {
            service.kerberosPrincipal = KerberosPrincipal(principalName: k.principal, keytab: "file://" + k.keytab)
        }
        return try services.create(service)
    }

    func baseConfiguration(_ r: SubmitRequest, distribution: FlinkDistribution) throws -> FlinkConfiguration {
        var c = FlinkConfiguration()
        let v2 = distribution.version.major >= 2
        c["jobmanager.memory.process.size"] = r.jobManagerMemory
        c["taskmanager.memory.process.size"] = r.taskManagerMemory
        c["taskmanager.numberOfTaskSlots"] = String(r.slots)
        c["parallelism.default"] = String(max(1, r.taskManagers * r.slots))
        c["restart-strategy.type"] = "fixed-delay"
        c["restart-strategy.fixed-delay.attempts"] = "20"
        c["restart-strategy.fixed-delay.delay"] = "2 s"
        c["heartbeat.interval"] = "2000"
        c["heartbeat.timeout"] = "10000"
        // A TaskManager started beside its JobManager retries the ResourceManager
        // every 10 s by default; half a second gets it registered as soon as it can be.
        c["cluster.registration.error-delay"] = "500 ms"
        c["execution.shutdown-on-application-finish"] = "true"
        c["env.java.opts.all"] = FlinkConfiguration.java17ModuleOptions.joined(separator: " ")
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

    func stage(_ source: String, into dir: String, name: String, bytes: inout Int64) throws -> String {
        let dest = (dir as NSString).appendingPathComponent(name)
        let size = (try? FileManager.default.attributesOfItem(atPath: source)[.size] as? NSNumber)?.int64Value ?? 0
        // A hard link costs nothing on the same file system; otherwise copy.
        if link(source, dest) != 0 {
            do { try FileManager.default.copyItem(atPath: source, toPath: dest) } catch {
                throw FlinkError(.configuration, "cannot stage \(source): \(error.localizedDescription)")
            }
        }
        bytes += size
        return dest
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
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
        p.arguments = ["-p", jar, "META-INF/MANIFEST.MF"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) where line.hasPrefix("Main-Class:") {
            let v = line.dropFirst("Main-Class:".count).trimmingCharacters(in: .whitespaces)
            return v.isEmpty ? nil : v
        }
        return nil
    }
}
