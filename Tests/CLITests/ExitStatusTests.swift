import ArgumentParser
@testable import FlinkctlCLI
import FlinkctlBase
import FlinkctlSecurity
import Flink
import Foundation
import Hadoop
import HTTPTransport
import Kerberos
@testable import ProcessSpawn
import Testing
import TestSupport
import YarnLocal

/// One table decides every exit status: 1 unhealthy (or this machine
/// failed), 2 usage or input, 3 remote.
@Suite struct ExitStatusTests {
    static let unreachable = HadoopError(code: .unreachable, message: "GET http://127.0.0.1:1/webhdfs/v1/x failed",
                                         underlying: TransportError(code: .connect, message: "connect to 127.0.0.1:1",
                                                                    curlMessage: "Connection refused"))

    static let table: [(String, any Error, Int32)] = [
        ("Failure input", Failure(.input, "x"), 2),
        ("Failure remote", Failure(.remote, "x"), 3),
        ("Failure unhealthy", Failure(.unhealthy, "x"), 1),
        ("Failure local", Failure(.local, "x"), 1),
        ("NameNode unreachable", unreachable, 3),
        ("ResourceManager 500", HadoopError(code: .remote, message: "boom", status: 500), 3),
        ("ResourceManager 503 (standby)", HadoopError(code: .remote, message: "standby", status: 503), 3),
        ("SPNEGO refused 401", HadoopError(code: .remote, message: "auth", status: 401), 3),
        ("ResourceManager 403", HadoopError(code: .remote, message: "denied", status: 403), 3),
        ("not found 404", HadoopError(code: .remote, message: "no such service", status: 404), 2),
        ("bad request 400", HadoopError(code: .remote, message: "bad", status: 400), 2),
        ("conflict 409", HadoopError(code: .remote, message: "exists", status: 409), 2),
        ("HADOOP_CONF_DIR wrong", HadoopError(code: .configuration, message: "no yarn-site.xml"), 2),
        ("bad response", HadoopError(code: .badResponse, message: "not JSON"), 3),
        ("timeout", HadoopError(code: .timeout, message: "slow"), 3),
        ("connect", TransportError(code: .connect, message: "refused"), 3),
        ("TLS", TransportError(code: .tls, message: "untrusted"), 3),
        ("transport setup", TransportError(code: .setup, message: "no libcurl"), 1),
        ("KDC unreachable", KerberosError(code: .kdcUnreachable, message: "no KDC"), 3),
        ("clock skew", KerberosError(code: .clockSkew, message: "skew"), 3),
        ("ticket expired", KerberosError(code: .ticketExpired, message: "expired"), 1),
        ("no credentials", KerberosError(code: .noCredentials, message: "none"), 1),
        ("principal not in keytab", KerberosError(code: .principalNotInKeytab, message: "no key"), 2),
        ("insecure keytab", KerberosError(code: .insecureKeytab, message: "0644"), 2),
        ("Flink configuration", FlinkError(.configuration, "--sql x: no such file"), 2),
        ("Flink distribution", FlinkError(.distribution, "not a Flink distribution"), 2),
        ("Flink REST", FlinkError(.rest, "JobManager answered 500"), 3),
        ("staging behind an unreachable NameNode", FlinkError(.configuration, "staging in HDFS", cause: unreachable), 3),
        ("staging behind a 403", FlinkError(.configuration, "staging in HDFS", cause: HadoopError(code: .remote, message: "denied", status: 403)), 3),
        ("staging behind a 404", FlinkError(.configuration, "staging in HDFS", cause: HadoopError(code: .remote, message: "gone", status: 404)), 2),
        ("wrong keystore password", SecurityError(.wrongPassword, "wrong password"), 2),
        ("keystore path", SecurityError(.fileSystem, "cannot create the directory"), 2),
        ("cluster TLS material", LocalClusterError(.badRequest, "cannot use the TLS certificate and key"), 2),
        ("cluster already running", LocalClusterError(.conflict, "already running"), 2),
        ("cluster internal", LocalClusterError(.internal, "broken"), 1),
        ("spawn", SpawnError(path: "/x", errno: ENOENT), 1),
        ("anything else", CocoaError(.fileWriteNoPermission), 1),
    ]

    @Test func everyErrorMapsToItsExitStatus() {
        for (what, error, status) in Self.table {
            #expect(Reporting.failure(error)?.exitStatus == status, "\(what)")
        }
    }

    @Test func theArgumentParsersOwnErrorsPassThrough() {
        #expect(Reporting.failure(ValidationError("bad")) == nil)
        #expect(Reporting.failure(ExitCode(1)) == nil)
        #expect(Reporting.failure(CleanExit.helpRequest()) == nil)
    }

