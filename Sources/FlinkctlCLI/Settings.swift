import FlinkctlBase
import Foundation
import Yams

/// flinkctl's own defaults: `flinkctl.yaml` in `FLINKCTL_CONF_DIR`, else in
/// `~/.flinkctl`. Its keys are the long option names; `flink:` maps Flink
/// options applied as `-D` defaults. A flag beats an environment variable,
/// which beats the file (conf/flinkctl.yaml is the annotated example).
struct DefaultsFile: Sendable, Equatable {
    struct Entry: Sendable, Equatable {
        var value: String
        var line: Int
    }

    var path: String
    var settings: [String: Entry] = [:]
    /// Flink options in the file's order.
    var flink: [(key: String, entry: Entry)] = []

    static func == (a: DefaultsFile, b: DefaultsFile) -> Bool {
        a.path == b.path && a.settings == b.settings
            && a.flink.map(\.key) == b.flink.map(\.key) && a.flink.map(\.entry) == b.flink.map(\.entry)
    }

    /// The file's source as `config show` names it.
    func source(_ entry: Entry) -> String { "\(path):\(entry.line)" }

    /// Parses the file's text; any mistake is an input error naming the file and line.
    static func parse(_ text: String, path: String) throws -> DefaultsFile {
        func fail(_ line: Int?, _ message: String) -> Failure {
            Failure(.input, "\(path)\(line.map { ":\($0)" } ?? ""): \(message)")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            switch e {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                 .composer(_, let problem, let mark, _):
                throw fail(mark.line, "not valid YAML: \(problem)")
            case .duplicatedKeysInMapping(let duplicates, let context):
                // Yams marks the mapping; the line to fix is the key's second occurrence.
                let key = duplicates.first ?? ""
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().filter { _, l in
                    let t = l.drop { $0 == " " }
                    return t.hasPrefix(key + ":") || t.hasPrefix("\"\(key)\":") || t.hasPrefix("'\(key)':")
                }.map { $0.offset + 1 }
                throw fail(lines.count >= 2 ? lines[1] : context.mark.line, "\(duplicates.joined(separator: ", ")) given twice")
            default:
                throw fail(nil, "not valid YAML: \(e)")
            }
        }
        var file = DefaultsFile(path: path)
        guard let root else { return file } // an empty file, or comments only
        guard case .mapping(let top) = root else {
            throw fail(root.mark?.line, "the file must be a mapping of settings (key: value), not \(kind(root))")
        }
        for (keyNode, valueNode) in top {
            let line = keyNode.mark?.line ?? 0
            guard case .scalar(let k) = keyNode else { throw fail(line, "a key must be a plain name") }
            let key = k.string
            if key == "flink" {
                if case .scalar(let s) = valueNode, isNull(s) { continue }
                guard case .mapping(let options) = valueNode else {
                    throw fail(line, "flink: must be a mapping of Flink options (key: value), not \(kind(valueNode))")
                }
                for (optionNode, optionValue) in options {
                    let optionLine = optionNode.mark?.line ?? line
                    guard case .scalar(let o) = optionNode, !o.string.isEmpty else { throw fail(optionLine, "a Flink option must be a plain name") }
                    guard case .scalar(let v) = optionValue else {
                        throw fail(optionLine, "flink: \(o.string) must be a single value, not \(kind(optionValue))")
                    }
                    file.flink.append((o.string, Entry(value: v.string, line: optionLine)))
                }
                continue
            }
            guard let spec = SettingSpec.named(key) else {
                throw fail(line, "unknown key '\(key)'; known keys: \((SettingSpec.all.map(\.key) + ["flink"]).joined(separator: ", "))")
            }
            guard case .scalar(let v) = valueNode else {
                throw fail(line, "\(key) must be a single value, not \(kind(valueNode))")
            }
            let value = v.string.trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty, !isNull(v) else { throw fail(line, "\(key) has no value") }
            if let error = spec.check(value) { throw fail(line, "\(key): \(error)") }
            file.settings[key] = Entry(value: value, line: line)
        }
        return file
    }

    /// `key:`, `key: ~` and `key: null` say nothing.
    private static func isNull(_ s: Node.Scalar) -> Bool {
        s.string.isEmpty || s.style == .plain && ["~", "null", "Null", "NULL"].contains(s.string)
    }

    private static func kind(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar: "a single value"
        case .alias: "an alias"
        }
    }

    /// flinkctl's conf directory: FLINKCTL_CONF_DIR, else ~/.flinkctl.
    static func directory(environment: [String: String]) throws -> String {
        if let dir = environment["FLINKCTL_CONF_DIR"], !dir.isEmpty {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw Failure(.input, "FLINKCTL_CONF_DIR=\(dir) is not a directory")
            }
            return dir
        }
        return ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".flinkctl")
    }

    /// `flinkctl.yaml` in the conf directory, when it is there.
    static func load(environment: [String: String]) throws -> DefaultsFile? {
        let path = (try directory(environment: environment) as NSString).appendingPathComponent("flinkctl.yaml")
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(.input, "cannot read \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Failure(.input, "\(path) is not UTF-8 text")
        }
        return try parse(text, path: path)
    }
}

