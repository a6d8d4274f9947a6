import Foundation
import Hadoop

// YARN's log aggregation, as a NodeManager with yarn.log-aggregation-enable
// does it: when an application has ended and its last container has stopped,
// each container's log files are copied into the HDFS store under
// yarn.nodemanager.remote-app-log-dir (/tmp/logs) and its suffix (logs):
// /tmp/logs/USER/logs/APPID/CONTAINERID/FILE, directories 0770 and files 0640,
// all the application's user's. From then on the NodeManager no longer serves
// the application's containers; the log server (`LogServer`) does, from the
// store. The local files stay where they were, as with a NodeManager's
// yarn.nodemanager.delete.debug-delay-sec.

extension LocalCluster {
    /// yarn.nodemanager.remote-app-log-dir.
    public static let remoteAppLogDirectory = "/tmp/logs"
    /// yarn.nodemanager.remote-app-log-dir-suffix.
    public static let remoteAppLogSuffix = "logs"

    /// Where the log server's REST API is, below the cluster's address
    /// (yarn.log.server.web-service.url is the address and this path).
    public static let logServerPath = "/ws/v1/applicationhistory"

    /// Where the log server reads a container's logs: the store once they
    /// are aggregated there; before (and if the copy failed) the node's files.
    enum LogSource {
        case store(HDFSStore.Path)
        case local(String)
    }

    func logSource(container id: String) throws -> LogSource {
        guard id.hasPrefix("container_") else {
            throw LocalClusterError(.badRequest, "invalid container id, \(id)")
        }
        guard let c = core.state.containers[id], let app = core.state.apps[c.appId] else {
            throw LocalClusterError(.notFound, "Can not find the container \(id) in the application history")
        }
        if app.logAggregationStatus == "SUCCEEDED" {
            do {
                return .store(try HDFSStore.aggregatedLogPath(user: app.user, appId: app.id, container: id))
            } catch let e as HDFSStore.StoreError {
                throw LocalClusterError(.internal, e.message)
            }
        }
        return .local(c.logDir)
    }

    /// The application's attempts as the ApplicationHistory server lists
    /// them: those of its AM containers, and attempt 1 of a service's.
    func historyAttempts(_ appId: String) throws -> [ContainerLogServer.Attempt] {
        let app = try core.requireApp(appId)
        var numbers = Set(app.attempts.map(\.id))
        for c in core.state.containers.values where c.appId == appId {
            if let n = Self.attemptNumber(container: c.id) { numbers.insert(n) }
        }
        return numbers.sorted().map { n in
            let record = app.attempts.first { $0.id == n }
            return ContainerLogServer.Attempt(appAttemptId: Self.attemptId(app: appId, n),
                                              amContainerId: record?.containerId, appAttemptState: record?.state)
        }
    }

    /// The containers of one attempt, oldest first, finished ones included.
    func historyContainers(_ appId: String, attempt: String) throws -> [ContainerLogServer.Container] {
        guard try historyAttempts(appId).contains(where: { $0.appAttemptId == attempt }),
              let n = Int(attempt.split(separator: "_").last ?? "") else {
            throw LocalClusterError(.notFound, "Can not find the application attempt \(attempt)")
        }
        return core.state.containers.values
            .filter { $0.appId == appId && Self.attemptNumber(container: $0.id) == n }
            .sorted { $0.id < $1.id }
            .map { c in
                ContainerLogServer.Container(
                    containerId: c.id, allocatedMB: c.memoryMB, allocatedVCores: c.vcores, assignedNodeId: httpAddress,
                    startedTime: c.launchTime, finishedTime: c.finishTime, diagnosticsInfo: c.diagnostics,
                    containerExitStatus: c.exitStatus,
                    containerState: c.phase == .complete ? "COMPLETE" : (c.phase == .running ? "RUNNING" : "NEW"),
                    nodeHttpAddress: "\(configuration.scheme)://\(httpAddress)",
                    logUrl: "\(configuration.scheme)://\(httpAddress)/node/containerlogs/\(c.id)/\(core.state.apps[appId]?.user ?? "")")
            }
    }

    static func attemptId(app: String, _ n: Int) -> String {
        String(format: "appattempt_%@_%06d", String(app.dropFirst("application_".count)), n)
    }

