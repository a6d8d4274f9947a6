import Foundation

// Value types of the YARN Services API ("YARN Simplified API layer for
// services", /app/v1/services). JSON names are snake_case as in Hadoop's
// Swagger file; optional fields are left out when nil, as Jackson's NON_NULL does.

public enum ServiceState: String, Codable, Sendable {
    case ACCEPTED, STARTED, STABLE, STOPPED, FAILED, FLEX, UPGRADING, UPGRADING_AUTO_FINALIZE
    case EXPRESS_UPGRADING, SUCCEEDED, CANCEL_UPGRADING
}

public enum ContainerState: String, Codable, Sendable {
    case RUNNING_BUT_UNREADY, READY, STOPPED, NEEDS_UPGRADE, UPGRADING, SUCCEEDED, FAILED
}

public enum RestartPolicy: String, Codable, Sendable {
    case ALWAYS, ON_FAILURE, NEVER
}

/// A resource as the Services API spells it: memory is a string of megabytes.
public struct ServiceResource: Codable, Sendable, Equatable {
    public var cpus: Int?
    public var memory: String?
    public var profile: String?

    public init(cpus: Int? = nil, memory: String? = nil, profile: String? = nil) {
        self.cpus = cpus
        self.memory = memory
        self.profile = profile
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        cpus = try c.decodeIfPresent(Int.self, forKey: .cpus)
        profile = try c.decodeIfPresent(String.self, forKey: .profile)
        if let n = try? c.decodeIfPresent(Int64.self, forKey: .memory) {
            memory = String(n)
        } else {
            memory = try c.decodeIfPresent(String.self, forKey: .memory)
        }
    }

    /// Memory in MB, when it is a plain number (Hadoop also accepts a unit
    /// suffix); nil for anything else, a number too large for its unit included.
    public var memoryMB: Int64? {
        guard let m = memory?.trimmingCharacters(in: .whitespaces), !m.isEmpty else { return nil }
        let upper = m.uppercased()
        if let n = Int64(upper) { return n }
        for (suffix, factor) in [("GI", Int64(1024)), ("G", 1024), ("MI", 1), ("M", 1)] where upper.hasSuffix(suffix) {
            if let n = Int64(upper.dropLast(suffix.count)) {
                let (mb, overflow) = n.multipliedReportingOverflow(by: factor)
                return overflow ? nil : mb
            }
        }
        return nil
    }
}

public struct Artifact: Codable, Sendable, Equatable {
    public var id: String?
    public var type: String?
    public var uri: String?
    public init(id: String? = nil, type: String? = nil, uri: String? = nil) {
        self.id = id
        self.type = type
        self.uri = uri
    }
}

public struct ConfigFile: Codable, Sendable, Equatable {
    public var type: String?
    public var destFile: String?
    public var srcFile: String?
    public var properties: [String: String]?
    enum CodingKeys: String, CodingKey {
        case type
        case destFile = "dest_file"
        case srcFile = "src_file"
        case properties
    }
    public init(type: String?, destFile: String?, srcFile: String?, properties: [String: String]? = nil) {
        self.type = type
        self.destFile = destFile
        self.srcFile = srcFile
        self.properties = properties
    }
}

public struct ServiceConfiguration: Codable, Sendable, Equatable {
    public var properties: [String: String]?
    public var env: [String: String]?
    public var files: [ConfigFile]?
    public init(properties: [String: String]? = nil, env: [String: String]? = nil, files: [ConfigFile]? = nil) {
        self.properties = properties
        self.env = env
        self.files = files
    }
}

public struct KerberosPrincipal: Codable, Sendable, Equatable {
    public var principalName: String?
    public var keytab: String?
    enum CodingKeys: String, CodingKey {
        case principalName = "principal_name"
        case keytab
    }
    public init(principalName: String?, keytab: String?) {
        self.principalName = principalName
        self.keytab = keytab
    }
}