/// One setting that a flag, an environment variable and the defaults file can give.
struct SettingSpec: Sendable {
    enum Kind: Sendable { case text, url, seconds, path }
    /// The long option's name, which is also the file's key.
    var key: String
    /// The environment variable that stands for it, if any.
    var environment: String?
    var kind: Kind

    static let all: [SettingSpec] = [
        SettingSpec(key: "rm", environment: "FLINKCTL_RM", kind: .url),
        SettingSpec(key: "user", environment: "HADOOP_USER_NAME", kind: .text),
        SettingSpec(key: "timeout", environment: "FLINKCTL_TIMEOUT", kind: .seconds),
        SettingSpec(key: "keytab", environment: "FLINKCTL_KEYTAB", kind: .path),
        SettingSpec(key: "principal", environment: "FLINKCTL_PRINCIPAL", kind: .text),
        SettingSpec(key: "ca-file", environment: "FLINKCTL_CA_FILE", kind: .path),
        SettingSpec(key: "truststore", environment: "FLINKCTL_TRUSTSTORE", kind: .path),
        SettingSpec(key: "truststore-password-file", environment: "FLINKCTL_TRUSTSTORE_PASSWORD_FILE", kind: .path),
        SettingSpec(key: "staging", environment: "FLINKCTL_STAGING_ROOT", kind: .text),
        SettingSpec(key: "queue", environment: "FLINKCTL_QUEUE", kind: .text),
        SettingSpec(key: "flink-dist", environment: "FLINK_HOME", kind: .path),
        SettingSpec(key: "hadoop-classpath", environment: "FLINKCTL_HADOOP_CLASSPATH", kind: .text),
    ]

    static func named(_ key: String) -> SettingSpec? { all.first { $0.key == key } }

    /// What is wrong with a value of this setting, if anything.
    func check(_ value: String) -> String? {
        if value.contains(where: { $0.isNewline || $0 == "\0" }) { return "a value must be one line" }
        switch kind {
        case .text, .path: return nil
        case .seconds:
            guard let n = Double(value), n.isFinite, n > 0 else { return "'\(value)' is not a positive number of seconds" }
            return nil
        case .url:
            let urls = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !urls.isEmpty, urls.allSatisfy({ $0.hasPrefix("http://") || $0.hasPrefix("https://") }) else {
                return "'\(value)' is not a list of http:// or https:// URLs"
            }
            return nil
        }
    }
}

/// A setting's effective value and where it came from.
struct ResolvedSetting: Sendable, Encodable, Equatable {
    var name: String
    var value: String?
    var source: String
}

/// The settings of this process: the defaults file read once, and the
/// environment. Options ask it for what their flags leave unset.
struct Settings: Sendable {
    var environment: [String: String]
    var file: DefaultsFile?

    /// This process's settings; a defaults file with a mistake is reported
    /// by the first command that needs a setting.
    static let loaded: Result<Settings, Failure> = {
        let env = ProcessInfo.processInfo.environment
        do {
            return .success(Settings(environment: env, file: try DefaultsFile.load(environment: env)))
        } catch let f as Failure {
            return .failure(f)
        } catch {
            return .failure(Failure(.input, "\(error)"))
        }
    }()

    static func current() throws -> Settings { try loaded.get() }

    /// flag, then environment variable, then file; nil when none gives it.
    func resolve(_ key: String, flag: String?) throws -> ResolvedSetting? {
        guard let spec = SettingSpec.named(key) else { preconditionFailure("no setting \(key)") }
        if let flag { return ResolvedSetting(name: key, value: flag, source: "--\(key)") }
        if let name = spec.environment, let value = environment[name], !value.isEmpty {
            if let error = spec.check(value) { throw Failure(.input, "\(name): \(error)") }
            return ResolvedSetting(name: key, value: value, source: name)
        }
        if let file, let entry = file.settings[key] {
            return ResolvedSetting(name: key, value: entry.value, source: file.source(entry))
        }
        return nil
    }

    func value(_ key: String, flag: String?) throws -> String? { try resolve(key, flag: flag)?.value }

    /// The containers' log4j2 configuration: `log4j.properties` in the conf
    /// directory, when it is there (nil: flinkctl's own).
    func log4jProperties() throws -> String? {
        let path = (try DefaultsFile.directory(environment: environment) as NSString).appendingPathComponent("log4j.properties")
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(.input, "cannot read \(path)") }
        guard data.count <= 1 << 20 else { throw Failure(.input, "\(path) is over 1 MiB: not a log4j configuration") }
        guard let text = String(data: data, encoding: .utf8), !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw Failure(.input, "\(path) is empty or not UTF-8 text")
        }
        return text
    }

    /// The file's Flink options as `-D key=value` defaults, before the command line's own.
    var flinkDefaults: [String] { file?.flink.map { "\($0.key)=\($0.entry.value)" } ?? [] }
}


