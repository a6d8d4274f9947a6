import Flink
import Foundation
import Testing
import TestSupport

extension RealFlink {
/// Flink itself uses our PKCS#12 files: internal TLS is mutual, so a
/// TaskManager registers only with a certificate from the same CA.
@Suite("Flink internal and REST TLS on flinkctl's keystores")
struct FlinkTLSTests {
    final class JVMs: @unchecked Sendable {
        // @unchecked: touched only by the test's task.
        var pids: [pid_t] = []
        deinit { for p in pids { kill(p, SIGKILL); var s: Int32 = 0; waitpid(p, &s, 0) } }
    }

    func freePort() -> Int { 20000 + Int.random(in: 0..<20000) }

    /// Generates a keystore set into `dir` and a config.yaml with its `security.ssl.*` keys.
    func tlsConfig(_ dir: String, keyType: String, rpc: Int, rest: Int) throws -> FlinkConfiguration {
        try FileManager.default.createDirectory(atPath: dir + "/conf", withIntermediateDirectories: true)
        try "s3cret-pass\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
        chmod(dir + "/pw", 0o600)
        try """
        jobmanager.rpc.address: 127.0.0.1
        jobmanager.rpc.port: \(rpc)
        jobmanager.bind-host: 127.0.0.1
        rest.address: 127.0.0.1
        rest.bind-address: 127.0.0.1
        rest.port: \(rest)
        taskmanager.host: 127.0.0.1
        taskmanager.bind-host: 127.0.0.1
        jobmanager.memory.process.size: 1024m
        taskmanager.memory.process.size: 1024m
        taskmanager.numberOfTaskSlots: 1
        cluster.registration.error-delay: 500 ms

        """.write(toFile: dir + "/conf/config.yaml", atomically: true, encoding: .utf8)
        let g = try run(flinkctlBinary, ["security", "keystore", "generate", "--out", dir + "/tls", "--password-file", dir + "/pw",
                                         "--key-type", keyType, "--conf", dir + "/conf/config.yaml"])
        guard g.status == 0 else { throw FlinkError(.configuration, "keystore generate: \(g.stderr)") }
        try FlinkProcessCommand.log4jProperties.write(toFile: dir + "/conf/log4j.properties", atomically: true, encoding: .utf8)
        return try FlinkConfiguration.parse(String(contentsOfFile: dir + "/conf/config.yaml", encoding: .utf8), file: "config.yaml")
    }

    func start(_ argv: [String], log: String) throws -> pid_t {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        return p.processIdentifier
    }

    func taskManagers(_ rest: Int, ca: String) -> Int? {
        guard let r = try? run("/usr/bin/curl", ["-s", "--cacert", ca, "https://127.0.0.1:\(rest)/taskmanagers"]),
              r.status == 0, let data = r.stdout.data(using: .utf8),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let tms = obj["taskmanagers"] as? [Any] else { return nil }
        return tms.count
    }

    @Test("a TaskManager with our certificate registers over mutual TLS; one from another CA is refused; curl trusts ca.pem", arguments: ["rsa2048", "ec-p256"])
    func mutualTLS(keyType: String) async throws {
        try await withTemporaryDirectory { dir in
            let jvms = JVMs()
            let rpc = freePort(), rest = rpc + 1
            let config = try tlsConfig(dir + "/ours", keyType: keyType, rpc: rpc, rest: rest)
            let dist = try FlinkDistribution.locate(explicit: nil)
            let cmd = FlinkProcessCommand(java: try locateJava(), distribution: dist,
                                          configDirectory: dir + "/ours/conf", logDirectory: dir + "/ours")
            jvms.pids.append(try start(cmd.jobManager(.session, memory: try JobManagerMemory(configuration: config), configuration: config), log: "jm"))
            jvms.pids.append(try start(cmd.taskManager(memory: try TaskManagerMemory(configuration: config), configuration: config), log: "tm"))
            let ca = dir + "/ours/tls/ca.pem"
            #expect(await eventually(timeout: 60, interval: 0.5) { taskManagers(rest, ca: ca) == 1 },
                    "our TaskManager did not register over TLS")
            // Plain HTTP is not served, and curl without the CA does not trust the endpoint.
            #expect(try run("/usr/bin/curl", ["-s", "https://127.0.0.1:\(rest)/overview"]).status != 0)

            // A TaskManager whose keystore comes from another CA.
            var other = try tlsConfig(dir + "/other", keyType: keyType, rpc: rpc, rest: rest)
            other["taskmanager.resource-id"] = "intruder"
            let otherCmd = FlinkProcessCommand(java: try locateJava(), distribution: dist,
                                               configDirectory: dir + "/other/conf", logDirectory: dir + "/other")
            try other.render(for: dist.version).write(toFile: dir + "/other/conf/config.yaml", atomically: true, encoding: .utf8)
            jvms.pids.append(try start(otherCmd.taskManager(memory: try TaskManagerMemory(configuration: other), configuration: other), log: "tm2"))
            try await Task.sleep(for: .seconds(12))
            #expect(taskManagers(rest, ca: ca) == 1, "a TaskManager from another CA must not register")
            let log = (try? String(contentsOfFile: dir + "/other/taskmanager.log", encoding: .utf8)) ?? ""
            #expect(!log.contains("Successful registration at resource manager"), "the intruder registered")
            // It did try: the JobManager's side refused its handshake.
            #expect(log.contains("Starting TaskManager") || log.contains("TaskManagerRunner"), "the intruder never started: \(log.suffix(500))")
            let refused = ["SSL", "ssl", "certificate", "handshake", "Could not resolve ResourceManager", "Connection"].contains { log.contains($0) }
            #expect(refused, "no sign of a refused connection in the intruder's log: \(log.suffix(800))")
        }
    }

