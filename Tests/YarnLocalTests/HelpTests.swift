import Foundation
import Testing
import TestSupport

/// The help a user of `yarn` and `flink` meets first.
@Suite("Command-line help")
struct HelpTests {
    @Test("flinkctl --help names every command group, the address order and the exit codes")
    func root() throws {
        let r = try run(flinkctlBinary, ["--help"])
        #expect(r.status == 0)
        for word in ["submit", "list", "status", "cancel", "savepoint", "scale", "session", "local", "yarn", "logs", "security", "HADOOP_CONF_DIR", "FLINKCTL_RM", "flinkctl.yaml", "config", "Exit codes", "3 remote failure"] {
            #expect(r.stdout.contains(word), "--help lacks '\(word)':\n\(r.stdout)")
        }
    }

    @Test("each subcommand explains its options", arguments: [
        (["local", "start", "--help"], ["--dir", "--port", "--memory-mb", "--vcores", "--foreground", "Loopback"]),
        (["local", "status", "--help"], ["--output", "Exit code 1"]),
        (["yarn", "apps", "--help"], ["--states", "--types", "--limit", "--rm", "--output", "yarn application -list"]),
        (["yarn", "kill", "--help"], ["Application id", "KILLED"]),
        (["logs", "--help"], ["-f", "--follow", "Service name or application id"]),
        (["submit", "--help"], ["--sql", "--jar", "--class", "--taskmanagers", "--slots", "--from-savepoint", "--detached", "-D", "--flink-dist",
                                "--tm-vcores", "--jm-vcores", "yarn.containers.vcores", "--reactive"]),
        (["cancel", "--help"], ["--savepoint", "Service name", "--job"]),
        (["savepoint", "--help"], ["--job"]),
        (["scale", "--help"], ["--taskmanagers", "--reactive", "status"]),
        (["list", "--help"], ["--jobs", "--output"]),
        (["session", "stop", "--help"], ["--savepoint", "each running job"]),
        (["session", "start", "--help"], ["--taskmanagers", "--slots", "--tm-vcores"]),
        (["config", "show", "--help"], ["FLINKCTL_CONF_DIR", "flinkctl.yaml", "--output", "--rm", "--queue"]),
        (["run", "--help"], ["--session", "--jar"]),
    ])
    func sub(args: [String], words: [String]) throws {
        let r = try run(flinkctlBinary, args)
        #expect(r.status == 0)
        for word in words {
            #expect(r.stdout.contains(word), "\(args.joined(separator: " ")) lacks '\(word)':\n\(r.stdout)")
        }
    }

    @Test("bad usage exits 2 with a message")
    func usage() throws {
        let r = try run(flinkctlBinary, ["local", "start", "--port", "70000"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--port"))
    }
}
