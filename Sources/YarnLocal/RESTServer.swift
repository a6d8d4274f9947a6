import Foundation
import Hadoop
import Hummingbird
import HTTPTypes
import NIOCore

/// The embedded cluster's REST surface: ResourceManager (`/ws/v1/cluster`),
/// NodeManager logs (`/ws/v1/node`) and the Services API (`/app/v1/services`),
/// with Hadoop's JSON shapes and error bodies.
struct RESTRouter: Sendable {
    let cluster: LocalCluster
    /// Kerberos mode: SPNEGO on every call, ACLs on changes, `user.name` ignored.
    var authenticator: SPNEGOAuthenticator? = nil
    /// The authenticated caller of the request being served (Kerberos mode).
    var caller: String? = nil
    /// WebHDFS delegation tokens (Kerberos mode).
    var tokens: DelegationTokens? = nil
    /// The caller was authenticated by a delegation token, not by Kerberos.
    var viaToken = false

    private enum API { case resourceManager, services }

    func respond(_ request: Request) async -> Response {
        guard let authenticator else { return await dispatch(request) }
        // WebHDFS with `delegation=`: the token is the authentication, as the
        // NameNode takes it; a bad one is refused, never passed on to SPNEGO.
        if let tokens, request.uri.path.hasPrefix("/webhdfs/v1"),
           let token = query(request, "delegation"), !token.isEmpty {
            do {
                let id = try tokens.verify(token, now: Int64(Date().timeIntervalSince1970 * 1000))
                var scoped = self
                scoped.caller = Self.shortName(id.owner)
                scoped.viaToken = true
                return await scoped.dispatch(request)
            } catch {
                return json(RemoteExceptionBody(exception: "InvalidToken", message: error.message,
                                                javaClassName: "org.apache.hadoop.security.token.SecretManager$InvalidToken"),
                            status: 403)
            }
        }
        switch authenticator.authenticate(request) {
        case .challenge(let reason, _):
            var response = errorResponse(LocalClusterError(.unauthorized, reason),
                                         api: request.uri.path.hasPrefix("/app/v1/services") ? .services : .resourceManager)
            response.headers[.wwwAuthenticate] = "Negotiate"
            // An empty cookie clears a stale one, as Hadoop's filter does.
            response.headers[.setCookie] = "hadoop.auth=; Path=/; HttpOnly" + (authenticator.secureCookies ? "; Secure" : "")
            return response
        case .refused(let reason):
            return errorResponse(LocalClusterError(.forbidden, reason),
                                 api: request.uri.path.hasPrefix("/app/v1/services") ? .services : .resourceManager)
        case .authenticated(let user, let headers):
            var scoped = self
            scoped.caller = user
            var response = await scoped.dispatch(request)
            for (name, value) in headers { response.headers.append(HTTPField(name: name, value: value)) }
            return response
        }
    }

