import Foundation
import Hadoop
import Testing
import TestSupport

/// Every bad request gets its status code and Hadoop's error body, and changes nothing.
@Suite("Bad input to the embedded cluster")
struct BadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        var method: String
        var path: String
        var body: String?
        var status: Int
        var message: String
        var description: String { "\(method) \(path) \(body ?? "")" }
    }

    static let rmCases: [Case] = [
        Case(method: "POST", path: "/ws/v1/cluster/apps?user.name=u", body: "{not json", status: 400, message: "not valid JSON"),
        Case(method: "POST", path: "/ws/v1/cluster/apps?user.name=u", body: #"{"application-id":"nonsense"}"#, status: 400, message: "Could not parse application id"),
        Case(method: "POST", path: "/ws/v1/cluster/apps?user.name=u", body: #"{"application-id":"application_1_0001"}"#, status: 400, message: "new-application"),
        Case(method: "POST", path: "/ws/v1/cluster/apps", body: #"{"application-id":"application_1_0001"}"#, status: 401, message: "user.name"),
        Case(method: "GET", path: "/ws/v1/cluster/apps/application_1_0042", body: nil, status: 404, message: "not found"),
        Case(method: "GET", path: "/ws/v1/cluster/apps/bogus", body: nil, status: 400, message: "Invalid ApplicationId"),
        Case(method: "GET", path: "/ws/v1/cluster/apps?states=SLEEPING", body: nil, status: 400, message: "Invalid application-state SLEEPING"),
        Case(method: "GET", path: "/ws/v1/cluster/apps?limit=-3", body: nil, status: 400, message: "limit"),
        Case(method: "PUT", path: "/ws/v1/cluster/apps/application_1_0042/state?user.name=u", body: #"{"state":"KILLED"}"#, status: 404, message: "not found"),
        Case(method: "DELETE", path: "/ws/v1/cluster/apps", body: nil, status: 405, message: "not supported"),
        Case(method: "GET", path: "/ws/v1/cluster/nowhere", body: nil, status: 404, message: "No resource"),
        Case(method: "GET", path: "/ws/v1/node/containerlogs/container_1_0001_01_000001", body: nil, status: 404, message: "not found"),
        // The route table: a known path with a method it does not take is
        // 405, a path below a known one that names nothing is 404.
        Case(method: "PATCH", path: "/ws/v1/cluster/apps/application_1_0042/state", body: nil, status: 405, message: "PATCH is not supported"),
        Case(method: "POST", path: "/ws/v1/cluster/metrics", body: "{}", status: 405, message: "not supported"),
        Case(method: "GET", path: "/ws/v1/cluster/apps/new-application", body: nil, status: 405, message: "not supported"),
        Case(method: "GET", path: "/ws/v1/cluster/apps/application_1_0042/nowhere", body: nil, status: 404, message: "No resource"),
        Case(method: "GET", path: "/ws/v1/cluster/apps/application%5F1%5F0042", body: nil, status: 404, message: "application_1_0042"),
        Case(method: "GET", path: "/ws/v2/cluster", body: nil, status: 404, message: "No resource"),
        Case(method: "DELETE", path: "/isActive", body: nil, status: 405, message: "not supported"),
    ]

    static let serviceCases: [Case] = [
        Case(method: "POST", path: "/app/v1/services?user.name=u", body: "[1,2", status: 400, message: "not valid JSON"),
        Case(method: "POST", path: "/app/v1/services?user.name=u", body: #"{"name":"Bad_Name","version":"1"}"#, status: 400, message: "Invalid service name"),
        Case(method: "POST", path: "/app/v1/services?user.name=u", body: #"{"name":"ok","components":[]}"#, status: 400, message: "Version"),
        Case(method: "POST", path: "/app/v1/services?user.name=u", body: #"{"name":"ok","version":"1","components":[{"name":"c","number_of_containers":-1,"launch_command":"true","resource":{"cpus":1,"memory":"64"}}]}"#, status: 400, message: "Invalid number of containers"),
        Case(method: "POST", path: "/app/v1/services?user.name=u", body: #"{"name":"ok","version":"1","components":[{"name":"c","number_of_containers":1,"launch_command":"true","restart_policy":"SOMETIMES","resource":{"cpus":1,"memory":"64"}}]}"#, status: 400, message: "not valid JSON"),
        Case(method: "POST", path: "/app/v1/services?user.name=u", body: #"{"name":"ok","version":"1","components":[{"name":"c","number_of_containers":1,"resource":{"cpus":1,"memory":"64"}}]}"#, status: 400, message: "launch_command"),
        Case(method: "POST", path: "/app/v1/services?user.name=\(localUserName)", body: #"{"name":"ok","version":"1","components":[{"name":"c","number_of_containers":1,"launch_command":"true","resource":{"cpus":1,"memory":"64"},"configuration":{"files":[{"type":"STATIC","src_file":"/no/such/file"}]}}]}"#, status: 400, message: "does not exist"),
        Case(method: "POST", path: "/app/v1/services?user.name=u", body: #"{"name":"ok","version":"1","components":[{"name":"c","number_of_containers":1,"launch_command":"true","resource":{"cpus":1,"memory":"64"},"configuration":{"files":[{"type":"STATIC","src_file":"/etc/hostname"}]}}]}"#, status: 403, message: "only the cluster's own user"),
        Case(method: "POST", path: "/app/v1/services?user.name=u", body: #"{"name":"ok","version":"1","components":[{"name":"c","number_of_containers":1,"launch_command":"true","resource":{"cpus":1,"memory":"64"}}]}"#, status: 409, message: "already taken"),
        Case(method: "GET", path: "/app/v1/services/missing", body: nil, status: 404, message: "not found"),
        Case(method: "DELETE", path: "/app/v1/services/missing?user.name=u", body: nil, status: 404, message: "doesn't exist"),
        Case(method: "PUT", path: "/app/v1/services/taken?user.name=u", body: #"{"state":"NAPPING"}"#, status: 400, message: "not valid JSON"),
        Case(method: "PUT", path: "/app/v1/services/taken/components/c?user.name=u", body: #"{"number_of_containers":-2}"#, status: 400, message: "Invalid number of containers"),
        Case(method: "PUT", path: "/app/v1/services/taken/components/c?user.name=u", body: #"{}"#, status: 400, message: "No container count provided"),
        Case(method: "PUT", path: "/app/v1/services/taken/components/c?user.name=u", body: #"{"name":"d","number_of_containers":1}"#, status: 400, message: "does not match"),
        Case(method: "PUT", path: "/app/v1/services/taken/components/nope?user.name=u", body: #"{"number_of_containers":1}"#, status: 404, message: "not found"),
        Case(method: "PUT", path: "/app/v1/services/taken/components/c", body: #"{"number_of_containers":1}"#, status: 401, message: "user.name"),
        Case(method: "PUT", path: "/app/v1/services/once/components/c?user.name=u", body: #"{"number_of_containers":3}"#, status: 400, message: "Flexing is not supported"),
        Case(method: "PUT", path: "/app/v1/services/taken?user.name=u", body: #"{"lifetime":-5}"#, status: 400, message: "lifetime"),
        Case(method: "POST", path: "/app/v1/services/taken?user.name=u", body: "{}", status: 405, message: "not supported"),
        Case(method: "DELETE", path: "/app/v1/services/taken/components/c?user.name=u", body: nil, status: 405, message: "not supported"),
        Case(method: "GET", path: "/app/v1/services/taken/nowhere", body: nil, status: 404, message: "No resource"),
    ]

    @Test("the ResourceManager API answers RemoteException bodies")
    func resourceManager() async throws {
        try await withTestCluster { cluster in
            let before = try cluster.rm.applications().count
            for c in Self.rmCases {
                let (status, body) = try cluster.raw(c.method, c.path, body: c.body)
                #expect(status == c.status, "\(c): expected \(c.status), got \(status) \(body)")
                if c.status == 405 || c.path.hasSuffix("nowhere") || c.status != 0 {
                    let decoded = try? JSONDecoder().decode(RemoteExceptionBody.self, from: Data(body.utf8))
                    #expect(decoded != nil, "\(c): the body is not a RemoteException: \(body)")
                    #expect(decoded?.remoteException.message.contains(c.message) == true,
                            "\(c): expected a message with '\(c.message)', got \(body)")
                    #expect(decoded?.remoteException.javaClassName?.isEmpty == false)
                }
            }
            #expect(try cluster.rm.applications().count == before, "bad requests must change nothing")
        }
    }

    @Test("the Services API answers ServiceStatus bodies")
    func services() async throws {
        try await withTestCluster { cluster in
            let taken = Service(name: "taken", version: "1", components: [
                Component(name: "c", launchCommand: "sleep 60", resource: ServiceResource(cpus: 1, memory: "64"), numberOfContainers: 1),
            ])
            try cluster.services.create(taken)
            var ok = taken
            ok.name = "ok"
            try cluster.services.create(ok)
            var once = taken
            once.name = "once"
            once.components![0].restartPolicy = .NEVER
            try cluster.services.create(once)
            let appsBefore = try cluster.rm.applications().count

            for c in Self.serviceCases {
                let (status, body) = try cluster.raw(c.method, c.path, body: c.body)
                #expect(status == c.status, "\(c): expected \(c.status), got \(status) \(body)")
                let decoded = try? JSONDecoder().decode(ServiceStatus.self, from: Data(body.utf8))
                #expect(decoded?.diagnostics?.contains(c.message) == true,
                        "\(c): expected diagnostics with '\(c.message)', got \(body)")
            }
            #expect(try cluster.rm.applications().count == appsBefore, "bad requests must create no application")
            #expect(try cluster.services.get("taken").components?[0].numberOfContainers == 1)
            #expect(try cluster.services.list().map { $0.name ?? "" } == ["ok", "once", "taken"])
        }
    }
}
