import Flink
import Foundation
import Hadoop
import Testing
import TestSupport

/// A SQL scalar function compiled here: `Shout(s)` is `s` upper-cased with a '!'.
func buildShoutJar(in dir: String) throws -> String {
    try compileJar("""
    package org.flinkctl.test;

    import org.apache.flink.table.functions.ScalarFunction;

    public class Shout extends ScalarFunction {
        public String eval(String s) {
            return s == null ? null : s.toUpperCase() + "!";
        }
    }
    """, file: "Shout.java", package: "org.flinkctl.test", in: dir, name: "shout.jar")
}

extension RealFlink {
@Suite("Shipped files, directories and archives")
struct ShipTests {
    @Test("--ship a directory (a CSV and a UDF jar) and a file, --ship-archive a .zip as NAME: a SQL job reads each by its relative path and calls the UDF, staged locally and in HDFS")
    func shippedItemsReachTheJob() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let dir = cluster.directory
            let data = dir + "/ship/data"
            try FileManager.default.createDirectory(atPath: data + "/jars", withIntermediateDirectories: true)
            try "berlin,3\nparis,2\n".write(toFile: data + "/cities.csv", atomically: true, encoding: .utf8)
            let jar = try buildShoutJar(in: dir + "/udf")
            try FileManager.default.copyItem(atPath: jar, toPath: data + "/jars/shout.jar")
            try "rome,5\n".write(toFile: dir + "/ship/extra.csv", atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: dir + "/zip", withIntermediateDirectories: true)
            try "oslo,1\n".write(toFile: dir + "/zip/more.csv", atomically: true, encoding: .utf8)
            let zip = try run("/usr/bin/zip", ["-q", "-j", dir + "/ship/more.zip", dir + "/zip/more.csv"])
            #expect(zip.status == 0, "\(zip.stderr)")

