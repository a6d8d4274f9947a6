import DeploymentModel
import Flink
import Foundation
import ProcessSpawn

/// The process in a `taskmanager` container: it waits for the JobManager's
/// address, writes the TaskManager's configuration, sizes the JVM from
/// Flink's memory model (computed here, not by a BashJavaUtils JVM), and
/// becomes the TaskManager JVM.
public struct TaskManagerLauncher {
    public let staging: String
    public var waitTimeout: TimeInterval = 300

    public init(staging: String) { self.staging = staging }

    public func run() throws -> Never {
        let env = ProcessInfo.processInfo.environment
        let workDir = env["PWD"] ?? FileManager.default.currentDirectoryPath
        let deployment = try Deployment.load(stagingDirectory: staging, workDir: workDir)
        let logDir = env["LOG_DIRS"]?.split(separator: ",").first.map(String.init) ?? workDir
        let host = env["NM_HOST"] ?? "127.0.0.1"
        // With HDFS staging the address is read over WebHDFS, as the
        // deployment's user: with SPNEGO from the shipped keytab if it has one.
        let area = try stagingArea(deployment, session: deployment.staging.isRemote ? try shippedKeytabLogin(deployment) : nil)
        let deadline = Date().addingTimeInterval(waitTimeout)
        var address = JobManagerAddress.read(from: area)
        while address == nil {
            guard Date() < deadline else {
                throw FlinkError(.job, "no JobManager address in \(staging) after \(Int(waitTimeout)) s")
            }
            usleep(100_000)
            address = JobManagerAddress.read(from: area)
        }
        let confDir = (workDir as NSString).appendingPathComponent("conf")
        let tmpDir = (workDir as NSString).appendingPathComponent("tmp")
        try FileManager.default.createDirectory(atPath: confDir, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: tmpDir, withIntermediateDirectories: true)
        var config = deployment.configuration
        config["jobmanager.rpc.address"] = address!.host
        config["jobmanager.rpc.port"] = String(address!.rpcPort)
        config["taskmanager.host"] = host
        config["taskmanager.bind-host"] = host
        config["io.tmp.dirs"] = tmpDir
        if let id = env["CONTAINER_ID"] { config["taskmanager.resource-id"] = id }
        let hadoop = NodeHadoop.find(environment: env, override: deployment.hadoopClasspath)
        defaultCheckpointDirectory(&config, deployment: deployment, hadoop: hadoop)
        var command = try writeContainerConfiguration(config, deployment: deployment, confDir: confDir, logDir: logDir)
        command.hadoopClasspath = hadoop?.classpath ?? []
        command.environmentJavaOptions = env["FLINK_ENV_JAVA_OPTS"]
        command.krb5Configuration = krb5Configuration(config, environment: env)
        let argv = command.taskManager(memory: try TaskManagerMemory(configuration: config), configuration: config)
        let error = execProcess(argv[0], arguments: Array(argv.dropFirst()), environment: env)
        throw FlinkError(.java, "\(error)")
    }
}
