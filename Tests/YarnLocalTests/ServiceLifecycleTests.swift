import Foundation
import Hadoop
import Testing
import TestSupport

func twoComponentService(_ name: String, jm: String, tm: String, tmCount: Int64 = 2,
                         tmPolicy: RestartPolicy = .ALWAYS) -> Service {
    Service(name: name, version: "1.0", components: [
        Component(name: "jobmanager", launchCommand: jm, resource: ServiceResource(cpus: 1, memory: "128"),
                  numberOfContainers: 1, restartPolicy: .ALWAYS),
        Component(name: "taskmanager", launchCommand: tm, resource: ServiceResource(cpus: 1, memory: "128"),
                  numberOfContainers: tmCount, restartPolicy: tmPolicy),
    ])
}

func liveContainers(_ s: Service, _ component: String) -> [ServiceContainer] {
    s.components?.first { $0.name == component }?.containers ?? []
}

@Suite("Services API on the embedded cluster")
struct ServiceLifecycleTests {
    @Test("a two-component service comes up, flexes 0→3→1, and destroy leaves no process")
    func upFlexDestroy() async throws {
        try await withTestCluster { cluster in
            let jm = markedSleep(), tm = markedSleep()
            let status = try cluster.services.create(twoComponentService("flow", jm: jm.command, tm: tm.command, tmCount: 0))
            #expect(status.state == .ACCEPTED)
            #expect(status.diagnostics?.hasPrefix("Application ID: application_") == true)

            #expect(await eventually { try cluster.services.get("flow").state == .STABLE },
                    "the service did not become STABLE")
            #expect(processes(matching: jm.marker).count == 1)
            #expect(processes(matching: tm.marker).isEmpty)

            for (count, _) in [(3, 0), (1, 0)] {
                try cluster.services.flex("flow", component: "taskmanager", to: Int64(count))
                #expect(await eventually(timeout: 8) {
                    let s = try cluster.services.get("flow")
                    return liveContainers(s, "taskmanager").filter { $0.state == .READY }.count == count
                        && processes(matching: tm.marker).count == count && s.state == .STABLE
                }, "taskmanager did not reach \(count) containers; processes: \(processes(matching: tm.marker).count)")
            }
            let names = liveContainers(try cluster.services.get("flow"), "taskmanager").map { $0.componentInstanceName }
            #expect(names == ["taskmanager-0"], "flex down should keep the lowest instance, got \(names)")

            // The service is also an application of type yarn-service.
            let apps = try cluster.rm.applications(ApplicationFilter(applicationTypes: ["yarn-service"]))
            #expect(apps.count == 1 && apps[0].name == "flow" && apps[0].state == "RUNNING" && apps[0].user == localUserName)
            #expect(apps[0].runningContainers == 2 && apps[0].allocatedMB == 256)

            try cluster.services.destroy("flow")
            #expect(await eventually(timeout: 5) {
                processes(matching: jm.marker).isEmpty && processes(matching: tm.marker).isEmpty
            }, "processes left after destroy: \(processes(matching: jm.marker) + processes(matching: tm.marker))")
            #expect(throws: HadoopError.self) { try cluster.services.get("flow") }
        }
    }

    @Test("a killed container is restarted under ALWAYS and ON_FAILURE, not under NEVER")
    func restartPolicies() async throws {
        try await withTestCluster { cluster in
            for policy in [RestartPolicy.ALWAYS, .ON_FAILURE, .NEVER] {
                let name = "restart-" + policy.rawValue.lowercased().replacingOccurrences(of: "_", with: "-")
                let jm = markedSleep(), tm = markedSleep()
                try cluster.services.create(twoComponentService(name, jm: jm.command, tm: tm.command, tmCount: 1, tmPolicy: policy))
                #expect(await eventually { try cluster.services.get(name).state == .STABLE })
                let before = liveContainers(try cluster.services.get(name), "taskmanager").map(\.id)
                // READY once its process was seen; the command inside may take a moment to exec.
                #expect(await eventually { processes(matching: tm.marker).count == 1 })
                let pids = processes(matching: tm.marker)
                #expect(pids.count == 1)
                for pid in pids { kill(pid, SIGKILL) }

                if policy == .NEVER {
                    #expect(await eventually {
                        try cluster.services.get(name).components?.first { $0.name == "taskmanager" }?.state == "FAILED"
                    }, "under NEVER the component should be FAILED once its only container died")
                    try await Task.sleep(for: .seconds(1))
                    #expect(liveContainers(try cluster.services.get(name), "taskmanager").isEmpty)
                    #expect(processes(matching: tm.marker).isEmpty, "NEVER must not restart the container")
                } else {
                    #expect(await eventually {
                        let now = liveContainers(try cluster.services.get(name), "taskmanager")
                        return now.count == 1 && now[0].id != before.first && now[0].state == .READY
                            && processes(matching: tm.marker).count == 1
                    }, "\(policy) did not restart the killed container")
                    #expect(liveContainers(try cluster.services.get(name), "taskmanager")[0].componentInstanceName == "taskmanager-0")
                }
                try cluster.services.destroy(name)
            }
        }
    }

    @Test("ON_FAILURE does not restart a container that exits 0; the service then succeeds")
    func onFailureSuccess() async throws {
        try await withTestCluster { cluster in
            let svc = Service(name: "batch", version: "1", components: [
                Component(name: "work", launchCommand: "sleep 0.3; exit 0", resource: ServiceResource(cpus: 1, memory: "64"),
                          numberOfContainers: 2, restartPolicy: .ON_FAILURE),
            ])
            try cluster.services.create(svc)
            #expect(await eventually { try cluster.services.get("batch").state == .SUCCEEDED })
            let app = try cluster.rm.applications(ApplicationFilter(applicationTypes: ["yarn-service"]))[0]
            #expect(app.state == "FINISHED" && app.finalStatus == "SUCCEEDED")
        }
    }

    @Test("a request that does not fit waits; freeing resources lets it run")
    func resourceAccounting() async throws {
        try await withTestCluster(memoryMB: 512, vcores: 8) { cluster in
            let tm = markedSleep()
            let svc = Service(name: "tight", version: "1", components: [
                Component(name: "tm", launchCommand: tm.command, resource: ServiceResource(cpus: 1, memory: "200"),
                          numberOfContainers: 3, restartPolicy: .ALWAYS),
            ])
            try cluster.services.create(svc)
            #expect(await eventually { processes(matching: tm.marker).count == 2 })
            try await Task.sleep(for: .milliseconds(600))
            #expect(processes(matching: tm.marker).count == 2, "the third container must wait: 3 × 200 MB > 512 MB")
            let m = try cluster.rm.metrics()
            #expect(m.allocatedMB == 400 && m.containersPending == 1 && m.availableMB == 112)
            #expect(try cluster.services.get("tight").state != .STABLE)

            // Asking for more than the node has at all is refused up front.
            var big = svc
            big.name = "too-big"
            big.components![0].resource = ServiceResource(cpus: 1, memory: "1024")
            #expect(throws: HadoopError.self) { try cluster.services.create(big) }

            try cluster.services.flex("tight", component: "tm", to: 1)
            let freed = await eventually {
                let pending = try cluster.rm.metrics().containersPending
                return pending == 0 && processes(matching: tm.marker).count == 1
            }
            #expect(freed)
            try cluster.services.flex("tight", component: "tm", to: 2)
            let uptight = await eventually {
                let st = try cluster.services.get("tight").state
                return st == .STABLE && processes(matching: tm.marker).count == 2
            }
            #expect(uptight)
        }
    }

    @Test("stop ends containers, start brings the service back under a new application")
    func stopStart() async throws {
        try await withTestCluster { cluster in
            let jm = markedSleep(), tm = markedSleep()
            try cluster.services.create(twoComponentService("cycle", jm: jm.command, tm: tm.command, tmCount: 2))
            #expect(await eventually { try cluster.services.get("cycle").state == .STABLE })
            let firstApp = try cluster.services.get("cycle").id
            try cluster.services.stop("cycle")
            #expect(try cluster.services.get("cycle").state == .STOPPED)
            #expect(await eventually { processes(matching: tm.marker).isEmpty && processes(matching: jm.marker).isEmpty })
            #expect(try cluster.rm.application(firstApp!).state == "FINISHED")
            let again = try cluster.services.start("cycle")
            #expect(again.diagnostics?.contains("application_") == true)
            let upcycle = await eventually {
                let st = try cluster.services.get("cycle").state
                return st == .STABLE && processes(matching: tm.marker).count == 2
            }
            #expect(upcycle)
            #expect(try cluster.services.get("cycle").id != firstApp)
        }
    }

    @Test("lifetime expiry stops the service and kills its application")
    func lifetime() async throws {
        try await withTestCluster { cluster in
            let tm = markedSleep()
            var svc = Service(name: "short", version: "1", components: [
                Component(name: "tm", launchCommand: tm.command, resource: ServiceResource(cpus: 1, memory: "64"),
                          numberOfContainers: 1, restartPolicy: .ALWAYS),
            ])
            svc.lifetime = 6
            try cluster.services.create(svc)
            #expect(await eventually(timeout: 5) { processes(matching: tm.marker).count == 1 })
            #expect(await eventually(timeout: 20) { try cluster.services.get("short").state == .STOPPED })
            let app = try cluster.rm.application(try cluster.services.get("short").id!)
            #expect(app.state == "KILLED" && app.diagnostics.contains("timed out"))
            #expect(await eventually { processes(matching: tm.marker).isEmpty })
        }
    }

    @Test("environment, STATIC and ARCHIVE files and a TARBALL artifact reach the container; logs are readable")
    func localizationAndLogs() async throws {
        try await withTestCluster { cluster in
            let dir = cluster.directory + "/inputs"
            try FileManager.default.createDirectory(atPath: dir + "/pkg/bin", withIntermediateDirectories: true)
            try "static-content".write(toFile: dir + "/note.txt", atomically: true, encoding: .utf8)
            try "echo from-tarball".write(toFile: dir + "/pkg/bin/hello.sh", atomically: true, encoding: .utf8)
            try run("/bin/tar", ["-cf", dir + "/pkg.tar", "-C", dir + "/pkg", "."])
            var comp = Component(
                name: "probe",
                launchCommand: "echo env=$GREETING; echo static=$(cat resources/note.txt); ls resources/unpacked/bin; bash lib/bin/hello.sh; echo id=$CONTAINER_ID inst=$COMPONENT_INSTANCE_NAME; echo oops >&2; sleep 600",
                resource: ServiceResource(cpus: 1, memory: "64"), numberOfContainers: 1, restartPolicy: .ALWAYS,
                artifact: Artifact(id: "file://" + dir + "/pkg.tar", type: "TARBALL"),
                configuration: ServiceConfiguration(env: ["GREETING": "hello"], files: [
                    ConfigFile(type: "STATIC", destFile: "note.txt", srcFile: "file://" + dir + "/note.txt"),
                    ConfigFile(type: "ARCHIVE", destFile: "unpacked", srcFile: dir + "/pkg.tar"),
                ]))
            comp.dependencies = nil
            try cluster.services.create(Service(name: "probe", version: "1", components: [comp]))
            #expect(await eventually { try cluster.services.get("probe").state == .STABLE })
            let cid = liveContainers(try cluster.services.get("probe"), "probe")[0].id
            let logs = NodeLogsClient(endpoint: try cluster.endpoint())
            var out = ""
            #expect(await eventually {
                out = String(decoding: try logs.read(container: cid, file: "stdout"), as: UTF8.self)
                return out.contains("inst=")
            })
            #expect(out.contains("env=hello"))
            #expect(out.contains("static=static-content"))
            #expect(out.contains("hello.sh"))
            #expect(out.contains("from-tarball"))
            #expect(out.contains("id=\(cid) inst=probe-0"))
            #expect(try logs.files(container: cid).map(\.fileName).sorted() == ["stderr", "stdout"])
            #expect(String(decoding: try logs.read(container: cid, file: "stderr"), as: UTF8.self) == "oops\n")

            let cli = try run(flinkctlBinary, ["logs", "probe", "--rm", cluster.url, "--file", "stdout"])
            #expect(cli.status == 0 && cli.stdout.contains("static=static-content"), "flinkctl logs: \(cli.stderr)")
        }
    }
}
