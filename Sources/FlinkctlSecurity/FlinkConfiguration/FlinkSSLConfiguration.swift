import FlinkctlBase
import Foundation

/// Fills the `security.ssl.*` keys of a Flink configuration file, keeping every other line as it was.
///
/// Flink 2.x reads `config.yaml` (standard YAML); Flink 1.x reads `flink-conf.yaml` (one flat
/// `key: value` per line, cut at the first `#`). Existing top-level `security.ssl.*` lines are
/// replaced in place; missing keys are appended in a marked block. A nested `security:` → `ssl:`
/// mapping is not edited (two spellings of one key would be ambiguous): the user is told to remove it.
public struct FlinkSSLConfiguration: Sendable {
    public enum Dialect: Sendable {
        /// `config.yaml`: values are double-quoted YAML scalars (`FlinkConfigWriter`).
        case yaml
        /// `flink-conf.yaml`: values are taken verbatim up to a `#`.
        case legacyFlat

        var format: FlinkConfigWriter.Format {
            switch self {
            case .yaml: .yaml
            case .legacyFlat: .legacyFlat
            }
        }
    }

    public var keystorePath: String
    public var truststorePath: String
    public var password: KeystorePassword
    public var keyType: KeyType
    public var enableInternal = true
    public var enableREST = true

    public init(keystorePath: String, truststorePath: String, password: KeystorePassword, keyType: KeyType) {
        self.keystorePath = keystorePath
        self.truststorePath = truststorePath
        self.password = password
        self.keyType = keyType
    }

    /// Cipher suites the key can serve. Recent JDKs disable `TLS_RSA_*`, so both lists are ECDHE.
    public var algorithms: String {
        switch keyType {
        case .rsa2048: return "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
        case .ecP256: return "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
        }
    }

    /// The keys and values, in the order they are appended.
    public var entries: [(key: String, value: String, secret: Bool)] {
        var out: [(String, String, Bool)] = []
        for (scope, enabled) in [("internal", enableInternal), ("rest", enableREST)] {
            let prefix = "security.ssl.\(scope)."
            out.append((prefix + "enabled", enabled ? "true" : "false", false))
            out.append((prefix + "keystore", keystorePath, false))
            out.append((prefix + "keystore-password", password.text, true))
            out.append((prefix + "key-password", password.text, true))
            out.append((prefix + "truststore", truststorePath, false))
            out.append((prefix + "truststore-password", password.text, true))
        }
        out.append(("security.ssl.algorithms", algorithms, false))
        return out
    }

    public static func dialect(of path: String) -> Dialect {
        (path as NSString).lastPathComponent == "flink-conf.yaml" ? .legacyFlat : .yaml
    }

    /// The file's new text.
    public func apply(to text: String, dialect: Dialect) throws -> String {
        var lines = text.isEmpty ? [] : text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try Self.rejectNestedSSL(lines)

        var missing: [String] = []
        for (key, value, secret) in entries {
            let line = try Self.line(key: key, value: value, dialect: dialect, secret: secret)
            if let index = lines.firstIndex(where: { Self.topLevelKey(of: $0) == key }) {
                lines[index] = line
                // A key written twice would leave Flink to pick one: drop later duplicates.
                lines = lines.enumerated().filter { $0.offset <= index || Self.topLevelKey(of: $0.element) != key }.map(\.element)
            } else {
                missing.append(line)
            }
        }
        if !missing.isEmpty {
            lines.append("")
            lines.append("# TLS for Flink's internal connections and REST endpoint, written by `flinkctl security keystore generate`.")
            lines += missing
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Rewrites `path` in place (atomically, same mode, previous version kept as `.bak`).
    public func update(file path: String) throws {
        let (set, file) = try prepareUpdate(file: path)
        try set.write([file])
    }

    /// Computes the new file without writing it, so that a caller can refuse early (before writing
    /// keystores) when the configuration cannot take the values.
    public func prepareUpdate(file path: String) throws -> (AtomicFileSet, AtomicFileSet.File) {
        let text: String
        var mode: mode_t = 0o600
        if FileManager.default.fileExists(atPath: path) {
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
                if let existing = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int {
                    mode = mode_t(existing)
                }
            } catch {
                throw SecurityError(.fileSystem, "cannot read the Flink configuration: \(AtomicFileSet.describe(error))", path: path)
            }
        } else {
            text = ""
        }
        let updated: String
        do {
            updated = try apply(to: text, dialect: Self.dialect(of: path))
        } catch let error as SecurityError {
            throw error.at(path)
        }
        let directory = (path as NSString).deletingLastPathComponent
        var set = AtomicFileSet(directory: directory.isEmpty ? "." : directory)
        set.mode = mode
        set.backupSuffix = ".bak"
        return (set, .init(name: (path as NSString).lastPathComponent, contents: Array(updated.utf8)))
    }

    static func topLevelKey(of line: String) -> String? {
        guard let first = line.first, !first.isWhitespace, first != "#", let colon = line.firstIndex(of: ":") else { return nil }
        var key = line[..<colon].trimmingCharacters(in: .whitespaces)
        if key.count >= 2, let q = key.first, q == "'" || q == "\"", key.last == q {
            key = String(key.dropFirst().dropLast())
        }
        return key
    }

    static func rejectNestedSSL(_ lines: [String]) throws {
        var inSecurity = false
        for line in lines {
            if let key = topLevelKey(of: line) {
                inSecurity = key == "security"
                continue
            }
            if inSecurity, line.trimmingCharacters(in: .whitespaces).hasPrefix("ssl:") {
                throw SecurityError(
                    .invalidArgument,
                    "has a nested `security:` → `ssl:` block; remove it (flinkctl writes flat `security.ssl.*` keys) and run again"
                )
            }
        }
    }

    /// `key: value` through the one writer of Flink configuration lines. A value
    /// that `flink-conf.yaml` cannot hold (a `#`, a line break, spaces at either
    /// end) is refused there, and a password is not named in the message.
    static func line(key: String, value: String, dialect: Dialect, secret: Bool) throws -> String {
        do {
            return try FlinkConfigWriter.line(key: key, value: value, format: dialect.format)
        } catch let error as FlinkConfigWriter.Unrepresentable {
            let what = secret ? "the password" : "'\(value)'"
            throw SecurityError(.invalidArgument, "\(what) cannot be written to flink-conf.yaml for \(key): \(error.reason)")
        }
    }
}
