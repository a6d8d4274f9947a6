import Foundation

/// The Hadoop a YARN node offers its containers, found the way Flink's YARN
/// integration finds it: `HADOOP_CLASSPATH` when the node (or the user) sets
/// it, else YARN's default `yarn.application.classpath` expanded over the
/// NodeManager's `HADOOP_CONF_DIR`, `HADOOP_COMMON_HOME`, `HADOOP_HDFS_HOME`
/// and `HADOOP_YARN_HOME` (each falling back to `HADOOP_HOME`). Flink reaches
/// `hdfs://` and `webhdfs://` only through these jars.
public struct NodeHadoop: Sendable, Equatable {
    /// Class path entries, in order; `dir/*` entries are Java's wildcards.
    public var classpath: [String]
    /// Where the entries came from, for messages.
    public var source: String

    /// YARN's default `yarn.application.classpath` (YarnConfiguration's
    /// DEFAULT_YARN_CROSS_PLATFORM_APPLICATION_CLASSPATH), as variables.
    public static let defaultApplicationClasspath = [
        "$HADOOP_CONF_DIR",
        "$HADOOP_COMMON_HOME/share/hadoop/common/*", "$HADOOP_COMMON_HOME/share/hadoop/common/lib/*",
        "$HADOOP_HDFS_HOME/share/hadoop/hdfs/*", "$HADOOP_HDFS_HOME/share/hadoop/hdfs/lib/*",
        "$HADOOP_YARN_HOME/share/hadoop/yarn/*", "$HADOOP_YARN_HOME/share/hadoop/yarn/lib/*",
    ]

    /// What to set when a path needs Hadoop and none is found.
    public static let howToProvide = "give the NodeManagers Hadoop (HADOOP_COMMON_HOME and HADOOP_CONF_DIR, or HADOOP_CLASSPATH in yarn.nodemanager.admin-env), or name its jars with submit --hadoop-classpath"

    /// The node's Hadoop, or nil when no Hadoop jar is found. `override` is
    /// `submit --hadoop-classpath`.
    public static func find(environment env: [String: String], override: String? = nil,
                            fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) },
                            directoryJars: (String) -> [String] = NodeHadoop.jars(in:)) -> NodeHadoop? {
        func hasJar(_ entries: [String]) -> Bool {
            entries.contains { entry in
                if entry.hasSuffix("/*") { return !directoryJars(String(entry.dropLast(2))).isEmpty }
                return entry.hasSuffix(".jar") && fileExists(entry)
            }
        }
        func split(_ cp: String) -> [String] { cp.split(separator: ":").map(String.init).filter { !$0.isEmpty } }
        if let override, !override.isEmpty {
            let entries = split(override)
            return hasJar(entries) ? NodeHadoop(classpath: entries, source: "--hadoop-classpath") : nil
        }
        if let cp = env["HADOOP_CLASSPATH"], !cp.isEmpty {
            let entries = split(cp)
            if hasJar(entries) { return NodeHadoop(classpath: entries, source: "HADOOP_CLASSPATH") }
        }
        let home = env["HADOOP_HOME"].flatMap { $0.isEmpty ? nil : $0 }
        var values: [String: String] = [:]
        for key in ["HADOOP_COMMON_HOME", "HADOOP_HDFS_HOME", "HADOOP_YARN_HOME"] {
            if let v = env[key].flatMap({ $0.isEmpty ? nil : $0 }) ?? home { values[key] = v }
        }
        if let conf = env["HADOOP_CONF_DIR"].flatMap({ $0.isEmpty ? nil : $0 }) ?? home.map({ $0 + "/etc/hadoop" }) {
            values["HADOOP_CONF_DIR"] = conf
        }
        var entries: [String] = []
        for template in defaultApplicationClasspath {
            let name = String(template.dropFirst().prefix { $0 == "_" || $0.isLetter })
            guard let value = values[name] else { continue }
            entries.append(value + template.dropFirst(1 + name.count))
        }
        guard hasJar(entries) else { return nil }
        return NodeHadoop(classpath: entries, source: "HADOOP_COMMON_HOME")
    }

    public static func jars(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".jar") }.sorted()
    }

    /// Whether a Hadoop installation at `home` holds Hadoop's own FileSystem
    /// classes: hadoop-common, or the shaded client's API jar, under
    /// share/hadoop/common or its lib/ (any other jar is not Hadoop).
    public static func hasHadoopJars(home: String) -> Bool {
        (jars(in: home + "/share/hadoop/common") + jars(in: home + "/share/hadoop/common/lib"))
            .contains { $0.hasPrefix("hadoop-common-") || $0.hasPrefix("hadoop-client-api-") }
    }

    /// The file systems that only Hadoop serves to Flink.
    public static let hadoopSchemes = ["hdfs", "webhdfs", "swebhdfs", "viewfs", "har"]

    /// Configuration keys whose value is a path Flink opens.
    public static let pathKeys = [
        "execution.checkpointing.dir", "state.checkpoints.dir",
        "execution.checkpointing.savepoint-dir", "state.savepoints.dir",
        "high-availability.storageDir", "execution.state-recovery.path", "execution.savepoint.path",
        "jobmanager.archive.fs.dir",
    ]

    /// The first key whose path needs Hadoop, with its value.
    public static func pathNeedingHadoop(in configuration: FlinkConfiguration) -> (key: String, value: String)? {
        for key in pathKeys {
            guard let value = configuration[key], let scheme = value.split(separator: ":").first,
                  value.contains("://"), hadoopSchemes.contains(scheme.lowercased()) else { continue }
            return (key, value)
        }
        return nil
    }
}
