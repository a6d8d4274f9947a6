@testable import Deploy
import DeploymentModel
import Flink
import Foundation
import Hadoop
import Testing
import TestSupport

@Suite("Staging locations")
struct StagingLocationTests {
    @Test("webhdfs://, swebhdfs:// and local paths parse and print back; bad ones are refused")
    func parse() throws {
        let hdfs = try StagingLocation(parsing: "webhdfs://nn:9870/user/alice/.flinkctl/")
        #expect(hdfs == .webHDFS(baseURL: "http://nn:9870", path: "/user/alice/.flinkctl"))
        #expect(hdfs.description == "webhdfs://nn:9870/user/alice/.flinkctl")
        #expect(hdfs.appending("job-1").resourceURI("job.sql") == "hdfs:///user/alice/.flinkctl/job-1/job.sql")
        #expect(hdfs.appending("job-1").parent == hdfs)
        let secure = try StagingLocation(parsing: "swebhdfs://nn:9871/staging")
        #expect(secure == .webHDFS(baseURL: "https://nn:9871", path: "/staging"))
        #expect(secure.description == "swebhdfs://nn:9871/staging")
        #expect(try StagingLocation(parsing: "/var/flinkctl") == .local("/var/flinkctl"))
        #expect(StagingLocation.local("/s").resourceURI("a.jar") == "file:///s/a.jar")
        for bad in ["webhdfs://nn:9870", "webhdfs:///no-host", "webhdfs://nn:9870/a/../b", "hdfs://nn/x", "relative/dir", "s3://b/x"] {
            #expect(throws: FlinkError.self, "\(bad)") { try StagingLocation(parsing: bad) }
        }
    }

    @Test("a savepoint inside a staging directory is recognized, in HDFS and locally")
    func savepointInside() {
        let hdfs = StagingLocation.webHDFS(baseURL: "http://nn:9870", path: "/u/a/job-1")
        #expect(Submitter.savepoint("hdfs://nn:8020/u/a/job-1/savepoint-1", isInside: hdfs))
        #expect(Submitter.savepoint("hdfs:///u/a/job-1/savepoint-1", isInside: hdfs))
        #expect(!Submitter.savepoint("hdfs://nn:8020/u/a/job-10/savepoint-1", isInside: hdfs))
        #expect(!Submitter.savepoint("file:/u/a/job-1/savepoint-1", isInside: hdfs))
        let local = StagingLocation.local("/s/job-1")
        #expect(Submitter.savepoint("file:/s/job-1/checkpoints/chk-3", isInside: local))
        #expect(Submitter.savepoint("/s/job-1/sp", isInside: local))
        #expect(!Submitter.savepoint("file:/s/job-10/sp", isInside: local))
    }

    @Test("a staging area in the embedded cluster's HDFS: created 700, written, read, removed")
    func webHDFSArea() async throws {
        try await withTestCluster { cluster in
            let location = try StagingLocation(parsing: cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://") + "/user/tester/.flinkctl/a-1")
            let area = try StagingArea(location, user: "tester")
            try area.create()
            let hdfs = try WebHDFSClient(baseURL: cluster.url, user: "tester")
            #expect(try hdfs.status("/user/tester/.flinkctl/a-1")?.permission == "700")
            // A second deployment never reuses a directory that is there.
            #expect(throws: FlinkError.self) { try area.create() }
            try area.write("deployment.json", Data("{}".utf8), permission: 0o600)
            try area.write("deployment.json", Data("{\"v\":2}".utf8), permission: 0o600)
            #expect(area.read("deployment.json") == Data("{\"v\":2}".utf8))
            #expect(try hdfs.status("/user/tester/.flinkctl/a-1/deployment.json")?.permission == "600")
            #expect(area.read("missing.json") == nil)

            // A cache entry filled twice (two submits at once): both succeed, one
            // copy stays, no temporary is left behind.
            let entry = "/user/tester/.flinkctl/.cache/runner.jar-1"
            try Stager.putInCache(Array("jar".utf8), at: entry, permission: 0o644, hdfs: hdfs)
            try Stager.putInCache(Array("jar".utf8), at: entry, permission: 0o644, hdfs: hdfs)
            #expect(try hdfs.list("/user/tester/.flinkctl/.cache").map(\.pathSuffix) == ["runner.jar-1"])
            #expect(try hdfs.status("/user/tester/.flinkctl/.cache")?.permission == "700")
            // One of another length under the same name is not taken for it.
            #expect(throws: FlinkError.self) { try Stager.putInCache(Array("other".utf8), at: entry, permission: 0o644, hdfs: hdfs) }
            #expect(try hdfs.list("/user/tester/.flinkctl/.cache").count == 1)

            try area.removeAll()
            #expect(try hdfs.status("/user/tester/.flinkctl/a-1") == nil)
            #expect(try hdfs.status("/user/tester/.flinkctl")?.isDirectory == true)
        }
    }
}

extension RealFlink {
@Suite("Staging in HDFS over WebHDFS")
struct HDFSStagingTests {
    let e2e = RealFlink.SubmitEndToEndTests()

