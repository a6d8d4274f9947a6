import Foundation

/// Properties read from Hadoop's `*-site.xml` files.
///
/// The files are small and flat (`<property><name>…</name><value>…</value></property>`),
/// so they are read with a scanner of their own rather than an XML library that
/// every command would pay to load.
public struct HadoopConfiguration: Sendable {
    public private(set) var properties: [String: String] = [:]

    public init(properties: [String: String] = [:]) { self.properties = properties }

    /// Reads `core-site.xml` and `yarn-site.xml` from a `HADOOP_CONF_DIR`; a
    /// missing file is skipped, an unreadable or malformed one is an error.
    public init(directory: String) throws {
        for file in ["core-site.xml", "yarn-site.xml"] {
            let path = (directory as NSString).appendingPathComponent(file)
            guard FileManager.default.fileExists(atPath: path) else { continue }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw HadoopError(code: .configuration, message: "cannot read \(path)")
            }
            try merge(xml: String(decoding: data, as: UTF8.self), file: path)
        }
    }

    public subscript(key: String) -> String? { properties[key] }

    /// Adds the properties of one configuration file; later files win, as in Hadoop.
    public mutating func merge(xml: String, file: String = "<config>") throws {
        let text = Self.stripComments(xml)
        var rest = text[...]
        while let open = rest.range(of: "<property") {
            guard let close = rest.range(of: "</property>", range: open.upperBound..<rest.endIndex) else {
                throw HadoopError(code: .configuration, message: "\(file): <property> without </property>")
            }
            let body = rest[open.upperBound..<close.lowerBound]
            guard let name = Self.element("name", in: body) else {
                throw HadoopError(code: .configuration, message: "\(file): a <property> has no <name>")
            }
            properties[name] = Self.element("value", in: body) ?? ""
            rest = rest[close.upperBound...]
        }
    }

    static func stripComments(_ s: String) -> String {
        var out = ""
        var rest = s[...]
        while let open = rest.range(of: "<!--") {
            out += rest[..<open.lowerBound]
            guard let close = rest.range(of: "-->", range: open.upperBound..<rest.endIndex) else { return out }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    static func element(_ tag: String, in body: Substring) -> String? {
        if body.contains("<\(tag)/>") { return "" }
        guard let open = body.range(of: "<\(tag)>"),
              let close = body.range(of: "</\(tag)>", range: open.upperBound..<body.endIndex) else { return nil }
        return unescape(String(body[open.upperBound..<close.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The ResourceManager web addresses in failover order, following
    /// `RMHAUtils.getRMHAWebappAddresses`: with HA on, one per id in
    /// `yarn.resourcemanager.ha.rm-ids`; HTTPS when `yarn.http.policy` is HTTPS_ONLY.
    public func resourceManagerURLs() -> [String] {
        let https = (self["yarn.http.policy"] ?? "HTTP_ONLY").uppercased() == "HTTPS_ONLY"
        let scheme = https ? "https" : "http"
        let key = https ? "yarn.resourcemanager.webapp.https.address" : "yarn.resourcemanager.webapp.address"
        let defaultPort = https ? 8090 : 8088
        func address(suffix: String) -> String? {
            if let a = self[key + suffix], !a.isEmpty { return a }
            if let host = self["yarn.resourcemanager.hostname" + suffix], !host.isEmpty { return "\(host):\(defaultPort)" }
            return nil
        }
        if (self["yarn.resourcemanager.ha.enabled"] ?? "false").lowercased() == "true",
           let ids = self["yarn.resourcemanager.ha.rm-ids"] {
            let urls = ids.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }.compactMap { address(suffix: "." + $0) }
            if !urls.isEmpty { return urls.map { "\(scheme)://\($0)" } }
        }
        if let a = address(suffix: "") { return ["\(scheme)://\(a)"] }
        return []
    }
}
