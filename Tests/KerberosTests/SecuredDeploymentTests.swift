import Foundation
import Hadoop
import Testing
import TestSupport

/// The last lines of every container's output, to say what went wrong.
func containerLogTails(_ dir: String) -> String {
    (FileManager.default.enumerator(atPath: dir + "/logs")?.allObjects as? [String] ?? [])
        .filter { !$0.hasSuffix("cluster.log") && !$0.hasSuffix("/") }.sorted().prefix(12)
        .compactMap { rel -> String? in
            guard let text = try? String(contentsOfFile: dir + "/logs/" + rel, encoding: .utf8), !text.isEmpty else { return nil }
            return "== \(rel)\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
        }.joined(separator: "\n")
}

/// A Kerberized cluster big enough for a Flink job, and a batch SQL script
/// that writes the sum of 1…rows to `dir/out`.
struct SecuredJob {
    let cluster: TestCluster
    let dir: String
    let script: String
    let runner: String
    let alice: String

    /// `admins`: users whose containers run as the cluster's own user and
    /// who may name host files (local staging); alice's containers run as
    /// the local user alice otherwise, so her job writes where she may.
    init(realm: Realm, dir: String, rows: Int, admins: [String] = []) throws {
        self.dir = dir
        let output = dir + "/out"
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        if let pw = getpwnam("alice") { chown(output, pw.pointee.pw_uid, pw.pointee.pw_gid) }
        cluster = try TestCluster(directory: dir + "/cluster", memoryMB: 6144, vcores: 8,
                                  extraArguments: ["--kerberos", "--keytab", realm.http, "--principal", realm.principal]
                                      + (admins.isEmpty ? [] : ["--admins", admins.joined(separator: ",")]),
                                  environment: realm.environment())
        runner = ProcessInfo.processInfo.environment["FLINKCTL_SQL_RUNNER"]
            ?? (ProcessInfo.processInfo.environment["HOME"] ?? "/root") + "/.flinkctl/flinkctl-sql-runner.jar"
        script = dir + "/sum.sql"
        try """
        SET 'execution.runtime-mode' = 'batch';
        CREATE TABLE numbers (n INT) WITH ('connector' = 'datagen', 'number-of-rows' = '\(rows)',
          'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '\(rows)');
        CREATE TABLE totals (total BIGINT) WITH ('connector' = 'filesystem', 'path' = 'file://\(dir)/out', 'format' = 'csv');
        INSERT INTO totals SELECT CAST(SUM(n) AS BIGINT) FROM numbers;
        """.write(toFile: script, atomically: true, encoding: .utf8)
        alice = "alice@\(realm.kdc.realm)"
    }

    /// What the job committed.
    var output: String {
        (FileManager.default.enumerator(atPath: dir + "/out")?.allObjects as? [String] ?? [])
            .filter { !($0 as NSString).lastPathComponent.hasPrefix(".") }
            .compactMap { try? String(contentsOfFile: dir + "/out/" + $0, encoding: .utf8) }.joined()
    }
}

extension SecuredClusterTests {
    @Test("a job submitted with --keytab runs on the Kerberized cluster with its keytab shipped 0400; no key material in logs, command lines or REST answers")
    func securedDeployment() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                // Staged in a local directory: files on the cluster's host, which
                // only its admins may name, so alice is one here.
                let job = try SecuredJob(realm: realm, dir: dir, rows: 100, admins: ["alice"])
                let cluster = job.cluster, alice = job.alice
                defer { cluster.stop() }
                let r = try run(flinkctlBinary, ["submit", "--rm", cluster.url, "--keytab", realm.alice, "--principal", alice,
                                                 "--sql", job.script, "--name", "secured"],
                                environment: realm.environment().merging(["FLINKCTL_SQL_RUNNER": job.runner]) { $1 })
                #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)\n\(containerLogTails(dir + "/cluster"))")
                #expect(job.output == "5050\n")

                // The keytab went along as a private file, named in the service spec and the Flink configuration.
                let stagedLine = r.stdout.split(separator: "\n").first { $0.hasPrefix("Staged ") }.map(String.init) ?? ""
                let staging = stagedLine.components(separatedBy: " in ").last ?? ""
                var st = stat()
                #expect(stat(staging + "/flink.keytab", &st) == 0 && st.st_mode & 0o777 == 0o400, "staged keytab mode \(String(st.st_mode & 0o777, radix: 8))")
                let record = (try? String(contentsOfFile: staging + "/deployment.json", encoding: .utf8)) ?? ""
                #expect(record.contains("security.kerberos.login.keytab") && record.contains(alice))