public struct ServiceContainer: Codable, Sendable, Equatable {
    public var id: String
    public var launchTime: Int64?
    public var ip: String?
    public var hostname: String?
    public var bareHost: String?
    public var state: ContainerState?
    public var componentInstanceName: String?
    public var resource: ServiceResource?
    public var exitStatus: Int?
    public var diagnostics: String?
    enum CodingKeys: String, CodingKey {
        case id
        case launchTime = "launch_time"
        case ip, hostname
        case bareHost = "bare_host"
        case state
        case componentInstanceName = "component_instance_name"
        case resource
        case exitStatus = "exit_status"
        case diagnostics
    }
    public init(id: String, launchTime: Int64?, ip: String?, hostname: String?, bareHost: String?,
                state: ContainerState?, componentInstanceName: String?, resource: ServiceResource?,
                exitStatus: Int? = nil, diagnostics: String? = nil) {
        self.id = id
        self.launchTime = launchTime
        self.ip = ip
        self.hostname = hostname
        self.bareHost = bareHost
        self.state = state
        self.componentInstanceName = componentInstanceName
        self.resource = resource
        self.exitStatus = exitStatus
        self.diagnostics = diagnostics
    }
}

public struct Component: Codable, Sendable, Equatable {
    public var name: String
    public var state: String?
    public var dependencies: [String]?
    public var artifact: Artifact?
    public var launchCommand: String?
    public var resource: ServiceResource?
    public var numberOfContainers: Int64?
    public var decommissionedInstances: [String]?
    public var containers: [ServiceContainer]?
    public var configuration: ServiceConfiguration?
    public var quicklinks: [String]?
    public var restartPolicy: RestartPolicy?

    enum CodingKeys: String, CodingKey {
        case name, state, dependencies, artifact
        case launchCommand = "launch_command"
        case resource
        case numberOfContainers = "number_of_containers"
        case decommissionedInstances = "decommissioned_instances"
        case containers, configuration, quicklinks
        case restartPolicy = "restart_policy"
    }

    public init(name: String, launchCommand: String? = nil, resource: ServiceResource? = nil,
                numberOfContainers: Int64? = nil, restartPolicy: RestartPolicy? = nil,
                artifact: Artifact? = nil, configuration: ServiceConfiguration? = nil) {
        self.name = name
        self.launchCommand = launchCommand
        self.resource = resource
        self.numberOfContainers = numberOfContainers
        self.restartPolicy = restartPolicy
        self.artifact = artifact
        self.configuration = configuration
    }
}

public struct Service: Codable, Sendable, Equatable {
    public var name: String?
    public var version: String?
    public var description: String?
    public var id: String?
    public var artifact: Artifact?
    public var resource: ServiceResource?
    public var launchTime: Int64?
    public var numberOfRunningContainers: Int64?
    public var lifetime: Int64?
    public var components: [Component]?
    public var configuration: ServiceConfiguration?
    public var state: ServiceState?
    public var quicklinks: [String: String]?
    public var queue: String?
    public var kerberosPrincipal: KerberosPrincipal?
    public var user: String?

    enum CodingKeys: String, CodingKey {
        case name, version, description, id, artifact, resource
        case launchTime = "launch_time"
        case numberOfRunningContainers = "number_of_running_containers"
        case lifetime, components, configuration, state, quicklinks, queue
        case kerberosPrincipal = "kerberos_principal"
        case user
    }

    public init(name: String, version: String = "1.0", components: [Component] = [],
                lifetime: Int64? = nil, configuration: ServiceConfiguration? = nil,
                quicklinks: [String: String]? = nil, queue: String? = nil) {
        self.name = name
        self.version = version
        self.components = components
        self.lifetime = lifetime
        self.configuration = configuration
        self.quicklinks = quicklinks
        self.queue = queue
    }
}

/// The Services API's answer and error body: `{"uri"?, "diagnostics", "state"?, "code"?}`.
public struct ServiceStatus: Codable, Sendable, Equatable {
    public var uri: String?
    public var diagnostics: String?
    public var state: ServiceState?
    public var code: Int?
    public init(uri: String? = nil, diagnostics: String?, state: ServiceState? = nil, code: Int? = nil) {
        self.uri = uri
        self.diagnostics = diagnostics
        self.state = state
        self.code = code
    }
}

/// The body of a component flex: `PUT …/components/{name}`.
public struct ComponentFlex: Codable, Sendable {
    public var name: String?
    public var numberOfContainers: Int64?
    enum CodingKeys: String, CodingKey {
        case name
        case numberOfContainers = "number_of_containers"
    }
    public init(name: String?, numberOfContainers: Int64?) {
        self.name = name
        self.numberOfContainers = numberOfContainers
    }
}
