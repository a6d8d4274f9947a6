import Foundation
import Hadoop
import Testing
import TestSupport

func submission(_ id: String, name: String, command: String, memory: Int64 = 128, attempts: Int? = 1) -> ApplicationSubmission {
    ApplicationSubmission(
        applicationId: id, applicationName: name, queue: "default",
        amContainerSpec: ContainerLaunchContext(
            environment: EntryMap([("GREETING", "hi")]),
            commands: Commands([command])),
        resource: ResourceRequest(memory: memory, vCores: 1), applicationType: "TEST", maxAppAttempts: attempts)
}

@Suite("ResourceManager REST API on the embedded cluster")
struct ResourceManagerTests {
    @Test("new-application, submit, run to FINISHED; the report and attempts are Hadoop's shapes")
    func submitAndFinish() async throws {
        try await withTestCluster { cluster in
            let rm = cluster.rm
            let new = try rm.newApplication()
            #expect(new.applicationId.hasPrefix("application_"))
            #expect(new.maximumResourceCapability.memory == 4096)
            try rm.submit(submission(new.applicationId, name: "hello",
                                     command: "echo $GREETING from $CONTAINER_ID 1><LOG_DIR>/am.out; sleep 0.5"))
            #expect(await eventually { try rm.application(new.applicationId).state == "FINISHED" })
            let app = try rm.application(new.applicationId)
            #expect(app.finalStatus == "SUCCEEDED" && app.name == "hello" && app.applicationType == "TEST" && app.user == localUserName)
            #expect(app.trackingUI == "History" && app.runningContainers == -1 && app.finishedTime >= app.startedTime)
            let attempts = try rm.attempts(new.applicationId)
            #expect(attempts.count == 1)
            // Ended: the log server has the AM's logs (the node no longer serves them).
            let history = ContainerLogServer(base: cluster.url + "/ws/v1/applicationhistory", like: try cluster.endpoint())
            let out = try history.read(container: attempts[0].containerId, file: "am.out")
            #expect(String(decoding: out, as: UTF8.self) == "hi from \(attempts[0].containerId)\n")

            // Filters.
            #expect(try rm.applications(ApplicationFilter(states: ["RUNNING"])).isEmpty)
            #expect(try rm.applications(ApplicationFilter(states: ["FINISHED"])).map(\.id) == [new.applicationId])
            #expect(try rm.applications(ApplicationFilter(user: "nobody")).isEmpty)
            #expect(try rm.applications(ApplicationFilter(applicationTypes: ["test"])).count == 1)

            // The raw JSON keeps Hadoop's spelling.
            let (status, body) = try cluster.raw("GET", "/ws/v1/cluster/apps?states=KILLED")
            #expect(status == 200 && body == #"{"apps":null}"#)
            let (s2, info) = try cluster.raw("GET", "/ws/v1/cluster/info")
            #expect(s2 == 200 && info.contains(#""clusterInfo":{"#) && info.contains(#""haState":"ACTIVE""#))
        }
    }

    @Test("a failing AM is retried up to max-app-attempts, then FAILED")
    func attemptsThenFail() async throws {
        try await withTestCluster { cluster in
            let rm = cluster.rm
            let id = try rm.newApplication().applicationId
            try rm.submit(submission(id, name: "broken", command: "exit 3", attempts: 2))
            #expect(await eventually { try rm.application(id).state == "FAILED" })
            #expect(try rm.attempts(id).count == 2)
            let app = try rm.application(id)
            #expect(app.finalStatus == "FAILED" && app.diagnostics.contains("exitCode: 3"))
        }
    }

