import Foundation
import Testing

@testable import FlinkctlSecurity

/// Runs the built `flinkctl` binary, as a user or a cron job would.
@Suite struct CommandLineTests {
    static let binary: String = {
        let testBundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [testBundle, testBundle.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("flinkctl").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return ".build/debug/flinkctl"
    }()

    func flinkctl(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build flinkctl first (swift build); looked for \(Self.binary)")
        if environment.isEmpty { return try run(Self.binary, arguments) }
        return try run("/usr/bin/env", environment.map { "\($0.key)=\($0.value)" } + [Self.binary] + arguments)
    }

    @Test func generateInspectCheck() throws {
        try withTemporaryDirectory { dir in
            try write("cli-secret-1\n", to: dir + "/pw")
            try write("rest.port: 8081\n", to: dir + "/config.yaml")
            let gen = try flinkctl([
                "security", "keystore", "generate", "--out", dir + "/tls", "--password-file", dir + "/pw",
                "--key-type", "ec-p256", "--san", "dns:tm1.example,ip:10.0.0.7", "--validity", "20", "--conf", dir + "/config.yaml",
            ])
            #expect(gen.status == 0, "\(gen.stdout) \(gen.stderr)")
            #expect(!(gen.stdout + gen.stderr).contains("cli-secret-1"), "the password must never be printed")
            let config = String(decoding: try read(dir + "/config.yaml"), as: UTF8.self)
            #expect(config.hasPrefix("rest.port: 8081\n"))
            #expect(config.contains("security.ssl.internal.keystore: \"\(dir)/tls/flink.keystore\""))

            let again = try flinkctl(["security", "keystore", "generate", "--out", dir + "/tls", "--password-file", dir + "/pw"])
            #expect(again.status == 2 && again.stderr.contains("exists"), "\(again.stderr)")

            let inspect = try flinkctl(["security", "keystore", "inspect", dir + "/tls/flink.keystore", "--password-file", dir + "/pw", "--output", "json"])
            #expect(inspect.status == 0, "\(inspect.stderr)")
            let json = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any]
            let entries = json?["entries"] as? [[String: Any]]
            #expect(entries?.first?["type"] as? String == "PrivateKeyEntry")
            let chain = entries?.first?["chain"] as? [[String: Any]]
            #expect(chain?.first?["subjectAlternativeNames"] as? [String] == ["dns:tm1.example", "ip:10.0.0.7"])

            let files = ["flink.keystore", "flink.truststore", "ca.pem"].map { dir + "/tls/" + $0 }
            let ok = try flinkctl(["security", "cert", "check", "--warn-days", "10", "--password-file", dir + "/pw"] + files)
            #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")
            let soon = try flinkctl(["security", "cert", "check", "--warn-days", "30", "--password-file", dir + "/pw", "--output", "json"] + files)
            #expect(soon.status == 1, "\(soon.stdout)")
            #expect(soon.stdout.contains("\"state\" : \"expiring\""))
            let env = try flinkctl(["security", "cert", "check", "--password-env", "TLS_PW", files[0]], environment: ["TLS_PW": "cli-secret-1"])
            #expect(env.status == 1, "20 days < default 30: \(env.stdout) \(env.stderr)")
        }
    }

    @Test func badInputGivesClearErrorsAndExitTwo() throws {
        try withTemporaryDirectory { dir in
            try write("cli-secret-2\n", to: dir + "/pw")
            try write("wrong-secret\n", to: dir + "/wrong")
            let gen = try flinkctl(["security", "keystore", "generate", "--out", dir + "/tls", "--password-file", dir + "/pw", "--key-type", "ec-p256"])
            try #require(gen.status == 0, "\(gen.stderr)")

            let wrong = try flinkctl(["security", "keystore", "inspect", dir + "/tls/flink.keystore", "--password-file", dir + "/wrong"])
            #expect(wrong.status == 2)
            #expect(wrong.stderr.contains("wrong keystore password"), "\(wrong.stderr)")

            let truncated = dir + "/truncated.p12"
            try Data(try read(dir + "/tls/flink.keystore").prefix(500)).write(to: URL(fileURLWithPath: truncated))
            let damaged = try flinkctl(["security", "keystore", "inspect", truncated, "--password-file", dir + "/pw"])
            #expect(damaged.status == 2 && damaged.stderr.contains("not a PKCS#12 keystore, or a damaged one"), "\(damaged.stderr)")
            let check = try flinkctl(["security", "cert", "check", "--password-file", dir + "/pw", truncated])
            #expect(check.status == 2, "\(check.stdout)")

            let noPassword = try flinkctl(["security", "keystore", "generate", "--out", dir + "/other"])
            #expect(noPassword.status != 0 && noPassword.stderr.contains("password"), "\(noPassword.stderr)")

            try write("not a directory", to: dir + "/file")
            let unwritable = try flinkctl(["security", "keystore", "generate", "--out", dir + "/file/tls", "--password-file", dir + "/pw"])
            #expect(unwritable.status == 2 && unwritable.stderr.contains("cannot create the directory"), "\(unwritable.stderr)")

            try write("short\n", to: dir + "/short")
            let short = try flinkctl(["security", "keystore", "generate", "--out", dir + "/short-tls", "--password-file", dir + "/short"])
            #expect(short.status == 2 && short.stderr.contains("at least 6"), "\(short.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/short-tls"), "nothing is written on failure")
        }
    }

    /// security/renew-certificates.sh, as cron would run it: 0 nothing due, 1 renewed, 2 unreadable.
    @Test func renewScriptExitCodes() throws {
        let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("security/renew-certificates.sh").path
        try #require(FileManager.default.isExecutableFile(atPath: scriptPath), "missing \(scriptPath)")
        try withTemporaryDirectory { dir in
            let tls = dir + "/tls"
            try FileManager.default.createDirectory(atPath: tls, withIntermediateDirectories: true)
            try write("cron-secret-3\n", to: tls + "/.password")
            let gen = try flinkctl(["security", "keystore", "generate", "--out", tls, "--password-file", tls + "/.password",
                                    "--key-type", "ec-p256", "--validity", "20"])
            try #require(gen.status == 0, "\(gen.stderr)")
            let env = ["FLINKCTL": Self.binary, "LOG_FILE": dir + "/renew.log"]

            func script(_ args: [String], _ extra: [String: String] = [:]) throws -> ProcessResult {
                try run("/usr/bin/env", env.merging(extra) { $1 }.map { "\($0.key)=\($0.value)" } + ["bash", scriptPath] + args)
            }
            let nothing = try script([tls, "10"])
            #expect(nothing.status == 0, "\(nothing.stderr)")
            let renewed = try script([tls, "30"])
            #expect(renewed.status == 1, "\(renewed.stderr)")
            let log = String(decoding: try read(dir + "/renew.log"), as: UTF8.self)
            #expect(log.contains("Renewed the node certificate"), "\(log)")
            #expect(try script([tls, "30"]).status == 0, "renewed for 365 days: nothing due any more")
            try write("wrong-secret\n", to: dir + "/wrong")
            let unreadable = try script([tls, "30"], ["PASSWORD_FILE": dir + "/wrong"])
            #expect(unreadable.status == 2, "\(unreadable.stderr)")
        }
    }
}
