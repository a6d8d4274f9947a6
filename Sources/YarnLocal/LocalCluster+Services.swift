import Foundation
import Hadoop

extension LocalCluster {
    // MARK: - Validation

    /// The longest lifetime a service may ask for, in seconds (about 290
    /// million years: any more and its expiry in milliseconds would overflow).
    static let maxLifetime: Int64 = (Int64.max / 1000) / 2
    /// The longest description kept with a service.
    static let maxDescription = 16 * 1024
    /// The largest service specification or application launch kept.
    static let maxStoredSpec = 256 * 1024

    static func validName(_ name: String, max: Int) -> Bool {
        guard let first = name.first, first.isLowercase, first.isASCII, name.count <= max else { return false }
        return name.allSatisfy { ($0.isLowercase && $0.isASCII) || $0.isNumber || $0 == "-" }
    }

    func resource(for component: Component, in service: Service) throws -> (Int64, Int) {
        let r = component.resource ?? service.resource
        guard let r, r.memory != nil || r.cpus != nil else {
            throw LocalClusterError(.badRequest, "Resource of component \(component.name) is not specified (set resource.memory and resource.cpus)")
        }
        guard let memory = r.memoryMB ?? (r.memory == nil ? 1024 : nil), memory > 0 else {
            throw LocalClusterError(.badRequest, "Invalid memory '\(r.memory ?? "")' for component \(component.name): give megabytes as a positive number")
        }
        let cpus = r.cpus ?? 1
        guard cpus > 0 else {
            throw LocalClusterError(.badRequest, "Invalid cpus \(cpus) for component \(component.name): it must be positive")
        }
        guard fits(memoryMB: memory, vcores: cpus) else {
            throw LocalClusterError(.badRequest, "Component \(component.name) asks for \(memory) MB and \(cpus) vcores per container; this cluster has \(configuration.memoryMB) MB and \(configuration.vcores) vcores")
        }
        return (memory, cpus)
    }

    func files(of configuration: ServiceConfiguration?, context: String, user: String) throws -> [LocalizedFile] {
        var out: [LocalizedFile] = []
        for f in configuration?.files ?? [] {
            let type = (f.type ?? "").uppercased()
            guard type == "STATIC" || type == "ARCHIVE" else {
                throw LocalClusterError(.badRequest, "\(context): config file type '\(f.type ?? "")' is not supported by the embedded cluster (use STATIC or ARCHIVE)")
            }
            guard let src = f.srcFile, !src.isEmpty else {
                throw LocalClusterError(.badRequest, "\(context): a \(type) config file needs src_file")
            }
            let source = try localSource(src, what: "\(context) src_file", user: user)
            let name = (f.destFile?.isEmpty == false ? f.destFile! : (src as NSString).lastPathComponent)
            let relative = name.hasPrefix("/") ? (name as NSString).lastPathComponent : name
            guard !relative.split(separator: "/").contains("..") else {
                throw LocalClusterError(.badRequest, "\(context): dest_file '\(name)' leaves the container directory")
            }
            out.append(LocalizedFile(source: source, destination: "resources/" + relative,
                                     kind: type == "ARCHIVE" ? .archive : .file))
        }
        return out
    }

    func artifactFiles(_ artifact: Artifact?, context: String, user: String) throws -> [LocalizedFile] {
        guard let artifact else { return [] }
        switch (artifact.type ?? "DOCKER").uppercased() {
        case "TARBALL":
            guard let uri = artifact.uri ?? artifact.id, !uri.isEmpty else {
                throw LocalClusterError(.badRequest, "\(context): a TARBALL artifact needs an id (its location)")
            }
            return [LocalizedFile(source: try localSource(uri, what: "\(context) artifact", user: user), destination: "lib", kind: .archive)]
        case "DOCKER":
            throw LocalClusterError(.badRequest, "\(context): DOCKER artifacts are not supported by the embedded cluster (use TARBALL or none)")
        default:
            throw LocalClusterError(.badRequest, "\(context): unsupported artifact type \(artifact.type ?? "")")
        }
    }