    @Test("kill through PUT state ends the AM's processes")
    func kill() async throws {
        try await withTestCluster { cluster in
            let rm = cluster.rm
            let s = markedSleep()
            let id = try rm.newApplication().applicationId
            try rm.submit(submission(id, name: "long", command: s.command))
            #expect(await eventually { try rm.application(id).state == "RUNNING" && processes(matching: s.marker).count == 1 })
            #expect(try rm.kill(id) == "KILLED")
            #expect(try rm.application(id).finalStatus == "KILLED")
            #expect(await eventually { processes(matching: s.marker).isEmpty })
            // Killing again is a no-op answered with the final state.
            let (status, body) = try cluster.raw("PUT", "/ws/v1/cluster/apps/\(id)/state?user.name=tester", body: #"{"state":"KILLED"}"#)
            #expect(status == 200 && body == #"{"state":"KILLED"}"#)

            let cli = try run(flinkctlBinary, ["yarn", "kill", id, "--rm", cluster.url])
            #expect(cli.status == 0 && cli.stdout.contains("already finished"))
        }
    }

    @Test("a container over its memory limit is killed with exit status -104")
    func memoryLimit() async throws {
        try await withTestCluster { cluster in
            let rm = cluster.rm
            let id = try rm.newApplication().applicationId
            // 64 MB container; the process grows to about 200 MB resident.
            let hog = #"python3 -c "import time; b = bytearray(200 * 1024 * 1024); time.sleep(60)""#
            try rm.submit(submission(id, name: "hog", command: hog, memory: 64))
            #expect(await eventually(timeout: 15) { try rm.application(id).state == "FAILED" })
            let app = try rm.application(id)
            #expect(app.diagnostics.contains("beyond the 'PHYSICAL' memory limit"), "diagnostics: \(app.diagnostics)")
            #expect(processes(matching: "bytearray(200").isEmpty)
        }
    }

    @Test("the CLI lists, shows and reports errors with the documented exit codes")
    func cli() async throws {
        try await withTestCluster { cluster in
            let id = try cluster.rm.newApplication().applicationId
            try cluster.rm.submit(submission(id, name: "cli-app", command: "true"))
            #expect(await eventually { try cluster.rm.application(id).state == "FINISHED" })

            let apps = try run(flinkctlBinary, ["yarn", "apps", "--rm", cluster.url, "--output", "json"])
            #expect(apps.status == 0)
            let list = try JSONDecoder().decode([ApplicationReport].self, from: Data(apps.stdout.utf8))
            #expect(list.map(\.id) == [id])

            let table = try run(flinkctlBinary, ["yarn", "apps", "--rm", cluster.url])
            #expect(table.stdout.contains("cli-app") && table.stdout.contains("Application-Id"))

            let missing = try run(flinkctlBinary, ["yarn", "app", "application_1_9999", "--rm", cluster.url])
            #expect(missing.status == 2 && missing.stderr.contains("not found"))

            let nodes = try run(flinkctlBinary, ["yarn", "nodes", "--rm", cluster.url, "--output", "json"])
            #expect(nodes.status == 0 && nodes.stdout.contains("\"state\" : \"RUNNING\""))

            let status = try run(flinkctlBinary, ["local", "status", "--dir", cluster.directory, "--output", "json"])
            let obj = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
            #expect(status.status == 0 && obj?["pid"] as? Int == Int(cluster.pid) && obj?["url"] as? String == cluster.url)

            // FLINKCTL_RM is used when --rm is absent; a dead address comes before the live one (HA failover).
            let failover = try run(flinkctlBinary, ["yarn", "cluster", "--output", "json"],
                                   environment: ["FLINKCTL_RM": "http://127.0.0.1:1,\(cluster.url)"])
            #expect(failover.status == 0 && failover.stdout.contains("ACTIVE"), "\(failover.stderr)")

            // HADOOP_CONF_DIR with two RM ids, the first down.
            let conf = cluster.directory + "/hadoop-conf"
            try FileManager.default.createDirectory(atPath: conf, withIntermediateDirectories: true)
            let hostPort = cluster.url.replacingOccurrences(of: "http://", with: "")
            try """
            <?xml version="1.0"?>
            <configuration>
              <!-- two ResourceManagers -->
              <property><name>yarn.resourcemanager.ha.enabled</name><value>true</value></property>
              <property><name>yarn.resourcemanager.ha.rm-ids</name><value>rm1,rm2</value></property>
              <property><name>yarn.resourcemanager.webapp.address.rm1</name><value>127.0.0.1:1</value></property>
              <property><name>yarn.resourcemanager.webapp.address.rm2</name><value>\(hostPort)</value></property>
            </configuration>
            """.write(toFile: conf + "/yarn-site.xml", atomically: true, encoding: .utf8)
            let viaConf = try run(flinkctlBinary, ["yarn", "apps", "--output", "json"], environment: ["HADOOP_CONF_DIR": conf])
            #expect(viaConf.status == 0 && viaConf.stdout.contains(id), "\(viaConf.stderr)")

            let down = try run(flinkctlBinary, ["yarn", "apps", "--rm", "http://127.0.0.1:1"])
            #expect(down.status == 3 && down.stderr.contains("flinkctl local start"))
            let bad = try run(flinkctlBinary, ["yarn", "apps", "--rm", "ftp://x"])
            #expect(bad.status == 2)
        }
    }

    @Test("a standby ResourceManager: its redirect to the active one is followed; one that knows no active RM is passed over")
    func standbyResourceManager() async throws {
        try await withTestCluster { cluster in
            // What Hadoop's RMWebAppFilter answers on a standby RM that knows the active one.
            func redirect(_ head: String) -> String {
                let path = head.split(separator: " ")[1].split(separator: "?")[0]
                return "HTTP/1.1 307 Temporary Redirect\r\nLocation: \(cluster.url)\(path)\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n"
            }
            let standby = try CannedServer(responders: [redirect, redirect])
            let viaStandby = try run(flinkctlBinary, ["yarn", "cluster", "--rm", "http://127.0.0.1:\(standby.port)", "--output", "json"])
            #expect(viaStandby.status == 0 && viaStandby.stdout.contains("ACTIVE"), "\(viaStandby.stderr)")
            #expect(standby.requests.count == 2)
            #expect(standby.requests.allSatisfy { $0.hasPrefix("GET /ws/v1/cluster/") })

            // A standby RM that knows no active one answers in plain text; the client moves on to the next RM.
            let lost = "This is standby RM. There is no active RM right now."
            let orphan = try CannedServer(replies: Array(repeating:
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(lost.utf8.count)\r\n\r\n\(lost)", count: 2))
            let passedOver = try run(flinkctlBinary, ["yarn", "cluster", "--rm", "http://127.0.0.1:\(orphan.port),\(cluster.url)", "--output", "json"])
            #expect(passedOver.status == 0 && passedOver.stdout.contains("ACTIVE"), "\(passedOver.stderr)")
            #expect(!orphan.requests.isEmpty)

            // Only standby RMs that know no active one: a clear error, exit 3.
            let alone = try CannedServer(replies: Array(repeating:
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(lost.utf8.count)\r\n\r\n\(lost)", count: 2))
            let none = try run(flinkctlBinary, ["yarn", "cluster", "--rm", "http://127.0.0.1:\(alone.port)"])
            #expect(none.status == 3, "\(none.stdout) \(none.stderr)")
            #expect(none.stderr.contains("standby ResourceManager with no active one"), "\(none.stderr)")
        }
    }

    @Test("with http_proxy set, requests go through the proxy (libcurl), as curl would send them")
    func proxy() async throws {
        try await withTestCluster { cluster in
            // The proxy answers in the cluster's place with what the cluster says (fetched
            // here with curl), the version marked so that the answer is known to be the proxy's.
            let realInfo = try run("/usr/bin/curl", ["-s", cluster.url + "/ws/v1/cluster/info"]).stdout
            let info = realInfo.replacingOccurrences(of: "\"resourceManagerVersion\":\"", with: "\"resourceManagerVersion\":\"via-proxy-")
            let metrics = try run("/usr/bin/curl", ["-s", cluster.url + "/ws/v1/cluster/metrics"]).stdout
            #expect(info.contains("via-proxy-"), "\(realInfo)")
            func reply(_ body: String) -> String {
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            }
            let proxy = try CannedServer(replies: [reply(info), reply(metrics)])
            let r = try run(flinkctlBinary, ["yarn", "cluster", "--rm", cluster.url, "--output", "json"],
                            environment: ["http_proxy": "http://127.0.0.1:\(proxy.port)", "no_proxy": ""])
            #expect(r.status == 0 && r.stdout.contains("via-proxy-"), "\(r.stdout) \(r.stderr)")
            // Absolute-form request lines: the proxy, not the cluster, was asked.
            #expect(proxy.requests.count == 2)
            #expect(proxy.requests.first?.hasPrefix("GET \(cluster.url)/ws/v1/cluster/info") == true, "\(proxy.requests)")
        }
    }
}
