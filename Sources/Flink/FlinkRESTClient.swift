import Foundation
import HTTPTransport

/// A client of the JobManager's REST API (the one Flink's web UI uses).
public struct FlinkRESTClient: Sendable {
    public struct JobOverview: Codable, Sendable, Equatable {
        public var jid: String
        public var name: String
        public var state: String
        public var startTime: Int64?
        public var endTime: Int64?
        public var duration: Int64?

        public init(jid: String, name: String, state: String, startTime: Int64? = nil, endTime: Int64? = nil, duration: Int64? = nil) {
            self.jid = jid
            self.name = name
            self.state = state
            self.startTime = startTime
            self.endTime = endTime
            self.duration = duration
        }

        enum CodingKeys: String, CodingKey {
            case jid, name, state
            case startTime = "start-time"
            case endTime = "end-time"
            case duration
        }
        public var isTerminal: Bool { ["FINISHED", "FAILED", "CANCELED", "SUSPENDED"].contains(state) }
    }

    public struct ClusterOverview: Codable, Sendable {
        public var taskmanagers: Int
        public var slotsTotal: Int
        public var slotsAvailable: Int
        public var flinkVersion: String?
        enum CodingKeys: String, CodingKey {
            case taskmanagers
            case slotsTotal = "slots-total"
            case slotsAvailable = "slots-available"
            case flinkVersion = "flink-version"
        }
    }

    public let baseURL: String
    let http: HTTPClient

    public init(baseURL: String, options: TransportOptions = TransportOptions()) throws {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.http = try HTTPClient(options: options)
    }