            let webhdfs = cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://")
            for (label, staging) in [("local", [String]()), ("hdfs", ["--staging", webhdfs + "/user/tester/.flinkctl", "--user", "tester"])] {
                let out = dir + "/out-\(label)"
                let sql = try RealFlink.SubmitEndToEndTests.write("""
                SET 'execution.runtime-mode' = 'batch';
                CREATE TEMPORARY FUNCTION shout AS 'org.flinkctl.test.Shout';
                CREATE TABLE a (name STRING, n INT) WITH ('connector' = 'filesystem', 'path' = 'data/cities.csv', 'format' = 'csv');
                CREATE TABLE b (name STRING, n INT) WITH ('connector' = 'filesystem', 'path' = 'extra.csv', 'format' = 'csv');
                CREATE TABLE c (name STRING, n INT) WITH ('connector' = 'filesystem', 'path' = 'lookup/more.csv', 'format' = 'csv');
                CREATE TABLE o (name STRING, n INT) WITH ('connector' = 'filesystem', 'path' = 'file://\(out)', 'format' = 'csv');
                INSERT INTO o SELECT shout(name), n FROM (SELECT * FROM a UNION ALL SELECT * FROM b UNION ALL SELECT * FROM c);
                """, dir + "/ship-\(label).sql")
                let r = try RealFlink.SubmitEndToEndTests().submit(cluster, [
                    "--sql", sql, "--name", "ship-\(label)",
                    "--ship", data, "--ship", dir + "/ship/extra.csv", "--ship-archive", dir + "/ship/more.zip#lookup"] + staging)
                #expect(r.status == 0 && r.stdout.contains("FINISHED"), "\(label): \(r.stdout)\n\(r.stderr)")
                #expect(RealFlink.SubmitEndToEndTests.committedLines(out).sorted() == [#""BERLIN!",3"#, #""OSLO!",1"#, #""PARIS!",2"#, #""ROME!",5"#],
                        "\(label): \(RealFlink.SubmitEndToEndTests.committedLines(out))")
            }
            // In HDFS each item is one staged file, and YARN localizes it: a
            // file as it is, a directory and an archive unpacked.
            let service = try cluster.services.get("ship-hdfs")
            let files = service.configuration?.files ?? []
            #expect(files.contains { $0.type == "STATIC" && $0.destFile == "shipped-extra.csv" }, "\(files)")
            #expect(files.contains { $0.type == "ARCHIVE" && $0.destFile == "shipped-data" && $0.srcFile?.hasSuffix("/shipped-data.tar") == true }, "\(files)")
            #expect(files.contains { $0.type == "ARCHIVE" && $0.destFile == "shipped-lookup" && $0.srcFile?.hasSuffix("/shipped-lookup.zip") == true }, "\(files)")
        }
    }

    @Test("--tls-dir with HDFS staging and no shared directory: the keystore and truststore are shipped (not the CA's key), Flink's internal TLS names the shipped copies, the job runs")
    func tlsDirectoryShipped() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let dir = cluster.directory
            try "s3cret-pass\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
            chmod(dir + "/pw", 0o600)
            let g = try run(flinkctlBinary, ["security", "keystore", "generate", "--out", dir + "/tls", "--password-file", dir + "/pw", "--key-type", "ec-p256"])
            #expect(g.status == 0, "\(g.stderr)")
            let sql = try RealFlink.SubmitEndToEndTests.write(RealFlink.SubmitEndToEndTests.batchSQL(out: dir + "/out"), dir + "/sum.sql")
            let local = dir + "/local-staging"
            let root = cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://") + "/user/tester/.flinkctl"
            let r = try run(flinkctlBinary, ["submit", "--rm", cluster.url, "--user", "tester", "--staging", root, "--sql", sql, "--name", "tls-dir",
                                              "--tls-dir", dir + "/tls", "--tls-password-file", dir + "/pw"],
                            environment: ["FLINKCTL_SQL_RUNNER": RealFlink.SubmitEndToEndTests.runnerJar, "FLINKCTL_STAGING_ROOT": local])
            #expect(r.status == 0 && r.stdout.contains("FINISHED"), "\(r.stdout)\n\(r.stderr)")
            #expect(RealFlink.SubmitEndToEndTests.committedLines(dir + "/out") == ["500500,1000"])
            #expect(!FileManager.default.fileExists(atPath: local), "nothing is staged locally")
            let files = (try cluster.services.get("tls-dir").configuration?.files ?? []).compactMap(\.destFile)
            #expect(files.contains("shipped-flinkctl-tls.keystore") && files.contains("shipped-flinkctl-tls.truststore"), "\(files)")
            #expect(!files.contains { $0.contains("ca.keystore") }, "the CA's key was shipped: \(files)")
            // Every container's Flink configuration turns internal TLS on with the shipped copies.
            let confs = (FileManager.default.subpaths(atPath: dir + "/containers") ?? []).filter { $0.hasSuffix("conf/config.yaml") }
            #expect(confs.count >= 2, "\(confs)")
            for conf in confs {
                let text = (try? String(contentsOfFile: dir + "/containers/" + conf, encoding: .utf8)) ?? ""
                #expect(text.contains("security.ssl.internal.enabled: \"true\"") && text.contains("security.ssl.internal.keystore: \"flinkctl-tls.keystore\""), "\(conf): \(text)")
            }
            #expect(!r.stdout.contains("s3cret-pass") && !r.stderr.contains("s3cret-pass"))
        }
    }

    @Test("--jar webhdfs://…: the jar is read from HDFS as the user and runs; a missing one exits 2, an unreachable NameNode 3")
    func remoteJar() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let dir = cluster.directory
            let jar = try buildDoublerJar(in: dir + "/job")
            let hdfs = try WebHDFSClient(baseURL: cluster.url, user: "tester")
            try hdfs.create("/user/tester/jobs/doubler.jar", data: Array(try Data(contentsOf: URL(fileURLWithPath: jar))))
            let webhdfs = cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://")
            let r = try run(flinkctlBinary, ["submit", "--rm", cluster.url, "--user", "tester", "--jar", webhdfs + "/user/tester/jobs/doubler.jar",
                                             "--class", "Doubler", "--name", "remote-jar", "--", dir + "/out", "5"])
            #expect(r.status == 0 && r.stdout.contains("FINISHED") && r.stdout.contains("from \(webhdfs)"), "\(r.stdout)\n\(r.stderr)")
            #expect(RealFlink.SubmitEndToEndTests.committedLines(dir + "/out").sorted() == ["10", "2", "4", "6", "8"])

            let missing = try run(flinkctlBinary, ["submit", "--rm", cluster.url, "--user", "tester", "--jar", webhdfs + "/user/tester/jobs/none.jar",
                                                   "--class", "Doubler", "--name", "missing-jar"])
            #expect(missing.status == 2 && missing.stderr.contains("--jar") && missing.stderr.contains("no such file"), "\(missing.stderr)")
            let refused = try run(flinkctlBinary, ["submit", "--rm", cluster.url, "--jar", "webhdfs://127.0.0.1:1/x.jar", "--class", "X", "--name", "refused-jar"])
            #expect(refused.status == 3 && refused.stderr.contains("--jar"), "\(refused.stderr)")
            let scheme = try run(flinkctlBinary, ["submit", "--rm", cluster.url, "--jar", "ftp://host/x.jar", "--name", "ftp-jar"])
            #expect(scheme.status == 2 && scheme.stderr.contains("--jar"), "\(scheme.stderr)")
            #expect(throws: (any Error).self) { try cluster.services.get("missing-jar") }
        }
    }
}
}