    private func dispatch(_ request: Request) async -> Response {
        let path = request.uri.path
        let api: API = path.hasPrefix("/app/v1/services") ? .services : .resourceManager
        do {
            return try await route(request, path: path)
        } catch let error as LocalClusterError {
            return errorResponse(error, api: api)
        } catch let error as DecodingError {
            return errorResponse(LocalClusterError(.badRequest, "The request body is not valid JSON for this call: \(Self.describe(error))"), api: api)
        } catch {
            return errorResponse(LocalClusterError(.internal, "\(error)"), api: api)
        }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let c):
            return c.underlyingError.map { "\(c.debugDescription) (\($0.localizedDescription))" } ?? c.debugDescription
        case .keyNotFound(let key, _):
            return "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let c), .valueNotFound(_, let c):
            let field = c.codingPath.map(\.stringValue).joined(separator: ".")
            return "field '\(field)': \(c.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private func errorResponse(_ error: LocalClusterError, api: API) -> Response {
        switch api {
        case .resourceManager:
            return json(error.remoteException, status: error.status)
        case .services:
            var code: Int? = nil
            if error.kind == .notFound { code = 404_00 }
            return json(ServiceStatus(diagnostics: error.message, code: code), status: error.status)
        }
    }

    // MARK: - Helpers

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.withoutEscapingSlashes]
        return e
    }()

    func json<T: Encodable>(_ value: T, status: Int = 200) -> Response {
        let data = (try? Self.encoder.encode(value)) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: headers,
                         body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    func text(_ s: String, status: Int = 200) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .init(code: status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: s)))
    }

    /// The largest JSON body a call takes; more answers 413.
    static let maxBody = 1024 * 1024

    func decode<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        var req = request
        let buffer: ByteBuffer
        do {
            buffer = try await req.collectBody(upTo: Self.maxBody)
        } catch is NIOTooManyBytesError {
            throw LocalClusterError(.payloadTooLarge, "The request body is larger than \(Self.maxBody) bytes")
        }
        guard buffer.readableBytes > 0 else {
            throw LocalClusterError(.badRequest, "The request needs a JSON body")
        }
        return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
    }

    /// A principal's short name, as Hadoop's DEFAULT rule maps one of the
    /// cluster's realm: `alice@REALM` and `alice/host@REALM` are `alice`.
    static func shortName(_ principal: String) -> String {
        String(principal.prefix { $0 != "@" && $0 != "/" })
    }

    /// A query parameter, percent-decoded once (by the URI parser), never twice.
    func query(_ request: Request, _ name: String) -> String? {
        request.uri.queryParameters[Substring(name)].map { String($0) }
    }

    /// The caller: the Kerberos principal's short name in Kerberos mode,
    /// else simple authentication's `user.name`.
    func user(_ request: Request) -> String? {
        if authenticator != nil { return caller }
        guard let u = query(request, "user.name"), !u.isEmpty, Self.validPrincipalName(u) else { return nil }
        return u
    }

    func requireUser(_ request: Request) throws -> String {
        if authenticator == nil, let u = query(request, "user.name"), !u.isEmpty, !Self.validPrincipalName(u) {
            throw LocalClusterError(.badRequest, "Invalid value for parameter user.name: a user name may not hold spaces, control characters or any of / : & = ; , \" \\")
        }
        guard let u = user(request) else {
            throw LocalClusterError(.unauthorized, "Unable to obtain user name, user not authenticated (add ?user.name=NAME)")
        }
        return u
    }

    /// Kerberos mode's ACL on changes: only the owner and the admins may
    /// kill, flex, stop or destroy; others get 403. Without Kerberos anyone may.
    func authorize(_ user: String, owner: String, _ action: String) throws {
        guard let authenticator, user != owner, !authenticator.settings.admins.contains(user) else { return }
        throw LocalClusterError(.forbidden, "User \(user) cannot \(action): only its owner \(owner) and the cluster's admins may")
    }

    /// A service as others see it in Kerberos mode: without its environment,
    /// which is its owner's and the admins' to read (it may hold secrets).
    func redacted(_ service: Service) -> Service {
        guard authenticator != nil, let caller, caller != service.user, !cluster.configuration.superusers.contains(caller) else {
            return service
        }
        var out = service
        out.configuration?.env = nil
        out.components = out.components?.map { var c = $0; c.configuration?.env = nil; return c }
        return out
    }

    func methodNotAllowed(_ request: Request) -> LocalClusterError {
        LocalClusterError(.methodNotAllowed, "HTTP method \(request.method.rawValue) is not supported by \(request.uri.path)")
    }

    // MARK: - Routing

    private func route(_ request: Request, path: String) async throws -> Response {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { String($0).removingPercentEncoding ?? String($0) }
        let method = request.method
        switch parts.first {
        case "ws":
            guard parts.count >= 3, parts[1] == "v1" else { break }
            if parts[2] == "cluster" { return try await clusterRoute(request, Array(parts.dropFirst(3)), method) }
            if parts[2] == "node" { return try await nodeRoute(request, Array(parts.dropFirst(3)), method) }
        case "app":
            guard parts.count >= 3, parts[1] == "v1", parts[2] == "services" else { break }
            return try await servicesRoute(request, Array(parts.dropFirst(3)), method)
        case "node":
            // The web UI link in amContainerLogs: /node/containerlogs/{id}/{user}
            if parts.count >= 3, parts[1] == "containerlogs" {
                return try await logsPage(container: parts[2])
            }
        case "webhdfs":
            guard parts.count >= 2, parts[1] == "v1" else { break }
            return await webhdfsRoute(request, Array(parts.dropFirst(2)))
        case "isActive":
            return text("I am Active!")
        case "cluster":
            // The web UI's About page; clients such as yarn-api-client probe it
            // to find the active ResourceManager.
            let info = await cluster.clusterInfo()
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            let page = "<html><head><title>About the Cluster</title></head><body><h1>flinkctl embedded YARN cluster</h1><p>ResourceManager state: \(info.state), HA state: \(info.haState), version \(info.resourceManagerVersion)</p></body></html>"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
        default:
            break
        }
        throw LocalClusterError(.notFound, "No resource at \(path)")
    }

    private func clusterRoute(_ request: Request, _ p: [String], _ method: HTTPRequest.Method) async throws -> Response {
        switch (method, p.count, p.first) {
        case (.get, 0, _), (.get, 1, "info"):
            return json(ClusterInfoEnvelope(clusterInfo: await cluster.clusterInfo()))
        case (.get, 1, "metrics"):
            return json(ClusterMetricsEnvelope(clusterMetrics: await cluster.metrics()))
        case (.get, 1, "nodes"):
            return json(NodesEnvelope(nodes: await cluster.nodes()))
        case (.get, 2, "nodes"):
            guard let node = await cluster.nodes().first(where: { $0.id == p[1] }) else {
                throw LocalClusterError(.notFound, "nodeId, \(p[1]), is not found")
            }
            return json(["node": node])
        case (.get, 1, "apps"):
            let states = (query(request, "states") ?? query(request, "state") ?? "")
                .split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let types = (query(request, "applicationTypes") ?? "").split(separator: ",")
                .map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            var limit: Int? = nil
            if let l = query(request, "limit") {
                guard let n = Int(l), n > 0 else {
                    throw LocalClusterError(.badRequest, "limit value must be greater then 0")
                }
                limit = n
            }
            let apps = try await cluster.applications(states: states, user: query(request, "user"),
                                                      queue: query(request, "queue"), types: types, limit: limit)
            return json(ApplicationsEnvelope(apps: apps))
        case (.post, 1, "apps"):
            let user = try requireUser(request)
            let submission = try await decode(ApplicationSubmission.self, request)
            try await cluster.submit(submission, user: user)
            try await cluster.persistIfNeeded()
            var headers = HTTPFields()
            headers[.location] = "/ws/v1/cluster/apps/\(submission.applicationId)"
            return Response(status: .accepted, headers: headers)
        case (.post, 2, "apps") where p[1] == "new-application":
            _ = try requireUser(request)
            let new = await cluster.newApplication(user: try requireUser(request))
            try await cluster.persistIfNeeded()
            return json(new)
        case (.get, 2, "apps"):
            return json(ApplicationEnvelope(app: try await cluster.application(p[1])))
        case (.get, 3, "apps") where p[2] == "appattempts":
            return json(AppAttemptsEnvelope(attempts: try await cluster.attempts(p[1])))
        case (.get, 3, "apps") where p[2] == "state":
            return json(AppState(state: try await cluster.appState(p[1])))
        case (.put, 3, "apps") where p[2] == "state":
            let user = try requireUser(request)
            let owner = try await cluster.application(p[1]).user // 404 before reading the body
            try authorize(user, owner: owner, "kill application \(p[1])")
            let target = try await decode(AppState.self, request)
            let now = try await cluster.setAppState(p[1], target: target.state, user: user)
            try await cluster.persistIfNeeded()
            return json(AppState(state: now))
        default:
            let known: Set<String> = ["info", "metrics", "nodes", "apps"]
            if let first = p.first, known.contains(first), p.count <= 3 { throw methodNotAllowed(request) }
        }
        throw LocalClusterError(.notFound, "No resource at \(request.uri.path)")
    }

    private func nodeRoute(_ request: Request, _ p: [String], _ method: HTTPRequest.Method) async throws -> Response {
        guard method == .get else { throw methodNotAllowed(request) }
        if p.isEmpty || p == ["info"] {
            let node = await cluster.nodes()[0]
            return json(["nodeInfo": ["id": node.id, "nodeHostName": node.nodeHostName,
                                      "nodeManagerVersion": node.version, "hadoopVersion": node.version]])
        }
        guard p.first == "containerlogs", p.count >= 2 else {
            throw LocalClusterError(.notFound, "No resource at \(request.uri.path)")
        }
        let dir = try await cluster.logDirectory(container: p[1])
        try await checkLogAccess(p[1])
        if p.count == 2 {
            return json(NodeLogsClient.Envelope(containerLogsInfo: .init(containerLogInfo: Self.listLogs(dir), containerId: p[1])))
        }
        let name = p[2]
        guard !name.contains("/"), name != "..", name != "." else {
            throw LocalClusterError(.badRequest, "Invalid log file name \(name)")
        }
        let file = (dir as NSString).appendingPathComponent(name)
        // Read as a regular file, never through a link (nor a hard link): a
        // container that runs as another user owns its log directory and
        // could plant one to a file it may not read.
        guard let fd = ContainerExecutor.openLog(file) else {
            throw LocalClusterError(.notFound, "Cannot find this log on the local disk: \(name)")
        }
        var st = stat()
        fstat(fd, &st)
        let size = Int64(max(0, st.st_size))
        var start: Int64 = 0
        if let s = query(request, "start"), let n = Int64(s) {
            start = n >= 0 ? min(n, size) : max(0, size + max(n, -size))
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        // Streamed, as OPEN is: a large log is never held whole in memory.
        let fdBox = FileDescriptorBox(fd)
        let from = start
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: Int(size - start)) { writer in
            defer { fdBox.close() }
            try await Self.stream(fdBox.fd, from: from, count: size - from, to: &writer)
        })
    }

    static func listLogs(_ dir: String) -> [NodeLogsClient.LogFile] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        return names.compactMap { name in
            let attrs = try? FileManager.default.attributesOfItem(atPath: (dir as NSString).appendingPathComponent(name))
            guard (attrs?[.type] as? FileAttributeType) == .typeRegular else { return nil }
            let size = (attrs?[.size] as? NSNumber)?.int64Value ?? 0
            let modified = (attrs?[.modificationDate] as? Date).map { "\($0)" }
            return NodeLogsClient.LogFile(fileName: name, fileSize: size, lastModifiedTime: modified)
        }
    }

    /// Kerberos mode: a container's logs are its owner's and the admins'
    /// (YARN's log ACLs); without Kerberos anyone may read them.
    private func checkLogAccess(_ container: String) async throws {
        guard authenticator != nil, let caller, let owner = await cluster.containerOwner(container),
              caller != owner, !cluster.configuration.superusers.contains(caller) else { return }
        throw LocalClusterError(.forbidden, "User \(caller) cannot read the logs of \(container): only its owner \(owner) and the cluster's admins may")
    }

    private func logsPage(container: String) async throws -> Response {
        let dir = try await cluster.logDirectory(container: container)
        try await checkLogAccess(container)
        var out = ""
        for f in Self.listLogs(dir) {
            out += "LogType:\(f.fileName)\nLogLength:\(f.fileSize)\nLog Contents:\n"
            // The page shows each log's last MiB; the REST call above serves all of it.
            let file = (dir as NSString).appendingPathComponent(f.fileName)
            let tail: Int64 = 1 << 20
            out += ContainerExecutor.readNoFollow(file, offset: UInt64(max(0, f.fileSize - tail)), limit: Int(tail))
                .map { String(decoding: $0, as: UTF8.self) } ?? ""
            out += "\nEnd of LogType:\(f.fileName)\n\n"
        }
        return text(out)
    }

    private func servicesRoute(_ request: Request, _ p: [String], _ method: HTTPRequest.Method) async throws -> Response {
        switch (method, p.count) {
        case (.get, 1) where p[0] == "version":
            return json(["hadoop_version": LocalCluster.version])
        case (.get, 0):
            return json(await cluster.listServices().map(redacted))
        case (.post, 0):
            let user = try requireUser(request)
            let spec = try await decode(Service.self, request)
            let status = try await cluster.createService(spec, user: user)
            try await cluster.persistIfNeeded()
            return json(status, status: 202)
        case (.get, 1):
            return json(redacted(try await cluster.service(p[0])))
        case (.put, 1):
            let user = try requireUser(request)
            try authorize(user, owner: try await cluster.service(p[0]).user ?? "", "change service \(p[0])")
            let body = try await decode(Service.self, request)
            let (status, answer) = try await cluster.updateService(p[0], body: body, user: user)
            try await cluster.persistIfNeeded()
            return json(answer, status: status)
        case (.delete, 1):
            let user = try requireUser(request)
            if authenticator != nil {
                try authorize(user, owner: try await cluster.service(p[0]).user ?? "", "destroy service \(p[0])")
            }
            let answer = try await cluster.destroyService(p[0])
            try await cluster.persistIfNeeded()
            return json(answer)
        case (.get, 2) where p[1] == "component-instances":
            return json(try await cluster.componentInstances(p[0]))
        case (.put, 3) where p[1] == "components":
            let user = try requireUser(request)
            try authorize(user, owner: try await cluster.service(p[0]).user ?? "", "flex service \(p[0])")
            let body = try await decode(ComponentFlex.self, request)
            let answer = try await cluster.flex(p[0], component: p[2], body: body)
            try await cluster.persistIfNeeded()
            return json(answer)
        default:
            if p.count <= 3 { throw methodNotAllowed(request) }
            throw LocalClusterError(.notFound, "No resource at \(request.uri.path)")
        }
    }
}