    /// Checks a service spec the way Hadoop's ServiceApiUtil does, with the
    /// embedded cluster's own limits.
    func validate(_ service: Service, user: String) throws -> [ComponentRecord] {
        guard let name = service.name, !name.isEmpty else {
            throw LocalClusterError(.badRequest, "Service name is not specified")
        }
        guard Self.validName(name, max: 63) else {
            throw LocalClusterError(.badRequest, "Invalid service name '\(name)': use at most 63 lower-case letters, digits and '-', starting with a letter")
        }
        guard let version = service.version, !version.isEmpty else {
            throw LocalClusterError(.badRequest, "Version of service \(name) is not specified")
        }
        if let lifetime = service.lifetime, lifetime == 0 || lifetime < -1 || lifetime > Self.maxLifetime {
            throw LocalClusterError(.badRequest, "Invalid lifetime \(lifetime): give seconds up to \(Self.maxLifetime), or -1 for no limit")
        }
        if let d = service.description, d.utf8.count > Self.maxDescription {
            throw LocalClusterError(.badRequest, "The service's description is longer than \(Self.maxDescription) bytes")
        }
        guard let components = service.components, !components.isEmpty else {
            throw LocalClusterError(.badRequest, "No component specified for \(name)")
        }
        var seen: Set<String> = []
        var records: [ComponentRecord] = []
        for c in components {
            guard Self.validName(c.name, max: 44) else {
                throw LocalClusterError(.badRequest, "Invalid component name '\(c.name)': use at most 44 lower-case letters, digits and '-'")
            }
            guard seen.insert(c.name).inserted else {
                throw LocalClusterError(.badRequest, "Component name \(c.name) must be unique")
            }
            guard let n = c.numberOfContainers else {
                throw LocalClusterError(.badRequest, "Number of containers not specified for component \(c.name)")
            }
            guard n >= 0 else {
                throw LocalClusterError(.badRequest, "Invalid number of containers specified \(n) for component \(c.name)")
            }
            guard n <= 10_000 else {
                throw LocalClusterError(.badRequest, "Number of containers \(n) for component \(c.name) is over the embedded cluster's limit of 10000")
            }
            let hasTarball = (c.artifact ?? service.artifact)?.type?.uppercased() == "TARBALL"
            if (c.launchCommand ?? "").isEmpty && !hasTarball {
                throw LocalClusterError(.badRequest, "launch_command not specified for component \(c.name)")
            }
            _ = try resource(for: c, in: service)
            for key in Array((c.configuration?.env ?? [:]).keys) + Array((service.configuration?.env ?? [:]).keys) where !validEnvironmentName(key) {
                throw LocalClusterError(.badRequest, "Invalid environment variable name '\(key.prefix(64))' in component \(c.name): use letters, digits and _")
            }
            _ = try files(of: c.configuration, context: "component \(c.name)", user: user)
            _ = try artifactFiles(c.artifact ?? service.artifact, context: "component \(c.name)", user: user)
            records.append(ComponentRecord(spec: c, desired: n))
        }
        for c in components {
            for d in c.dependencies ?? [] where !seen.contains(d) {
                throw LocalClusterError(.badRequest, "Component \(c.name) depends on \(d), which is not in the service")
            }
        }
        _ = try files(of: service.configuration, context: "service \(name)", user: user)
        return records
    }

    /// `now` plus `seconds`, saturating: never traps on a large lifetime.
    static func expiry(_ now: Int64, _ seconds: Int64) -> Int64 {
        let (ms, o1) = seconds.multipliedReportingOverflow(by: 1000)
        let (at, o2) = now.addingReportingOverflow(ms)
        return o1 || o2 ? Int64.max : at
    }

    // MARK: - Create, read

    public func createService(_ spec: Service, user: String) throws -> ServiceStatus {
        _ = try launchIdentity(user)
        let components = try validate(spec, user: user)
        let name = spec.name!
        if let existing = state.services[name] {
            throw LocalClusterError(.conflict, "Service name \(name) is already taken (owned by \(existing.user), application \(existing.appId)).")
        }
        var stored = spec
        stored.state = nil
        stored.id = nil
        stored.user = nil
        stored.launchTime = nil
        stored.numberOfRunningContainers = nil
        stored.components = stored.components?.map { var c = $0; c.containers = nil; c.state = nil; return c }
        // Kept in the state file, which is written whole on every change: a
        // spec's size is bounded like its fields.
        if let size = try? JSONEncoder().encode(stored).count, size > Self.maxStoredSpec {
            throw LocalClusterError(.badRequest, "The service's specification is \(size) bytes; the embedded cluster keeps at most \(Self.maxStoredSpec)")
        }
        let appId = newAppId()
        let record = ServiceRecord(name: name, user: user, spec: stored, appId: appId, state: .ACCEPTED,
                                   launchTime: nowMillis(), expiresAt: nil, components: components)
        state.services[name] = record
        startServiceApp(name)
        return ServiceStatus(uri: "/app/v1/services/\(name)", diagnostics: "Application ID: \(appId)", state: .ACCEPTED)
    }