                // The application belongs to alice, and the appmaster spoke SPNEGO as alice (it stopped the service).
                let apps = try run(flinkctlBinary, ["yarn", "apps", "--rm", cluster.url, "--keytab", realm.alice, "--principal", alice, "--output", "json"],
                                   environment: realm.environment())
                #expect(apps.stdout.contains("\"user\" : \"alice\""), "\(apps.stdout)")

                let amLogs = (FileManager.default.enumerator(atPath: cluster.directory + "/logs")?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix("/stdout") }
                    .compactMap { try? String(contentsOfFile: cluster.directory + "/logs/" + $0, encoding: .utf8) }.joined()
                #expect(amLogs.contains("logged in as \(alice) from the shipped keytab"), "the appmaster did not log in: \(amLogs.suffix(600))")
                #expect(amLogs.contains("stopping the service"))
                let services = try run(flinkctlBinary, ["status", "secured", "--rm", cluster.url, "--keytab", realm.alice, "--principal", alice, "--output", "json"],
                                       environment: realm.environment())
                #expect(services.stdout.contains("\"serviceState\" : \"STOPPED\""), "the appmaster's SPNEGO stop did not land: \(services.stdout) \(services.stderr)")

                // No key material anywhere it could leak: the keytab's last 16 bytes (key data), raw, hex or base64.
                let keytab = FileManager.default.contents(atPath: realm.alice)!
                let key = keytab.suffix(16)
                let forms = [Data(key), Data(key.map { String(format: "%02x", $0) }.joined().utf8), Data(key.base64EncodedString().utf8)]
                var leaks: [String] = []
                for root in [cluster.directory + "/logs", cluster.directory + "/containers"] {
                    for case let rel as String in FileManager.default.enumerator(atPath: root) ?? NSEnumerator() {
                        let path = root + "/" + rel
                        guard !path.hasSuffix("flink.keytab"), let data = FileManager.default.contents(atPath: path) else { continue }
                        if forms.contains(where: { data.range(of: $0) != nil }) { leaks.append(path) }
                    }
                }
                #expect(leaks.isEmpty, "key material in \(leaks)")
                for pid in processes(matching: "flinkctl") {
                    let cmd = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
                    #expect(!forms.contains { cmd.range(of: $0) != nil }, "key material on the command line of \(pid)")
                }
                // The REST answers name the keytab by path only.
                let env = realm.environment(ccache: "FILE:\(dir)/alice.cc")
                #expect(try run("/usr/bin/kinit", ["-kt", realm.alice, alice], environment: env).status == 0)
                for path in ["/app/v1/services/secured", "/ws/v1/cluster/apps"] {
                    let answer = try curl(["--negotiate", "-u", ":", cluster.url + path], env: env)
                    #expect(answer.status == 200, "\(path): \(answer.status)")
                    #expect(!forms.contains { Data(answer.body.utf8).range(of: $0) != nil }, "key material in \(path)")
                    if path.hasPrefix("/app") { #expect(answer.body.contains("\"principal_name\":\"\(alice)\""), "\(answer.body)") }
                }
                let logs = try String(contentsOfFile: cluster.directory + "/logs/cluster.log", encoding: .utf8)
                #expect(!forms.contains { Data(logs.utf8).range(of: $0) != nil })
            }
        }
    }
}

extension SecuredClusterTests {
    @Test("a job staged in HDFS on the Kerberized cluster: WebHDFS with SPNEGO from client, appmaster and TaskManager; keytab 400 in HDFS; checkpoints in WebHDFS as alice, 403 for bob")
    func securedDeploymentStagedInHDFS() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                let job = try SecuredJob(realm: realm, dir: dir, rows: 10)
                let cluster = job.cluster
                defer { cluster.stop() }
                let root = cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://") + "/user/alice/.flinkctl"
                let auth = ["--rm", cluster.url, "--keytab", realm.alice, "--principal", job.alice]
                // Alice is no admin: her containers run as the local user alice,
                // who cannot read the Flink installed under root's home, so it
                // goes along (--ship-flink) as it would to a real cluster.
                // A streaming job, checkpointed every second: with HDFS staging its
                // checkpoints go beside the staged files, written by Flink through
                // Hadoop's WebHdfsFileSystem from its own login (the shipped
                // keytab) with a delegation token.
                let streaming = dir + "/copy.sql"
                try """
                CREATE TABLE numbers (n INT) WITH ('connector' = 'datagen', 'rows-per-second' = '4',
                  'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '24');
                CREATE TABLE copies (n INT) WITH ('connector' = 'filesystem', 'path' = 'file://\(dir)/out', 'format' = 'csv');
                INSERT INTO copies SELECT n FROM numbers;
                """.write(toFile: streaming, atomically: true, encoding: .utf8)
                let r = try run(flinkctlBinary, ["submit"] + auth + ["--staging", root, "--ship-flink", "--sql", streaming, "--name", "secured-hdfs",
                                                                    "-D", "execution.checkpointing.interval=1s"],
                                environment: realm.environment().merging(["FLINKCTL_SQL_RUNNER": job.runner]) { $1 })
                #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)\n\(r.status == 0 ? "" : containerLogTails(cluster.directory))")
                #expect(job.output.split(separator: "\n").compactMap { Int($0) }.sorted() == Array(1...24))

