import Foundation
import Hadoop

/// What containers are given from the cluster's host: the environment the
/// NodeManager sets, and the files a request names, checked for the
/// requesting user (HDFS through the store's jail, host paths for the
/// cluster's own user and admins only). `LocalCluster` checks requests with
/// it, and the core resolves service launches through it.
struct HostLaunchResolver: ServiceLaunchResolver {
    let configuration: LocalClusterConfiguration
    let hdfs: HDFSStore
    let httpAddress: String

    func files(of configuration: ServiceConfiguration?, context: String, user: String) throws -> [LocalizedFile] {
        var out: [LocalizedFile] = []
        for f in configuration?.files ?? [] {
            let type = (f.type ?? "").uppercased()
            guard type == "STATIC" || type == "ARCHIVE" else {
                throw LocalClusterError(.badRequest, "\(context): config file type '\(f.type ?? "")' is not supported by the embedded cluster (use STATIC or ARCHIVE)")
            }
            guard let src = f.srcFile, !src.isEmpty else {
                throw LocalClusterError(.badRequest, "\(context): a \(type) config file needs src_file")
            }
            let source = try localSource(src, what: "\(context) src_file", user: user)
            let name = (f.destFile?.isEmpty == false ? f.destFile! : (src as NSString).lastPathComponent)
            let relative = name.hasPrefix("/") ? (name as NSString).lastPathComponent : name
            guard !relative.split(separator: "/").contains("..") else {
                throw LocalClusterError(.badRequest, "\(context): dest_file '\(name)' leaves the container directory")
            }
            out.append(LocalizedFile(source: source, destination: "resources/" + relative,
                                     kind: type == "ARCHIVE" ? .archive : .file))
        }
        return out
    }

    func artifactFiles(_ artifact: Artifact?, context: String, user: String) throws -> [LocalizedFile] {
        guard let artifact else { return [] }
        switch (artifact.type ?? "DOCKER").uppercased() {
        case "TARBALL":
            guard let uri = artifact.uri ?? artifact.id, !uri.isEmpty else {
                throw LocalClusterError(.badRequest, "\(context): a TARBALL artifact needs an id (its location)")
            }
            return [LocalizedFile(source: try localSource(uri, what: "\(context) artifact", user: user), destination: "lib", kind: .archive)]
        case "DOCKER":
            throw LocalClusterError(.badRequest, "\(context): DOCKER artifacts are not supported by the embedded cluster (use TARBALL or none)")
        default:
            throw LocalClusterError(.badRequest, "\(context): unsupported artifact type \(artifact.type ?? "")")
        }
    }

    /// Where a resource comes from, checked for the submitting user:
    /// `hdfs://[host[:port]]/path` is a file of this cluster's WebHDFS store
    /// that the user may read (localized through the store's jail when the
    /// container starts); an `http(s)://` URL is fetched by the container; a
    /// local path or `file://` URL is for the cluster's own user and admins
    /// only, since every container could otherwise read any file the
    /// cluster's Unix user can.
    func localSource(_ source: String, what: String, user: String) throws -> String {
        if source.hasPrefix("http://") || source.hasPrefix("https://") { return source }
        if source.hasPrefix("hdfs://") {
            let rest = source.dropFirst("hdfs://".count)
            let path = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? ""
            let checked: HDFSStore.Path
            do { checked = try HDFSStore.Path(absolute: path) } catch {
                throw LocalClusterError(.badRequest, "\(what): '\(source.prefix(300))' names no file in HDFS")
            }
            guard !checked.isRoot else { throw LocalClusterError(.badRequest, "\(what): '\(source.prefix(300))' names no file in HDFS") }
            do {
                let (fd, _) = try hdfs.openForReading(checked, as: hdfs.caller(user))
                close(fd)
            } catch let e as HDFSStore.StoreError {
                if e.status == 404 {
                    throw LocalClusterError(.badRequest, "\(what): \(source.prefix(300)) does not exist in the cluster's HDFS (WebHDFS at /webhdfs/v1)")
                }
                throw LocalClusterError(.forbidden, "\(what): \(e.message)")
            }
            return "hdfs://" + checked.string
        }
        guard configuration.superusers.contains(user) else {
            throw LocalClusterError(.forbidden, "\(what): '\(source.prefix(300))' is a file on the cluster's host; only the cluster's own user and its admins may name one. Put it in HDFS (hdfs://) or give an http(s):// URL")
        }
        try Self.checkSource(source, what: what)
        return source
    }