    /// Starts (or restarts) a service's application: a new application id,
    /// fresh instances, the lifetime counted from now.
    func startServiceApp(_ name: String, newApp: Bool = false) {
        guard var svc = state.services[name] else { return }
        if newApp { svc.appId = newAppId() }
        let now = nowMillis()
        svc.launchTime = now
        svc.state = .ACCEPTED
        if let lifetime = svc.spec.lifetime, lifetime > 0 { svc.expiresAt = Self.expiry(now, lifetime) } else { svc.expiresAt = nil }
        for i in svc.components.indices { svc.components[i].instances = [:] }
        state.services[name] = svc
        let app = AppRecord(id: svc.appId, user: svc.user, name: name, queue: svc.spec.queue ?? "default",
                            type: "yarn-service", tags: ["name: \(name)", "version: \(svc.spec.version ?? "")"],
                            priority: 0, state: .RUNNING, finalStatus: "UNDEFINED", diagnostics: "",
                            startedTime: now, launchTime: now, maxAttempts: 1, service: name)
        state.apps[svc.appId] = app
        state.appOrder.append(svc.appId)
        markDirty()
        reconcile(name)
    }

    public func listServices() -> [Service] {
        state.services.keys.sorted().compactMap { render(state.services[$0]!) }
    }

    public func service(_ name: String) throws -> Service {
        guard let svc = state.services[name] else {
            throw LocalClusterError(.notFound, "Service \(name) not found")
        }
        return render(svc)
    }

    /// The service as the Services API shows it: spec plus live state.
    func render(_ svc: ServiceRecord) -> Service {
        var out = svc.spec
        out.id = svc.appId
        out.state = svc.state
        out.launchTime = svc.launchTime
        out.user = svc.user
        if let expires = svc.expiresAt {
            out.lifetime = max(0, (expires - nowMillis()) / 1000)
        } else {
            out.lifetime = -1
        }
        var running: Int64 = 0
        out.components = svc.components.map { comp in
            var c = comp.spec
            c.numberOfContainers = comp.desired
            c.restartPolicy = comp.restartPolicy
            let live = containers(of: svc, component: comp)
            running += Int64(live.filter { $0.state == .READY || $0.state == .RUNNING_BUT_UNREADY }.count)
            c.containers = live
            c.state = live.count == Int(comp.desired) && live.allSatisfy({ $0.state == .READY }) ? "STABLE" : "FLEXING"
            if comp.restartPolicy != .ALWAYS && comp.instances.values.allSatisfy({ $0.finalExit != nil })
                && comp.instances.count == Int(comp.desired) {
                c.state = comp.instances.values.allSatisfy { $0.finalExit == 0 } ? "SUCCEEDED" : "FAILED"
            }
            return c
        }
        out.numberOfRunningContainers = running
        if let links = out.quicklinks {
            var rendered: [String: String] = [:]
            for (k, v) in links {
                rendered[k] = v.replacingOccurrences(of: "${SERVICE_NAME}", with: svc.name)
                    .replacingOccurrences(of: "${USER}", with: svc.user)
                    .replacingOccurrences(of: "${DOMAIN}", with: "localdomain")
                    .replacingOccurrences(of: "${NM_HOST}", with: configuration.nodeHost)
            }
            out.quicklinks = rendered
        }
        return out
    }

    func containers(of svc: ServiceRecord, component comp: ComponentRecord) -> [ServiceContainer] {
        comp.instances.values.sorted { $0.index < $1.index }.compactMap { inst in
            guard let cid = inst.containerId, let c = state.containers[cid], c.phase != .complete else { return nil }
            let st: ContainerState = c.phase == .pending ? .RUNNING_BUT_UNREADY : (c.ready ? .READY : .RUNNING_BUT_UNREADY)
            return ServiceContainer(
                id: c.id, launchTime: c.launchTime == 0 ? nil : c.launchTime, ip: configuration.nodeHost,
                hostname: configuration.nodeHost, bareHost: configuration.nodeHost, state: st,
                componentInstanceName: "\(comp.spec.name)-\(inst.index)",
                resource: ServiceResource(cpus: c.vcores, memory: String(c.memoryMB)))
        }
    }

    public func componentInstances(_ name: String) throws -> [ServiceContainer] {
        guard let svc = state.services[name] else {
            throw LocalClusterError(.notFound, "Service \(name) not found")
        }
        return svc.components.flatMap { containers(of: svc, component: $0) }
    }

