import ArgumentParser
import FlinkctlBase
import Foundation
import Hadoop
import HTTPTransport
import Kerberos
import YarnLocal

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json
}

struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: table or json.")
    var output: OutputFormat = .table
}

/// Where the cluster is and who we are to it.
struct ClusterOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("ResourceManager web address(es), comma-separated for HA, e.g. http://rm1:8088,http://rm2:8088.", valueName: "URL"))
    var rm: String?

    @Option(name: .long, help: "User for simple authentication (?user.name=). Default: HADOOP_USER_NAME, then USER.")
    var user: String?

    @Option(name: .long, help: ArgumentHelp("Request timeout in seconds. Default: 60.", valueName: "SECONDS"))
    var timeout: Double?

    @Option(name: .long, help: ArgumentHelp("Kerberos keytab to log in from (SPNEGO); with --principal. Without them, the ticket cache is used.", valueName: "FILE"))
    var keytab: String?

    @Option(name: .long, help: ArgumentHelp("Kerberos principal to log in as from --keytab, e.g. alice@EXAMPLE.COM.", valueName: "P"))
    var principal: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("PEM file of the CA(s) to trust for https:// addresses.", valueName: "FILE"))
    var caFile: String?

    @Option(name: .long, help: ArgumentHelp("PKCS#12 truststore of the CA(s) to trust for https:// addresses, e.g. flink.truststore; with --truststore-password-file.", valueName: "FILE"))
    var truststore: String?

    @Option(name: .customLong("truststore-password-file"), help: ArgumentHelp("File whose first line is the --truststore password.", valueName: "FILE"))
    var truststorePasswordFile: String?

    func validate() throws {
        if (keytab == nil) != (principal == nil) {
            throw ValidationError("--keytab and --principal go together")
        }
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
    }

    /// The user: --user, HADOOP_USER_NAME, the defaults file, then USER.
    func resolvedUser(_ settings: Settings) throws -> ResolvedSetting {
        if let r = try settings.resolve("user", flag: user) { return r }
        return ResolvedSetting(name: "user", value: settings.environment["USER"] ?? NSUserName(), source: "USER")
    }

    /// The keytab login, as a pair: the flags, else FLINKCTL_KEYTAB with
    /// FLINKCTL_PRINCIPAL, else the defaults file's; nil means the ticket cache.
    func resolvedKerberos(_ settings: Settings) throws -> (keytab: ResolvedSetting, principal: ResolvedSetting)? {
        let k = try settings.resolve("keytab", flag: keytab), p = try settings.resolve("principal", flag: principal)
        guard let k, let p else {
            if let given = k ?? p {
                throw Failure(.input, "\(given.source) gives the \(given.name) without the \(given.name == "keytab" ? "principal" : "keytab"): keytab and principal go together")
            }
            return nil
        }
        // One login, from one place: a keytab from one source with a principal from another is a mistake.
        if k.source.hasPrefix("--") != p.source.hasPrefix("--") || k.source.hasPrefix("FLINKCTL_") != p.source.hasPrefix("FLINKCTL_") {
            throw Failure(.input, "the keytab comes from \(k.source) and the principal from \(p.source): give both in one place")
        }
        return (k, p)
    }

    /// Resolves the cluster address: --rm, FLINKCTL_RM, HADOOP_CONF_DIR, the
    /// defaults file, then the embedded default.
    func address() throws -> ClusterAddress {
        let settings = try Settings.current()
        let env = settings.environment
        let user = try resolvedUser(settings).value!
        if let rm, !rm.isEmpty {
            return ClusterAddress(urls: try Self.urls(rm, from: "--rm"), user: user, source: "--rm")
        }
        if let rm = env["FLINKCTL_RM"], !rm.isEmpty {
            return ClusterAddress(urls: try Self.urls(rm, from: "FLINKCTL_RM"), user: user, source: "FLINKCTL_RM")
        }
        if let confDir = env["HADOOP_CONF_DIR"], !confDir.isEmpty {
            let conf: HadoopConfiguration
            do { conf = try HadoopConfiguration(directory: confDir) } catch let e as HadoopError {
                throw Failure(.input, e.message)
            }
            let urls = conf.resourceManagerURLs()
            guard !urls.isEmpty else {
                throw Failure(.input, "HADOOP_CONF_DIR=\(confDir) has no ResourceManager address (yarn.resourcemanager.webapp.address or yarn.resourcemanager.hostname)")
            }
            return ClusterAddress(urls: urls, user: user, source: "HADOOP_CONF_DIR")
        }
        if let file = settings.file, let rm = file.settings["rm"] {
            return ClusterAddress(urls: try Self.urls(rm.value, from: file.source(rm)), user: user, source: file.source(rm))
        }
        let dir = LocalDefaults.directory
        if let info = ClusterProcessInfo.read(directory: dir), info.isAlive {
            return ClusterAddress(urls: [info.url], user: user, source: "embedded cluster in \(dir)")
        }
        return ClusterAddress(urls: ["http://127.0.0.1:\(LocalDefaults.port)"], user: user, source: "default")
    }

    static func urls(_ list: String, from source: String) throws -> [String] {
        let urls = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        for u in urls where !(u.hasPrefix("http://") || u.hasPrefix("https://")) {
            throw Failure(.input, "\(source): '\(u)' is not an http:// or https:// URL")
        }
        guard !urls.isEmpty else { throw Failure(.input, "\(source) is empty") }
        return urls
    }

    func endpoint() throws -> RESTEndpoint {
        var address = try address()
        let settings = try Settings.current()
        if try resolvedKerberos(settings) != nil, try settings.resolve("user", flag: user) == nil { address.user = nil }
        return try RESTEndpoint(address: address, options: try transportOptions(), login: try spnegoLogin())
    }

    /// Timeouts, TLS trust and Negotiate, for the ResourceManager and WebHDFS alike.
    func transportOptions() throws -> TransportOptions {
        var options = TransportOptions()
        options.timeout = try Settings.current().value("timeout", flag: timeout.map { String($0) }).flatMap(Double.init) ?? 60
        // Negotiate only answers a server's 401 challenge; simple-auth clusters never
        // send one (and then libcurl is not even loaded).
        options.negotiate = true
        options.caFile = try Settings.current().value("ca-file", flag: caFile)
        options.caPEM = try truststorePEM()
        return options
    }
}

enum LocalDefaults {
    static let port = 8088
    static var directory: String {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".flinkctl/local")
    }

    /// The Hadoop installation scripts/setup.sh recorded in ~/.flinkctl/hadoop-home, if it is there.
    static func installedHadoopHome() -> String? {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        guard let data = FileManager.default.contents(atPath: (home as NSString).appendingPathComponent(".flinkctl/hadoop-home")) else { return nil }
        let dir = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        var isDir: ObjCBool = false
        return !dir.isEmpty && FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) && isDir.boolValue ? dir : nil
    }
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data(("flinkctl: " + s + "\n").utf8))
}

func printJSON<T: Encodable>(_ value: T) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try e.encode(value), as: UTF8.self))
}

/// A plain text table, columns padded to their widest cell.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in
            i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    print(line(header))
    for r in rows { print(line(r)) }
}
