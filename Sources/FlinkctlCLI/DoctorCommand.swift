import ArgumentParser
import Deploy
import DeploymentModel
import Flink
import FlinkctlBase
import FlinkctlSecurity
import Foundation
import Hadoop
import Kerberos
import YarnLocal

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the cluster and the client before a submit: one verdict (ok, warn, fail) per check, with the evidence and the fix.",
        discussion: """
        Checks: resourcemanager (answers, active), services (the Services API is on), queue (the deployment \
        fits), kerberos (keytab private and holding the principal, a login works, tickets renewable for a \
        day, the clock within the KDC's skew), tls (every keystore and truststore of --tls-dir and of the \
        Flink configuration opens with its password and is valid beyond --warn-days), flink (the \
        distribution and its version), staging (a probe file written and removed), zookeeper (answers, \
        when high-availability.type is zookeeper), hadoop (the nodes give containers Hadoop, when a path \
        names HDFS: a probe application). Exit codes: 0 nothing failed, 1 something failed, 3 the \
        ResourceManager cannot be reached.
        """
    )

    @Argument(help: "A deployment whose running job to check, sampled over --sample seconds. Without it: the environment before a submit.")
    var name: String?
    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: ArgumentHelp("With NAME: seconds between the job's two samples. Default: 10.", valueName: "SECONDS"))
    var sample: Double = 10
    @Option(name: .customLong("backpressure-warn"), help: ArgumentHelp("With NAME: the back-pressured share of time that warns; twice it fails. Default: 0.25.", valueName: "RATIO"))
    var backpressureWarn: Double = 0.25
    @Option(name: .customLong("skew-ratio"), help: ArgumentHelp("With NAME: a subtask reading this many times its vertex's median is skew. Default: 2.", valueName: "X"))
    var skewRatio: Double = 2
    @Option(name: .customLong("heap-warn"), help: ArgumentHelp("With NAME: a TaskManager heap fuller than this at both samples warns. Default: 0.9.", valueName: "RATIO"))
    var heapWarn: Double = 0.9
    @Option(name: .customLong("log-server"), help: ArgumentHelp("With NAME: the log server (yarn.log.server.web-service.url) whose container history the containers check reads.", valueName: "URL"))
    var logServer: String?
    @Option(name: .customLong("warn-days"), help: ArgumentHelp("Warn when a certificate expires within this many days. Default: 30.", valueName: "N"))
    var warnDays: Int = 30
    @Option(name: .customLong("tls-dir"), help: ArgumentHelp("The keystores a deployment would ship (as submit --tls-dir), with --tls-password-file.", valueName: "DIR"))
    var tlsDir: String?
    @Option(name: .customLong("tls-password-file"), help: ArgumentHelp("The --tls-dir keystores' password file.", valueName: "FILE"))
    var tlsPasswordFile: String?
    @OptionGroup var staging: StagingOption
    @Option(name: .customLong("flink-dist"), help: ArgumentHelp("Flink distribution. Default: FLINK_HOME, then the one scripts/setup.sh installed.", valueName: "DIR"))
    var flinkDist: String?
    @OptionGroup var flink: FlinkOverrides
    @Option(name: .long, help: "The YARN queue a deployment would use.")
    var queue: String?
    @Option(name: .long, help: "TaskManagers of the deployment the queue check sizes.")
    var taskmanagers: Int = 1
    @Option(name: .customLong("jm-memory"), help: ArgumentHelp("JobManager process size the queue check uses.", valueName: "SIZE"))
    var jmMemory: String = "1024m"
    @Option(name: .customLong("tm-memory"), help: ArgumentHelp("TaskManager process size the queue check uses.", valueName: "SIZE"))
    var tmMemory: String = "1024m"

    func validate() throws {
        if !(sample >= 0 && sample <= 3600) { throw ValidationError("--sample must be 0 to 3600 seconds") }
        for (flag, value) in [("--backpressure-warn", backpressureWarn), ("--heap-warn", heapWarn)] where !(value > 0 && value <= 1) {
            throw ValidationError("\(flag) must be a ratio above 0 and at most 1")
        }
        if !(skewRatio > 1 && skewRatio.isFinite) { throw ValidationError("--skew-ratio must be more than 1") }
        if let logServer, !(logServer.hasPrefix("http://") || logServer.hasPrefix("https://")) {
            throw ValidationError("--log-server must be an http:// or https:// URL")
        }
        if warnDays < 0 { throw ValidationError("--warn-days must not be negative") }
        if taskmanagers < 1 { throw ValidationError("--taskmanagers must be at least 1") }
        if (tlsDir == nil) != (tlsPasswordFile == nil) { throw ValidationError("--tls-dir and --tls-password-file go together") }
        for (flag, value) in [("--jm-memory", jmMemory), ("--tm-memory", tmMemory)] where MemorySize(parsing: value) == nil {
            throw ValidationError("\(flag): \(value) is not a memory size (e.g. 1024m, 2g)")
        }
    }

    func run() throws {
        if let name { return try runJob(name) }
        var checks: [DoctorCheck] = []
        var unreachable = false
        try runReporting {
            let settings = try Settings.current()
            let flinkConf = try flinkConfiguration(settings)

            let kerberos = kerberosCheck(settings)
            // The ResourceManager is asked with the login when it works, else without.
            let endpoint: RESTEndpoint
            do {
                endpoint = try cluster.endpoint()
            } catch {
                var address = try cluster.address()
                if try cluster.resolvedKerberos(settings) != nil { address.user = nil }
                endpoint = try RESTEndpoint(address: address, options: try cluster.transportOptions())
            }
            let rm = ResourceManagerClient(endpoint: endpoint)
            let rmCheck = resourceManagerCheck(rm, endpoint)
            checks.append(rmCheck.check)
            unreachable = rmCheck.unreachable
            if !unreachable {
                checks.append(servicesCheck(endpoint))
                checks.append(queueCheck(rm, settings))
            }
            checks.append(kerberos)
            checks.append(tlsCheck(flinkConf))
            checks.append(flinkCheck(settings))
            checks.append(stagingCheck(settings, endpoint))
            checks.append(zooKeeperCheck(flinkConf))
            if !unreachable { checks.append(hadoopCheck(rm, settings, flinkConf)) }
        }
        try report(checks, unreachable: unreachable)
    }

    func report(_ checks: [DoctorCheck], unreachable: Bool = false) throws {
        if output.output == .json {
            try printJSON(DoctorReport(checks: checks))
        } else {
            printTable(["CHECK", "VERDICT", "DETAIL", "FIX"], checks.map { [$0.name, $0.verdict.rawValue.uppercased(), $0.detail, $0.fix] })
        }
        if unreachable { throw ExitCode(3) }
        if checks.contains(where: { $0.verdict == .fail }) { throw ExitCode(1) }
    }

    /// A deployment's running job, sampled twice.
    func runJob(_ name: String) throws {
        var checks: [DoctorCheck] = []
        try runReporting {
            let endpoint = try cluster.endpoint()
            let lifecycle = Lifecycle(endpoint: endpoint)
            let deployment = try lifecycle.deployment(name)
            guard let rest = try deployment.rest() else {
                throw Failure(.unhealthy, "\(name) has no JobManager address yet: is it running? (flinkctl status \(name))")
            }
            let job: FlinkRESTClient.JobOverview
            do {
                guard let newest = try rest.newestJob() else { throw Failure(.unhealthy, "\(name)'s JobManager runs no job") }
                job = newest
            } catch let e as FlinkError {
                throw Failure(.remote, "\(name)'s JobManager at \(rest.baseURL) does not answer: \(e.message)")
            }
            let logServerURL = try cluster.logServerURL(flag: logServer, endpoint: endpoint)
            var diagnosis = JobDiagnosis(rest: rest, job: job.jid, application: deployment.service.id,
                                         logServer: logServerURL.map { ContainerLogServer(base: $0, like: endpoint) })
            diagnosis.sample = sample
            diagnosis.thresholds.backpressure = backpressureWarn
            diagnosis.thresholds.skew = skewRatio
            diagnosis.thresholds.heap = heapWarn
            checks = try diagnosis.run()
        }
        try report(checks)
    }

    /// The Flink options a deployment would get: the defaults file's, then -D.
    func flinkConfiguration(_ settings: Settings) throws -> [String: String] {
        var conf: [String: String] = [:]
        for item in settings.flinkDefaults + flink.options {
            guard let eq = item.firstIndex(of: "=") else { throw Failure(.input, "-D \(item): give key=value") }
            conf[String(item[..<eq]).trimmingCharacters(in: .whitespaces)] = String(item[item.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        }
        return conf
    }

    // MARK: - The checks

    func resourceManagerCheck(_ rm: ResourceManagerClient, _ endpoint: RESTEndpoint) -> (check: DoctorCheck, unreachable: Bool) {
        let urls = endpoint.address.urls.joined(separator: ", ")
        do {
            let info = try rm.clusterInfo()
            guard info.haState == "ACTIVE" || info.haState.isEmpty else {
                return (.fail("resourcemanager", "the ResourceManager at \(urls) is \(info.haState), not ACTIVE",
                              fix: "give every ResourceManager of the HA pair: --rm http://rm1:8088,http://rm2:8088"), false)
            }
            let ha = endpoint.address.urls.count > 1 ? " (of \(endpoint.address.urls.count) HA addresses)" : ""
            return (.ok("resourcemanager", "ACTIVE\(ha), Hadoop \(info.hadoopVersion), started \(UTCTimestamp.string(epochSeconds: info.startedOn / 1000))"), false)
        } catch let e as HadoopError where e.code == .unreachable {
            return (.fail("resourcemanager", "no ResourceManager answers at \(urls): \(e.description)",
                          fix: "start it, or point flinkctl at it with --rm URL, FLINKCTL_RM or HADOOP_CONF_DIR"), true)
        } catch let e as HadoopError where e.status == 401 {
            return (.fail("resourcemanager", "the ResourceManager at \(urls) wants Kerberos (SPNEGO): \(e.message)",
                          fix: spnegoRefusalHint()), false)
        } catch {
            return (.fail("resourcemanager", "the ResourceManager at \(urls) answered, but not as YARN does: \(error)",
                          fix: "check that --rm names a ResourceManager's web address (port 8088 by default)"), false)
        }
    }

    func servicesCheck(_ endpoint: RESTEndpoint) -> DoctorCheck {
        do {
            let r = try endpoint.send("GET", "/app/v1/services/version")
            if r.status == 200 { return .ok("services", "the Services API answers (/app/v1/services)") }
            if r.status == 404 {
                return .fail("services", "the ResourceManager has no Services API (GET /app/v1/services/version: 404)",
                             fix: "set yarn.webapp.api-service.enable=true in yarn-site.xml and restart the ResourceManager")
            }
            return .fail("services", "GET /app/v1/services/version answered \(r.status)", fix: "check the ResourceManager's log")
        } catch {
            return .fail("services", "cannot ask the Services API: \(error)", fix: "check the ResourceManager's address")
        }
    }

    /// The deployment's containers against the largest container the
    /// scheduler gives and what the cluster has free now.
    func queueCheck(_ rm: ResourceManagerClient, _ settings: Settings) -> DoctorCheck {
        let jm = MemorySize(parsing: jmMemory)!.megabytes, tm = MemorySize(parsing: tmMemory)!.megabytes
        let need = jm + Int64(taskmanagers) * tm
        let queueName = (try? settings.value("queue", flag: queue)) ?? nil
        let shape = "JobManager \(jm) MB + \(taskmanagers) × TaskManager \(tm) MB = \(need) MB"
        do {
            let metrics = try rm.metrics()
            if let queueName, let known = try? rm.queueNames(), !known.isEmpty, !known.contains(queueName) {
                return .fail("queue", "the scheduler has no queue \(queueName) (it has \(known.sorted().joined(separator: ", ")))",
                             fix: "use one of those with --queue")
            }
            if need > metrics.totalMB {
                return .fail("queue", "\(shape), more than the cluster's \(metrics.totalMB) MB", fix: "fewer or smaller TaskManagers, or more NodeManagers")
            }
            if need > metrics.availableMB {
                return .warn("queue", "\(shape); \(metrics.availableMB) MB of \(metrics.totalMB) MB free now: the deployment would wait for room",
                             fix: "wait for running applications to end, or stop some (flinkctl list)")
            }
            return .ok("queue", "\(queueName.map { "queue \($0): " } ?? "")\(shape) fits: \(metrics.availableMB) MB of \(metrics.totalMB) MB free")
        } catch {
            return .fail("queue", "cannot read the cluster's metrics: \(error)", fix: "check the ResourceManager")
        }
    }

    func kerberosCheck(_ settings: Settings) -> DoctorCheck {
        let login: (keytab: ResolvedSetting, principal: ResolvedSetting)?
        do { login = try cluster.resolvedKerberos(settings) } catch {
            return .fail("kerberos", "\(error)", fix: "give --keytab and --principal together")
        }
        guard let login, let keytab = login.keytab.value, let principal = login.principal.value else {
            guard let cache = try? KeytabLogin.tickets(), let tgt = cache.ticketGrantingTicket else {
                return .ok("kerberos", "no keytab given and no ticket cache: simple authentication")
            }
            if tgt.isExpired() {
                return .fail("kerberos", "the ticket cache's ticket for \(tgt.client) has expired", fix: "kinit again, or give --keytab FILE --principal P")
            }
            return ticketVerdict(tgt, source: "the ticket cache")
        }
        do {
            try KeytabPermissions.check(keytab)
        } catch let e as KerberosError {
            return .fail("kerberos", e.message, fix: e.hint ?? "chmod 600 \(shellQuoted(keytab))")
        } catch {
            return .fail("kerberos", "\(error)", fix: "chmod 600 \(shellQuoted(keytab))")
        }
        do {
            // A login of its own, in memory: the user's caches stay as they are.
            let ticket = try KeytabLogin.login(keytab: keytab, principal: principal, ccache: "MEMORY:flinkctl-doctor-\(getpid())")
            return ticketVerdict(ticket, source: "keytab \(keytab)")
        } catch let e as KerberosError {
            return .fail("kerberos", e.message + (e.libraryMessage.map { " (\($0))" } ?? ""), fix: e.hint ?? "check krb5.conf and the KDC")
        } catch {
            return .fail("kerberos", "\(error)", fix: "check krb5.conf and the KDC")
        }
    }

    /// A ticket's renewable life and the clock's offset from the KDC's (its auth time).
    func ticketVerdict(_ t: Ticket, source: String) -> DoctorCheck {
        let now = Int64(Date().timeIntervalSince1970)
        let skew = now - t.authTime
        if abs(skew) > 300 {
            return .fail("kerberos", "this host's clock is \(abs(skew)) s \(skew > 0 ? "ahead of" : "behind") the KDC's (\(source)); Kerberos allows 300 s",
                         fix: "synchronise the clock (chrony or systemd-timesyncd)")
        }
        let renewable = max(t.renewUntil, t.endTime) - t.startTime
        let hours = Double(renewable) / 3600
        if renewable < 86_400 {
            return .warn("kerberos", "\(t.client) logs in (\(source)), but its tickets last \(String(format: "%.1f", hours)) h with renewal; a long-running job needs more than a day",
                         fix: "raise renew_lifetime in krb5.conf and the principal's max_renewable_life on the KDC, or keep the keytab: flinkctl logs in again from it")
        }
        return .ok("kerberos", "\(t.client) logs in (\(source)); tickets renewable for \(String(format: "%.0f", hours)) h; clock within \(abs(skew)) s of the KDC's")
    }

    /// Every keystore and truststore a deployment would use, opened with its password.
    func tlsCheck(_ conf: [String: String]) -> DoctorCheck {
        var stores: [(file: String, password: () throws -> KeystorePassword)] = []
        if let tlsDir, let tlsPasswordFile {
            for name in ["flink.keystore", "flink.truststore"] {
                stores.append(((tlsDir as NSString).appendingPathComponent(name), { try KeystorePassword.fromFile(tlsPasswordFile) }))
            }
        }
        for side in ["internal", "rest"] {
            for (store, passwordKey) in [("keystore", "keystore-password"), ("truststore", "truststore-password")] {
                guard let file = conf["security.ssl.\(side).\(store)"] else { continue }
                let password = conf["security.ssl.\(side).\(passwordKey)"]
                stores.append((file, {
                    guard let password, !password.isEmpty else { throw SecurityError(.invalidArgument, "security.ssl.\(side).\(passwordKey) is not set") }
                    return KeystorePassword(password)
                }))
            }
        }
        guard !stores.isEmpty else { return .ok("tls", "no keystores configured (no --tls-dir, no security.ssl.* stores)") }
        let check = ExpiryCheck(warnDays: warnDays)
        var worst = DoctorCheck.Verdict.ok
        var details: [String] = []
        var fixes: Set<String> = []
        for s in stores {
            let result: ExpiryCheck.FileResult
            do { result = check.check(file: s.file, password: try s.password()) } catch {
                worst = .fail
                details.append("\(s.file): \(error)")
                fixes.insert("give the store's password (the --tls-password-file, or security.ssl.*-password)")
                continue
            }
            if let error = result.error {
                worst = .fail
                details.append("\(s.file): \(error)")
                fixes.insert("check the file and its password")
                continue
            }
            for c in result.certificates {
                switch c.state {
                case .ok:
                    details.append("\(s.file): \(c.subject) valid \(c.daysLeft) more days")
                case .expiring:
                    worst = max(worst, .warn)
                    details.append("\(s.file): \(c.subject) expires in \(c.daysLeft) days (within \(warnDays))")
                    fixes.insert("renew: flinkctl security keystore renew (then redeploy), or security/renew-certificates.sh")
                default:
                    worst = .fail
                    details.append("\(s.file): \(c.subject) \(c.daysLeft < 0 ? "expired \(-c.daysLeft) days ago" : "is not valid now")")
                    fixes.insert("renew: flinkctl security keystore renew (then redeploy), or security/renew-certificates.sh")
                }
            }
        }
        return DoctorCheck(name: "tls", verdict: worst, detail: details.joined(separator: "; "), fix: fixes.sorted().joined(separator: "; "))
    }

    func flinkCheck(_ settings: Settings) -> DoctorCheck {
        do {
            let dist = try FlinkDistribution.locate(explicit: try settings.value("flink-dist", flag: flinkDist))
            return .ok("flink", "Flink \(dist.version) at \(dist.home)")
        } catch let e as FlinkError {
            return .fail("flink", e.message, fix: "give --flink-dist DIR, set FLINK_HOME, or run scripts/setup.sh")
        } catch {
            return .fail("flink", "\(error)", fix: "give --flink-dist DIR or set FLINK_HOME")
        }
    }

    /// Writes a probe file where deployments stage, and removes it.
    func stagingCheck(_ settings: Settings, _ endpoint: RESTEndpoint) -> DoctorCheck {
        let root: String
        let location: StagingLocation
        do {
            root = try staging.root(settings)
            location = try StagingLocation(parsing: root)
        } catch {
            return .fail("staging", "\(error)", fix: "give --staging DIR or webhdfs://NAMENODE:PORT/PATH")
        }
        let probe = ".flinkctl-doctor-\(UUID().uuidString)"
        do {
            let area = try StagingArea(location, user: location.isRemote ? endpoint.address.user : nil,
                                       options: endpoint.http.options, login: endpoint.login)
            try area.probe(name: probe)
            return .ok("staging", "\(root): a probe file was written and removed")
        } catch {
            return .fail("staging", "\(root) cannot be written: \(error)",
                         fix: location.isRemote ? "create the directory in HDFS and give it to the user (hdfs dfs -mkdir -p, -chown)" : "create the directory and make it writable, or give --staging")
        }
    }

    /// ZooKeeper's `srvr` (whitelisted by default) on every quorum member.
    func zooKeeperCheck(_ conf: [String: String]) -> DoctorCheck {
        let type = (conf["high-availability.type"] ?? conf["high-availability"] ?? "none").lowercased()
        guard type == "zookeeper" else { return .ok("zookeeper", "JobManager HA is not configured (high-availability.type: \(type))") }
        guard let quorum = conf["high-availability.zookeeper.quorum"], !quorum.isEmpty else {
            return .fail("zookeeper", "high-availability.type is zookeeper, but high-availability.zookeeper.quorum is not set",
                         fix: "-D high-availability.zookeeper.quorum=HOST:2181[,HOST:2181…]")
        }
        var answered: [String] = [], silent: [String] = []
        for member in quorum.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let parts = member.split(separator: ":")
            let host = String(parts.first ?? ""), port = parts.count > 1 ? Int(parts[1]) ?? 2181 : 2181
            if let reply = ZooKeeperServer.srvr(host: host, port: port, timeout: 3), reply.contains("Zookeeper version") {
                let mode = reply.split(separator: "\n").first { $0.hasPrefix("Mode:") }.map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) } ?? "?"
                answered.append("\(member) (\(mode))")
            } else {
                silent.append(member)
            }
        }
        if answered.isEmpty {
            return .fail("zookeeper", "no member of \(quorum) answers", fix: "start ZooKeeper, or fix high-availability.zookeeper.quorum")
        }
        if !silent.isEmpty {
            return .warn("zookeeper", "\(answered.joined(separator: ", ")) answer; \(silent.joined(separator: ", ")) do not",
                         fix: "bring the silent members back: a quorum that loses its majority stops JobManager HA")
        }
        return .ok("zookeeper", "\(answered.joined(separator: ", ")) answer")
    }

    /// When a path names HDFS, Flink in the containers needs Hadoop's jars:
    /// a probe application looks for what the NodeManager gives a container.
    func hadoopCheck(_ rm: ResourceManagerClient, _ settings: Settings, _ conf: [String: String]) -> DoctorCheck {
        let stagingRoot = (try? staging.root(settings)) ?? ""
        let paths = [stagingRoot] + ["state.checkpoints.dir", "execution.checkpointing.dir", "state.savepoints.dir",
                                     "execution.checkpointing.savepoint-dir", "high-availability.storageDir"].compactMap { conf[$0] }
        let hdfs = paths.filter { $0.hasPrefix("hdfs://") || $0.hasPrefix("webhdfs://") || $0.hasPrefix("swebhdfs://") }
        guard !hdfs.isEmpty else { return .ok("hadoop", "no path names HDFS: the containers need no Hadoop") }
        if let cp = (try? settings.value("hadoop-classpath", flag: nil)) ?? nil {
            return .ok("hadoop", "\(hdfs.joined(separator: ", ")) in HDFS; the Hadoop class path is given: \(cp)")
        }
        let command = #"if [ -n "$HADOOP_CLASSPATH" ] || { [ -n "$HADOOP_COMMON_HOME" ] && [ -d "$HADOOP_COMMON_HOME" ]; }; then echo "HADOOP_COMMON_HOME=$HADOOP_COMMON_HOME"; exit 0; else echo "no HADOOP_CLASSPATH and no HADOOP_COMMON_HOME"; exit 1; fi"#
        do {
            let new = try rm.newApplication()
            try rm.submit(ApplicationSubmission(
                applicationId: new.applicationId, applicationName: "flinkctl-doctor-hadoop-probe", queue: (try? settings.value("queue", flag: queue)) ?? nil,
                amContainerSpec: ContainerLaunchContext(commands: Commands([command + " 1><LOG_DIR>/stdout 2><LOG_DIR>/stderr"])),
                resource: ResourceRequest(memory: 64, vCores: 1), applicationType: "flinkctl-doctor", maxAppAttempts: 1))
            let deadline = Date().addingTimeInterval(30)
            var delay = 0.1
            while Date() < deadline {
                let app = try rm.application(new.applicationId)
                if ["FINISHED", "FAILED", "KILLED"].contains(app.state) {
                    if app.finalStatus == "SUCCEEDED" {
                        return .ok("hadoop", "\(hdfs.joined(separator: ", ")) in HDFS; a probe container found Hadoop on a node (\(new.applicationId))")
                    }
                    return .fail("hadoop", "\(hdfs.joined(separator: ", ")) in HDFS, but a probe container found no Hadoop on its node (\(new.applicationId): \(app.diagnostics.prefix(200)))",
                                 fix: "install Hadoop on the nodes (yarn.nodemanager.admin-env / HADOOP_COMMON_HOME), or give --hadoop-classpath")
                }
                Thread.sleep(forTimeInterval: delay)
                delay = min(delay * 2, 1)
            }
            _ = try? rm.kill(new.applicationId, timeout: 5)
            return .warn("hadoop", "the probe application \(new.applicationId) did not end within 30 s", fix: "check the queue's room and the NodeManagers")
        } catch {
            return .warn("hadoop", "\(hdfs.joined(separator: ", ")) in HDFS; no probe could run: \(error)", fix: "check that you may submit applications")
        }
    }
}