    // MARK: - Flex, stop, start, destroy

    public func flex(_ name: String, component: String, body: ComponentFlex) throws -> ServiceStatus {
        guard var svc = state.services[name] else {
            throw LocalClusterError(.notFound, "Service \(name) not found")
        }
        if let bodyName = body.name, bodyName != component {
            throw LocalClusterError(.badRequest, "Component name in the request object (\(bodyName)) does not match that in the URI path (\(component))")
        }
        guard let count = body.numberOfContainers else {
            throw LocalClusterError(.badRequest, "No container count provided")
        }
        guard count >= 0 else {
            throw LocalClusterError(.badRequest, "Invalid number of containers specified \(count)")
        }
        guard count <= 10_000 else {
            throw LocalClusterError(.badRequest, "Number of containers \(count) is over the embedded cluster's limit of 10000")
        }
        guard let i = svc.components.firstIndex(where: { $0.spec.name == component }) else {
            throw LocalClusterError(.notFound, "Component \(component) not found in service \(name)")
        }
        guard svc.components[i].restartPolicy == .ALWAYS else {
            throw LocalClusterError(.badRequest, "Flexing is not supported for components which have restart_policy=ON_FAILURE/NEVER")
        }
        guard svc.state != .STOPPED && svc.state != .FAILED && svc.state != .SUCCEEDED else {
            throw LocalClusterError(.badRequest, "Service \(name) is \(svc.state.rawValue); start it before flexing")
        }
        let old = svc.components[i].desired
        svc.components[i].desired = count
        if old != count { svc.state = .FLEX }
        state.services[name] = svc
        markDirty()
        reconcile(name)
        return ServiceStatus(diagnostics: "Updating component (\(component)) size from \(old) to \(count)")
    }

    /// `PUT /app/v1/services/{name}`: stop, start, flex several components, or change the lifetime.
    public func updateService(_ name: String, body: Service, user: String) throws -> (Int, ServiceStatus) {
        guard var svc = state.services[name] else {
            throw LocalClusterError(.notFound, "Service \(name) not found")
        }
        if let bodyName = body.name, bodyName != name {
            throw LocalClusterError(.badRequest, "Service name in the request object (\(bodyName)) does not match that in the URI path (\(name))")
        }
        switch body.state {
        case .STOPPED?:
            guard svc.state != .STOPPED else {
                throw LocalClusterError(.badRequest, "Service \(name) is already stopped")
            }
            stopServiceContainers(&svc, reason: ExitStatus.killedByAppMaster)
            svc.state = .STOPPED
            state.services[name] = svc
            finishApp(svc.appId, state: .FINISHED, finalStatus: "ENDED", diagnostics: "Service \(name) stopped by \(user)")
            markDirty()
            return (200, ServiceStatus(diagnostics: "Successfully stopped service \(name)"))
        case .STARTED?:
            guard svc.state == .STOPPED || svc.state == .FAILED || svc.state == .SUCCEEDED else {
                throw LocalClusterError(.badRequest, "Service \(name) is already running (\(svc.state.rawValue))")
            }
            startServiceApp(name, newApp: true)
            let appId = state.services[name]!.appId
            return (200, ServiceStatus(diagnostics: "Service \(name) is successfully started with ApplicationId: \(appId)", state: .ACCEPTED))
        case .FLEX?:
            for c in body.components ?? [] {
                _ = try flex(name, component: c.name, body: ComponentFlex(name: c.name, numberOfContainers: c.numberOfContainers))
            }
            return (202, ServiceStatus(diagnostics: "Flexing service \(name)", state: .ACCEPTED))
        case nil:
            if let lifetime = body.lifetime {
                guard lifetime > 0, lifetime <= Self.maxLifetime else {
                    throw LocalClusterError(.badRequest, "Invalid lifetime \(lifetime): give a positive number of seconds up to \(Self.maxLifetime)")
                }
                svc.spec.lifetime = lifetime
                svc.expiresAt = Self.expiry(nowMillis(), lifetime)
                state.services[name] = svc
                markDirty()
                return (200, ServiceStatus(diagnostics: "Service (\(name))'s lifeTime is updated to \(lifetime) seconds from now"))
            }
            throw LocalClusterError(.badRequest, "Nothing to do: give a state (STOPPED, STARTED, FLEX) or a lifetime")
        case let other?:
            throw LocalClusterError(.badRequest, "State \(other.rawValue) cannot be requested through this call")
        }
    }

