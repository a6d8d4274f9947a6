import Flink
import FlinkctlBase
import Foundation
import Hadoop
import HTTPTransport

/// Where a deployment's staged files live, and where its appmaster and the
/// client exchange records (the JobManager's address, the job's result):
/// a directory the containers share with the client, or a directory in HDFS
/// reached over WebHDFS, written as Hadoop writes such paths:
/// `webhdfs://namenode:9870/user/alice/.flinkctl/job-1` (`swebhdfs://` for https).
public enum StagingLocation: Sendable, Equatable, CustomStringConvertible {
    case local(String)
    /// `baseURL`: the NameNode's web address; `path`: absolute, in HDFS.
    case webHDFS(baseURL: String, path: String)

    public init(parsing text: String) throws {
        for (scheme, web) in [("webhdfs://", "http://"), ("swebhdfs://", "https://")] where text.hasPrefix(scheme) {
            let rest = text.dropFirst(scheme.count)
            guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else {
                throw FlinkError(.configuration, "staging location \(text): give it as \(scheme)NAMENODE:PORT/PATH")
            }
            let path = String(rest[slash...]).replacingOccurrences(of: "//", with: "/")
            let parts = path.split(separator: "/")
            guard !parts.isEmpty, !parts.contains(".."), !parts.contains(".") else {
                throw FlinkError(.configuration, "staging location \(text): the path must be absolute, without . or ..")
            }
            self = .webHDFS(baseURL: web + rest[..<slash], path: path.hasSuffix("/") ? String(path.dropLast()) : path)
            return
        }
        guard !text.contains("://") else {
            throw FlinkError(.configuration, "staging location \(text): use a local directory, webhdfs:// or swebhdfs://")
        }
        guard text.hasPrefix("/") else {
            throw FlinkError(.configuration, "staging location \(text) is not an absolute path")
        }
        self = .local(text)
    }

    public var description: String {
        switch self {
        case .local(let path): return path
        case .webHDFS(let base, let path):
            let scheme = base.hasPrefix("https://") ? "swebhdfs://" : "webhdfs://"
            return scheme + base.drop { $0 != "/" }.dropFirst(2) + path
        }
    }

    public var isRemote: Bool { if case .webHDFS = self { return true } else { return false } }

    /// The location of `name` inside this one.
    public func appending(_ name: String) -> StagingLocation {
        switch self {
        case .local(let path): return .local((path as NSString).appendingPathComponent(name))
        case .webHDFS(let base, let path): return .webHDFS(baseURL: base, path: path + "/" + name)
        }
    }

    /// The last component of its path (a deployment's `NAME-STAMP`).
    public var lastComponent: String {
        switch self {
        case .local(let path), .webHDFS(_, let path): return (path as NSString).lastPathComponent
        }
    }

    /// The parent of this location.
    public var parent: StagingLocation {
        switch self {
        case .local(let path): return .local((path as NSString).deletingLastPathComponent)
        case .webHDFS(let base, let path): return .webHDFS(baseURL: base, path: (path as NSString).deletingLastPathComponent)
        }
    }

    /// What a YARN service names a file here with (`configuration.files`,
    /// the keytab): the cluster's default file system for HDFS paths.
    public func resourceURI(_ name: String) -> String {
        switch self {
        case .local(let path): return "file://" + (path as NSString).appendingPathComponent(name)
        case .webHDFS(_, let path): return "hdfs://" + path + "/" + name
        }
    }
}

/// Reads and writes the files of one staging location. A local one is a
/// plain directory; an HDFS one goes through WebHDFS with the caller's
/// authentication (`user.name`, or SPNEGO from the ticket cache).
public struct StagingArea: Sendable {
    public let location: StagingLocation
    package let hdfs: WebHDFSClient?

    /// `login` keeps a keytab login fresh for SPNEGO to WebHDFS.
    public init(_ location: StagingLocation, user: String?, options: TransportOptions = TransportOptions(),
                login: SPNEGOLogin? = nil) throws {
        self.location = location
        if case .webHDFS(let base, _) = location {
            var o = options
            o.negotiate = true
            hdfs = try WebHDFSClient(baseURL: base, user: user, options: o, login: login)
        } else {
            hdfs = nil
        }
    }

    /// Writes a small private file `name` and removes it: whether this
    /// location can be staged into, as the user.
    public func probe(name: String) throws {
        switch location {
        case .local(let dir):
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let file = path(name)
            let fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw FlinkError(.configuration, "cannot create \(file): \(String(cString: strerror(errno)))") }
            let ok = Glibc.write(fd, "probe\n", 6) == 6
            close(fd)
            unlink(file)
            guard ok else { throw FlinkError(.configuration, "cannot write \(file)") }
        case .webHDFS:
            try remote { hdfs in
                try hdfs.create(path(name), data: Array("probe\n".utf8), permission: "600")
                _ = try hdfs.delete(path(name), recursive: false)
            }
        }
    }

    package func path(_ name: String) -> String {
        switch location {
        case .local(let dir): return (dir as NSString).appendingPathComponent(name)
        case .webHDFS(_, let dir): return dir + "/" + name
        }
    }

    /// Runs `body` against WebHDFS. A failure keeps HDFS's error as its
    /// cause, so that an unreachable NameNode stays a remote failure.
    package func remote<T>(_ body: (WebHDFSClient) throws -> T) throws -> T {
        do { return try body(hdfs!) } catch let e as HadoopError {
            throw FlinkError(.configuration, "staging in HDFS (\(location))", cause: e)
        }
    }

    /// Creates the directory, private to its owner (700).
    public func create() throws {
        switch location {
        case .local(let dir):
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw FlinkError(.configuration, "cannot create the staging directory \(dir): \(error.localizedDescription)")
            }
        case .webHDFS(_, let dir):
            try remote { hdfs in
                guard try hdfs.status(dir) == nil else {
                    throw FlinkError(.configuration, "the staging directory \(location) already exists")
                }
                try hdfs.mkdirs(dir, permission: "700")
            }
        }
    }

    /// A file's bytes; nil when it is not there (or cannot be read now).
    public func read(_ name: String) -> Data? {
        switch location {
        case .local:
            return FileManager.default.contents(atPath: path(name))
        case .webHDFS:
            return try? remote { hdfs in Data(try hdfs.open(path(name))) }
        }
    }

    /// Writes a whole file. Readers never see half of it: a local file is
    /// renamed into place; WebHDFS makes a file visible when its CREATE ends.
    public func write(_ name: String, _ data: Data, permission: mode_t = 0o644) throws {
        switch location {
        case .local:
            try AtomicFile.write(data, to: path(name), mode: permission)
        case .webHDFS:
            try remote { hdfs in
                try hdfs.create(path(name), data: [UInt8](data), permission: String(permission, radix: 8), overwrite: true)
            }
        }
    }

    /// Removes the directory and everything in it.
    public func removeAll() throws {
        switch location {
        case .local(let dir):
            guard FileManager.default.fileExists(atPath: dir) else { return }
            do { try FileManager.default.removeItem(atPath: dir) } catch {
                throw FlinkError(.configuration, "cannot remove \(dir): \(error.localizedDescription)")
            }
        case .webHDFS(_, let dir):
            try remote { hdfs in _ = try hdfs.delete(dir, recursive: true) }
        }
    }
}
