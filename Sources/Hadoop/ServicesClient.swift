import FlinkctlBase
import Foundation

/// A typed client of the YARN Services API (`/app/v1/services`).
public struct ServicesClient: Sendable {
    public let endpoint: RESTEndpoint

    public init(endpoint: RESTEndpoint) { self.endpoint = endpoint }

    static func path(_ name: String) -> String {
        "/app/v1/services/" + PercentEncoding.component(name)
    }

    /// Creates and starts a service; answers 202 with the application id in the diagnostics.
    @discardableResult
    public func create(_ service: Service) throws -> ServiceStatus {
        try endpoint.json(ServiceStatus.self, "POST", "/app/v1/services",
                          body: RESTEndpoint.encode(service), expect: [200, 202])
    }

    public func list() throws -> [Service] {
        try endpoint.json([Service].self, "GET", "/app/v1/services")
    }

    public func get(_ name: String) throws -> Service {
        try endpoint.json(Service.self, "GET", Self.path(name))
    }

    @discardableResult
    public func flex(_ name: String, component: String, to count: Int64) throws -> ServiceStatus {
        try endpoint.json(ServiceStatus.self, "PUT", Self.path(name) + "/components/" + component,
                          body: RESTEndpoint.encode(ComponentFlex(name: component, numberOfContainers: count)))
    }

    @discardableResult
    public func stop(_ name: String) throws -> ServiceStatus {
        try setState(name, .STOPPED)
    }

    @discardableResult
    public func start(_ name: String) throws -> ServiceStatus {
        try setState(name, .STARTED)
    }

    private func setState(_ name: String, _ state: ServiceState) throws -> ServiceStatus {
        var body = Service(name: name)
        body.version = nil
        body.components = nil
        body.state = state
        return try endpoint.json(ServiceStatus.self, "PUT", Self.path(name),
                                 body: RESTEndpoint.encode(body), expect: [200, 202])
    }

    @discardableResult
    public func destroy(_ name: String) throws -> ServiceStatus {
        try endpoint.json(ServiceStatus.self, "DELETE", Self.path(name), expect: [200, 204])
    }

    public func componentInstances(_ name: String) throws -> [ServiceContainer] {
        try endpoint.json([ServiceContainer].self, "GET", Self.path(name) + "/component-instances")
    }
}

/// Container logs through the NodeManager web API
/// (`/ws/v1/node/containerlogs/{containerId}[/{file}]`).
public struct NodeLogsClient: Sendable {
    public struct LogFile: Codable, Sendable, Equatable {
        public var fileName: String
        public var fileSize: Int64
        public var lastModifiedTime: String?
        public init(fileName: String, fileSize: Int64, lastModifiedTime: String?) {
            self.fileName = fileName
            self.fileSize = fileSize
            self.lastModifiedTime = lastModifiedTime
        }

        enum CodingKeys: String, CodingKey { case fileName, fileSize, lastModifiedTime }

        /// Hadoop writes the size as a string ("1234"); a number is read too.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            fileName = try c.decode(String.self, forKey: .fileName)
            if let n = try? c.decode(Int64.self, forKey: .fileSize) {
                fileSize = n
            } else if let n = Int64(try c.decode(String.self, forKey: .fileSize)) {
                fileSize = n
            } else {
                throw DecodingError.dataCorruptedError(forKey: .fileSize, in: c, debugDescription: "fileSize is not a number")
            }
            lastModifiedTime = try c.decodeIfPresent(String.self, forKey: .lastModifiedTime)
        }
    }
    /// `{"containerLogInfo":[…], "logAggregationType":"LOCAL", "containerId":…, "nodeId":…}`;
    /// `containerLogInfo` is an object when the container has one file.
    public struct ContainerLogsInfo: Codable, Sendable {
        public var containerLogInfo: [LogFile]?
        public var logAggregationType: String?
        public var containerId: String?
        public var nodeId: String?
        public init(containerLogInfo: [LogFile], containerId: String, logAggregationType: String = "LOCAL",
                    nodeId: String? = nil) {
            self.containerLogInfo = containerLogInfo
            self.logAggregationType = logAggregationType
            self.containerId = containerId
            self.nodeId = nodeId
        }

        enum CodingKeys: String, CodingKey { case containerLogInfo, logAggregationType, containerId, nodeId }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if !c.contains(.containerLogInfo) || (try? c.decodeNil(forKey: .containerLogInfo)) == true {
                containerLogInfo = nil
            } else if let list = try? c.decode([LogFile].self, forKey: .containerLogInfo) {
                containerLogInfo = list
            } else {
                containerLogInfo = [try c.decode(LogFile.self, forKey: .containerLogInfo)]
            }
            logAggregationType = try c.decodeIfPresent(String.self, forKey: .logAggregationType)
            containerId = try c.decodeIfPresent(String.self, forKey: .containerId)
            nodeId = try c.decodeIfPresent(String.self, forKey: .nodeId)
        }
    }
    public struct Envelope: Codable, Sendable { public var containerLogsInfo: ContainerLogsInfo
        public init(containerLogsInfo: ContainerLogsInfo) { self.containerLogsInfo = containerLogsInfo } }
    /// Hadoop 3's `/containers/{id}/logs`: a list, one entry a log source.
    public struct ListEnvelope: Codable, Sendable { public var containerLogsInfo: [ContainerLogsInfo]
        public init(containerLogsInfo: [ContainerLogsInfo]) { self.containerLogsInfo = containerLogsInfo } }

    public let endpoint: RESTEndpoint
    public init(endpoint: RESTEndpoint) { self.endpoint = endpoint }

    public func files(container: String) throws -> [LogFile] {
        try endpoint.json(Envelope.self, "GET", "/ws/v1/node/containerlogs/\(container)")
            .containerLogsInfo.containerLogInfo ?? []
    }

    /// The bytes of one log file from `offset` on.
    public func read(container: String, file: String, offset: Int64 = 0) throws -> [UInt8] {
        var query: [(String, String)] = []
        if offset > 0 { query.append(("start", String(offset))) }
        let response = try endpoint.send("GET", "/ws/v1/node/containerlogs/\(container)/\(file)", query: query)
        guard response.status == 200 else {
            throw HadoopError.from(response: response, request: "GET container log \(file)")
        }
        return response.body
    }
}