    public func destroyService(_ name: String) throws -> ServiceStatus {
        guard var svc = state.services[name] else {
            throw LocalClusterError(.notFound, "Service \(name) doesn't exist")
        }
        stopServiceContainers(&svc, reason: ExitStatus.killedByAppMaster)
        finishApp(svc.appId, state: .FINISHED, finalStatus: "ENDED", diagnostics: "Service \(name) destroyed")
        state.services[name] = nil
        markDirty()
        return ServiceStatus(diagnostics: "Successfully destroyed service \(name)")
    }

    func stopServiceContainers(_ svc: inout ServiceRecord, reason: Int) {
        for i in svc.components.indices {
            for (index, inst) in svc.components[i].instances {
                if let cid = inst.containerId {
                    stopContainer(cid, reason: reason, diagnostics: "Container stopped: service \(svc.name) is stopping")
                }
                svc.components[i].instances[index]?.containerId = nil
            }
            svc.components[i].instances = [:]
        }
    }

    // MARK: - Reconciliation

    func reconcileAll() {
        for name in state.services.keys { reconcile(name) }
    }

    /// Brings a service's containers in line with what its components ask
    /// for: start missing instances (after their dependencies are ready and
    /// any restart back-off), stop instances above the wanted count, and
    /// update the service state.
    func reconcile(_ name: String) {
        guard var svc = state.services[name] else { return }
        guard [.ACCEPTED, .STARTED, .STABLE, .FLEX].contains(svc.state) else { return }
        let now = nowMillis()
        var changed = false
        for ci in svc.components.indices {
            let comp = svc.components[ci]
            // Instances above the wanted count go, highest first.
            for (index, inst) in comp.instances where index >= Int(comp.desired) {
                if let cid = inst.containerId, let c = state.containers[cid], c.phase != .complete {
                    stopContainer(cid, reason: ExitStatus.killedByAppMaster, diagnostics: "Container stopped: component \(comp.spec.name) flexed down")
                } else {
                    svc.components[ci].instances[index] = nil
                    changed = true
                }
            }
            let dependenciesReady = (comp.spec.dependencies ?? []).allSatisfy { dep in
                guard let d = svc.components.first(where: { $0.spec.name == dep }) else { return true }
                return containers(of: svc, component: d).filter { $0.state == .READY }.count == Int(d.desired)
            }
            guard dependenciesReady else { continue }
            for index in 0..<Int(comp.desired) {
                var inst = svc.components[ci].instances[index] ?? InstanceRecord(index: index)
                if inst.finalExit != nil { continue }
                if let cid = inst.containerId, let c = state.containers[cid], c.phase != .complete { continue }
                if inst.notBefore > now { continue }
                guard let launch = try? launchSpec(svc: svc, component: comp, index: index),
                      let (memory, cpus) = try? resource(for: comp.spec, in: svc.spec) else { continue }
                inst.containerId = requestContainer(appId: svc.appId, attempt: 1, memoryMB: memory, vcores: cpus,
                                                    launch: launch, service: name, component: comp.spec.name,
                                                    instance: index)
                svc.components[ci].instances[index] = inst
                changed = true
            }
        }
        // A container counts as ready once its process has been seen running.
        for ci in svc.components.indices {
            for inst in svc.components[ci].instances.values {
                if let cid = inst.containerId, var c = state.containers[cid], c.phase == .running, !c.ready, c.pid > 0 {
                    c.ready = true
                    state.containers[cid] = c
                    changed = true
                }
            }
        }
        let newState = serviceState(svc)
        if newState != svc.state {
            svc.state = newState
            changed = true
        }
        state.services[name] = svc
        if changed { markDirty() }
        if newState == .SUCCEEDED || newState == .FAILED {
            finishApp(svc.appId, state: .FINISHED, finalStatus: newState == .SUCCEEDED ? "SUCCEEDED" : "FAILED",
                      diagnostics: "Service \(name) \(newState == .SUCCEEDED ? "succeeded" : "failed")")
        }
    }