    func get<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try decode(type, try http.perform(HTTPRequest(url: baseURL + path)), path)
    }

    func decode<T: Decodable>(_ type: T.Type, _ r: HTTPResponse, _ path: String) throws -> T {
        guard (200..<300).contains(r.status) else {
            let errors = (try? JSONDecoder().decode([String: [String]].self, from: Data(r.body)))?["errors"]
            let words = errors.map { Self.errorSummary($0.joined(separator: "\n")) } ?? r.text
            throw FlinkError(.rest, "Flink REST \(path) answered \(r.status): \(words)")
        }
        do { return try JSONDecoder().decode(T.self, from: Data(r.body)) } catch {
            throw FlinkError(.rest, "Flink REST \(path) answered JSON that does not match: \(error)")
        }
    }

    /// What a Flink REST error says, without the stack: the innermost
    /// "Caused by:" exception's message (a job's main method's own words, for
    /// /jars/run), else the first line; at most 1,000 characters.
    public static func errorSummary(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.lastIndex(where: { $0.hasPrefix("Caused by: ") }) else {
            return String((lines.first ?? text).prefix(1000))
        }
        var first = String(lines[start].dropFirst("Caused by: ".count))
        // Drop the exception's class name: "java.lang.IllegalArgumentException: message".
        if let colon = first.range(of: ": "), !first[..<colon.lowerBound].contains(" ") {
            first = String(first[colon.upperBound...])
        }
        var message = [first]
        for line in lines[(start + 1)...] {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("at ") || trimmed.hasPrefix("... ") || trimmed.hasPrefix("Caused by: ") { break }
            message.append(line)
        }
        return String(message.joined(separator: "\n").prefix(1000))
    }

    public func overview() throws -> ClusterOverview { try get(ClusterOverview.self, "/overview") }

    /// Any GET of the REST API, as parsed JSON (objects, arrays, strings,
    /// numbers): for answers read a few fields of, such as metrics.
    public func json(_ path: String) throws -> Any {
        let r = try http.perform(HTTPRequest(url: baseURL + path))
        guard (200..<300).contains(r.status) else {
            let errors = (try? JSONDecoder().decode([String: [String]].self, from: Data(r.body)))?["errors"]
            throw FlinkError(.rest, "Flink REST \(path) answered \(r.status): \(errors.map { Self.errorSummary($0.joined(separator: "\n")) } ?? r.text)")
        }
        do { return try JSONSerialization.jsonObject(with: Data(r.body), options: [.fragmentsAllowed]) } catch {
            throw FlinkError(.rest, "Flink REST \(path) answered with no JSON: \(error)")
        }
    }

    public func jobs() throws -> [JobOverview] {
        struct Envelope: Codable { var jobs: [JobOverview] }
        return try get(Envelope.self, "/jobs/overview").jobs
    }

    /// Every job's id and state from Flink's light `/jobs` listing (no names,
    /// no times: `jobs()` has those).
    public func jobStates() throws -> [JobOverview] {
        struct Listing: Codable {
            struct Entry: Codable { var id: String; var status: String }
            var jobs: [Entry]
        }
        return try get(Listing.self, "/jobs").jobs.map { JobOverview(jid: $0.id, name: "", state: $0.status) }
    }

    /// The newest job the JobManager knows: an application cluster holds one,
    /// and Flink's light `/jobs` listing names it and its state; with several
    /// (a session cluster) the newest by start time from `/jobs/overview`.
    public func newestJob() throws -> JobOverview? {
        let listed = try jobStates()
        if listed.count == 1 { return listed[0] }
        if listed.isEmpty { return nil }
        return try jobs().max { ($0.startTime ?? 0) < ($1.startTime ?? 0) }
    }

    /// The job's failure, if any: the root exception's first line.
    public func rootException(_ jobId: String) throws -> String? {
        struct Exceptions: Codable {
            struct Entry: Codable { var exceptionName: String?; var stacktrace: String? }
            /// Flink 1.x only; Flink 2 has the history alone.
            var rootException: String?
            var exceptionHistory: History?
            struct History: Codable { var entries: [Entry]? }
            enum CodingKeys: String, CodingKey { case rootException = "root-exception", exceptionHistory }
        }
        let e = try get(Exceptions.self, "/jobs/\(jobId)/exceptions")
        let text = e.rootException ?? e.exceptionHistory?.entries?.first?.stacktrace
        return text.map { String($0.split(separator: "\n").first ?? "") }
    }

    /// Stops the job with a savepoint in `directory`; returns the savepoint's location.
    public func stopWithSavepoint(_ jobId: String, directory: String, timeout: TimeInterval = 120) throws -> String {
        try savepoint(jobId, path: "/jobs/\(jobId)/stop", body: ["targetDirectory": directory, "drain": false] as [String: Any], timeout: timeout)
    }

    /// Triggers a savepoint and leaves the job running; returns its location.
    public func triggerSavepoint(_ jobId: String, directory: String, timeout: TimeInterval = 120) throws -> String {
        try savepoint(jobId, path: "/jobs/\(jobId)/savepoints", body: ["target-directory": directory, "cancel-job": false] as [String: Any], timeout: timeout)
    }

    func savepoint(_ jobId: String, path: String, body: [String: Any], timeout: TimeInterval) throws -> String {
        struct Trigger: Codable { var requestId: String
            enum CodingKeys: String, CodingKey { case requestId = "request-id" } }
        struct Status: Codable {
            struct S: Codable { var id: String }
            struct Op: Codable {
                var location: String?
                struct Failure: Codable { var stackTrace: String?
                    enum CodingKeys: String, CodingKey { case stackTrace = "stack-trace" } }
                var failureCause: Failure?
                enum CodingKeys: String, CodingKey { case location; case failureCause = "failure-cause" }
            }
            var status: S
            var operation: Op?
        }
        let data = try JSONSerialization.data(withJSONObject: body)
        let deadline = Date().addingTimeInterval(timeout)
        // A job that has just started is RUNNING before its tasks are: Flink
        // then refuses the savepoint ("Not all required tasks are currently
        // running") and a moment later takes it. That refusal is tried again
        // within the deadline; any other failure is final.
        let tasksStarting = Date().addingTimeInterval(min(timeout, 30))
        while true {
            let r = try http.perform(HTTPRequest(method: "POST", url: baseURL + path,
                                                 headers: [("Content-Type", "application/json")], body: Array(data)))
            let trigger = try decode(Trigger.self, r, path)
            var cause: String?
            while Date() < deadline {
                let s = try get(Status.self, "/jobs/\(jobId)/savepoints/\(trigger.requestId)")
                if s.status.id == "COMPLETED" {
                    if let location = s.operation?.location { return location }
                    cause = s.operation?.failureCause?.stackTrace?.split(separator: "\n").first.map(String.init) ?? "unknown cause"
                    break
                }
                usleep(200_000)
            }
            guard let cause else { throw FlinkError(.job, "the savepoint did not complete within \(Int(timeout)) s") }
            guard cause.contains("Not all required tasks are currently running"), Date() < min(tasksStarting, deadline) else {
                throw FlinkError(.job, "the savepoint failed: \(cause)")
            }
            usleep(500_000)
        }
    }

    /// Uploads a job jar to a session cluster (`POST /jars/upload`, multipart
    /// field `jarfile`); returns the jar id for `runJar`.
    public func uploadJar(_ path: String) throws -> String {
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw FlinkError(.configuration, "cannot read \(path)")
        }
        let boundary = "flinkctl-\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"\((path as NSString).lastPathComponent)\"\r\nContent-Type: application/x-java-archive\r\n\r\n".utf8)
        body.append(bytes)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        let r = try http.perform(HTTPRequest(method: "POST", url: baseURL + "/jars/upload",
                                             headers: [("Content-Type", "multipart/form-data; boundary=\(boundary)")],
                                             body: Array(body)))
        struct Upload: Codable { var filename: String; var status: String }
        let upload = try decode(Upload.self, r, "/jars/upload")
        return (upload.filename as NSString).lastPathComponent
    }

    /// Runs an uploaded jar (`POST /jars/{id}/run`); returns the job id.
    public func runJar(_ jarId: String, entryClass: String?, arguments: [String], parallelism: Int? = nil,
                       savepointPath: String? = nil) throws -> String {
        var body: [String: Any] = ["programArgsList": arguments]
        if let entryClass { body["entryClass"] = entryClass }
        if let parallelism { body["parallelism"] = parallelism }
        if let savepointPath { body["savepointPath"] = savepointPath }
        let data = try JSONSerialization.data(withJSONObject: body)
        let r = try http.perform(HTTPRequest(method: "POST", url: baseURL + "/jars/\(jarId)/run",
                                             headers: [("Content-Type", "application/json")], body: Array(data)))
        struct Run: Codable { var jobid: String }
        return try decode(Run.self, r, "/jars/\(jarId)/run").jobid
    }

    public func cancel(_ jobId: String) throws {
        let r = try http.perform(HTTPRequest(method: "PATCH", url: baseURL + "/jobs/\(jobId)?mode=cancel"))
        guard (200..<300).contains(r.status) else {
            throw FlinkError(.rest, "cancelling \(jobId) answered \(r.status): \(r.text)")
        }
    }
}