    @Test("submit --staging webhdfs://… --ship-flink: files and Flink uploaded (700), localized by YARN, job exact, status read back, destroy cleans up")
    func sqlJobStagedInHDFS() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let dir = cluster.directory
            let root = cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://") + "/user/tester/.flinkctl"
            let sql = try RealFlink.SubmitEndToEndTests.write(RealFlink.SubmitEndToEndTests.batchSQL(out: dir + "/out"), dir + "/sum.sql")
            let local = dir + "/local-staging"
            let r = try run(flinkctlBinary, ["submit", "--rm", cluster.url, "--user", "tester", "--staging", root, "--ship-flink",
                                              "--sql", sql, "--name", "hdfs-sql"],
                            environment: ["FLINKCTL_SQL_RUNNER": RealFlink.SubmitEndToEndTests.runnerJar, "FLINKCTL_STAGING_ROOT": local])
            #expect(r.status == 0, "submit failed: \(r.stdout)\n\(r.stderr)")
            #expect(r.stdout.contains("Uploading job.sql") && r.stdout.contains("FINISHED"), "\(r.stdout)")
            #expect(r.stdout.contains("Uploading flinkctl-sql-runner.jar") && !r.stdout.contains("Reusing"), "\(r.stdout)")
            #expect(r.stdout.contains("Uploading the Flink 2.3.0 distribution"), "\(r.stdout)")
            #expect(RealFlink.SubmitEndToEndTests.committedLines(dir + "/out") == ["500500,1000"])
            #expect(!FileManager.default.fileExists(atPath: local), "nothing is staged locally")

            // The staging directory: in HDFS, private, holding what the containers needed
            // and what the appmaster published; the files deployments share are in .cache.
            let hdfs = try WebHDFSClient(baseURL: cluster.url, user: "tester")
            let dirs = try hdfs.list("/user/tester/.flinkctl").filter { $0.pathSuffix != ".cache" }
            #expect(dirs.count == 1 && dirs.first?.pathSuffix.hasPrefix("hdfs-sql-") == true)
            let staging = "/user/tester/.flinkctl/" + (dirs.first?.pathSuffix ?? "")
            #expect(try hdfs.status(staging)?.permission == "700")
            let files = Set(try hdfs.list(staging).map(\.pathSuffix))
            #expect(files == ["deployment.json", "job.sql", "jobmanager.json", "result.json", "attempts.json"], "\(files)")
            #expect(try hdfs.status(staging + "/deployment.json")?.permission == "600")
            #expect(try hdfs.status("/user/tester/.flinkctl/.cache")?.permission == "700")
            let cached = try hdfs.list("/user/tester/.flinkctl/.cache").map(\.pathSuffix)
            #expect(cached.count == 3 && cached.contains { $0.hasPrefix("flinkctl-sql-runner.jar-") }, "\(cached)")
            let archive = try #require(cached.first { $0.hasPrefix("flink-2.3.0-") && $0.hasSuffix(".tar") })