    func serviceState(_ svc: ServiceRecord) -> ServiceState {
        var allDone = true, anyFailed = false, stable = true
        for comp in svc.components {
            if comp.restartPolicy == .ALWAYS || comp.instances.count < Int(comp.desired) { allDone = false }
            for inst in comp.instances.values {
                if let e = inst.finalExit { if e != 0 { anyFailed = true } } else { allDone = false }
            }
            let live = containers(of: svc, component: comp)
            let finished = comp.instances.values.filter { $0.finalExit != nil }.count
            if live.filter({ $0.state == .READY }).count + finished != Int(comp.desired)
                || comp.instances.count > Int(comp.desired) {
                stable = false
            }
        }
        if allDone && !svc.components.isEmpty { return anyFailed ? .FAILED : .SUCCEEDED }
        if stable { return .STABLE }
        return svc.state == .FLEX ? .FLEX : .STARTED
    }

    func launchSpec(svc: ServiceRecord, component comp: ComponentRecord, index: Int) throws -> LaunchSpec {
        var env = baseEnvironment(user: svc.user)
        for (k, v) in svc.spec.configuration?.env ?? [:] { env[k] = v }
        for (k, v) in comp.spec.configuration?.env ?? [:] { env[k] = v }
        env["SERVICE_NAME"] = svc.name
        env["COMPONENT_NAME"] = comp.spec.name
        env["COMPONENT_INSTANCE_NAME"] = "\(comp.spec.name)-\(index)"
        env["COMPONENT_ID"] = String(index)
        env["YARN_APPLICATION_ID"] = svc.appId
        var files = try artifactFiles(comp.spec.artifact ?? svc.spec.artifact, context: "component \(comp.spec.name)", user: svc.user)
        files += try self.files(of: svc.spec.configuration, context: "service \(svc.name)", user: svc.user)
        files += try self.files(of: comp.spec.configuration, context: "component \(comp.spec.name)", user: svc.user)
        return LaunchSpec(command: comp.spec.launchCommand ?? "", environment: env, files: files)
    }

    func serviceContainerFinished(service name: String, container c: ContainerRecord) {
        guard var svc = state.services[name], let compName = c.component, let index = c.instance,
              let ci = svc.components.firstIndex(where: { $0.spec.name == compName }),
              var inst = svc.components[ci].instances[index], inst.containerId == c.id else { return }
        let comp = svc.components[ci]
        let code = c.exitStatus ?? 0
        if c.stopReason == ExitStatus.killedByAppMaster || c.stopReason == ExitStatus.killedByResourceManager {
            // Stopped on purpose (flex down, stop): nothing to restart.
            if index >= Int(comp.desired) { svc.components[ci].instances[index] = nil }
            else { inst.containerId = nil; svc.components[ci].instances[index] = inst }
            state.services[name] = svc
            reconcile(name)
            return
        }
        let restart: Bool
        switch comp.restartPolicy {
        case .ALWAYS: restart = true
        case .ON_FAILURE: restart = code != 0
        case .NEVER: restart = false
        }
        inst.containerId = nil
        if restart {
            let ranFor = c.finishTime - c.launchTime
            inst.quickFailures = ranFor < 10_000 ? inst.quickFailures + 1 : 0
            let delay = inst.quickFailures <= 1 ? 0 : min(10_000, 250 << min(inst.quickFailures - 2, 6))
            inst.notBefore = nowMillis() + Int64(delay)
        } else {
            inst.finalExit = code
        }
        svc.components[ci].instances[index] = inst
        state.services[name] = svc
        markDirty()
        reconcile(name)
    }

    func enforceLifetimes() {
        let now = nowMillis()
        for (name, var svc) in state.services {
            guard let expires = svc.expiresAt, expires <= now,
                  [.ACCEPTED, .STARTED, .STABLE, .FLEX].contains(svc.state) else { continue }
            stopServiceContainers(&svc, reason: ExitStatus.killedByResourceManager)
            svc.state = .STOPPED
            state.services[name] = svc
            finishApp(svc.appId, state: .KILLED, finalStatus: "KILLED",
                      diagnostics: "Application is killed by ResourceManager as Application is timed out: its lifetime of \(svc.spec.lifetime ?? 0) seconds expired")
            logger.notice("service lifetime expired", metadata: ["yarn.service": "\(name)"])
        }
    }

    // MARK: - Logs

    /// Who may read a container's logs: its application's owner.
    public func containerOwner(_ id: String) -> String? {
        state.containers[id].flatMap { state.apps[$0.appId]?.user }
    }

    public func logDirectory(container id: String) throws -> String {
        guard id.hasPrefix("container_") else {
            throw LocalClusterError(.badRequest, "Invalid ContainerId: \(id)")
        }
        guard let c = state.containers[id] else {
            throw LocalClusterError(.notFound, "Container \(id) not found on this node")
        }
        return c.logDir
    }
}
