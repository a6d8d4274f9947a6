import FlinkctlBase
import Foundation
import Hadoop
import Testing
import TestSupport

@Suite("flinkctl doctor: the environment before a submit")
struct DoctorTests {
    struct Report: Decodable {
        struct Check: Decodable { var name: String; var verdict: String; var detail: String; var fix: String }
        var checks: [Check]
        subscript(_ name: String) -> Check? { checks.first { $0.name == name } }
    }

    static func doctor(_ args: [String], environment: [String: String]? = nil) throws -> (status: Int32, report: Report?, stderr: String) {
        let r = try run(flinkctlBinary, ["doctor", "--output", "json"] + args, environment: environment)
        return (r.status, try? JSONDecoder().decode(Report.self, from: Data(r.stdout.utf8)), r.stderr)
    }

    @Test("a healthy environment: every check ok, exit 0, in Hadoop's words; HDFS staging runs the Hadoop probe; ZooKeeper answers srvr; a dead quorum member fails; an unreachable ResourceManager exits 3")
    func healthyAndUnreachable() async throws {
        try await withTemporaryDirectory { dir in
            let cluster = try TestCluster(directory: dir, extraArguments: ["--zookeeper"])
            defer { cluster.stop() }
            let info = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/cluster.json"))) as? [String: Any]
            let quorum = try #require(info?["zooKeeper"] as? String)
            let host = String(cluster.url.dropFirst("http://".count))
            let staging = "webhdfs://\(host)/tmp/doctor-staging"

            let healthy = try Self.doctor(["--rm", cluster.url, "--staging", staging,
                                           "-D", "high-availability.type=zookeeper", "-D", "high-availability.zookeeper.quorum=\(quorum)"])
            let report = try #require(healthy.report, "\(healthy.stderr)")
            #expect(healthy.status == 0, "\(report.checks.filter { $0.verdict != "ok" })")
            #expect(report.checks.map(\.name) == ["resourcemanager", "services", "queue", "kerberos", "tls", "flink", "staging", "zookeeper", "hadoop"])
            #expect(report.checks.allSatisfy { $0.verdict == "ok" && $0.fix.isEmpty })
            #expect(report["resourcemanager"]?.detail.hasPrefix("ACTIVE") == true)
            #expect(report["staging"]?.detail.contains("probe file was written and removed") == true)
            #expect(report["zookeeper"]?.detail.contains("\(quorum) (standalone)") == true, "\(report["zookeeper"]?.detail ?? "")")
            #expect(report["hadoop"]?.detail.contains("a probe container found Hadoop") == true, "\(report["hadoop"]?.detail ?? "")")
            // The probe left nothing in the staging directory.
            let (listed, body) = try cluster.raw("GET", "/webhdfs/v1/tmp/doctor-staging?op=LISTSTATUS&user.name=\(localUserName)")
            #expect(listed == 200 && body.contains("\"FileStatus\":[]"), "\(body)")

            // A quorum with a member that does not answer: warn; none answering: fail, exit 1.
            let port = try freeTCPPort().get()
            let half = try Self.doctor(["--rm", cluster.url, "-D", "high-availability.type=zookeeper",
                                        "-D", "high-availability.zookeeper.quorum=\(quorum),127.0.0.1:\(port)"])
            #expect(half.status == 0 && half.report?["zookeeper"]?.verdict == "warn", "\(String(describing: half.report?["zookeeper"]))")
            let dead = try Self.doctor(["--rm", cluster.url, "-D", "high-availability.type=zookeeper",
                                        "-D", "high-availability.zookeeper.quorum=127.0.0.1:\(port)"])
            #expect(dead.status == 1 && dead.report?["zookeeper"]?.verdict == "fail")
            // More than the cluster has: the queue check fails.
            let big = try Self.doctor(["--rm", cluster.url, "--taskmanagers", "9", "--tm-memory", "1g"])
            #expect(big.status == 1 && big.report?["queue"]?.verdict == "fail", "\(String(describing: big.report?["queue"]))")

            // No ResourceManager: exit 3, the local checks still reported.
            let gone = try Self.doctor(["--rm", "http://127.0.0.1:\(port)"])
            #expect(gone.status == 3)
            #expect(gone.report?["resourcemanager"]?.verdict == "fail")
            #expect(gone.report?["resourcemanager"]?.detail.contains("Connection refused") == true)
            #expect(gone.report?["flink"]?.verdict == "ok")
            let table = try run(flinkctlBinary, ["doctor", "--rm", "http://127.0.0.1:\(port)"])
            #expect(table.status == 3 && table.stdout.hasPrefix("CHECK") && table.stdout.contains("resourcemanager  FAIL"))
        }
    }

