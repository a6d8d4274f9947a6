import Flink
import Foundation
import Testing
import TestSupport

@Suite("Flink memory model and configuration")
struct MemoryModelTests {
    /// What Flink's own BashJavaUtils says for a TaskManager process size.
    static func bashJavaUtils(_ size: String, slots: Int = 2) throws -> (jvm: Set<String>, dynamic: [String: String]) {
        let dist = try FlinkDistribution.locate(explicit: nil)
        let conf = NSTemporaryDirectory() + "flinkctl-bju-" + UUID().uuidString.prefix(6)
        try FileManager.default.createDirectory(atPath: conf, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: conf) }
        try "taskmanager.numberOfTaskSlots: \(slots)\n".write(toFile: conf + "/config.yaml", atomically: true, encoding: .utf8)
        let cp = ([dist.bashJavaUtilsJar!] + dist.libJars()).joined(separator: ":")
        let r = try run(try locateJava(), ["-cp", cp, "org.apache.flink.runtime.util.bash.BashJavaUtils",
                                           "GET_TM_RESOURCE_PARAMS", "--configDir", conf, "-Dtaskmanager.memory.process.size=\(size)"])
        let results = r.stdout.split(separator: "\n").filter { $0.hasPrefix("BASH_JAVA_UTILS_EXEC_RESULT:") }
            .map { String($0.dropFirst("BASH_JAVA_UTILS_EXEC_RESULT:".count)) }
        guard results.count == 2 else { throw FlinkError(.java, "BashJavaUtils printed: \(r.stdout) \(r.stderr)") }
        let jvm = Set(results[0].split(separator: " ").map(String.init))
        var dynamic: [String: String] = [:]
        let parts = results[1].split(separator: " ").map(String.init)
        var i = 0
        while i < parts.count {
            if parts[i] == "-D", i + 1 < parts.count, let eq = parts[i + 1].firstIndex(of: "=") {
                dynamic[String(parts[i + 1][..<eq])] = String(parts[i + 1][parts[i + 1].index(after: eq)...])
                i += 2
            } else { i += 1 }
        }
        return (jvm, dynamic)
    }

    @Test("TaskManager JVM flags and derived sizes match BashJavaUtils", arguments: ["1024m", "1728m", "4096m", "16g"])
    func matchesFlink(size: String) throws {
        var config = FlinkConfiguration()
        config["taskmanager.memory.process.size"] = size
        config["taskmanager.numberOfTaskSlots"] = "2"
        let ours = try TaskManagerMemory(configuration: config)
        let flink = try Self.bashJavaUtils(size)
        #expect(Set(ours.jvmArguments) == flink.jvm, "JVM flags for \(size): ours \(ours.jvmArguments), Flink \(flink.jvm.sorted())")
        let mine = Dictionary(uniqueKeysWithValues: ours.dynamicProperties)
        for (k, v) in flink.dynamic where k != "taskmanager.cpu.cores" {
            #expect(mine[k] == v, "\(k) for \(size): ours \(mine[k] ?? "missing"), Flink \(v)")
        }
    }

    @Test("a process size too small for the fixed parts is refused with the reason")
    func tooSmall() {
        var config = FlinkConfiguration()
        config["taskmanager.memory.process.size"] = "600m"
        #expect { try TaskManagerMemory(configuration: config) } throws: { error in
            "\(error)".contains("too small") && "\(error)".contains("network")
        }
        config["taskmanager.memory.process.size"] = "lots"
        #expect { try TaskManagerMemory(configuration: config) } throws: { "\($0)".contains("not a memory size") }
    }

    @Test("JobManager heap for 1024m is Flink's 448 MiB")
    func jobManager() throws {
        var config = FlinkConfiguration()
        config["jobmanager.memory.process.size"] = "1024m"
        #expect(try JobManagerMemory(configuration: config).jvmArguments == ["-Xmx469762048", "-Xms469762048", "-XX:MaxMetaspaceSize=268435456"])
    }

    @Test("user config files: flat and nested YAML, lists, comments, quotes; errors name file, line and key")
    func parse() throws {
        let c = try FlinkConfiguration.parse("""
        # a comment
        taskmanager.numberOfTaskSlots: 4
        execution:
          checkpointing:
            interval: 10 s   # inline comment
        env.java.opts.all: '-Dx=1 # not a comment'
        pipeline.jars:
          - file:///a.jar
          - file:///b.jar
        state.backend.type: "rocksdb"
        """, file: "config.yaml")
        #expect(c["taskmanager.numberOfTaskSlots"] == "4")
        #expect(c["execution.checkpointing.interval"] == "10 s")
        #expect(c["env.java.opts.all"] == "-Dx=1 # not a comment")
        #expect(c["pipeline.jars"] == "file:///a.jar;file:///b.jar")
        #expect(c["state.backend.type"] == "rocksdb")
        #expect(c["execution"] == nil)
        #expect { try FlinkConfiguration.parse("a: 1\nthis line has no colon\n", file: "my.yaml") } throws: {
            "\($0)" == "my.yaml:2: expected 'key: value', found 'this line has no colon'"
        }
        #expect { try FlinkConfiguration.parse("rest.port: '8081\n", file: "c.yaml") } throws: {
            "\($0)".contains("c.yaml:1: key 'rest.port': unterminated")
        }
        // Round trip through the 2.x renderer.
        var out = FlinkConfiguration()
        out["k"] = "it's: tricky"
        let again = try FlinkConfiguration.parse(out.render(for: FlinkVersion(major: 2, minor: 3, patch: 0)), file: "x")
        #expect(again["k"] == "it's: tricky")
    }

    @Test("the installed distribution is found and its version read")
    func distribution() throws {
        let d = try FlinkDistribution.locate(explicit: nil)
        #expect(d.version == FlinkVersion(major: 2, minor: 3, patch: 0))
        #expect(d.version.configFileName == "config.yaml")
        #expect(throws: FlinkError.self) { try FlinkDistribution(home: "/nonexistent") }
    }
}

@Suite("Flink REST error answers")
struct FlinkRESTErrorTests {
    @Test("a /jars/run failure is reported by the job main's own words, not the handler's stack")
    func innermostCause() {
        // As Flink 2.3's JarRunHandler answered in a session (errors[0], shortened).
        let answer = """
        org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.
        \tat org.apache.flink.runtime.webmonitor.handlers.JarRunHandler.lambda$handleRequest$1(JarRunHandler.java:114)
        \tat java.base/java.util.concurrent.CompletableFuture.uniHandle(CompletableFuture.java:934)
        Caused by: org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: statement 3 (line 3) was rejected by Flink:
          Column 'nope' not found in any table
        \tat org.apache.flink.client.program.PackagedProgram.callMainMethod(PackagedProgram.java:373)
        \t... 8 more
        Caused by: java.lang.IllegalArgumentException: statement 3 (line 3) was rejected by Flink:
          Column 'nope' not found in any table
          statement: INSERT INTO dst SELECT nope FROM src
        \tat org.flinkctl.sql.SqlRunner.main(SqlRunner.java:116)
        \t... 8 more
        """
        let summary = FlinkRESTClient.errorSummary(answer)
        #expect(summary == "statement 3 (line 3) was rejected by Flink:\n  Column 'nope' not found in any table\n  statement: INSERT INTO dst SELECT nope FROM src")
        #expect(FlinkRESTClient.errorSummary("Job could not be found.") == "Job could not be found.")
    }
}
