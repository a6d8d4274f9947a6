import ArgumentParser
import Flink
import FlinkctlBase
import Foundation

/// `flinkctl config show`: the settings a command would use, and where each came from.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "flinkctl's settings: flags, environment variables and the defaults file.",
        subcommands: [Show.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print the effective settings and where each came from.",
            discussion: """
            Each setting comes from its flag, else its environment variable, else flinkctl.yaml in \
            FLINKCTL_CONF_DIR (else ~/.flinkctl/flinkctl.yaml), else flinkctl's default. The file's keys \
            are the long option names; its `flink:` map holds Flink options applied as -D defaults \
            (conf/flinkctl.yaml is an annotated example). Give the same flags as to `submit` to see \
            what it would use. A file with an unknown key, a wrong type or a YAML mistake is refused \
            with its line (exit 2).
            """
        )
        @OptionGroup var cluster: ClusterOptions
        @OptionGroup var deployment: DeploymentOptions
        @OptionGroup var output: OutputOptions

        struct Report: Encodable {
            var file: String?
            var settings: [ResolvedSetting]
        }

        func run() throws {
            try runReporting {
                let report = try Self.report(cluster: cluster, deployment: deployment)
                switch output.output {
                case .json: try printJSON(report)
                case .table:
                    print("Defaults file: \(report.file ?? "none")")
                    printTable(["SETTING", "VALUE", "SOURCE"], report.settings.map { [$0.name, $0.value ?? "-", $0.source] })
                }
            }
        }

        static func report(cluster: ClusterOptions, deployment: DeploymentOptions) throws -> Report {
            let settings = try Settings.current()
            var rows: [ResolvedSetting] = []
            let address = try cluster.address()
            rows.append(ResolvedSetting(name: "rm", value: address.urls.joined(separator: ","), source: address.source))
            rows.append(try cluster.resolvedUser(settings))
            rows.append(try settings.resolve("timeout", flag: cluster.timeout.map { String($0) })
                ?? ResolvedSetting(name: "timeout", value: "60", source: "default"))
            if let login = try cluster.resolvedKerberos(settings) {
                rows += [login.keytab, login.principal]
            } else {
                rows += ["keytab", "principal"].map { ResolvedSetting(name: $0, value: nil, source: "unset: the ticket cache is used") }
            }
            func plain(_ key: String, _ flag: String?, otherwise: ResolvedSetting? = nil) throws {
                rows.append(try settings.resolve(key, flag: flag) ?? otherwise ?? ResolvedSetting(name: key, value: nil, source: "unset"))
            }
            try plain("ca-file", cluster.caFile)
            try plain("truststore", cluster.truststore)
            try plain("truststore-password-file", cluster.truststorePasswordFile)
            if let staging = try settings.resolve("staging", flag: deployment.staging.staging) {
                _ = try deployment.staging.root(settings) // the same check as submit's
                rows.append(staging)
            } else {
                rows.append(ResolvedSetting(name: "staging", value: StagingDefaults.root, source: "default"))
            }
            try plain("queue", deployment.queue, otherwise: ResolvedSetting(name: "queue", value: nil, source: "unset: the cluster's default queue"))
            try plain("flink-dist", deployment.flinkDist,
                      otherwise: ResolvedSetting(name: "flink-dist", value: (try? FlinkDistribution.locate(explicit: nil, environment: [:]))?.home, source: "default: installed by scripts/setup.sh"))
            try plain("hadoop-classpath", deployment.hadoopClasspath,
                      otherwise: ResolvedSetting(name: "hadoop-classpath", value: nil, source: "unset: the NodeManagers' environment"))
            // Flink options: the file's, then -D's, the later winning as in submit.
            var flink: [(String, ResolvedSetting)] = []
            func set(_ key: String, _ value: String, _ source: String) {
                let row = ResolvedSetting(name: "flink." + key, value: value, source: source)
                if let i = flink.firstIndex(where: { $0.0 == key }) { flink[i].1 = row } else { flink.append((key, row)) }
            }
            for option in settings.file?.flink ?? [] { set(option.key, option.entry.value, settings.file!.source(option.entry)) }
            for option in deployment.flink.options {
                let (k, v) = try FlinkConfiguration.parseOverride(option)
                set(k, v, "-D")
            }
            rows += flink.map(\.1)
            return Report(file: settings.file?.path, settings: rows)
        }
    }
}