    /// `container_TS_APP_AA_SEQ` → AA.
    static func attemptNumber(container id: String) -> Int? {
        let parts = id.split(separator: "_")
        return parts.count == 5 ? Int(parts[3]) : nil
    }

    /// Copies an ended application's logs off the actor, then reports.
    func startLogAggregation(appId: String, user: String) {
        let containers = core.state.containers.values.filter { $0.appId == appId }
            .sorted { $0.id < $1.id }.map { (id: $0.id, logDir: $0.logDir) }
        let hdfs = self.hdfs, logger = self.logger
        Task {
            var succeeded = true
            do {
                try await hdfs.aggregateLogs(user: user, appId: appId, containers: containers)
            } catch {
                succeeded = false
                logger.warning("log aggregation failed", metadata: ["yarn.app.id": "\(appId)", "error": "\(error)"])
            }
            await self.logAggregationFinished(appId, succeeded: succeeded)
        }
    }

    func logAggregationFinished(_ appId: String, succeeded: Bool) async {
        core.logsAggregated(appId, succeeded: succeeded)
        try? persistIfNeeded()
    }

    /// Whether a container's logs have moved to the store: its application's
    /// aggregation is done (or under way), so the NodeManager forgets it.
    func logsAggregated(container id: String) -> Bool {
        guard let c = core.state.containers[id], let app = core.state.apps[c.appId] else { return false }
        return app.logAggregationStatus != nil
    }
}

extension HDFSStore {
    /// `/tmp/logs/USER/logs/APPID[/CONTAINER[/FILE]]`.
    static func aggregatedLogPath(user: String, appId: String, container: String? = nil, file: String? = nil) throws -> Path {
        var segments = LocalCluster.remoteAppLogDirectory.split(separator: "/").map(String.init)
        segments += [user, LocalCluster.remoteAppLogSuffix, appId]
        if let container { segments.append(container) }
        if let file { segments.append(file) }
        return try Path(decodedSegments: segments)
    }

    /// Copies each container's log files into the store as the cluster's
    /// user, then gives them to `user`. A directory on the way that someone
    /// other than `user` made is not written into: the logs would be theirs to read.
    func aggregateLogs(user: String, appId: String, containers: [(id: String, logDir: String)]) async throws {
        let admin = caller(superuser)
        let root = try Path(decodedSegments: LocalCluster.remoteAppLogDirectory.split(separator: "/").map(String.init))
        if try status(root, as: admin) == nil {
            close(try mkdirs(root, mode: 0o1777, as: admin).fd)
        }
        var dir = root
        for name in [user, LocalCluster.remoteAppLogSuffix, appId] {
            dir = Path(appending: name, to: dir)
            try ownDirectory(dir, user: user, as: admin)
        }
        for c in containers {
            let containerDir = Path(appending: c.id, to: dir)
            try ownDirectory(containerDir, user: user, as: admin)
            for f in RESTRouter.listLogs(c.logDir).map(\.fileName) {
                // Never through a link, nor a file with other names: a
                // container that runs as its user owns its log directory.
                guard let fd = ContainerExecutor.openLog((c.logDir as NSString).appendingPathComponent(f)) else { continue }
                defer { close(fd) }
                let target = Path(appending: f, to: containerDir)
                try await create(target, mode: 0o640, overwrite: true, as: admin) { write in
                    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
                    var position: off_t = 0
                    while true {
                        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, $0.count, position) }
                        if n < 0 && errno == EINTR { continue }
                        guard n > 0 else { break }
                        try write(Array(buffer[0..<n]))
                        position += off_t(n)
                    }
                }
                try setOwner(target, owner: user, group: nil, as: admin)
            }
        }
    }

    /// A directory of `user`'s (0770), made if missing.
    private func ownDirectory(_ path: Path, user: String, as admin: Caller) throws {
        if let st = try status(path, as: admin) {
            guard st.isDirectory, st.meta.owner == user || st.meta.owner == superuser else {
                throw StoreError.denied("\(path.string) belongs to \(st.meta.owner), not \(user): the logs are not aggregated there")
            }
            return
        }
        close(try mkdirs(path, mode: 0o770, as: admin).fd)
        try setOwner(path, owner: user, group: nil, as: admin)
    }
}
