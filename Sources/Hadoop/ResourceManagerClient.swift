import Foundation

/// Filters of `GET /ws/v1/cluster/apps`.
public struct ApplicationFilter: Sendable {
    public var states: [String] = []
    public var user: String?
    public var queue: String?
    public var applicationTypes: [String] = []
    public var limit: Int?
    public init(states: [String] = [], user: String? = nil, queue: String? = nil,
                applicationTypes: [String] = [], limit: Int? = nil) {
        self.states = states
        self.user = user
        self.queue = queue
        self.applicationTypes = applicationTypes
        self.limit = limit
    }

    var query: [(String, String)] {
        var q: [(String, String)] = []
        if !states.isEmpty { q.append(("states", states.joined(separator: ","))) }
        if let user { q.append(("user", user)) }
        if let queue { q.append(("queue", queue)) }
        if !applicationTypes.isEmpty { q.append(("applicationTypes", applicationTypes.joined(separator: ","))) }
        if let limit { q.append(("limit", String(limit))) }
        return q
    }
}

/// A typed client of the ResourceManager REST API (`/ws/v1/cluster`).
public struct ResourceManagerClient: Sendable {
    public let endpoint: RESTEndpoint

    public init(endpoint: RESTEndpoint) { self.endpoint = endpoint }

    public func clusterInfo() throws -> ClusterInfo {
        try endpoint.json(ClusterInfoEnvelope.self, "GET", "/ws/v1/cluster/info").clusterInfo
    }

    public func metrics() throws -> ClusterMetrics {
        try endpoint.json(ClusterMetricsEnvelope.self, "GET", "/ws/v1/cluster/metrics").clusterMetrics
    }

    /// The scheduler's queue names (`/ws/v1/cluster/scheduler`, every
    /// `queueName` in its tree); empty when the scheduler names none.
    public func queueNames() throws -> Set<String> {
        let response = try endpoint.send("GET", "/ws/v1/cluster/scheduler")
        guard response.status == 200 else {
            throw HadoopError.from(response: response, request: "GET /ws/v1/cluster/scheduler")
        }
        var names: Set<String> = []
        func walk(_ value: Any) {
            if let object = value as? [String: Any] {
                if let name = object["queueName"] as? String { names.insert(name) }
                object.values.forEach(walk)
            } else if let list = value as? [Any] {
                list.forEach(walk)
            }
        }
        walk((try? JSONSerialization.jsonObject(with: Data(response.body))) ?? [:])
        return names
    }

    public func nodes() throws -> [NodeReport] {
        try endpoint.json(NodesEnvelope.self, "GET", "/ws/v1/cluster/nodes").nodes?.node ?? []
    }

    public func applications(_ filter: ApplicationFilter = ApplicationFilter()) throws -> [ApplicationReport] {
        try endpoint.json(ApplicationsEnvelope.self, "GET", "/ws/v1/cluster/apps", query: filter.query).list
    }

    public func application(_ id: String) throws -> ApplicationReport {
        try endpoint.json(ApplicationEnvelope.self, "GET", "/ws/v1/cluster/apps/\(id)").app
    }

    public func attempts(_ id: String) throws -> [AppAttempt] {
        try endpoint.json(AppAttemptsEnvelope.self, "GET", "/ws/v1/cluster/apps/\(id)/appattempts")
            .appAttempts.appAttempt
    }

    public func state(_ id: String) throws -> String {
        try endpoint.json(AppState.self, "GET", "/ws/v1/cluster/apps/\(id)/state").state
    }

    public func newApplication() throws -> NewApplication {
        try endpoint.json(NewApplication.self, "POST", "/ws/v1/cluster/apps/new-application")
    }

    /// Submits an application; the ResourceManager answers 202 with no body.
    public func submit(_ submission: ApplicationSubmission) throws {
        let response = try endpoint.send("POST", "/ws/v1/cluster/apps", body: RESTEndpoint.encode(submission))
        guard response.status == 202 || response.status == 200 else {
            throw HadoopError.from(response: response, request: "POST /ws/v1/cluster/apps")
        }
    }

    /// Kills an application and waits until the ResourceManager reports it
    /// KILLED (or another final state). The first answer may be 202.
    @discardableResult
    public func kill(_ id: String, timeout: TimeInterval = 30) throws -> String {
        let body = try RESTEndpoint.encode(AppState(state: "KILLED"))
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let state = try endpoint.json(AppState.self, "PUT", "/ws/v1/cluster/apps/\(id)/state",
                                          body: body, expect: [200, 202])
            if let s = YarnApplicationState(rawValue: state.state), s.isTerminal { return state.state }
            if Date() > deadline {
                throw HadoopError(code: .timeout, message: "application \(id) is still \(state.state) after \(Int(timeout)) s")
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}