    @Test("renew-certificates.sh renews expiring certificates and redeploys a running TLS job from a savepoint: output exact; with --tls-dir the renewed keystore is shipped",
          arguments: ["flink-conf", "tls-dir"])
    func renewAndRedeploy(_ how: String) async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let dir = cluster.directory, out = dir + "/out", rows = 400
            try "s3cret-pass\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
            chmod(dir + "/pw", 0o600)
            let g = try run(flinkctlBinary, ["security", "keystore", "generate", "--out", dir + "/tls", "--password-file", dir + "/pw",
                                             "--validity", "10", "--key-type", "ec-p256"])
            #expect(g.status == 0, "\(g.stderr)")
            // Internal TLS for the job, passwords in a 0600 file rather than on a command line.
            let tls = """
            security.ssl.internal.enabled: true
            security.ssl.internal.keystore: \(dir)/tls/flink.keystore
            security.ssl.internal.keystore-password: s3cret-pass
            security.ssl.internal.key-password: s3cret-pass
            security.ssl.internal.truststore: \(dir)/tls/flink.truststore
            security.ssl.internal.truststore-password: s3cret-pass
            security.ssl.algorithms: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384

            """
            try tls.write(toFile: dir + "/tls.yaml", atomically: true, encoding: .utf8)
            chmod(dir + "/tls.yaml", 0o600)
            let sql = try RealFlink.SubmitEndToEndTests.write(RealFlink.SubmitEndToEndTests.streamingSQL(out: out, rows: rows, rate: 40), dir + "/stream.sql")
            let tlsOptions = how == "tls-dir" ? ["--tls-dir", dir + "/tls", "--tls-password-file", dir + "/pw"] : ["--flink-conf", dir + "/tls.yaml"]
            let before = FileManager.default.contents(atPath: dir + "/tls/flink.keystore")
            let r = try RealFlink.SubmitEndToEndTests().submit(cluster, ["--sql", sql, "--name", "secure"] + tlsOptions +
                                                                        ["-D", "execution.checkpointing.interval=1s", "--detached"])
            #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
            #expect(await StreamingRecoveryTests.waitForCommitted(out, atLeast: 40))

            let script = TrafficTests.repo + "/security/renew-certificates.sh"
            let renew = try run("/bin/bash", [script, dir + "/tls", "30"], environment: [
                "FLINKCTL": flinkctlBinary, "PASSWORD_FILE": dir + "/pw", "FLINKCTL_RM": cluster.url,
                "REDEPLOY_SAVEPOINT_DIR": dir + "/sp"])
            #expect(renew.status == 1, "renewed means exit 1: \(renew.stderr)")
            #expect(renew.stderr.contains("redeploying secure"), "\(renew.stderr)")
            let check = try run(flinkctlBinary, ["security", "cert", "check", "--warn-days", "30", "--password-file", dir + "/pw",
                                                 dir + "/tls/flink.keystore"])
            #expect(check.status == 0, "the renewed certificate should be valid past 30 days: \(check.stdout)")

            if how == "tls-dir" {
                // The redeploy shipped the renewed keystore from --tls-dir, not the old copy.
                let staging = try cluster.services.get("secure").configuration?.env?["FLINKCTL_STAGING"] ?? "-"
                let shipped = FileManager.default.contents(atPath: staging + "/shipped-flinkctl-tls.keystore")
                #expect(shipped != nil && shipped == FileManager.default.contents(atPath: dir + "/tls/flink.keystore") && shipped != before,
                        "the redeployed deployment does not hold the renewed keystore")
            }
            let done = await RealFlink.jobFinished("secure", on: cluster, timeout: 120)
            #expect(done, "the redeployed job did not finish")
            let exact = StreamingRecoveryTests.exactOnce(out, rows)
            #expect(exact.ok, "\(exact.detail)")
            // No password on any command line of ours or Flink's.
            for pid in processes(matching: "flinkctl") + processes(matching: "TaskManagerRunner") {
                let cmd = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
                #expect(!cmd.contains("s3cret-pass"), "a password on the command line of \(pid)")
            }
        }
    }
}
}
