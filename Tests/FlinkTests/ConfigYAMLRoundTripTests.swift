import Flink
import FlinkctlBase
import FlinkctlSecurity
import Foundation
import Testing
import TestSupport

/// What Flink itself reads from our `config.yaml`: the file is loaded by
/// `GlobalConfiguration.loadConfiguration(dir)` of the installed Flink, in a
/// JVM, and every key and value comes back base64-encoded, so nothing is lost
/// or guessed in between.
@Suite("config.yaml through Flink's own parser")
struct ConfigYAMLRoundTripTests {
    /// The values that break a naive writer.
    static let awkwardValues: [String] = [
        "x # not a comment", "#", "# leading hash", "a:b", "key: value", "ends with colon:", ": leading",
        "it's", "''", "\"double\"", "'single' and \"double\"", "\\\"",
        " leading space", "trailing space ", "  both  ", " ", "\t tab",
        "true", "false", "yes", "no", "on", "off", "True", "NULL", "null", "~",
        "1e3", "0x1F", "007", "0o17", "1_000", ".inf", "-.5", "+1", "12:30:00", "2026-12-03",
        "",
        "line one\nline two", "trailing newline\n", "\nleading newline", "crlf\r\nline", "blank\n\nline",
        "é ñ ß ☃ 中文 😀", "\u{85}nel \u{2028}ls \u{2029}ps", "\u{A0}nbsp\u{A0}", "\u{FEFF}bom",
        "back\\slash", "C:\\path\\to\\x", "\\n is not a newline", "ends with backslash\\", "\\\\",
        "[not, a, list]", "{not: a map}", "- not a list item", "&anchor", "*alias", "!tag", "|", ">", "%directive", "@at", "`tick`",
        "---", "...", "a, b", "?", "${not.substituted}", "$(id)",
        "\u{1}\u{7}\u{1B}\u{7F}\u{9F} controls",
    ]

    static let probeSource = """
        import java.nio.charset.StandardCharsets;
        import java.util.*;
        import org.apache.flink.configuration.Configuration;
        import org.apache.flink.configuration.GlobalConfiguration;

        public class Probe {
            public static void main(String[] args) {
                Base64.Encoder b64 = Base64.getEncoder();
                for (String dir : args) {
                    Configuration config = GlobalConfiguration.loadConfiguration(dir);
                    System.out.println("DIR " + b64.encodeToString(dir.getBytes(StandardCharsets.UTF_8)));
                    for (Map.Entry<String, String> e : new TreeMap<>(config.toMap()).entrySet()) {
                        System.out.println(b64.encodeToString(e.getKey().getBytes(StandardCharsets.UTF_8)) + " "
                            + b64.encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8)));
                    }
                }
            }
        }
        """