                // Her containers ran as the local user alice.
                let amLogs = (FileManager.default.enumerator(atPath: cluster.directory + "/logs")?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix("/stdout") }
                var owners: Set<uid_t> = []
                for log in amLogs {
                    var st = stat()
                    if stat(cluster.directory + "/logs/" + log, &st) == 0 { owners.insert(st.st_uid) }
                }
                #expect(owners == [getpwnam("alice")!.pointee.pw_uid], "container logs belong to \(owners)")

                // Everything was written as alice, through SPNEGO: the directory is hers,
                // private, and the keytab in it readable by her alone.
                let store = cluster.directory + "/hdfs/user/alice/.flinkctl"
                let staged = ((try? FileManager.default.contentsOfDirectory(atPath: store)) ?? []).filter { $0 != ".cache" }
                #expect(staged.count == 1, "\(staged)")
                let env = realm.environment(ccache: "FILE:\(dir)/alice.cc")
                #expect(try run("/usr/bin/kinit", ["-kt", realm.alice, job.alice], environment: env).status == 0)
                let base = cluster.url + "/webhdfs/v1/user/alice/.flinkctl/" + (staged.first ?? "")
                let keytab = try curl(["--negotiate", "-u", ":", base + "/flink.keytab?op=GETFILESTATUS"], env: env)
                #expect(keytab.body.contains(#""owner":"alice""#) && keytab.body.contains(#""permission":"400""#), "\(keytab.body)")
                let directory = try curl(["--negotiate", "-u", ":", base + "?op=GETFILESTATUS"], env: env)
                #expect(directory.body.contains(#""permission":"700""#), "\(directory.body)")
                // The checkpoints: in HDFS, alice's, completed by Flink there.
                let checkpoints = try curl(["--negotiate", "-u", ":", base + "/checkpoints?op=LISTSTATUS"], env: env)
                #expect(checkpoints.status == 200 && checkpoints.body.contains(#""owner":"alice""#), "\(checkpoints.status) \(checkpoints.body)")
                let jmLog = (FileManager.default.enumerator(atPath: cluster.directory + "/logs")?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix("jobmanager.log") }
                    .compactMap { try? String(contentsOfFile: cluster.directory + "/logs/" + $0, encoding: .utf8) }.joined()
                #expect(jmLog.contains("Checkpoint storage is set to 'filesystem': (checkpoints \"webhdfs://")
                        && jmLog.contains("Completed checkpoint"), "no checkpoint completed in WebHDFS")
                // Bob, authenticated, gets 403 on alice's keytab and her checkpoints.
                let bobEnv = realm.environment(ccache: "FILE:\(dir)/bob.cc")
                #expect(try run("/usr/bin/kinit", ["-kt", realm.bob, "bob@\(realm.kdc.realm)"], environment: bobEnv).status == 0)
                let stolen = try curl(["--negotiate", "-u", ":", "-L", base + "/flink.keytab?op=OPEN"], env: bobEnv)
                #expect(stolen.status == 403 && stolen.body.contains("AccessControlException"), "bob: \(stolen.status) \(stolen.body)")
                let peek = try curl(["--negotiate", "-u", ":", base + "/checkpoints?op=LISTSTATUS"], env: bobEnv)
                #expect(peek.status == 403 && peek.body.contains("AccessControlException"), "bob: \(peek.status) \(peek.body)")
                // The appmaster published the result over WebHDFS with its own login; status reads it back.
                let status = try run(flinkctlBinary, ["status", "secured-hdfs"] + auth + ["--output", "json"], environment: realm.environment())
                #expect(status.stdout.contains("\"jobState\" : \"FINISHED\""), "\(status.stdout) \(status.stderr)")
                let destroy = try run(flinkctlBinary, ["destroy", "secured-hdfs"] + auth, environment: realm.environment())
                #expect(destroy.status == 0, "\(destroy.stdout) \(destroy.stderr)")
                #expect(((try? FileManager.default.contentsOfDirectory(atPath: store)) ?? []) == [".cache"])
            }
        }
    }
}
