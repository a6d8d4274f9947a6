import Foundation
import Testing
import TestSupport

@Suite("HTTPS on the embedded cluster", .serialized)
struct TLSClusterTests {
    @Test("--tls with a keystore from `security keystore generate`: clients trust it through --ca-file or --truststore; plain HTTP is refused")
    func keystore() async throws {
        try await withTemporaryDirectory { dir in
            let pw = dir + "/pw"
            try "tls-test-pass\n".write(toFile: pw, atomically: true, encoding: .utf8)
            chmod(pw, 0o600)
            let gen = try run(flinkctlBinary, ["security", "keystore", "generate", "--out", dir + "/ks", "--password-file", pw,
                                               "--key-type", "ec-p256"])
            #expect(gen.status == 0, "\(gen.stderr)")
            let cluster = try TestCluster(directory: dir + "/cluster", memoryMB: 1024, vcores: 4,
                                          extraArguments: ["--tls", "--keystore", dir + "/ks/flink.keystore", "--password-file", pw])
            defer { cluster.stop() }
            #expect(cluster.url.hasPrefix("https://127.0.0.1:"), "\(cluster.url)")

            let trusted = try run(flinkctlBinary, ["yarn", "cluster", "--rm", cluster.url, "--ca-file", dir + "/ks/ca.pem", "--output", "json"])
            #expect(trusted.status == 0 && trusted.stdout.contains("\"haState\" : \"ACTIVE\""), "\(trusted.status) \(trusted.stderr)")
            let viaTruststore = try run(flinkctlBinary, ["yarn", "cluster", "--rm", cluster.url, "--truststore", dir + "/ks/flink.truststore",
                                                         "--truststore-password-file", pw])
            #expect(viaTruststore.status == 0, "--truststore: \(viaTruststore.status) \(viaTruststore.stderr)")
            let untrusted = try run(flinkctlBinary, ["yarn", "cluster", "--rm", cluster.url])
            #expect(untrusted.status == 3 && untrusted.stderr.contains("--ca-file"), "\(untrusted.status) \(untrusted.stderr)")

            let peer = try run("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", dir + "/ks/ca.pem",
                                                 cluster.url + "/ws/v1/cluster/info"])
            #expect(peer.stdout == "200", "curl --cacert: \(peer.stdout) \(peer.stderr)")
            let plain = try run("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                                  cluster.url.replacingOccurrences(of: "https://", with: "http://") + "/ws/v1/cluster/info"])
            #expect(plain.stdout != "200", "plain HTTP must not be served: \(plain.stdout)")

            // The password file's contents are never on a command line.
            let cmdline = FileManager.default.contents(atPath: "/proc/\(cluster.pid)/cmdline") ?? Data()
            #expect(!String(decoding: cmdline, as: UTF8.self).contains("tls-test-pass"))
        }
    }

    @Test("--tls without its material, or with a wrong keystore password, is a usage error")
    func badOptions() async throws {
        try await withTemporaryDirectory { dir in
            let missing = try run(flinkctlBinary, ["local", "start", "--dir", dir, "--tls"])
            #expect(missing.status == 2 && missing.stderr.contains("--cert FILE and --key FILE, or --keystore"), "\(missing.stderr)")
            let pw = dir + "/pw"
            try "right-password\n".write(toFile: pw, atomically: true, encoding: .utf8)
            chmod(pw, 0o600)
            _ = try run(flinkctlBinary, ["security", "keystore", "generate", "--out", dir + "/ks", "--password-file", pw, "--key-type", "ec-p256"])
            try "wrong-password\n".write(toFile: pw, atomically: true, encoding: .utf8)
            let wrong = try run(flinkctlBinary, ["local", "start", "--dir", dir + "/c", "--port", "0", "--tls",
                                                 "--keystore", dir + "/ks/flink.keystore", "--password-file", pw])
            #expect(wrong.status == 2 && wrong.stderr.contains("password"), "\(wrong.status) \(wrong.stderr)")
        }
    }
}

/// In the Kerberos suite: it is serialized, and in-process krb5 reads KRB5_CONFIG.
extension SecuredClusterTests {
    @Test("--tls with PEM files and --kerberos together: curl --negotiate --cacert and flinkctl --ca-file --keytab")
    func pemWithKerberos() async throws {
        try await usingRealm { realm in
            try await withTemporaryDirectory { dir in
                let made = try run("/usr/bin/openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                                                        "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem", "-days", "2",
                                                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
                #expect(made.status == 0, "\(made.stderr)")
                let cluster = try TestCluster(directory: dir + "/cluster", memoryMB: 1024, vcores: 4,
                                              extraArguments: ["--tls", "--cert", dir + "/cert.pem", "--key", dir + "/key.pem",
                                                               "--kerberos", "--keytab", realm.http, "--principal", realm.principal],
                                              environment: realm.environment())
                defer { cluster.stop() }
                #expect(cluster.url.hasPrefix("https://localhost:"), "\(cluster.url)")

                let apps = try run(flinkctlBinary, ["yarn", "apps", "--rm", cluster.url, "--ca-file", dir + "/cert.pem",
                                                    "--keytab", realm.alice, "--principal", "alice"], environment: realm.environment())
                #expect(apps.status == 0 && apps.stdout.contains("Total number of applications: 0"), "\(apps.status) \(apps.stderr)")

                let cache = "FILE:\(dir)/alice.cc"
                _ = try run("/usr/bin/kinit", ["-kt", realm.alice, "alice"], environment: realm.environment(ccache: cache))
                let ok = try run("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--negotiate", "-u", ":",
                                                   "--cacert", dir + "/cert.pem", cluster.url + "/ws/v1/cluster/apps"],
                                 environment: realm.environment(ccache: cache))
                #expect(ok.stdout == "200", "curl --negotiate --cacert: \(ok.stdout) \(ok.stderr)")
                let anonymous = try run("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", dir + "/cert.pem",
                                                          cluster.url + "/ws/v1/cluster/apps"])
                #expect(anonymous.stdout == "401")
            }
        }
    }
}
