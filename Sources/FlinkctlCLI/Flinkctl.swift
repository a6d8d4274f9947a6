import ArgumentParser
import Foundation

/// The root command.
public struct Flinkctl: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "flinkctl",
        abstract: "Deploy and operate Apache Flink on Hadoop YARN.",
        discussion: """
        The cluster is found from --rm, then FLINKCTL_RM, then HADOOP_CONF_DIR (yarn-site.xml), \
        then `rm:` in flinkctl.yaml, then the embedded cluster started with `flinkctl local start`.

        Settings a flag leaves unset come from their environment variable, then from flinkctl.yaml \
        in FLINKCTL_CONF_DIR (else ~/.flinkctl): see `flinkctl config show`.

        Exit codes: 0 success, 1 the thing checked is not healthy, 2 usage or input error, \
        3 remote failure (cluster unreachable or refusing).
        """,
        version: "0.1.0",
        subcommands: [SubmitCommand.self, SessionCommand.self, RunCommand.self, ListCommand.self, StatusCommand.self, CancelCommand.self, DestroyCommand.self, SavepointCommand.self, ScaleCommand.self, RedeployCommand.self, LocalCommand.self, YarnCommand.self, LogsCommand.self, DoctorCommand.self, AppMasterCommand.self, TaskManagerCommand.self, SecurityCommand.self, ConfigCommand.self]
    )

    public init() {}
}

/// Exit codes documented in `flinkctl --help` (Failure.exitStatus gives them).
enum ExitStatusCode {
    static let unhealthy: Int32 = 1
    static let usage: Int32 = 2
    static let remote: Int32 = 3
}
