import ArgumentParser
import Deploy
@testable import FlinkctlCLI
import FlinkctlBase
import Foundation
import Testing
import TestSupport

/// flinkctl.yaml: its keys, its mistakes with their lines, and the order
/// flag, environment variable, file.
@Suite struct SettingsTests {
    /// The environment a test's flinkctl runs with: nothing that would
    /// otherwise name a cluster, a user, a staging place or a Flink.
    static func environment(_ confDir: String, _ extra: [String: String] = [:]) -> [String: String] {
        var env = ["FLINKCTL_CONF_DIR": confDir, "FLINKCTL_RM": "", "HADOOP_CONF_DIR": "", "HADOOP_USER_NAME": "",
                   "FLINKCTL_STAGING_ROOT": "", "FLINKCTL_QUEUE": "", "FLINKCTL_TIMEOUT": "", "FLINKCTL_KEYTAB": "",
                   "FLINKCTL_PRINCIPAL": ""]
        env.merge(extra) { $1 }
        return env
    }

    static func show(_ dir: String, _ args: [String] = [], env: [String: String] = [:]) throws -> (CommandResult, [String: (value: String?, source: String)]) {
        let r = try run(flinkctlBinary, ["config", "show", "--output", "json"] + args, environment: environment(dir, env))
        var rows: [String: (String?, String)] = [:]
        if r.status == 0, let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
           let settings = json["settings"] as? [[String: Any]] {
            for s in settings { rows[s["name"] as! String] = (s["value"] as? String, s["source"] as! String) }
        }
        return (r, rows)
    }

    @Test func aFlagBeatsTheEnvironmentWhichBeatsTheFile() async throws {
        try await withTemporaryDirectory { dir in
            try """
            # flinkctl's defaults
            rm: http://from-file:8088
            queue: etl
            timeout: 15
            staging: webhdfs://namenode:9870/user/alice/flinkctl
            flink:
              parallelism.default: 3
              state.backend.type: rocksdb
            """.write(toFile: dir + "/flinkctl.yaml", atomically: true, encoding: .utf8)
            let file = dir + "/flinkctl.yaml"

            let (fromFile, a) = try Self.show(dir)
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            #expect(a["rm"]?.value == "http://from-file:8088" && a["rm"]?.source == file + ":2")
            #expect(a["queue"]?.value == "etl" && a["queue"]?.source == file + ":3")
            #expect(a["timeout"]?.value == "15" && a["timeout"]?.source == file + ":4")
            #expect(a["staging"]?.value == "webhdfs://namenode:9870/user/alice/flinkctl" && a["staging"]?.source == file + ":5")
            #expect(a["flink.parallelism.default"]?.value == "3" && a["flink.parallelism.default"]?.source == file + ":7")
            #expect(a["keytab"]?.value == nil)

            let (fromEnv, b) = try Self.show(dir, env: ["FLINKCTL_RM": "http://from-env:8088", "FLINKCTL_QUEUE": "adhoc"])
            #expect(fromEnv.status == 0, "\(fromEnv.stderr)")
            #expect(b["rm"]?.value == "http://from-env:8088" && b["rm"]?.source == "FLINKCTL_RM")
            #expect(b["queue"]?.value == "adhoc" && b["queue"]?.source == "FLINKCTL_QUEUE")

            let (fromFlag, c) = try Self.show(dir, ["--rm", "http://from-flag:8088", "--queue", "prod", "-D", "parallelism.default=5"],
                                              env: ["FLINKCTL_RM": "http://from-env:8088", "FLINKCTL_QUEUE": "adhoc"])
            #expect(fromFlag.status == 0, "\(fromFlag.stderr)")
            #expect(c["rm"]?.value == "http://from-flag:8088" && c["rm"]?.source == "--rm")
            #expect(c["queue"]?.value == "prod" && c["queue"]?.source == "--queue")
            #expect(c["flink.parallelism.default"]?.value == "5" && c["flink.parallelism.default"]?.source == "-D")
            #expect(c["flink.state.backend.type"]?.value == "rocksdb")

            // The table says the same.
            let table = try run(flinkctlBinary, ["config", "show", "--rm", "http://from-flag:8088"], environment: Self.environment(dir))
            #expect(table.status == 0 && table.stdout.contains("http://from-flag:8088") && table.stdout.contains("--rm"), "\(table.stdout)")
            #expect(table.stdout.contains(file + ":3"), "\(table.stdout)")
        }
    }

