import FlinkctlBase
import Foundation

// Container logs as YARN serves them: a NodeManager for the containers on its
// node (`/ws/v1/node/containers/{id}/logs`, `/ws/v1/node/containerlogs/{id}/{file}`),
// and once the application has ended, the log server named by
// yarn.log.server.web-service.url (the ApplicationHistory or JobHistory
// server's `…/containers/{id}/logs`, `…/containerlogs/{id}/{file}`), which
// also lists an application's attempts and their containers.

/// A container's log files, as both servers list them. Hadoop writes
/// `containerLogsInfo` and `containerLogInfo` as an object when there is one
/// and as an array when there are several, and file sizes as strings; all of
/// these are read.
public struct ContainerLogListing: Decodable, Sendable {
    public var containers: [NodeLogsClient.ContainerLogsInfo]

    enum Key: String, CodingKey { case containerLogsInfo }

    public init(from decoder: any Decoder) throws {
        if let list = try? [NodeLogsClient.ContainerLogsInfo](from: decoder) {
            containers = list
            return
        }
        let c = try decoder.container(keyedBy: Key.self)
        if let list = try? c.decode([NodeLogsClient.ContainerLogsInfo].self, forKey: .containerLogsInfo) {
            containers = list
        } else {
            containers = [try c.decode(NodeLogsClient.ContainerLogsInfo.self, forKey: .containerLogsInfo)]
        }
    }
}

/// What a part of a log file to read: all of it, from a byte offset on, or
/// YARN's `size` (the first N bytes, or with a negative N the last -N).
public enum LogRange: Sendable, Equatable {
    case all
    case from(Int64)
    case size(Int64)

    var query: [(String, String)] {
        switch self {
        case .all: return []
        case let .from(offset): return offset > 0 ? [("start", String(offset))] : []
        case let .size(n): return [("size", String(n))]
        }
    }
}

/// One server of container logs: a NodeManager (`base` is its
/// `http://host:port/ws/v1/node`) or a log server (`base` is
/// yarn.log.server.web-service.url).
public struct ContainerLogServer: Sendable {
    public let endpoint: RESTEndpoint

    /// `base` with the transport, login and user of `like`.
    public init(base: String, like: RESTEndpoint) {
        endpoint = RESTEndpoint(address: ClusterAddress(urls: [base], user: like.address.user, source: base),
                                http: like.http, login: like.login)
    }

    public var base: String { endpoint.address.urls.first ?? "" }

    public func files(container: String) throws -> [NodeLogsClient.LogFile] {
        try endpoint.json(ContainerLogListing.self, "GET", "/containers/\(container)/logs")
            .containers.flatMap { $0.containerLogInfo ?? [] }
    }

    public func read(container: String, file: String, range: LogRange = .all) throws -> [UInt8] {
        let path = "/containerlogs/\(container)/\(PercentEncoding.component(file))"
        let response = try endpoint.send("GET", path, query: range.query)
        guard response.status == 200 else {
            throw HadoopError.from(response: response, request: "GET \(base)\(path)")
        }
        return response.body
    }

    // The log server's history of an application (ApplicationHistory server).

    public struct Attempt: Codable, Sendable {
        public var appAttemptId: String
        public var amContainerId: String?
        public var appAttemptState: String?
        public init(appAttemptId: String, amContainerId: String?, appAttemptState: String?) {
            self.appAttemptId = appAttemptId
            self.amContainerId = amContainerId
            self.appAttemptState = appAttemptState
        }
    }
    public struct Attempts: Codable, Sendable {
        public var appAttempt: [Attempt]?
        public init(appAttempt: [Attempt]) { self.appAttempt = appAttempt }
    }
    public struct Container: Codable, Sendable {
        public var containerId: String
        public var allocatedMB: Int64?
        public var allocatedVCores: Int?
        public var assignedNodeId: String?
        public var startedTime: Int64?
        public var finishedTime: Int64?
        public var diagnosticsInfo: String?
        public var containerExitStatus: Int?
        public var containerState: String?
        public var nodeHttpAddress: String?
        public var logUrl: String?
        public init(containerId: String, allocatedMB: Int64?, allocatedVCores: Int?, assignedNodeId: String?,
                    startedTime: Int64?, finishedTime: Int64?, diagnosticsInfo: String?, containerExitStatus: Int?,
                    containerState: String?, nodeHttpAddress: String?, logUrl: String?) {
            self.containerId = containerId
            self.allocatedMB = allocatedMB
            self.allocatedVCores = allocatedVCores
            self.assignedNodeId = assignedNodeId
            self.startedTime = startedTime
            self.finishedTime = finishedTime
            self.diagnosticsInfo = diagnosticsInfo
            self.containerExitStatus = containerExitStatus
            self.containerState = containerState
            self.nodeHttpAddress = nodeHttpAddress
            self.logUrl = logUrl
        }
    }
    public struct Containers: Codable, Sendable {
        public var container: [Container]?
        public init(container: [Container]) { self.container = container }
    }

    /// Every container of every attempt of an application, oldest first.
    public func containers(application: String) throws -> [Container] {
        let attempts = try endpoint.json(Attempts.self, "GET", "/apps/\(application)/appattempts").appAttempt ?? []
        var out: [Container] = []
        for a in attempts {
            out += try endpoint.json(Containers.self, "GET", "/apps/\(application)/appattempts/\(a.appAttemptId)/containers")
                .container ?? []
        }
        return out
    }
}