            // The service names the files in HDFS and runs the localized binary.
            let service = try cluster.services.get("hdfs-sql")
            #expect(service.configuration?.env?["FLINKCTL_STAGING"] == root + "/" + (dirs.first?.pathSuffix ?? ""))
            let sources = Set((service.configuration?.files ?? []).compactMap(\.srcFile))
            #expect(sources.contains("hdfs://\(staging)/job.sql") && sources.contains("hdfs://\(staging)/deployment.json"), "\(sources)")
            #expect(Set(cached.filter { $0 != archive }.map { "hdfs:///user/tester/.flinkctl/.cache/" + $0 }).isSubset(of: sources), "\(sources)")
            // Flink itself came from HDFS: the service's TARBALL artifact, unpacked into lib/,
            // is what the JobManager's class path names.
            #expect(service.artifact == Artifact(id: "hdfs:///user/tester/.flinkctl/.cache/" + archive, type: "TARBALL"))
            let logs = (FileManager.default.enumerator(atPath: dir + "/logs")?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix("jobmanager.log") }
                .compactMap { try? String(contentsOfFile: dir + "/logs/" + $0, encoding: .utf8) }.joined()
            #expect(logs.contains("/lib/lib/flink-dist"), "the JobManager did not run from the shipped distribution")
            #expect(service.components?.allSatisfy { $0.launchCommand?.hasPrefix("resources/flinkctl") == true } == true)

            // A second deployment uploads only its own files.
            let again = try run(flinkctlBinary, ["submit", "--rm", cluster.url, "--user", "tester", "--staging", root, "--ship-flink",
                                                  "--sql", sql, "--name", "hdfs-sql-2"],
                                environment: ["FLINKCTL_SQL_RUNNER": RealFlink.SubmitEndToEndTests.runnerJar])
            #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")
            #expect(again.stdout.contains("Reusing flinkctl-sql-runner.jar") && !again.stdout.contains("Uploading flinkctl"), "\(again.stdout)")
            #expect(again.stdout.contains("Reusing the Flink 2.3.0 distribution"), "\(again.stdout)")
            #expect(try hdfs.list("/user/tester/.flinkctl/.cache").count == 3)

            let status = try run(flinkctlBinary, ["status", "hdfs-sql", "--rm", cluster.url, "--user", "tester", "--output", "json"])
            #expect(status.stdout.contains("\"jobState\" : \"FINISHED\""), "\(status.stdout) \(status.stderr)")
            let list = try run(flinkctlBinary, ["list", "--rm", cluster.url, "--user", "tester"])
            #expect(list.stdout.contains("hdfs-sql") && list.stdout.contains("FINISHED"), "\(list.stdout)")

            let destroy = try run(flinkctlBinary, ["destroy", "hdfs-sql", "--rm", cluster.url, "--user", "tester"])
            #expect(destroy.status == 0, "\(destroy.stdout) \(destroy.stderr)")
            #expect(try hdfs.status(staging) == nil, "the staging directory outlived its service")
            #expect(throws: (any Error).self) { try cluster.services.get("hdfs-sql") }
            #expect(try hdfs.list("/user/tester/.flinkctl/.cache").count == 3, "the shared files stay for other deployments")
        }
    }