    @Test func everySideHasItsDocumentedStatus() {
        let expected: [Failure.Side: Int32] = [.input: 2, .remote: 3, .unhealthy: 1, .local: 1]
        for side in Failure.Side.allCases {
            #expect(Failure(side, "x").exitStatus == expected[side], "\(side)")
        }
    }

    @Test func theCauseIsPrinted() {
        let f = Reporting.failure(FlinkError(.configuration, "staging in HDFS (webhdfs://127.0.0.1:1/x)", cause: Self.unreachable))!
        #expect(f.description.contains("staging in HDFS") && f.description.contains("Connection refused"), "\(f.description)")
        #expect(f.hint?.contains("Is the cluster running") == true)
    }

    /// As a new user would: an unreachable NameNode is a remote failure (3),
    /// and the message says why.
    @Test func submitToAnUnreachableNameNodeExitsThree() async throws {
        try await withTemporaryDirectory { dir in
            let sql = dir + "/job.sql"
            try "SELECT 1;".write(toFile: sql, atomically: true, encoding: .utf8)
            let r = try run(flinkctlBinary, ["submit", "--rm", "http://127.0.0.1:1", "--staging", "webhdfs://127.0.0.1:1/x",
                                             "--sql", sql, "--detached"])
            #expect(r.status == 3, "\(r.stdout) \(r.stderr)")
            #expect(r.stderr.contains("Connection refused") || r.stderr.contains("connection refused"), "\(r.stderr)")
        }
    }

    /// A TLS mistake (a certificate with another's key) in `local start` is
    /// the user's: 2, in the foreground and from the background process.
    @Test func aTLSMistakeInLocalStartExitsTwo() async throws {
        try await withTemporaryDirectory { dir in
            for name in ["a", "b"] {
                let r = try run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                                                     "-subj", "/CN=127.0.0.1", "-keyout", "\(dir)/\(name).key", "-out", "\(dir)/\(name).pem"])
                try #require(r.status == 0, "\(r.stderr)")
            }
            for mode in [["--foreground"], []] {
                let r = try run(flinkctlBinary, ["local", "start", "--dir", dir + "/cluster\(mode.count)", "--port", "0",
                                                 "--tls", "--cert", dir + "/a.pem", "--key", dir + "/b.key"] + mode)
                #expect(r.status == 2, "\(mode): \(r.stdout) \(r.stderr)")
                #expect(r.stderr.contains("certificate"), "\(r.stderr)")
            }
        }
    }

    /// `--hadoop-home` naming no Hadoop (missing, empty, a file, jars of
    /// something else) is the user's mistake: 2, with what to do, and no
    /// cluster starts or is laid out in --dir.
    @Test func aHadoopHomeWithoutHadoopExitsTwo() async throws {
        try await withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(atPath: dir + "/empty", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: dir + "/other/share/hadoop/common/lib", withIntermediateDirectories: true)
            try "not a jar".write(toFile: dir + "/other/share/hadoop/common/lib/README", atomically: true, encoding: .utf8)
            try "a jar, not Hadoop's".write(toFile: dir + "/other/share/hadoop/common/lib/slf4j-api-2.0.7.jar", atomically: true, encoding: .utf8)
            try "x".write(toFile: dir + "/file", atomically: true, encoding: .utf8)
            for home in [dir + "/missing", dir + "/empty", dir + "/other", dir + "/file", ""] {
                for mode in [["--foreground"], []] {
                    let cluster = dir + "/cluster-\(mode.count)"
                    let r = try run(flinkctlBinary, ["local", "start", "--dir", cluster, "--port", "0",
                                                     "--hadoop-home", home] + mode)
                    #expect(r.status == 2, "\(home) \(mode): \(r.stdout) \(r.stderr)")
                    #expect(r.stderr.contains("--hadoop-home"), "\(home): \(r.stderr)")
                    let made = (try? FileManager.default.contentsOfDirectory(atPath: cluster)) ?? []
                    #expect(!made.contains("cluster.json") && !made.contains("hadoop"), "\(home): \(made)")
                }
            }
        }
    }
}

/// Savepoint and checkpoint locations reach Flink as given when they are
/// URIs; only a plain path is made absolute.
@Suite struct StateLocationTests {
    @Test func urisPassThroughPlainPathsBecomeAbsolute() {
        for uri in ["webhdfs://127.0.0.1:8088/user/alice/sp", "hdfs:///sp", "hdfs://nn:8020/sp", "s3://bucket/sp",
                    "file:/tmp/sp", "file:///tmp/sp", "/tmp/sp"] {
            #expect(stateLocation(uri) == uri, "\(uri)")
        }
        let cwd = FileManager.default.currentDirectoryPath
        #expect(stateLocation("savepoints") == cwd + "/savepoints")
        #expect(stateLocation("./a:b") == cwd + "/./a:b", "a colon after a slash is part of a path")
        #expect(stateLocation(":x") == cwd + "/:x")
    }
}
