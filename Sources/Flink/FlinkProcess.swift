import Foundation

/// What a JobManager runs: one application (a job class from the user's jar)
/// or a session that accepts jobs over REST.
public enum JobManagerMode: Sendable, Codable, Equatable {
    case application(jobClass: String, arguments: [String])
    case session

    var mainClass: String {
        switch self {
        case .application: "org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint"
        case .session: "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint"
        }
    }
}

/// Java command lines for Flink's JobManager and TaskManager, as Flink's own
/// `bin/` scripts build them, without running BashJavaUtils.
public struct FlinkProcessCommand: Sendable {
    public var java: String
    public var distribution: FlinkDistribution
    public var configDirectory: String
    public var logDirectory: String
    /// Extra jars (the user's job) put on the class path after lib/.
    public var userJars: [String] = []

    public init(java: String, distribution: FlinkDistribution, configDirectory: String, logDirectory: String) {
        self.java = java
        self.distribution = distribution
        self.configDirectory = configDirectory
        self.logDirectory = logDirectory
    }

    var classpath: String { (distribution.libJars() + userJars).joined(separator: ":") }

    func common(logName: String, extraOptions: String?) -> [String] {
        var args = FlinkConfiguration.java17ModuleOptions
        if let extra = extraOptions, !extra.isEmpty {
            args += extra.split(separator: " ").map(String.init)
        }
        args += [
            "-Dlog.file=" + (logDirectory as NSString).appendingPathComponent(logName),
            "-Dlog4j.configuration=file:" + (configDirectory as NSString).appendingPathComponent("log4j.properties"),
            "-Dlog4j.configurationFile=file:" + (configDirectory as NSString).appendingPathComponent("log4j.properties"),
        ]
        return args
    }

    public func jobManager(_ mode: JobManagerMode, memory: JobManagerMemory, configuration: FlinkConfiguration) -> [String] {
        var argv = [java] + memory.jvmArguments
        argv += common(logName: "jobmanager.log", extraOptions: configuration["env.java.opts.jobmanager"])
        argv += ["-classpath", classpath, mode.mainClass, "--configDir", configDirectory]
        for (k, v) in memory.dynamicProperties { argv += ["-D", "\(k)=\(v)"] }
        if case .application(let jobClass, let arguments) = mode {
            argv += ["--job-classname", jobClass] + arguments
        }
        return argv
    }

    public func taskManager(memory: TaskManagerMemory, configuration: FlinkConfiguration) -> [String] {
        var argv = [java] + memory.jvmArguments
        argv += common(logName: "taskmanager.log", extraOptions: configuration["env.java.opts.taskmanager"])
        argv += ["-classpath", classpath, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                 "--configDir", configDirectory]
        for (k, v) in memory.dynamicProperties { argv += ["-D", "\(k)=\(v)"] }
        return argv
    }

    /// A log4j2 configuration writing to `${sys:log.file}`, as Flink's shipped one does.
    public static let log4jProperties = """
    monitorInterval=30
    rootLogger.level = INFO
    rootLogger.appenderRef.file.ref = MainAppender
    logger.akka.name = akka
    logger.akka.level = INFO
    logger.pekko.name = org.apache.pekko
    logger.pekko.level = INFO
    logger.kafka.name= org.apache.kafka
    logger.kafka.level = INFO
    logger.hadoop.name = org.apache.hadoop
    logger.hadoop.level = WARN
    logger.zookeeper.name = org.apache.zookeeper
    logger.zookeeper.level = INFO
    logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline
    logger.netty.level = OFF
    appender.main.name = MainAppender
    appender.main.type = File
    appender.main.append = true
    appender.main.fileName = ${sys:log.file}
    appender.main.layout.type = PatternLayout
    appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n

    """
}
