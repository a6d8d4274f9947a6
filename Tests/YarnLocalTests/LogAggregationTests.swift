import Foundation
import Hadoop
import Testing
import TestSupport

@Suite("Log aggregation and the log server of the embedded cluster")
struct LogAggregationTests {
    /// A service whose one instance prints 30 numbered lines, fails the
    /// first time and succeeds the second: an application that ends, with a
    /// restarted container.
    func failOnceService(_ dir: String) -> Service {
        let marker = dir + "/ran-once"
        let command = "for i in $(seq 1 30); do echo \"line $i of $CONTAINER_ID\"; done; echo \"err of $CONTAINER_ID\" >&2; "
            + "if [ -e \(marker) ]; then exit 0; else touch \(marker); exit 3; fi"
        return Service(name: "agg", version: "1", components: [
            Component(name: "worker", launchCommand: command, resource: ServiceResource(cpus: 1, memory: "64"),
                      numberOfContainers: 1, restartPolicy: .ON_FAILURE),
        ])
    }

    @Test("an ended application's logs, a restarted container's first attempt's included, go to /tmp/logs/USER/logs/APPID in the store (0770/0640, the user's); the node forgets them, the log server serves them, flinkctl logs prints them (whole, --tail, --container), from --rm or HADOOP_CONF_DIR; bad input is refused")
    func aggregatedAfterTheEnd() async throws {
        try await withTestCluster { cluster in
            try cluster.services.create(failOnceService(cluster.directory))
            var appId = ""
            #expect(await eventually(timeout: 60) {
                appId = try cluster.services.get("agg").id ?? ""
                let app = try cluster.rm.application(appId)
                return app.state == "FINISHED" && app.logAggregationStatus == "SUCCEEDED"
            }, "the application ended and its logs were aggregated")

            // Both containers, in the log server's history of the application.
            let server = ContainerLogServer(base: cluster.url + "/ws/v1/applicationhistory", like: try cluster.endpoint())
            let containers = try server.containers(application: appId)
            #expect(containers.count == 2)
            #expect(containers.map(\.containerExitStatus) == [3, 0])
            let (first, second) = (containers[0].containerId, containers[1].containerId)

            // The store holds them, the application's user's, as YARN leaves them.
            let user = localUserName
            for (path, kind, mode) in [("/tmp/logs/\(user)/logs/\(appId)", "DIRECTORY", "770"),
                                       ("/tmp/logs/\(user)/logs/\(appId)/\(first)/stdout", "FILE", "640")] {
                let (status, body) = try cluster.raw("GET", "/webhdfs/v1\(path)?op=GETFILESTATUS&user.name=\(user)")
                #expect(status == 200, "\(path): \(body)")
                #expect(body.contains("\"type\":\"\(kind)\"") && body.contains("\"permission\":\"\(mode)\"")
                        && body.contains("\"owner\":\"\(user)\""), "\(path): \(body)")
            }
            let aggregated = try server.files(container: first)
            #expect(Set(aggregated.map(\.fileName)) == ["stdout", "stderr"])
            #expect(String(decoding: try server.read(container: first, file: "stdout"), as: UTF8.self)
                .hasPrefix("line 1 of \(first)\nline 2 of"))
            #expect(String(decoding: try server.read(container: second, file: "stdout", range: .size(-12)), as: UTF8.self)
                == "of \(second)\n".suffix(12))

            // The node no longer serves an ended application's containers.
            let (nodeStatus, nodeBody) = try cluster.raw("GET", "/ws/v1/node/containers/\(first)/logs")
            #expect(nodeStatus == 404 && nodeBody.contains("aggregated"), "\(nodeStatus) \(nodeBody)")

            // flinkctl logs: every container, the killed-and-restarted one's first attempt too.
            let all = try run(flinkctlBinary, ["logs", "agg", "--rm", cluster.url])
            #expect(all.status == 0, "\(all.stderr)")
            #expect(all.stdout.contains("line 30 of \(first)") && all.stdout.contains("line 30 of \(second)"))
            #expect(all.stdout.contains("err of \(first)") && all.stdout.contains("==> container (\(second)) stderr <=="))

            let tail = try run(flinkctlBinary, ["logs", "agg", "--rm", cluster.url, "--container", second,
                                                "--file", "stdout", "--tail", "5"])
            #expect(tail.status == 0, "\(tail.stderr)")
            let lines = tail.stdout.split(separator: "\n").map(String.init)
            #expect(lines == ["==> container (\(second)) stdout <=="] + (26...30).map { "line \($0) of \(second)" })

            // The cluster's yarn-site.xml names the ResourceManager and the log server.
            let conf = cluster.directory + "/hadoop-conf"
            let yarnSite = try String(contentsOfFile: conf + "/yarn-site.xml", encoding: .utf8)
            #expect(yarnSite.contains("<name>yarn.log.server.web-service.url</name><value>\(cluster.url)/ws/v1/applicationhistory</value>"))
            let byConf = try run(flinkctlBinary, ["logs", appId, "--file", "stderr"],
                                 environment: ["HADOOP_CONF_DIR": conf, "PATH": "/usr/bin:/bin", "HOME": cluster.directory])
            #expect(byConf.status == 0 && byConf.stdout.contains("err of \(second)"), "\(byConf.stderr)")
            // The same as `yarn logs APPID`.
            let yarnLogs = try run(flinkctlBinary, ["yarn", "logs", appId, "--rm", cluster.url, "--file", "stderr"])
            #expect(yarnLogs.status == 0 && yarnLogs.stdout.contains("err of \(first)") && yarnLogs.stdout.contains("err of \(second)"))

            // Bad input: a clear error, exit 2 (usage) or 1 (nothing to show).
            for (args, code, words) in [
                (["--tail", "-1"], Int32(2), "--tail"),
                (["--container", "worker-0"], 2, "--component"),
                (["--file", "../x"], 2, "--file"),
                (["--log-server", "ftp://x"], 2, "--log-server"),
                (["--component", "jobmanager"], 1, "no jobmanager containers"),
            ] {
                let r = try run(flinkctlBinary, ["logs", "agg", "--rm", cluster.url] + args)
                #expect(r.status == code && r.stderr.contains(words), "\(args): \(r.status) \(r.stderr)")
            }
            let missing = try run(flinkctlBinary, ["logs", "no-such-service", "--rm", cluster.url])
            #expect(missing.status == 2 && missing.stderr.contains("no service or application no-such-service"))
            for path in ["/ws/v1/applicationhistory/containers/nonsense/logs",
                         "/ws/v1/applicationhistory/containerlogs/\(first)/..",
                         "/ws/v1/applicationhistory/containerlogs/\(first)/%2e%2e"] {
                let (status, _) = try cluster.raw("GET", path)
                #expect(status == 400 || status == 404, "\(path): \(status)")
            }
            let (unknown, _) = try cluster.raw("GET", "/ws/v1/applicationhistory/containers/container_1_0001_01_000999/logs")
            #expect(unknown == 404)
        }
    }
}
