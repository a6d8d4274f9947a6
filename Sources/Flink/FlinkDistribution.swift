import Foundation

/// A Flink version, read from the name of `lib/flink-dist-X.Y.Z.jar`.
public struct FlinkVersion: Comparable, Sendable, CustomStringConvertible, Codable {
    public var major: Int
    public var minor: Int
    public var patch: Int

    public init(major: Int, minor: Int, patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ".").map { Int($0.prefix { $0.isNumber }) }
        guard parts.count >= 2, let major = parts[0], let minor = parts[1] else { return nil }
        self.init(major: major, minor: minor, patch: parts.count > 2 ? (parts[2] ?? 0) : 0)
    }

    public static func < (a: FlinkVersion, b: FlinkVersion) -> Bool {
        (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
    }

    public var description: String { "\(major).\(minor).\(patch)" }

    /// Flink 2.x reads standard YAML `config.yaml`; 1.x reads flat `flink-conf.yaml`.
    public var configFileName: String { major >= 2 ? "config.yaml" : "flink-conf.yaml" }
}

/// A Flink distribution on disk: `lib/` with `flink-dist-*.jar`, and optionally
/// `opt/`, `plugins/` and `bin/bash-java-utils.jar`.
public struct FlinkDistribution: Sendable, Codable {
    public var home: String
    public var version: FlinkVersion

    /// Where `scripts/setup.sh` records the distribution it installed.
    public static var recordedHomeFile: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".flinkctl/flink-home")
    }

    public init(home: String) throws {
        let lib = (home as NSString).appendingPathComponent("lib")
        guard let jars = try? FileManager.default.contentsOfDirectory(atPath: lib) else {
            throw FlinkError(.distribution, "\(home) is not a Flink distribution: it has no lib/ directory")
        }
        guard let dist = jars.first(where: { $0.hasPrefix("flink-dist") && $0.hasSuffix(".jar") }) else {
            throw FlinkError(.distribution, "\(home)/lib has no flink-dist-*.jar: not a Flink distribution")
        }
        let versionText = dist.dropFirst("flink-dist".count).drop { $0 == "-" || $0 == "_" || !$0.isNumber }
            .replacingOccurrences(of: ".jar", with: "")
        guard let version = FlinkVersion(String(versionText)) else {
            throw FlinkError(.distribution, "cannot read the Flink version from \(dist)")
        }
        self.home = home
        self.version = version
    }

    /// `--flink-dist`, else `FLINK_HOME`, else the distribution the project's set-up installed.
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> FlinkDistribution {
        if let explicit { return try FlinkDistribution(home: explicit) }
        if let env = environment["FLINK_HOME"], !env.isEmpty { return try FlinkDistribution(home: env) }
        if let data = FileManager.default.contents(atPath: recordedHomeFile) {
            let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            if !path.isEmpty { return try FlinkDistribution(home: path) }
        }
        throw FlinkError(.distribution, "no Flink distribution found: give --flink-dist DIR or set FLINK_HOME, or run scripts/setup.sh to install Flink 2.3.0")
    }

    public var libDirectory: String { (home as NSString).appendingPathComponent("lib") }

    /// Every jar in lib/, sorted, as Flink's scripts build the class path.
    public func libJars() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: libDirectory)) ?? []
        return names.filter { $0.hasSuffix(".jar") }.sorted().map { (libDirectory as NSString).appendingPathComponent($0) }
    }

    public var bashJavaUtilsJar: String? {
        let path = (home as NSString).appendingPathComponent("bin/bash-java-utils.jar")
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}

/// Finds `java`: `JAVA_HOME/bin/java`, else the first on PATH.
public func locateJava(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
    if let home = environment["JAVA_HOME"], !home.isEmpty {
        let java = (home as NSString).appendingPathComponent("bin/java")
        if FileManager.default.isExecutableFile(atPath: java) { return java }
    }
    for dir in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let java = (String(dir) as NSString).appendingPathComponent("java")
        if FileManager.default.isExecutableFile(atPath: java) { return java }
    }
    throw FlinkError(.java, "no Java found: install a JDK 17 (apt-get install openjdk-17-jdk-headless) or set JAVA_HOME")
}

public struct FlinkError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case distribution, java, configuration, rest, job }
    public var kind: Kind
    public var message: String
    /// The error underneath (a WebHDFS or transport failure), kept so that
    /// its kind decides the exit status and its words reach the user.
    public var cause: (any Error & Sendable)?
    public init(_ kind: Kind, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.kind = kind
        self.message = message
        self.cause = cause
    }
    public var description: String { cause.map { "\(message): \($0)" } ?? message }
}