    /// The file is what commands use, not only what `config show` prints:
    /// `list` goes to the file's ResourceManager (nobody listens: exit 3).
    @Test func commandsUseTheFilesSettings() async throws {
        try await withTemporaryDirectory { dir in
            try "rm: http://127.0.0.1:1\ntimeout: 5\n".write(toFile: dir + "/flinkctl.yaml", atomically: true, encoding: .utf8)
            let r = try run(flinkctlBinary, ["list"], environment: Self.environment(dir))
            #expect(r.status == 3, "\(r.stdout) \(r.stderr)")
            #expect(r.stderr.contains("127.0.0.1:1"), "\(r.stderr)")
        }
    }

    /// Every mistake in the file is an input error (2) naming file:line, and
    /// a command that needs a setting does nothing else.
    @Test(arguments: [
        ("rm: http://a:1\nqueue: [a, b]\n", 2, "queue must be a single value"),
        ("rm: http://a:1\nqueu: etl\n", 2, "unknown key 'queu'"),
        ("queue: etl\nrm: http://a:1\nrm: http://b:1\n", 3, "rm given twice"),
        ("timeout: soon\n", 1, "not a positive number"),
        ("timeout: -3\n", 1, "not a positive number"),
        ("rm: ftp://a\n", 1, "http:// or https://"),
        ("queue: etl\nrm:\n", 2, "rm has no value"),
        ("- rm\n- queue\n", 1, "must be a mapping"),
        ("queue: etl\nflink:\n  - a\n", 2, "flink: must be a mapping"),
        ("queue: etl\nflink:\n  parallelism.default:\n    x: 1\n", 3, "must be a single value"),
        ("queue: etl\nrm: \"http://a:1\n  x: [\n", 4, "not valid YAML"),
        ("queue: etl\n\trm: x\n", 2, "not valid YAML"),
        ("keytab: /etc/krb5.keytab\n", 1, "keytab and principal go together"),
    ])
    func aMalformedFileIsRefusedWithItsLine(text: String, line: Int, words: String) async throws {
        try await withTemporaryDirectory { dir in
            try text.write(toFile: dir + "/flinkctl.yaml", atomically: true, encoding: .utf8)
            let (r, _) = try Self.show(dir)
            #expect(r.status == 2, "\(text): \(r.stdout) \(r.stderr)")
            #expect(r.stderr.contains("\(dir)/flinkctl.yaml:\(line):") || r.stderr.contains("\(dir)/flinkctl.yaml:\(line) "), "\(text): \(r.stderr)")
            #expect(r.stderr.contains(words), "\(text): \(r.stderr)")
            let list = try run(flinkctlBinary, ["list"], environment: Self.environment(dir))
            #expect(list.status == 2 && list.stderr.contains("flinkctl.yaml:\(line)"), "\(list.stderr)")
        }
    }

    @Test func aConfDirThatIsNotADirectoryIsSaid() async throws {
        try await withTemporaryDirectory { dir in
            let (r, _) = try Self.show(dir + "/none")
            #expect(r.status == 2 && r.stderr.contains("FLINKCTL_CONF_DIR") && r.stderr.contains("not a directory"), "\(r.stderr)")
            // A conf directory without flinkctl.yaml has no defaults, and that is fine.
            let (empty, rows) = try Self.show(dir)
            #expect(empty.status == 0 && rows["queue"]?.value == nil, "\(empty.stderr)")
        }
    }

