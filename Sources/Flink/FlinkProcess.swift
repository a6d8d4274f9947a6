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
    /// The node's Hadoop (its configuration directory and jars, see
    /// `HadoopClasspath`), put on the class path last, as Flink's YARN
    /// integration does.
    public var hadoopClasspath: [String] = []
    /// JVM options for both kinds of process: `FLINK_ENV_JAVA_OPTS` from the
    /// container's environment when set (as Flink's `bin/config.sh` reads it),
    /// else the configuration's `env.java.opts.all`.
    public var environmentJavaOptions: String?
    /// The Kerberos configuration the JVMs read (`-Djava.security.krb5.conf`):
    /// `security.kerberos.krb5-conf.path`, or MIT's `KRB5_CONFIG` of the
    /// container's environment, which Java does not read by itself.
    public var krb5Configuration: String?

    public init(java: String, distribution: FlinkDistribution, configDirectory: String, logDirectory: String) {
        self.java = java
        self.distribution = distribution
        self.configDirectory = configDirectory
        self.logDirectory = logDirectory
    }

    var classpath: String { (distribution.libJars() + userJars + hadoopClasspath).joined(separator: ":") }

    /// Java 17's module options, then `env.java.opts.all` (or
    /// `FLINK_ENV_JAVA_OPTS`), then the process kind's own options, each given once.
    func common(logName: String, extraOptions: String?, configuration: FlinkConfiguration) -> [String] {
        var args = FlinkConfiguration.java17ModuleOptions
        for options in [environmentJavaOptions ?? configuration["env.java.opts.all"], extraOptions] {
            for option in (options ?? "").split(separator: " ").map(String.init) where !args.contains(option) {
                args.append(option)
            }
        }
        if let krb5 = krb5Configuration, !args.contains(where: { $0.hasPrefix("-Djava.security.krb5.conf=") }) {
            args.append("-Djava.security.krb5.conf=" + krb5)
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
        argv += common(logName: "jobmanager.log", extraOptions: configuration["env.java.opts.jobmanager"],
                       configuration: configuration)
        argv += ["-classpath", classpath, mode.mainClass, "--configDir", configDirectory]
        for (k, v) in memory.dynamicProperties { argv += ["-D", "\(k)=\(v)"] }
        if case .application(let jobClass, let arguments) = mode {
            argv += ["--job-classname", jobClass] + arguments
        }
        return argv
    }

    public func taskManager(memory: TaskManagerMemory, configuration: FlinkConfiguration) -> [String] {
        var argv = [java] + memory.jvmArguments
        argv += common(logName: "taskmanager.log", extraOptions: configuration["env.java.opts.taskmanager"],
                       configuration: configuration)
        argv += ["-classpath", classpath, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                 "--configDir", configDirectory]
        for (k, v) in memory.dynamicProperties { argv += ["-D", "\(k)=\(v)"] }
        return argv
    }

    /// The log4j2 configuration the containers' JVMs use unless the user's
    /// conf directory has one (conf/log4j.properties is this text): the log
    /// goes to `${sys:log.file}` and rolls over at 100 MB, keeping 10 earlier
    /// files, as Flink's shipped one does, so that a streaming job that runs
    /// for months cannot fill its node's disk. `-Dflinkctl.log.max-size=…`
    /// and `-Dflinkctl.log.max-files=…` (in `env.java.opts.all`) change both.
    public static let log4jProperties = """
    # The log4j2 configuration of flinkctl's containers (JobManager and
    # TaskManagers). A log4j.properties beside flinkctl.yaml (FLINKCTL_CONF_DIR,
    # else ~/.flinkctl) replaces it for the deployments submitted from there.
    monitorInterval = 30
    rootLogger.level = INFO
    rootLogger.appenderRef.file.ref = MainAppender
    logger.pekko.name = org.apache.pekko
    logger.pekko.level = INFO
    logger.kafka.name = org.apache.kafka
    logger.kafka.level = INFO
    logger.hadoop.name = org.apache.hadoop
    logger.hadoop.level = WARN
    logger.zookeeper.name = org.apache.zookeeper
    logger.zookeeper.level = INFO
    logger.shaded_zookeeper.name = org.apache.flink.shaded.zookeeper3
    logger.shaded_zookeeper.level = INFO
    logger.netty.name = org.jboss.netty.channel.DefaultChannelPipeline
    logger.netty.level = OFF

    # Size-capped: the file rolls over at flinkctl.log.max-size (default
    # 100MB) into log.file.1, .2, …, and at most flinkctl.log.max-files
    # (default 10) earlier files are kept.
    appender.main.name = MainAppender
    appender.main.type = RollingFile
    appender.main.append = true
    appender.main.fileName = ${sys:log.file}
    appender.main.filePattern = ${sys:log.file}.%i
    appender.main.layout.type = PatternLayout
    appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
    appender.main.policies.type = Policies
    appender.main.policies.size.type = SizeBasedTriggeringPolicy
    appender.main.policies.size.size = ${sys:flinkctl.log.max-size:-100MB}
    appender.main.strategy.type = DefaultRolloverStrategy
    appender.main.strategy.max = ${sys:flinkctl.log.max-files:-10}
    appender.main.strategy.fileIndex = min

    """
}