    /// Every key and value Flink reads from each directory's `config.yaml`.
    static func flinkReads(_ dirs: [String], workDir: String) throws -> [[String: String]] {
        let dist = try FlinkDistribution.locate(explicit: nil)
        #expect(dist.version.major >= 2, "these tests need Flink 2.x; found \(dist.version) at \(dist.home)")
        let probe = workDir + "/Probe.java"
        try probeSource.write(toFile: probe, atomically: true, encoding: .utf8)
        let r = try run(try locateJava(), ["-cp", dist.libJars().joined(separator: ":"), probe] + dirs)
        guard r.status == 0 else { throw FlinkError(.java, "the probe failed (\(r.status)): \(r.stderr.suffix(2000))") }
        func decode(_ s: Substring) -> String? { Data(base64Encoded: String(s)).map { String(decoding: $0, as: UTF8.self) } }
        var result: [[String: String]] = []
        for line in r.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            if parts.count == 2, parts[0] == "DIR" {
                result.append([:])
            } else if parts.count == 2, !result.isEmpty, let key = decode(parts[0]), let value = decode(parts[1]) {
                result[result.count - 1][key] = value
            }
        }
        guard result.count == dirs.count else { throw FlinkError(.java, "the probe printed: \(r.stdout.prefix(2000)) \(r.stderr.suffix(2000))") }
        return result
    }

    static func write(_ text: String, in dir: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    @Test("every awkward value, and awkward keys, read back by Flink exactly as FlinkConfiguration.render wrote them; a plain writer does not")
    func renderRoundTrips() throws {
        let work = NSTemporaryDirectory() + "flinkctl-yaml-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: work) }
        var config = FlinkConfiguration()
        var expected: [String: String] = [:]
        for (index, value) in Self.awkwardValues.enumerated() {
            config["flinkctl.test.value-\(index)"] = value
            expected["flinkctl.test.value-\(index)"] = value
        }
        for key in ["true", "007", "a key with spaces", "key: with colon", "hash#key", "quote'key", "é.key", "a.b_c-d.E9"] {
            config[key] = "for \(key)"
            expected[key] = "for \(key)"
        }
        let ours = try Self.write(try config.render(for: FlinkVersion(major: 2, minor: 3, patch: 0)), in: work + "/ours")

        // The control: values written verbatim, as FlinkConfiguration wrote them
        // for 1.x. Flink must read each differently, which shows the probe
        // tells a wrong quoting from a right one.
        let naive = ["x # not a comment", "007", " leading space", "\"double\"", "0x1F", "1e3"]
        let naiveText = naive.enumerated().map { "flinkctl.test.value-\($0.offset): \($0.element)" }.joined(separator: "\n") + "\n"
        let control = try Self.write(naiveText, in: work + "/naive")

        let read = try Self.flinkReads([ours, control], workDir: work)
        for (key, value) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(read[0][key] == value, "\(key): wrote \(value.debugDescription), Flink read \(read[0][key]?.debugDescription ?? "nothing")")
        }
        let extra = Set(read[0].keys).subtracting(expected.keys)
        #expect(extra.isEmpty, "Flink read keys that were not written: \(extra.sorted())")

        for (index, value) in naive.enumerated() {
            let got = read[1]["flinkctl.test.value-\(index)"]
            #expect(got != nil && got != value, "written verbatim, \(value.debugDescription) came back as \(got?.debugDescription ?? "nothing"): the probe cannot tell quoting apart")
        }
    }

    @Test("keystore passwords with #, quotes, spaces and line breaks, written by FlinkSSLConfiguration, read back by Flink exactly")
    func sslPasswordsRoundTrip() throws {
        let work = NSTemporaryDirectory() + "flinkctl-yaml-ssl-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let passwords = ["pass#word", " it's \"quoted\" # and: spaced ", "multi\nline\\pw", "0x1F", "yes", "é☃😀"]
        var dirs: [String] = []
        for (index, password) in passwords.enumerated() {
            let settings = FlinkSSLConfiguration(keystorePath: "/etc/flink/tls/flink.keystore", truststorePath: "/etc/flink/tls/#trust store",
                                                 password: KeystorePassword(password), keyType: .ecP256)
            let original = "# a user's file\njobmanager:\n  rpc:\n    address: localhost\ntaskmanager.numberOfTaskSlots: 2\n"
            dirs.append(try Self.write(try settings.apply(to: original, dialect: .yaml), in: work + "/\(index)"))
        }
        let read = try Self.flinkReads(dirs, workDir: work)
        for (index, password) in passwords.enumerated() {
            for key in ["keystore-password", "key-password", "truststore-password"] {
                for scope in ["internal", "rest"] {
                    let got = read[index]["security.ssl.\(scope).\(key)"]
                    #expect(got == password, "password \(index) (\(scope).\(key)) was not read back exactly")
                }
            }
            #expect(read[index]["security.ssl.internal.enabled"] == "true")
            #expect(read[index]["security.ssl.rest.truststore"] == "/etc/flink/tls/#trust store")
            #expect(read[index]["jobmanager.rpc.address"] == "localhost")
            #expect(read[index]["taskmanager.numberOfTaskSlots"] == "2")
        }
    }
}
