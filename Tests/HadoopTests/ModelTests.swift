import Foundation
import Hadoop
import Testing

@Suite("Hadoop JSON models and configuration")
struct ModelTests {
    @Test("an empty app list is {\"apps\":null} both ways")
    func emptyApps() throws {
        let decoded = try JSONDecoder().decode(ApplicationsEnvelope.self, from: Data(#"{"apps":null}"#.utf8))
        #expect(decoded.list.isEmpty)
        #expect(String(decoding: try JSONEncoder().encode(ApplicationsEnvelope(apps: [])), as: UTF8.self) == #"{"apps":null}"#)
    }

    @Test("JAXB maps decode from an array or a single entry")
    func entryMaps() throws {
        let many = try JSONDecoder().decode(EntryMap<String>.self, from: Data(#"{"entry":[{"key":"A","value":"1"},{"key":"B","value":"2"}]}"#.utf8))
        #expect(many["B"] == "2" && many.entry.count == 2)
        let one = try JSONDecoder().decode(EntryMap<String>.self, from: Data(#"{"entry":{"key":"A","value":"1"}}"#.utf8))
        #expect(one["A"] == "1")
        let cmd = try JSONDecoder().decode(Commands.self, from: Data(#"{"command":"run it"}"#.utf8))
        #expect(cmd.command == ["run it"])
    }

    @Test("a report from a real ResourceManager decodes, unknown fields ignored, missing ones defaulted")
    func tolerantReport() throws {
        let json = #"{"app":{"id":"application_1476912658570_0002","user":"user2","name":"word count","queue":"default","state":"FINISHED","finalStatus":"SUCCEEDED","progress":100.0,"trackingUI":"History","diagnostics":"","clusterId":1476912658570,"applicationType":"MAPREDUCE","applicationTags":"","priority":-1,"startedTime":1476913457320,"finishedTime":1476913761898,"elapsedTime":304578,"allocatedMB":-1,"allocatedVCores":-1,"runningContainers":-1,"memorySeconds":206464,"vcoreSeconds":201,"resourceSecondsMap":{"entry":{"key":"memory-mb","value":"206464"}},"unmanagedApplication":false}}"#
        let app = try JSONDecoder().decode(ApplicationEnvelope.self, from: Data(json.utf8)).app
        #expect(app.applicationType == "MAPREDUCE" && app.priority == -1 && app.amContainerLogs == nil && app.launchTime == 0)
    }

    @Test("Services API memory accepts strings, numbers and units")
    func memory() throws {
        let r = try JSONDecoder().decode(ServiceResource.self, from: Data(#"{"cpus":1,"memory":256}"#.utf8))
        #expect(r.memoryMB == 256)
        #expect(ServiceResource(memory: "2G").memoryMB == 2048)
        #expect(ServiceResource(memory: "512Mi").memoryMB == 512)
        #expect(ServiceResource(memory: "lots").memoryMB == nil)
    }

    @Test("service specs use snake_case and leave nil fields out")
    func serviceJSON() throws {
        let s = Service(name: "x", version: "1", components: [Component(name: "c", launchCommand: "sleep 1", numberOfContainers: 2, restartPolicy: .NEVER)])
        let text = String(decoding: try JSONEncoder().encode(s), as: UTF8.self)
        #expect(text.contains(#""number_of_containers":2"#) && text.contains(#""launch_command":"sleep 1""#))
        #expect(text.contains(#""restart_policy":"NEVER""#) && !text.contains("null"))
    }

    @Test("yarn-site.xml: HA ids in order, HTTPS policy, hostname fallback, comments and entities")
    func yarnSite() throws {
        var conf = HadoopConfiguration()
        try conf.merge(xml: """
        <configuration>
          <property><name>yarn.resourcemanager.ha.enabled</name><value>true</value></property>
          <!-- <property><name>yarn.resourcemanager.ha.rm-ids</name><value>wrong</value></property> -->
          <property><name>yarn.resourcemanager.ha.rm-ids</name><value> rm2 , rm1 </value></property>
          <property><name>yarn.resourcemanager.webapp.address.rm1</name><value>a:8088</value></property>
          <property><name>yarn.resourcemanager.hostname.rm2</name><value>b</value></property>
          <property><name>yarn.resourcemanager.webapp.https.address.rm1</name><value>a:8090</value></property>
          <property><name>x.escaped</name><value>&lt;a&amp;b&gt;</value></property>
        </configuration>
        """)
        #expect(conf.resourceManagerURLs() == ["http://b:8088", "http://a:8088"])
        #expect(conf["x.escaped"] == "<a&b>")
        try conf.merge(xml: "<configuration><property><name>yarn.http.policy</name><value>HTTPS_ONLY</value></property></configuration>")
        #expect(conf.resourceManagerURLs() == ["https://b:8090", "https://a:8090"])

        var single = HadoopConfiguration()
        try single.merge(xml: "<configuration><property><name>yarn.resourcemanager.hostname</name><value>rm</value></property></configuration>")
        #expect(single.resourceManagerURLs() == ["http://rm:8088"])

        var broken = HadoopConfiguration()
        #expect(throws: HadoopError.self) { try broken.merge(xml: "<configuration><property><name>x</name>", file: "yarn-site.xml") }
    }
}