    @Test("redeploy of a job staged in HDFS stages it anew there from the old files, removes the old directory; output exact")
    func redeployStagedInHDFS() async throws {
        try await withTestCluster(memoryMB: 6144) { cluster in
            let dir = cluster.directory, rows = 400
            let root = cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://") + "/user/tester/.flinkctl"
            let auth = ["--rm", cluster.url, "--user", "tester"]
            // Shipped items go along: a file and a directory, staged again by the redeploy.
            try FileManager.default.createDirectory(atPath: dir + "/extras", withIntermediateDirectories: true)
            try "a note".write(toFile: dir + "/note.txt", atomically: true, encoding: .utf8)
            try "x".write(toFile: dir + "/extras/x.csv", atomically: true, encoding: .utf8)
            let (_, out) = try await RealFlink.StreamingRecoveryTests().startStreaming(
                cluster, name: "moving", rows: rows, committed: 40,
                extra: ["--user", "tester", "--staging", root, "--ship", dir + "/note.txt", "--ship", dir + "/extras"])
            let hdfs = try WebHDFSClient(baseURL: cluster.url, user: "tester")
            let before = try hdfs.list("/user/tester/.flinkctl").map(\.pathSuffix).filter { $0 != ".cache" }
            #expect(before.count == 1)
            // With HDFS staging and Hadoop on the node, the job checkpoints
            // into HDFS beside its staged files (Flink through Hadoop's own
            // WebHdfsFileSystem), as the deployment's user.
            let checkpoints = "/user/tester/.flinkctl/\(before.first ?? "")/checkpoints"
            let completed = await eventually(timeout: 60) {
                try hdfs.list(checkpoints).contains { job in
                    try hdfs.list(checkpoints + "/" + job.pathSuffix).contains { $0.pathSuffix.hasPrefix("chk-") }
                }
            }
            #expect(completed, "no completed checkpoint under \(checkpoints)")
            #expect(try hdfs.status(checkpoints)?.owner == "tester")

            // A running deployment is not destroyed by mistake.
            let refused = try run(flinkctlBinary, ["destroy", "moving"] + auth)
            #expect(refused.status != 0 && refused.stderr.contains("cancel it first"), "\(refused.stdout) \(refused.stderr)")
            #expect(try cluster.services.get("moving").state != .STOPPED)

            // The savepoint goes to HDFS too, named as Flink names it.
            let savepoints = cluster.url.replacingOccurrences(of: "http://", with: "webhdfs://") + "/user/tester/savepoints"
            let r = try run(flinkctlBinary, ["redeploy", "moving"] + auth + ["--savepoint", savepoints])
            #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
            let saved = try hdfs.list("/user/tester/savepoints").map(\.pathSuffix)
            #expect(saved.count == 1 && saved.first?.hasPrefix("savepoint-") == true, "\(saved)")
            #expect(try hdfs.list("/user/tester/savepoints/" + (saved.first ?? "")).contains { $0.pathSuffix == "_metadata" })
            let after = try hdfs.list("/user/tester/.flinkctl").map(\.pathSuffix).filter { $0 != ".cache" }
            #expect(after.count == 1 && after != before, "old \(before), now \(after)")
            let files = Set(try hdfs.list("/user/tester/.flinkctl/" + (after.first ?? "")).map(\.pathSuffix))
            #expect(files.isSuperset(of: ["deployment.json", "job.sql", "shipped-note.txt", "shipped-extras.tar"]), "\(files)")
            let shipped = try cluster.services.get("moving").configuration?.files ?? []
            #expect(shipped.contains { $0.destFile == "shipped-note.txt" && $0.srcFile?.contains(after.first ?? "-") == true }, "\(shipped)")
            #expect(shipped.contains { $0.type == "ARCHIVE" && $0.destFile == "shipped-extras" && $0.srcFile?.contains(after.first ?? "-") == true }, "\(shipped)")
            #expect(r.stdout.contains("Reusing flinkctl-sql-runner.jar") || !r.stdout.contains("Uploading flinkctl-sql-runner.jar"), "\(r.stdout)")
            let done = await RealFlink.jobFinished("moving", on: cluster, timeout: 120, user: ["--user", "tester"])
            #expect(done)
            let check = RealFlink.StreamingRecoveryTests.exactOnce(out, rows)
            #expect(check.ok, "\(check.detail)")
        }
    }
}
}
