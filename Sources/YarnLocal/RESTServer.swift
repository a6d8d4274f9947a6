import Foundation
import Hadoop
import Hummingbird
import HTTPTypes
import NIOCore

/// A request's context: the caller the authentication middleware found.
struct ClusterRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The authenticated caller (Kerberos mode).
    var caller: String? = nil
    /// The caller was authenticated by a delegation token, not by Kerberos.
    var viaToken = false

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}

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

    fileprivate enum API { case resourceManager, services }

    fileprivate static func api(_ path: String) -> API {
        path.hasPrefix("/app/v1/services") ? .services : .resourceManager
    }

    /// This router with the caller the authentication middleware found.
    private func scoped(_ context: ClusterRequestContext) -> RESTRouter {
        var r = self
        r.caller = context.caller
        r.viaToken = context.viaToken
        return r
    }

    /// Authentication of every call, before routing (Kerberos mode; else
    /// simple authentication's `user.name`, read by each route).
    struct Authentication: RouterMiddleware {
        let rest: RESTRouter

        func handle(_ request: Request, context: ClusterRequestContext,
                    next: (Request, ClusterRequestContext) async throws -> Response) async throws -> Response {
            guard let authenticator = rest.authenticator else { return try await next(request, context) }
            // WebHDFS with `delegation=`: the token is the authentication, as the
            // NameNode takes it; a bad one is refused, never passed on to SPNEGO.
            if let tokens = rest.tokens, request.uri.path.hasPrefix("/webhdfs/v1"),
               let token = rest.query(request, "delegation"), !token.isEmpty {
                let id: DelegationTokens.Identifier
                do {
                    id = try tokens.verify(token, now: Int64(Date().timeIntervalSince1970 * 1000))
                } catch {
                    return rest.json(RemoteExceptionBody(exception: "InvalidToken", message: error.message,
                                                         javaClassName: "org.apache.hadoop.security.token.SecretManager$InvalidToken"),
                                     status: 403)
                }
                var scoped = context
                scoped.caller = RESTRouter.shortName(id.owner)
                scoped.viaToken = true
                return try await next(request, scoped)
            }
            switch authenticator.authenticate(request) {
            case .challenge(let reason, _):
                var response = rest.errorResponse(LocalClusterError(.unauthorized, reason), api: RESTRouter.api(request.uri.path))
                response.headers[.wwwAuthenticate] = "Negotiate"
                // An empty cookie clears a stale one, as Hadoop's filter does.
                response.headers[.setCookie] = "hadoop.auth=; Path=/; HttpOnly" + (authenticator.secureCookies ? "; Secure" : "")
                return response
            case .refused(let reason):
                return rest.errorResponse(LocalClusterError(.forbidden, reason), api: RESTRouter.api(request.uri.path))
            case .authenticated(let user, let headers):
                var scoped = context
                scoped.caller = user
                var response = try await next(request, scoped)
                for (name, value) in headers { response.headers.append(HTTPField(name: name, value: value)) }
                return response
            }
        }
    }

    /// Errors as Hadoop answers them: a RemoteException body from the
    /// ResourceManager, a ServiceStatus from the Services API.
    struct HadoopErrors: RouterMiddleware {
        let rest: RESTRouter

        func handle(_ request: Request, context: ClusterRequestContext,
                    next: (Request, ClusterRequestContext) async throws -> Response) async throws -> Response {
            let api = RESTRouter.api(request.uri.path)
            do {
                return try await next(request, context)
            } catch let error as LocalClusterError {
                return rest.errorResponse(error, api: api)
            } catch let error as DecodingError {
                return rest.errorResponse(LocalClusterError(.badRequest, "The request body is not valid JSON for this call: \(RESTRouter.describe(error))"), api: api)
            } catch let error as HTTPError where error.status == .notFound {
                return rest.errorResponse(LocalClusterError(.notFound, "No resource at \(request.uri.path)"), api: api)
            } catch {
                return rest.errorResponse(LocalClusterError(.internal, "\(error)"), api: api)
            }
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

    fileprivate func errorResponse(_ error: LocalClusterError, api: API) -> Response {
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

    /// The cluster's routes on Hummingbird's router. A known path called
    /// with a method it does not take answers 405, an unknown one 404.
    func makeRouter() -> Router<ClusterRequestContext> {
        let router = Router(context: ClusterRequestContext.self)
        router.add(middleware: Authentication(rest: self))
        router.add(middleware: HadoopErrors(rest: self))
        var table = RouteTable(router: router, rest: self)

        // ResourceManager
        table.on("/ws/v1/cluster", .get) { r, _, _ in r.json(ClusterInfoEnvelope(clusterInfo: await r.cluster.clusterInfo())) }
        table.on("/ws/v1/cluster/info", .get) { r, _, _ in r.json(ClusterInfoEnvelope(clusterInfo: await r.cluster.clusterInfo())) }
        table.on("/ws/v1/cluster/metrics", .get) { r, _, _ in r.json(ClusterMetricsEnvelope(clusterMetrics: await r.cluster.metrics())) }
        table.on("/ws/v1/cluster/nodes", .get) { r, _, _ in r.json(NodesEnvelope(nodes: await r.cluster.nodes())) }
        table.on("/ws/v1/cluster/nodes/:node", .get) { r, _, p in try await r.node(p("node")) }
        table.on("/ws/v1/cluster/apps", .get) { r, request, _ in try await r.applications(request) }
        table.on("/ws/v1/cluster/apps", .post) { r, request, _ in try await r.submitApplication(request) }
        table.on("/ws/v1/cluster/apps/new-application", .post) { r, request, _ in try await r.newApplication(request) }
        table.on("/ws/v1/cluster/apps/:app", .get) { r, _, p in r.json(ApplicationEnvelope(app: try await r.cluster.application(p("app")))) }
        table.on("/ws/v1/cluster/apps/:app/appattempts", .get) { r, _, p in r.json(AppAttemptsEnvelope(attempts: try await r.cluster.attempts(p("app")))) }
        table.on("/ws/v1/cluster/apps/:app/state", .get) { r, _, p in r.json(AppState(state: try await r.cluster.appState(p("app")))) }
        table.on("/ws/v1/cluster/apps/:app/state", .put) { r, request, p in try await r.setApplicationState(request, p("app")) }

        // NodeManager
        table.on("/ws/v1/node", .get) { r, _, _ in await r.nodeInfo() }
        table.on("/ws/v1/node/info", .get) { r, _, _ in await r.nodeInfo() }
        table.on("/ws/v1/node/containers/:container/logs", .get) { r, _, p in try await r.containerLogs(p("container"), list: true) }
        table.on("/ws/v1/node/containerlogs/:container", .get) { r, _, p in try await r.containerLogs(p("container")) }
        table.on("/ws/v1/node/containerlogs/:container/:file", .get) { r, request, p in
            try await r.containerLog(request, p("container"), p("file"))
        }
        // The web UI link in amContainerLogs: /node/containerlogs/{id}/{user}
        table.on("/node/containerlogs/:container", .get) { r, _, p in try await r.logsPage(container: p("container")) }
        table.on("/node/containerlogs/:container/**", .get) { r, _, p in try await r.logsPage(container: p("container")) }

        // The log server (yarn.log.server.web-service.url): aggregated logs.
        registerLogServer(&table)

        // Services API
        table.on("/app/v1/services", .get) { r, _, _ in r.json(await r.cluster.listServices().map(r.redacted)) }
        table.on("/app/v1/services", .post) { r, request, _ in try await r.createService(request) }
        table.on("/app/v1/services/version", .get) { r, _, _ in r.json(["hadoop_version": LocalCluster.version]) }
        table.on("/app/v1/services/:service", .get) { r, _, p in r.json(r.redacted(try await r.cluster.service(p("service")))) }
        table.on("/app/v1/services/:service", .put) { r, request, p in try await r.updateService(request, p("service")) }
        table.on("/app/v1/services/:service", .delete) { r, request, p in try await r.destroyService(request, p("service")) }
        table.on("/app/v1/services/:service/component-instances", .get) { r, _, p in
            r.json(try await r.cluster.componentInstances(p("service")))
        }
        table.on("/app/v1/services/:service/components/:component", .put) { r, request, p in
            try await r.flexComponent(request, p("service"), p("component"))
        }

        // WebHDFS: the path below /webhdfs/v1 is the file's; each op checks its method.
        for method in RouteTable.methods {
            table.on("/webhdfs/v1", method) { r, request, _ in await r.webhdfsRoute(request, []) }
            table.on("/webhdfs/v1/**", method) { r, request, p in await r.webhdfsRoute(request, p.catchAll) }
        }

        // The web UI's probes: clients such as yarn-api-client ask /cluster
        // (the About page) or /isActive for the active ResourceManager.
        table.on("/isActive", .get) { r, _, _ in r.text("I am Active!") }
        table.on("/cluster", .get) { r, _, _ in await r.aboutPage() }
        table.finish()
        return router
    }

    /// A route's path parameters, percent-decoded once.
    struct PathParameters {
        let context: ClusterRequestContext

        func callAsFunction(_ name: String) -> String {
            let raw = context.parameters.get(name) ?? ""
            return raw.removingPercentEncoding ?? raw
        }

        /// What `**` matched, one decoded string a path segment.
        var catchAll: [String] {
            context.parameters.getCatchAll().map { String($0).removingPercentEncoding ?? String($0) }
        }
    }

    /// Registers routes, then answers 405 for every method a known path does not take.
    struct RouteTable {
        typealias Handler = @Sendable (RESTRouter, Request, PathParameters) async throws -> Response
        static let methods: [HTTPRequest.Method] = [.get, .head, .post, .put, .delete, .patch, .options]
        let router: Router<ClusterRequestContext>
        let rest: RESTRouter
        private var taken: [(path: String, methods: Set<HTTPRequest.Method>)] = []

        init(router: Router<ClusterRequestContext>, rest: RESTRouter) {
            self.router = router
            self.rest = rest
        }

        mutating func on(_ path: String, _ method: HTTPRequest.Method, _ handler: @escaping Handler) {
            let rest = self.rest
            router.on(RouterPath(path), method: method) { request, context in
                try await handler(rest.scoped(context), request, PathParameters(context: context))
            }
            if let i = taken.firstIndex(where: { $0.path == path }) {
                taken[i].methods.insert(method)
            } else {
                taken.append((path, [method]))
            }
        }

        func finish() {
            let rest = self.rest
            for (path, methods) in taken {
                for method in Self.methods where !methods.contains(method) {
                    router.on(RouterPath(path), method: method) { request, _ -> Response in
                        throw rest.methodNotAllowed(request)
                    }
                }
            }
        }
    }

    private func aboutPage() async -> Response {
        let info = await cluster.clusterInfo()
        var headers = HTTPFields()
        headers[.contentType] = "text/html; charset=utf-8"
        let page = "<html><head><title>About the Cluster</title></head><body><h1>flinkctl embedded YARN cluster</h1><p>ResourceManager state: \(info.state), HA state: \(info.haState), version \(info.resourceManagerVersion)</p></body></html>"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: page)))
    }

    // MARK: - ResourceManager

    private func node(_ id: String) async throws -> Response {
        guard let node = await cluster.nodes().first(where: { $0.id == id }) else {
            throw LocalClusterError(.notFound, "nodeId, \(id), is not found")
        }
        return json(["node": node])
    }

    private func applications(_ request: Request) async throws -> Response {
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
    }

    private func submitApplication(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        let submission = try await decode(ApplicationSubmission.self, request)
        try await cluster.submit(submission, user: user)
        try await cluster.persistIfNeeded()
        var headers = HTTPFields()
        headers[.location] = "/ws/v1/cluster/apps/\(submission.applicationId)"
        return Response(status: .accepted, headers: headers)
    }

    private func newApplication(_ request: Request) async throws -> Response {
        let new = await cluster.newApplication(user: try requireUser(request))
        try await cluster.persistIfNeeded()
        return json(new)
    }

    private func setApplicationState(_ request: Request, _ app: String) async throws -> Response {
        let user = try requireUser(request)
        let owner = try await cluster.application(app).user // 404 before reading the body
        try authorize(user, owner: owner, "kill application \(app)")
        let target = try await decode(AppState.self, request)
        let now = try await cluster.setAppState(app, target: target.state, user: user)
        try await cluster.persistIfNeeded()
        return json(AppState(state: now))
    }

    // MARK: - NodeManager

    private func nodeInfo() async -> Response {
        let node = await cluster.nodes()[0]
        return json(["nodeInfo": ["id": node.id, "nodeHostName": node.nodeHostName,
                                  "nodeManagerVersion": node.version, "hadoopVersion": node.version]])
    }

    private func containerLogs(_ container: String, list: Bool = false) async throws -> Response {
        let dir = try await cluster.logDirectory(container: container)
        try await checkLogAccess(container)
        let info = NodeLogsClient.ContainerLogsInfo(containerLogInfo: Self.listLogs(dir), containerId: container,
                                                    nodeId: await cluster.httpAddress)
        return list ? json(NodeLogsClient.ListEnvelope(containerLogsInfo: [info]))
                    : json(NodeLogsClient.Envelope(containerLogsInfo: info))
    }

    private func containerLog(_ request: Request, _ container: String, _ name: String) async throws -> Response {
        let dir = try await cluster.logDirectory(container: container)
        try await checkLogAccess(container)
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
        return try logBody(request, fd: fd, size: Int64(max(0, st.st_size)))
    }

    /// A log file's bytes, streamed (a large log is never held whole in
    /// memory): all of it, from `start` on, or YARN's `size` (the first N
    /// bytes; with a negative N, the last -N). Closes `fd`.
    func logBody(_ request: Request, fd: Int32, size: Int64) throws -> Response {
        var start: Int64 = 0, end = size
        if let s = query(request, "start") {
            guard let n = Int64(s) else {
                close(fd)
                throw LocalClusterError(.badRequest, "Invalid value for parameter start: \(s)")
            }
            start = n >= 0 ? min(n, size) : max(0, size + max(n, -size))
        }
        if let s = query(request, "size") {
            guard let n = Int64(s) else {
                close(fd)
                throw LocalClusterError(.badRequest, "Invalid value for parameter size: \(s)")
            }
            if n >= 0 { end = min(size, start + n) } else { start = max(start, size - min(-n, size)) }
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        let fdBox = FileDescriptorBox(fd)
        let from = start, count = end - start
        return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: Int(count)) { writer in
            defer { fdBox.close() }
            try await Self.stream(fdBox.fd, from: from, count: count, to: &writer)
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
    func checkLogAccess(_ container: String) async throws {
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

    // MARK: - Services API

    private func createService(_ request: Request) async throws -> Response {
        let user = try requireUser(request)
        let spec = try await decode(Service.self, request)
        let status = try await cluster.createService(spec, user: user)
        try await cluster.persistIfNeeded()
        return json(status, status: 202)
    }

    private func updateService(_ request: Request, _ name: String) async throws -> Response {
        let user = try requireUser(request)
        try authorize(user, owner: try await cluster.service(name).user ?? "", "change service \(name)")
        let body = try await decode(Service.self, request)
        let (status, answer) = try await cluster.updateService(name, body: body, user: user)
        try await cluster.persistIfNeeded()
        return json(answer, status: status)
    }

    private func destroyService(_ request: Request, _ name: String) async throws -> Response {
        let user = try requireUser(request)
        if authenticator != nil {
            try authorize(user, owner: try await cluster.service(name).user ?? "", "destroy service \(name)")
        }
        let answer = try await cluster.destroyService(name)
        try await cluster.persistIfNeeded()
        return json(answer)
    }

    private func flexComponent(_ request: Request, _ name: String, _ component: String) async throws -> Response {
        let user = try requireUser(request)
        try authorize(user, owner: try await cluster.service(name).user ?? "", "flex service \(name)")
        let body = try await decode(ComponentFlex.self, request)
        let answer = try await cluster.flex(name, component: component, body: body)
        try await cluster.persistIfNeeded()
        return json(answer)
    }
}
