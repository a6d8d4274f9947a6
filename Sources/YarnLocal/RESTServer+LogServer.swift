import Foundation
import Hadoop
import Hummingbird
import HTTPTypes

// The log server of the embedded cluster, at the cluster's own address under
// /ws/v1/applicationhistory (what `local start` writes as
// yarn.log.server.web-service.url): the ApplicationHistory server's REST
// paths for an application's attempts and containers and for their logs,
// aggregated ones from the HDFS store, others from the node.

extension RESTRouter {
    func registerLogServer(_ table: inout RouteTable) {
        let base = LocalCluster.logServerPath
        table.on("\(base)/apps/:app/appattempts", .get) { r, _, p in
            r.json(ContainerLogServer.Attempts(appAttempt: try await r.cluster.historyAttempts(p("app"))))
        }
        table.on("\(base)/apps/:app/appattempts/:attempt/containers", .get) { r, _, p in
            r.json(ContainerLogServer.Containers(container: try await r.cluster.historyContainers(p("app"), attempt: p("attempt"))))
        }
        table.on("\(base)/containers/:container/logs", .get) { r, _, p in try await r.historyLogs(p("container")) }
        table.on("\(base)/containerlogs/:container/:file", .get) { r, request, p in
            try await r.historyLog(request, p("container"), p("file"))
        }
    }

    private func historyLogs(_ container: String) async throws -> Response {
        let source = try await cluster.logSource(container: container)
        try await checkLogAccess(container)
        let node = await cluster.httpAddress
        switch source {
        case let .local(dir):
            return json(NodeLogsClient.ListEnvelope(containerLogsInfo: [
                .init(containerLogInfo: Self.listLogs(dir), containerId: container, nodeId: node)]))
        case let .store(path):
            let hdfs = cluster.hdfs
            let admin = hdfs.caller(hdfs.superuser)
            let files = try storeCall { try hdfs.list(path, as: admin) }
                .filter { !$0.status.isDirectory }
                .map { NodeLogsClient.LogFile(fileName: $0.name, fileSize: $0.status.length,
                                              lastModifiedTime: "\(Date(timeIntervalSince1970: Double($0.status.modificationTime) / 1000))") }
            return json(NodeLogsClient.ListEnvelope(containerLogsInfo: [
                .init(containerLogInfo: files, containerId: container, logAggregationType: "AGGREGATED", nodeId: node)]))
        }
    }

    private func historyLog(_ request: Request, _ container: String, _ name: String) async throws -> Response {
        let source = try await cluster.logSource(container: container)
        try await checkLogAccess(container)
        guard !name.isEmpty, !name.contains("/"), name != "..", name != "." else {
            throw LocalClusterError(.badRequest, "Invalid log file name \(name)")
        }
        switch source {
        case let .local(dir):
            guard let fd = ContainerExecutor.openLog((dir as NSString).appendingPathComponent(name)) else {
                throw LocalClusterError(.notFound, "Can not find \(name) among the logs of \(container)")
            }
            var st = stat()
            fstat(fd, &st)
            return try logBody(request, fd: fd, size: Int64(max(0, st.st_size)))
        case let .store(dir):
            let hdfs = cluster.hdfs
            let admin = hdfs.caller(hdfs.superuser)
            let file: (fd: Int32, length: Int64)
            do {
                file = try hdfs.openForReading(HDFSStore.Path(appending: name, to: dir), as: admin)
            } catch let e as HDFSStore.StoreError where e.status == 404 {
                throw LocalClusterError(.notFound, "Can not find \(name) among the aggregated logs of \(container)")
            }
            return try logBody(request, fd: file.fd, size: file.length)
        }
    }

    /// A store call whose refusal is answered as the store words it.
    private func storeCall<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as HDFSStore.StoreError where e.status == 404 {
            throw LocalClusterError(.notFound, "Can not find the aggregated logs: \(e.message)")
        } catch let e as HDFSStore.StoreError {
            throw LocalClusterError(.internal, e.message)
        }
    }
}
