import FlinkctlBase
import Foundation

/// Flink configuration as ordered `key → value` pairs: generated defaults,
/// then a user's file, then `-D` overrides, written as `config.yaml` (2.x) or
/// flat `flink-conf.yaml` (1.x).
public struct FlinkConfiguration: Sendable, Codable, Equatable {
    public private(set) var keys: [String] = []
    public private(set) var values: [String: String] = [:]

    public init() {}

    public subscript(key: String) -> String? {
        get { values[key] }
        set {
            if let newValue {
                if values[key] == nil { keys.append(key) }
                values[key] = newValue
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public mutating func merge(_ other: FlinkConfiguration) {
        for k in other.keys { self[k] = other.values[k] }
    }

    /// The module options Java 17 needs for Flink (from Flink's shipped
    /// `config.yaml`, `env.java.opts.all`); without them a SQL job fails with
    /// InaccessibleObjectException.
    public static let java17ModuleOptions = [
        "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
        "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
        "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
        "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
        "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "--add-opens=java.base/java.net=ALL-UNNAMED",
        "--add-opens=java.base/java.io=ALL-UNNAMED",
        "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
        "--add-opens=java.base/java.text=ALL-UNNAMED",
        "--add-opens=java.base/java.time=ALL-UNNAMED",
        "--add-opens=java.base/java.util=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
        "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED",
    ]

    /// Parses `-D key=value`.
    public static func parseOverride(_ text: String) throws -> (String, String) {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw FlinkError(.configuration, "-D \(text): expected key=value")
        }
        let key = text[..<eq].trimmingCharacters(in: .whitespaces)
        let value = text[text.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, !key.contains(" ") else { throw FlinkError(.configuration, "-D \(text): the key '\(key)' is not a Flink option name") }
        return (key, value)
    }

    /// Reads a user's `config.yaml` or `flink-conf.yaml`: flat `key: value`
    /// lines and nested maps (flattened with dots), `#` comments, quoted
    /// scalars, and lists (joined with `;`). Errors name the file, line and key.
    public static func parse(_ text: String, file: String) throws -> FlinkConfiguration {
        var config = FlinkConfiguration()
        var stack: [(indent: Int, prefix: String)] = []
        var pendingList: (key: String, items: [String])? = nil
        func flushList() {
            if let p = pendingList { config[p.key] = p.items.joined(separator: ";") }
            pendingList = nil
        }
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNo = n + 1
            let line = stripComment(String(rawLine))
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let indent = line.prefix { $0 == " " }.count
            if line.contains("\t") && line.prefix(while: { $0 == " " || $0 == "\t" }).contains("\t") {
                throw FlinkError(.configuration, "\(file):\(lineNo): tabs are not allowed for indentation in YAML")
            }
            let body = line.trimmingCharacters(in: .whitespaces)
            if body.hasPrefix("- ") || body == "-" {
                guard var p = pendingList else {
                    throw FlinkError(.configuration, "\(file):\(lineNo): a list item with no key above it")
                }
                p.items.append(try unquote(String(body.dropFirst(1)).trimmingCharacters(in: .whitespaces), file: file, line: lineNo, key: p.key))
                pendingList = p
                continue
            }
            flushList()
            guard let colon = keyColon(in: body) else {
                throw FlinkError(.configuration, "\(file):\(lineNo): expected 'key: value', found '\(body)'")
            }
            while let top = stack.last, top.indent >= indent { stack.removeLast() }
            let localKey = try unquote(String(body[..<colon]).trimmingCharacters(in: .whitespaces), file: file, line: lineNo, key: "")
            guard !localKey.isEmpty else { throw FlinkError(.configuration, "\(file):\(lineNo): empty key") }
            let key = (stack.last.map { $0.prefix + "." } ?? "") + localKey
            let rawValue = String(body[body.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            if rawValue.isEmpty {
                stack.append((indent, key))
                pendingList = (key, [])
                continue
            }
            if rawValue.hasPrefix("[") {
                guard rawValue.hasSuffix("]") else {
                    throw FlinkError(.configuration, "\(file):\(lineNo): key '\(key)': unterminated list")
                }
                let items = try rawValue.dropFirst().dropLast().split(separator: ",").map {
                    try unquote($0.trimmingCharacters(in: .whitespaces), file: file, line: lineNo, key: key)
                }
                config[key] = items.joined(separator: ";")
            } else {
                config[key] = try unquote(rawValue, file: file, line: lineNo, key: key)
            }
        }
        flushList()
        // A key that only opened a nested map has no value of its own.
        for k in config.keys where config[k] == "" && config.keys.contains(where: { $0.hasPrefix(k + ".") }) {
            config[k] = nil
        }
        return config
    }

    static func stripComment(_ line: String) -> String {
        var inSingle = false, inDouble = false, escaped = false
        var previous: Character = " "
        for (i, c) in zip(line.indices, line) {
            defer { previous = c }
            if escaped { escaped = false; continue }
            if c == "\\" && inDouble { escaped = true; continue }
            if c == "'" && !inDouble { inSingle.toggle() }
            if c == "\"" && !inSingle { inDouble.toggle() }
            if c == "#" && !inSingle && !inDouble && (previous == " " || i == line.startIndex) {
                return String(line[..<i])
            }
        }
        return line
    }

    /// The colon that ends a key: the first `:` followed by a space or the end, outside quotes.
    static func keyColon(in body: String) -> String.Index? {
        var inSingle = false, inDouble = false
        var i = body.startIndex
        while i < body.endIndex {
            let c = body[i]
            if c == "\\" && inDouble {
                i = body.index(after: i)
                if i < body.endIndex { i = body.index(after: i) }
                continue
            }
            if c == "'" && !inDouble { inSingle.toggle() }
            if c == "\"" && !inSingle { inDouble.toggle() }
            if c == ":" && !inSingle && !inDouble {
                let next = body.index(after: i)
                if next == body.endIndex || body[next] == " " { return i }
            }
            i = body.index(after: i)
        }
        return nil
    }

    static func unquote(_ s: String, file: String, line: Int, key: String) throws -> String {
        if s.hasPrefix("'") {
            guard s.count >= 2, s.hasSuffix("'") else {
                throw FlinkError(.configuration, "\(file):\(line): key '\(key)': unterminated quoted value")
            }
            return String(s.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        if s.hasPrefix("\"") {
            guard s.count >= 2, s.hasSuffix("\""), let text = FlinkConfigWriter.decodeDoubleQuoted(s.dropFirst().dropLast()) else {
                throw FlinkError(.configuration, "\(file):\(line): key '\(key)': unterminated or malformed quoted value")
            }
            return text
        }
        return s
    }

    /// The file contents for a Flink version, through the one writer of Flink
    /// configuration (`FlinkConfigWriter`): `config.yaml` for 2.x, in which
    /// every value reads back as the same string; flat `flink-conf.yaml` for
    /// 1.x, which refuses a value it would cut (a `#`, a line break, spaces at
    /// either end).
    public func render(for version: FlinkVersion) throws -> String {
        do {
            return try FlinkConfigWriter.document(keys.map { ($0, values[$0]!) },
                                                  format: version.major >= 2 ? .yaml : .legacyFlat,
                                                  comment: "Written by flinkctl.")
        } catch let error as FlinkConfigWriter.Unrepresentable {
            throw FlinkError(.configuration, "\(error)")
        }
    }
}