    @Test("tls: a keystore expiring in 5 days warns with --warn-days 30, an expired one fails, a wrong password fails; kerberos: a keytab others may read fails with the chmod that fixes it; bad input exits 2")
    func tlsAndKerberos() async throws {
        try await withTestCluster { cluster in
            let dir = cluster.directory
            let passwordFile = dir + "/tls-password"
            try "secret123\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
            chmod(passwordFile, 0o600)

            // Five days left.
            let soon = dir + "/soon"
            let generated = try run(flinkctlBinary, ["security", "keystore", "generate", "--out", soon, "--validity", "5", "--password-file", passwordFile])
            #expect(generated.status == 0, "\(generated.stderr)")
            let warned = try Self.doctor(["--rm", cluster.url, "--tls-dir", soon, "--tls-password-file", passwordFile, "--warn-days", "30"])
            #expect(warned.status == 0 && warned.report?["tls"]?.verdict == "warn", "\(String(describing: warned.report?["tls"]))")
            #expect(warned.report?["tls"]?.detail.contains("expires in") == true)
            #expect(warned.report?["tls"]?.fix.contains("renew") == true)
            let fine = try Self.doctor(["--rm", cluster.url, "--tls-dir", soon, "--tls-password-file", passwordFile, "--warn-days", "2"])
            #expect(fine.report?["tls"]?.verdict == "ok")

            // Expired five days ago: made with keytool, valid from 10 days ago for 5.
            let old = dir + "/old"
            try FileManager.default.createDirectory(atPath: old, withIntermediateDirectories: true)
            for args in [["-genkeypair", "-alias", "flink", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=old",
                          "-startdate", "-10d", "-validity", "5", "-keystore", old + "/flink.keystore", "-storetype", "PKCS12"],
                         ["-exportcert", "-alias", "flink", "-keystore", old + "/flink.keystore", "-file", old + "/flink.crt"],
                         ["-importcert", "-noprompt", "-alias", "ca", "-file", old + "/flink.crt", "-keystore", old + "/flink.truststore", "-storetype", "PKCS12"]] {
                let r = try run("/usr/bin/keytool", args + ["-storepass:file", passwordFile])
                #expect(r.status == 0, "keytool \(args[0]): \(r.stderr)")
            }
            let expired = try Self.doctor(["--rm", cluster.url, "--tls-dir", old, "--tls-password-file", passwordFile])
            #expect(expired.status == 1 && expired.report?["tls"]?.verdict == "fail", "\(String(describing: expired.report?["tls"]))")
            #expect(expired.report?["tls"]?.detail.contains("expired") == true)

            // The wrong password.
            let wrong = dir + "/wrong-password"
            try "not-the-password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
            chmod(wrong, 0o600)
            let refused = try Self.doctor(["--rm", cluster.url, "--tls-dir", soon, "--tls-password-file", wrong])
            #expect(refused.status == 1 && refused.report?["tls"]?.verdict == "fail")

            // A keytab others may read: fail, with the chmod; the file is not changed.
            let keytab = dir + "/alice.keytab"
            let made = try run("/usr/bin/ktutil", [], input: "addent -password -p alice@EXAMPLE.COM -k 1 -e aes256-cts-hmac-sha1-96\nsecret\nwkt \(keytab)\nquit\n")
            #expect(made.status == 0 && FileManager.default.fileExists(atPath: keytab), "\(made.stderr)")
            chmod(keytab, 0o644)
            let open = try Self.doctor(["--rm", cluster.url, "--keytab", keytab, "--principal", "alice@EXAMPLE.COM"])
            let check = try #require(open.report?["kerberos"], "\(open.stderr)")
            #expect(open.status == 1 && check.verdict == "fail", "\(check)")
            #expect(check.detail.contains("open to others") && check.fix == "Fix it with: chmod 600 \(keytab)", "\(check)")
            var st = stat()
            stat(keytab, &st)
            #expect(st.st_mode & 0o777 == 0o644, "doctor only reports; it changes nothing")
            #expect(open.report?["resourcemanager"]?.verdict == "ok", "the other checks still run")

            for (args, words) in [(["--warn-days", "-1"], "--warn-days"), (["--tls-dir", soon], "--tls-password-file"),
                                  (["--tm-memory", "lots"], "--tm-memory"), (["--taskmanagers", "0"], "--taskmanagers")] {
                let r = try run(flinkctlBinary, ["doctor", "--rm", cluster.url] + args)
                #expect(r.status == 2 && r.stderr.contains(words), "\(args): \(r.status) \(r.stderr)")
            }
        }
    }
}
