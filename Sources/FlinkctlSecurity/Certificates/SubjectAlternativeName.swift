import Foundation
import SwiftASN1
import X509

/// A name a node certificate is valid for: `dns:host.example.com` or `ip:10.0.0.5` / `ip:::1`.
public enum SubjectAlternativeName: Hashable, Sendable, CustomStringConvertible {
    case dns(String)
    /// 4 bytes (IPv4) or 16 bytes (IPv6).
    case ip([UInt8])

    /// Parses `dns:NAME` or `ip:ADDRESS`.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let lower = trimmed.lowercased()
        if lower.hasPrefix("dns:") {
            let name = String(trimmed.dropFirst(4))
            guard Self.isHostName(name) else {
                throw SecurityError(.invalidArgument, "'\(name)' is not a DNS name (letters, digits, '-', '.', optionally a leading '*.')")
            }
            self = .dns(name.lowercased())
        } else if lower.hasPrefix("ip:") {
            let address = String(trimmed.dropFirst(3))
            guard let bytes = Self.parseIP(address) else {
                throw SecurityError(.invalidArgument, "'\(address)' is not an IPv4 or IPv6 address")
            }
            self = .ip(bytes)
        } else {
            throw SecurityError(.invalidArgument, "'\(text)': a subject alternative name is dns:NAME or ip:ADDRESS")
        }
    }

    /// Parses a comma-separated list such as `dns:a.example,ip:10.0.0.1`.
    public static func parseList(_ text: String) throws -> [SubjectAlternativeName] {
        try text.split(separator: ",").map { try SubjectAlternativeName(parsing: String($0)) }
    }

    /// This host's name, `localhost`, `127.0.0.1` and `::1`.
    public static func defaults(hostName: String = ProcessInfo.processInfo.hostName) -> [SubjectAlternativeName] {
        var names: [SubjectAlternativeName] = []
        let host = hostName.lowercased()
        if isHostName(host), host != "localhost" {
            names.append(.dns(host))
        }
        names += [.dns("localhost"), .ip([127, 0, 0, 1]), .ip(Array(repeating: 0, count: 15) + [1])]
        return names
    }

    public var description: String {
        switch self {
        case .dns(let name): return "dns:\(name)"
        case .ip(let bytes): return "ip:\(Self.format(ip: bytes))"
        }
    }

    var generalName: GeneralName {
        switch self {
        case .dns(let name): return .dnsName(name)
        case .ip(let bytes): return .ipAddress(ASN1OctetString(contentBytes: bytes[...]))
        }
    }

    init?(_ name: GeneralName) {
        switch name {
        case .dnsName(let dns): self = .dns(dns)
        case .ipAddress(let octets) where octets.bytes.count == 4 || octets.bytes.count == 16: self = .ip(Array(octets.bytes))
        default: return nil
        }
    }

    static func isHostName(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 253 else { return false }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.first == "*" && labels.count > 1 { labels.removeFirst() }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    static func parseIP(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    static func format(ip bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        return ok ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : bytes.map { String($0) }.joined(separator: ".")
    }
}