    /// The example in conf/ is a valid file.
    @Test func theAnnotatedExampleParses() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let path = repo + "/conf/flinkctl.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let file = try DefaultsFile.parse(text, path: path)
        #expect(file.settings["rm"] != nil && !file.flink.isEmpty)
    }

    /// What submit is asked to do: the file's queue, staging, keytab and Flink
    /// options, below the flags and -D.
    @Test func theSubmitRequestTakesTheFilesDefaultsBelowTheFlags() throws {
        let file = try DefaultsFile.parse("""
        queue: etl
        staging: /srv/flinkctl
        keytab: /etc/alice.keytab
        principal: alice@EXAMPLE.COM
        flink:
          parallelism.default: 3
        """, path: "/x/flinkctl.yaml")
        let settings = Settings(environment: [:], file: file)
        let cluster = try ClusterOptions.parse([])
        let plain = try DeploymentOptions.parse([]).request(name: "n", job: .session, cluster: cluster, settings: settings)
        #expect(plain.queue == "etl" && plain.stagingRoot == "/srv/flinkctl")
        #expect(plain.keytab == "/etc/alice.keytab" && plain.principal == "alice@EXAMPLE.COM")
        #expect(plain.flinkDefaults == ["parallelism.default=3"] && plain.overrides.isEmpty)

        let flags = try DeploymentOptions.parse(["--queue", "prod", "--staging", "/tmp/s", "-D", "parallelism.default=5"])
            .request(name: "n", job: .session, cluster: try ClusterOptions.parse(["--keytab", "/k", "--principal", "bob@EXAMPLE.COM"]),
                     settings: Settings(environment: ["FLINKCTL_QUEUE": "adhoc"], file: file))
        #expect(flags.queue == "prod" && flags.stagingRoot == "/tmp/s")
        #expect(flags.keytab == "/k" && flags.principal == "bob@EXAMPLE.COM")
        #expect(flags.overrides == ["parallelism.default=5"])

        let env = try DeploymentOptions.parse([]).request(name: "n", job: .session, cluster: cluster,
                                                          settings: Settings(environment: ["FLINKCTL_QUEUE": "adhoc"], file: file))
        #expect(env.queue == "adhoc")

        // A keytab from one place with a principal from another is refused.
        #expect(throws: Failure.self) {
            try DeploymentOptions.parse([]).request(name: "n", job: .session, cluster: cluster,
                                                    settings: Settings(environment: ["FLINKCTL_KEYTAB": "/other"], file: file))
        }
    }

    /// `submit --sql SQL ARGS` against an unreachable cluster (asking it would
    /// be exit 3): refused with exit 2 saying `words`, nothing staged.
    @discardableResult
    static func expectRefusedBeforeStaging(_ args: [String], saying words: String, sql: String, in dir: String) throws -> CommandResult {
        let r = try run(flinkctlBinary, ["submit", "--rm", "http://127.0.0.1:1", "--staging", dir + "/staging", "--sql", sql] + args)
        #expect(r.status == 2, "\(args): \(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains(words), "\(args): \(r.stderr)")
        let staged = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/staging")) ?? []
        #expect(staged.isEmpty, "\(args): something was staged: \(staged)")
        return r
    }

    /// Bad vcores are refused with exit 2 naming the option, before the
    /// cluster is asked anything (it is unreachable here: that would be 3).
    @Test func badVcoresExitTwoNamingTheOption() async throws {
        try await withTemporaryDirectory { dir in
            let sql = dir + "/job.sql"
            try "SELECT 1;".write(toFile: sql, atomically: true, encoding: .utf8)
            for (args, words) in [(["--tm-vcores", "0"], "--tm-vcores"), (["--jm-vcores", "-2"], "--jm-vcores"),
                                  (["--tm-vcores", "two"], "--tm-vcores"),
                                  (["-D", "yarn.containers.vcores=0"], "yarn.containers.vcores"),
                                  (["-D", "yarn.appmaster.vcores=1.5"], "yarn.appmaster.vcores")] {
                try Self.expectRefusedBeforeStaging(args, saying: words, sql: sql, in: dir)
            }
        }
    }
    @Test func badShippedItemsExitTwoNamingTheOptionBeforeAnythingIsStaged() async throws {
        try await withTemporaryDirectory { dir in
            let sql = dir + "/job.sql"
            try "SELECT 1;".write(toFile: sql, atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: dir + "/a/conf", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: dir + "/b", withIntermediateDirectories: true)
            try "x".write(toFile: dir + "/a/same.csv", atomically: true, encoding: .utf8)
            try "y".write(toFile: dir + "/b/same.csv", atomically: true, encoding: .utf8)
            try "not a zip".write(toFile: dir + "/broken.zip", atomically: true, encoding: .utf8)
            try "rar".write(toFile: dir + "/lookup.rar", atomically: true, encoding: .utf8)
            #expect(mkfifo(dir + "/fifo", 0o600) == 0)
            let zip = try run("/usr/bin/zip", ["-q", "-j", dir + "/ok.zip", dir + "/a/same.csv"])
            #expect(zip.status == 0)
            // An entry that climbs out of its directory.
            let tar = try run("/bin/tar", ["-C", dir + "/a", "-cf", dir + "/climb.tar", "--transform", "s,^,../,", "same.csv"])
            #expect(tar.status == 0, "\(tar.stderr)")
            let cases: [([String], String)] = [
                (["--ship", dir + "/missing.csv"], "--ship"),
                (["--ship", dir + "/fifo"], "--ship"),
                (["--ship", "hdfs:///data/x.csv"], "--ship"),
                (["--ship", dir + "/a/same.csv", "--ship", dir + "/b/same.csv"], "--ship"),
                (["--ship", dir + "/a/conf"], "--ship"),
                (["--ship-archive", dir + "/lookup.rar"], "--ship-archive"),
                (["--ship-archive", dir + "/broken.zip"], "--ship-archive"),
                (["--ship-archive", dir + "/missing.zip"], "--ship-archive"),
                (["--ship-archive", dir + "/ok.zip#"], "--ship-archive"),
                (["--ship-archive", dir + "/climb.tar"], "--ship-archive"),
                (["--ship-archive", dir + "/ok.zip#a/b"], "--ship-archive"),
                (["--ship-archive", dir + "/ok.zip#.hidden"], "--ship-archive"),
                (["--ship-archive", dir + "/ok.zip#same.csv", "--ship", dir + "/a/same.csv"], "--ship"),
            ]
            for (args, option) in cases {
                try Self.expectRefusedBeforeStaging(args, saying: option, sql: sql, in: dir)
            }
        }
    }
    @Test func badTLSDirectoriesExitTwoBeforeAnythingIsStaged() async throws {
        try await withTemporaryDirectory { dir in
            let sql = dir + "/job.sql"
            try "SELECT 1;".write(toFile: sql, atomically: true, encoding: .utf8)
            try "s3cret-pass\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
            chmod(dir + "/pw", 0o600)
            try "other-pass\n".write(toFile: dir + "/wrong", atomically: true, encoding: .utf8)
            chmod(dir + "/wrong", 0o600)
            try "s3cret-pass\n".write(toFile: dir + "/open", atomically: true, encoding: .utf8)
            chmod(dir + "/open", 0o644)
            let g = try run(flinkctlBinary, ["security", "keystore", "generate", "--out", dir + "/tls", "--password-file", dir + "/pw", "--key-type", "ec-p256"])
            #expect(g.status == 0, "\(g.stderr)")
            try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
            let cases: [([String], String)] = [
                (["--tls-dir", dir + "/tls"], "--tls-password-file"),
                (["--tls-dir", dir + "/tls", "--tls-password-file", dir + "/open"], "chmod 600"),
                (["--tls-dir", dir + "/tls", "--tls-password-file", dir + "/wrong"], "--tls-dir"),
                (["--tls-dir", dir + "/tls", "--tls-password-file", dir + "/missing"], "--tls-password-file"),
                (["--tls-dir", dir + "/empty", "--tls-password-file", dir + "/pw"], "flink.keystore"),
                (["--tls-password-file", dir + "/pw"], "--tls-dir"),
            ]
            for (args, words) in cases {
                let r = try Self.expectRefusedBeforeStaging(args, saying: words, sql: sql, in: dir)
                #expect(!r.stderr.contains("s3cret-pass") && !r.stderr.contains("other-pass"), "a password in a message: \(r.stderr)")
            }
        }
    }
}
