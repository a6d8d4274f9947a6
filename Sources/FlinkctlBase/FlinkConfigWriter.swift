/// The one writer of Flink configuration lines, `key: value`, and the one rule
/// for how a value is spelled in each of Flink's two file formats.
///
/// `config.yaml` (Flink 2.x) is read by a YAML 1.2 parser (snakeyaml-engine),
/// so every value is written as a double-quoted scalar: the only YAML style in
/// which every string, including `#`, `: `, quotes, leading and trailing
/// spaces, line breaks, `true`, `off`, `007` or `1e3`, reads back as exactly
/// that string. Backslash, double quote and every character that is not
/// printable on one line are escaped; other Unicode is written as it is.
/// Keys that look like Flink option names (`a.b-c.d`) are written plain, any
/// other key is quoted the same way. Tests check the round trip through
/// Flink's own parser (`FlinkTests/ConfigYAMLRoundTripTests`).
///
/// `flink-conf.yaml` (Flink 1.x) is no YAML: each line is cut at the first
/// `#`, split at the first `: ` and trimmed, with no quoting at all. A value
/// that holds `#` or a line break, or starts or ends with a space, cannot be
/// written there; it is refused rather than silently cut (a password cut at
/// `#` would be another password).
public enum FlinkConfigWriter {
    public enum Format: Sendable {
        /// `config.yaml`, Flink 2.x: standard YAML.
        case yaml
        /// `flink-conf.yaml`, Flink 1.x: flat lines, values verbatim.
        case legacyFlat
    }

    /// A value the format cannot hold. It names the key and why, never the value
    /// (which may be a password).
    public struct Unrepresentable: Error, Sendable, CustomStringConvertible {
        public var key: String
        public var reason: String
        public var description: String { "the value of \(key) cannot be written to flink-conf.yaml: \(reason)" }
    }

    /// One line, without its line break.
    public static func line(key: String, value: String, format: Format) throws -> String {
        switch format {
        case .yaml:
            return yamlLine(key: key, value: value)
        case .legacyFlat:
            if let reason = legacyProblem(key: key) ?? legacyProblem(value: value) {
                throw Unrepresentable(key: key, reason: reason)
            }
            return "\(key): \(value)"
        }
    }

    /// A `config.yaml` line; every key and value can be written.
    public static func yamlLine(key: String, value: String) -> String {
        "\(yamlKey(key)): \(yamlScalar(value))"
    }

    /// A whole file: an optional comment line, then one line per entry.
    public static func document(_ entries: [(key: String, value: String)], format: Format, comment: String? = nil) throws -> String {
        var out = comment.map { "# \($0)\n" } ?? ""
        for (key, value) in entries {
            out += try line(key: key, value: value, format: format) + "\n"
        }
        return out
    }

    /// A value as a double-quoted YAML scalar.
    public static func yamlScalar(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if printableOnOneLine(scalar) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += escaped(scalar)
                }
            }
        }
        return out + "\""
    }

    /// A key: plain when it is an option name YAML reads as that string, else quoted.
    public static func yamlKey(_ key: String) -> String {
        isPlainOptionName(key) ? key : yamlScalar(key)
    }

    /// The inverse of `yamlScalar` for the text between the quotes of a
    /// double-quoted scalar on one line (YAML's escapes); nil if it is malformed.
    public static func decodeDoubleQuoted(_ body: Substring) -> String? {
        var out = String.UnicodeScalarView()
        var iterator = body.unicodeScalars.makeIterator()
        while let scalar = iterator.next() {
            guard scalar == "\\" else {
                if scalar == "\"" { return nil }
                out.append(scalar)
                continue
            }
            guard let e = iterator.next() else { return nil }
            let simple: Unicode.Scalar? = switch e {
            case "0": "\u{0}"
            case "a": "\u{7}"
            case "b": "\u{8}"
            case "t", "\t": "\t"
            case "n": "\n"
            case "v": "\u{B}"
            case "f": "\u{C}"
            case "r": "\r"
            case "e": "\u{1B}"
            case " ": " "
            case "\"": "\""
            case "/": "/"
            case "\\": "\\"
            case "N": "\u{85}"
            case "_": "\u{A0}"
            case "L": "\u{2028}"
            case "P": "\u{2029}"
            default: nil
            }
            if let simple {
                out.append(simple)
                continue
            }
            let width: Int
            switch e {
            case "x": width = 2
            case "u": width = 4
            case "U": width = 8
            default: return nil
            }
            var hex = ""
            for _ in 0..<width {
                guard let h = iterator.next(), h.properties.isASCIIHexDigit else { return nil }
                hex.unicodeScalars.append(h)
            }
            guard let code = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(code) else { return nil }
            out.append(decoded)
        }
        return String(out)
    }

    /// What YAML 1.2's core schema would read as something other than a string.
    static let reservedPlainWords: Set<String> = ["true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL"]

    /// An ASCII letter, then letters, digits, `.`, `-` and `_`: how Flink names options.
    static func isPlainOptionName(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, first.isASCIILetter, !reservedPlainWords.contains(key) else { return false }
        return key.unicodeScalars.allSatisfy { $0.isASCIILetter || ("0"..."9").contains($0) || $0 == "." || $0 == "-" || $0 == "_" }
    }

    /// Characters YAML takes as they are inside double quotes on one line:
    /// printable (YAML's `c-printable`), not a line break in YAML 1.1 (NEL,
    /// LS, PS) and not a byte order mark.
    static func printableOnOneLine(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x20...0x7E: true
        case 0xA0...0xD7FF: s.value != 0x2028 && s.value != 0x2029
        case 0xE000...0xFFFD: s.value != 0xFEFF
        case 0x10000...0x10FFFF: true
        default: false
        }
    }

    static func escaped(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16, uppercase: true)
        let (prefix, width) = s.value <= 0xFF ? ("\\x", 2) : s.value <= 0xFFFF ? ("\\u", 4) : ("\\U", 8)
        return prefix + String(repeating: "0", count: width - hex.count) + hex
    }

    static func legacyProblem(key: String) -> String? {
        if key.isEmpty { return "the key is empty" }
        if key.contains(where: { $0 == "#" || $0 == ":" || $0.isNewline || $0.isWhitespace }) {
            return "the key holds '#', ':', a space or a line break"
        }
        return nil
    }

    static func legacyProblem(value: String) -> String? {
        if value.contains("#") { return "that format cuts values at '#'" }
        if value.contains(where: \.isNewline) { return "that format has one line per value" }
        if value.first?.isWhitespace == true || value.last?.isWhitespace == true { return "that format trims spaces" }
        return nil
    }
}

extension Unicode.Scalar {
    fileprivate var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
