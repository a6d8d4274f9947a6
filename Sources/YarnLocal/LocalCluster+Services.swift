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
            _ = try core.resource(for: c, in: service)
            for key in Array((c.configuration?.env ?? [:]).keys) + Array((service.configuration?.env ?? [:]).keys) where !validEnvironmentName(key) {
                throw LocalClusterError(.badRequest, "Invalid environment variable name '\(key.prefix(64))' in component \(c.name): use letters, digits and _")
            }
            _ = try host.files(of: c.configuration, context: "component \(c.name)", user: user)
            _ = try host.artifactFiles(c.artifact ?? service.artifact, context: "component \(c.name)", user: user)
            records.append(ComponentRecord(spec: c, desired: n))
        }
        for c in components {
            for d in c.dependencies ?? [] where !seen.contains(d) {
                throw LocalClusterError(.badRequest, "Component \(c.name) depends on \(d), which is not in the service")
            }
        }
        _ = try host.files(of: service.configuration, context: "service \(name)", user: user)
        return records
    }

    /// `now` plus `seconds`, saturating: never traps on a large lifetime.
    static func expiry(_ now: Int64, _ seconds: Int64) -> Int64 {
        let (ms, o1) = seconds.multipliedReportingOverflow(by: 1000)
        let (at, o2) = now.addingReportingOverflow(ms)
        return o1 || o2 ? Int64.max : at
    }

    // MARK: - Create, read, flex, stop, start, destroy (decided by the core)

    public func createService(_ spec: Service, user: String) throws -> ServiceStatus {
        _ = try launchIdentity(user)
        let components = try validate(spec, user: user)
        defer { performPending() }
        return try core.createService(spec, user: user, components: components)
    }

    public func listServices() -> [Service] { core.listServices() }

    public func service(_ name: String) throws -> Service { try core.service(name) }

    public func componentInstances(_ name: String) throws -> [ServiceContainer] { try core.componentInstances(name) }

    public func flex(_ name: String, component: String, body: ComponentFlex) throws -> ServiceStatus {
        defer { performPending() }
        return try core.flex(name, component: component, body: body)
    }

    /// `PUT /app/v1/services/{name}`: stop, start, flex several components, or change the lifetime.
    public func updateService(_ name: String, body: Service, user: String) throws -> (Int, ServiceStatus) {
        defer { performPending() }
        return try core.updateService(name, body: body, user: user)
    }

    public func destroyService(_ name: String) throws -> ServiceStatus {
        defer { performPending() }
        return try core.destroyService(name)
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
        // As a NodeManager with log aggregation: once the application has
        // ended, its containers are the log server's.
        if logsAggregated(container: id) {
            throw LocalClusterError(.notFound, "Container \(id) is no longer on this node: its application has ended and its logs were aggregated; the log server serves them at \(configuration.scheme)://\(httpAddress)\(LocalCluster.logServerPath)/containers/\(id)/logs")
        }
        return c.logDir
    }
}