    /// A local source must be an absolute path or file:// URL of a readable file.
    static func checkSource(_ source: String, what: String) throws {
        let path = source.hasPrefix("file://") ? String(source.dropFirst("file://".count)) : source
        guard path.hasPrefix("/") else {
            throw LocalClusterError(.badRequest, "\(what): '\(source.prefix(300))' is not an absolute path, file://, hdfs:// or http(s):// URL")
        }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw LocalClusterError(.badRequest, "\(what): \(path.prefix(300)) does not exist or cannot be read")
        }
    }

    /// What Hadoop's NodeManager puts in every container's environment.
    func baseEnvironment(user: String) -> [String: String] {
        let inherited = ProcessInfo.processInfo.environment
        var env: [String: String] = [
            "USER": user, "LOGNAME": user, "HADOOP_USER_NAME": user,
            "NM_HOST": configuration.nodeHost,
            "NM_PORT": String(httpAddress.split(separator: ":").last ?? ""),
            "NM_HTTP_PORT": String(httpAddress.split(separator: ":").last ?? ""),
            "HOME": inherited["HOME"] ?? "/tmp",
            "PATH": inherited["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
            "LANG": inherited["LANG"] ?? "C.UTF-8",
            "YARN_RM_ADDRESS": "\(configuration.scheme)://\(httpAddress)",
        ]
        // As yarn.nodemanager.env-whitelist and admin-env pass them on
        // (FLINK_ENV_JAVA_OPTS: JVM options for every Flink process here).
        for key in ["JAVA_HOME", "HADOOP_CONF_DIR", "FLINK_HOME", "TZ", "KRB5_CONFIG", "FLINK_ENV_JAVA_OPTS"] {
            if let v = inherited[key] { env[key] = v }
        }
        if let hadoop = configuration.hadoopHome {
            for key in ["HADOOP_HOME", "HADOOP_COMMON_HOME", "HADOOP_HDFS_HOME", "HADOOP_YARN_HOME"] { env[key] = hadoop }
            env["HADOOP_CONF_DIR"] = configuration.hadoopConfDirectory
        }
        return env
    }

    /// A service instance's launch context: the NodeManager's environment,
    /// the service's and component's, the instance's names, and its files,
    /// checked again for the service's user at every launch.
    func launchSpec(svc: ServiceRecord, component comp: ComponentRecord, index: Int) throws -> LaunchSpec {
        var env = baseEnvironment(user: svc.user)
        for (k, v) in svc.spec.configuration?.env ?? [:] { env[k] = v }
        for (k, v) in comp.spec.configuration?.env ?? [:] { env[k] = v }
        env["SERVICE_NAME"] = svc.name
        env["COMPONENT_NAME"] = comp.spec.name
        env["COMPONENT_INSTANCE_NAME"] = "\(comp.spec.name)-\(index)"
        env["COMPONENT_ID"] = String(index)
        env["YARN_APPLICATION_ID"] = svc.appId
        var files = try artifactFiles(comp.spec.artifact ?? svc.spec.artifact, context: "component \(comp.spec.name)", user: svc.user)
        files += try self.files(of: svc.spec.configuration, context: "service \(svc.name)", user: svc.user)
        files += try self.files(of: comp.spec.configuration, context: "component \(comp.spec.name)", user: svc.user)
        return LaunchSpec(command: comp.spec.launchCommand ?? "", environment: env, files: files)
    }
}
