import Foundation
import Hadoop

// The Services API's state machine: services, their components and
// instances, restart policies, flex, stop, start, destroy and lifetimes.
extension ClusterCore {
    /// A component's container size, checked against the cluster's.
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

    // MARK: - Create, read

    /// Creates a service whose spec the owner validated (`components` are
    /// its checked components).
    mutating func createService(_ spec: Service, user: String, components: [ComponentRecord]) throws -> ServiceStatus {
        guard let name = spec.name else {
            throw LocalClusterError(.badRequest, "Service name is not specified")
        }
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
        if let size = try? JSONEncoder().encode(stored).count, size > LocalCluster.maxStoredSpec {
            throw LocalClusterError(.badRequest, "The service's specification is \(size) bytes; the embedded cluster keeps at most \(LocalCluster.maxStoredSpec)")
        }
        let appId = newAppId()
        let record = ServiceRecord(name: name, user: user, spec: stored, appId: appId, state: .ACCEPTED,
                                   launchTime: now, expiresAt: nil, components: components)
        state.services[name] = record
        startServiceApp(name)
        return ServiceStatus(uri: "/app/v1/services/\(name)", diagnostics: "Application ID: \(appId)", state: .ACCEPTED)
    }

    /// Starts (or restarts) a service's application: a new application id,
    /// fresh instances, the lifetime counted from now.
    mutating func startServiceApp(_ name: String, newApp: Bool = false) {
        guard var svc = state.services[name] else { return }
        if newApp { svc.appId = newAppId() }
        let now = self.now
        svc.launchTime = now
        svc.state = .ACCEPTED
        if let lifetime = svc.spec.lifetime, lifetime > 0 { svc.expiresAt = LocalCluster.expiry(now, lifetime) } else { svc.expiresAt = nil }
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

    func listServices() -> [Service] {
        state.services.keys.sorted().compactMap { render(state.services[$0]!) }
    }

    func service(_ name: String) throws -> Service {
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
            out.lifetime = max(0, (expires - now) / 1000)
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

    func componentInstances(_ name: String) throws -> [ServiceContainer] {
        guard let svc = state.services[name] else {
            throw LocalClusterError(.notFound, "Service \(name) not found")
        }
        return svc.components.flatMap { containers(of: svc, component: $0) }
    }

    // MARK: - Flex, stop, start, destroy

    mutating func flex(_ name: String, component: String, body: ComponentFlex) throws -> ServiceStatus {
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
    mutating func updateService(_ name: String, body: Service, user: String) throws -> (Int, ServiceStatus) {
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
                guard lifetime > 0, lifetime <= LocalCluster.maxLifetime else {
                    throw LocalClusterError(.badRequest, "Invalid lifetime \(lifetime): give a positive number of seconds up to \(LocalCluster.maxLifetime)")
                }
                svc.spec.lifetime = lifetime
                svc.expiresAt = LocalCluster.expiry(now, lifetime)
                state.services[name] = svc
                markDirty()
                return (200, ServiceStatus(diagnostics: "Service (\(name))'s lifeTime is updated to \(lifetime) seconds from now"))
            }
            throw LocalClusterError(.badRequest, "Nothing to do: give a state (STOPPED, STARTED, FLEX) or a lifetime")
        case let other?:
            throw LocalClusterError(.badRequest, "State \(other.rawValue) cannot be requested through this call")
        }
    }

    mutating func destroyService(_ name: String) throws -> ServiceStatus {
        guard var svc = state.services[name] else {
            throw LocalClusterError(.notFound, "Service \(name) doesn't exist")
        }
        stopServiceContainers(&svc, reason: ExitStatus.killedByAppMaster)
        finishApp(svc.appId, state: .FINISHED, finalStatus: "ENDED", diagnostics: "Service \(name) destroyed")
        state.services[name] = nil
        markDirty()
        return ServiceStatus(diagnostics: "Successfully destroyed service \(name)")
    }

    mutating func stopServiceContainers(_ svc: inout ServiceRecord, reason: Int) {
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

    mutating func reconcileAll() {
        for name in state.services.keys { reconcile(name) }
    }

    /// Brings a service's containers in line with what its components ask
    /// for: start missing instances (after their dependencies are ready and
    /// any restart back-off), stop instances above the wanted count, and
    /// update the service state.
    mutating func reconcile(_ name: String) {
        guard var svc = state.services[name] else { return }
        guard [.ACCEPTED, .STARTED, .STABLE, .FLEX].contains(svc.state) else { return }
        let now = self.now
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
                guard let launch = try? resolver.launchSpec(svc: svc, component: comp, index: index),
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

    mutating func serviceContainerFinished(service name: String, container c: ContainerRecord) {
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
            inst.notBefore = now + Int64(delay)
        } else {
            inst.finalExit = code
        }
        svc.components[ci].instances[index] = inst
        state.services[name] = svc
        markDirty()
        reconcile(name)
    }

    mutating func enforceLifetimes() {
        let now = self.now
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
}
