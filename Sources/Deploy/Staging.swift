import DeploymentModel
import Flink
import FlinkctlBase
import Foundation
import Hadoop
import HTTPTransport

/// Puts a deployment's files into its staging area and remembers what it
/// put, for the service spec. Each `put` returns the path the containers
/// use: the file in the shared directory, or with HDFS staging the name
/// under `resources/` that YARN localizes it to.
struct Stager {
    let area: StagingArea
    let progress: @Sendable (String) -> Void
    private(set) var names: [String] = []
    /// Shared files (name → path in the cache), named in the service but not
    /// in the deployment's own directory.
    private(set) var shared: [String: String] = [:]
    private(set) var bytes: Int64 = 0
    /// Staged archives YARN unpacks (HDFS staging): staged name → the name
    /// under `resources/` it unpacks to.
    private(set) var archives: [(name: String, destination: String)] = []

    /// Creates the staging directory (700).
    init(_ location: StagingLocation, user: String?, transport: TransportOptions,
         progress: @escaping @Sendable (String) -> Void) throws {
        area = try StagingArea(location, user: user, options: transport)
        self.progress = progress
        try area.create()
    }

    func containerPath(_ name: String) -> String {
        area.location.isRemote ? Deployment.localizedDirectory + "/" + name : area.path(name)
    }

    /// Stages a local file as `name`.
    mutating func put(_ source: String, as name: String, permission: mode_t = 0o644) throws -> String {
        switch area.location {
        case .local:
            let dest = area.path(name)
            // A hard link costs nothing on the same file system; otherwise copy.
            if link(source, dest) != 0 {
                do { try FileManager.default.copyItem(atPath: source, toPath: dest) } catch {
                    throw FlinkError(.configuration, "cannot stage \(source): \(error.localizedDescription)")
                }
            }
            bytes += (try? FileManager.default.attributesOfItem(atPath: dest)[.size] as? NSNumber)?.int64Value ?? 0
            names.append(name)
            return dest
        case .webHDFS:
            guard let bytes = readBytes(source) else {
                throw FlinkError(.configuration, "cannot read \(source) to stage it")
            }
            return try upload(bytes, as: name, permission: permission)
        }
    }

    /// Stages a file that deployments share (the container program, the SQL
    /// runner). With HDFS staging it goes once into `.cache` beside the
    /// deployments' directories, named by its content: a later deployment of
    /// the same file names that copy instead of uploading it again. Locally it
    /// is staged like any other file (a hard link costs nothing).
    mutating func putShared(_ source: String, as name: String, permission: mode_t = 0o644) throws -> String {
        guard case .webHDFS(_, let dir) = area.location else { return try put(source, as: name, permission: permission) }
        guard let data = readBytes(source) else {
            throw FlinkError(.configuration, "cannot read \(source) to stage it")
        }
        let cache = (dir as NSString).deletingLastPathComponent + "/" + Self.cacheDirectory
        let entry = cache + "/" + name + "-" + Self.fingerprint(data)
        let progress = self.progress
        let uploaded = try area.remote { hdfs -> Bool in
            if let st = try hdfs.status(entry), st.length == Int64(data.count) { return false }
            progress("Uploading \(name) (\(Self.megabytes(Int64(data.count)))) to \(area.location.parent.appending(Self.cacheDirectory)), once")
            try Self.putInCache(data, at: entry, permission: permission, hdfs: hdfs)
            return true
        }
        if !uploaded { progress("Reusing \(name) from \(area.location.parent.appending(Self.cacheDirectory))") }
        return useShared(name, entry: entry, bytes: uploaded ? Int64(data.count) : 0)
    }

    /// Ships the Flink distribution (its `lib/` and `plugins/`) as one
    /// archive in `.cache`, keyed by its version and a fingerprint of its
    /// files' names, sizes and times: the first deployment of a distribution
    /// uploads it, later ones name it. Returns its HDFS path, which the service
    /// names as its TARBALL artifact (YARN unpacks it into `lib/` in each
    /// container). HDFS staging only.
    mutating func putDistribution(_ distribution: FlinkDistribution) throws -> String {
        guard case .webHDFS(_, let dir) = area.location else {
            throw FlinkError(.configuration, "--ship-flink ships the distribution into HDFS: give --staging webhdfs://…")
        }
        let parts = ["lib", "plugins"].filter { FileManager.default.fileExists(atPath: (distribution.home as NSString).appendingPathComponent($0)) }
        var listing = ""
        for part in parts {
            let root = (distribution.home as NSString).appendingPathComponent(part)
            for case let rel as String in FileManager.default.enumerator(atPath: root) ?? NSEnumerator() {
                var st = stat()
                guard stat((root as NSString).appendingPathComponent(rel), &st) == 0 else { continue }
                listing += "\(part)/\(rel)\t\(st.st_size)\t\(st.st_mtim.tv_sec)\n"
            }
        }
        let cache = (dir as NSString).deletingLastPathComponent + "/" + Self.cacheDirectory
        let name = "flink-\(distribution.version)-\(Self.fingerprint(Data(listing.utf8))).tar"
        let entry = cache + "/" + name
        if try area.remote({ try $0.status(entry) }) != nil {
            progress("Reusing the Flink \(distribution.version) distribution from \(area.location.parent.appending(Self.cacheDirectory))")
            return entry
        }
        let tarball = (NSTemporaryDirectory() as NSString).appendingPathComponent("flinkctl-\(getpid())-\(name)")
        defer { unlink(tarball) }
        guard runTool("/bin/tar", ["-cf", tarball, "-C", distribution.home] + parts) != nil, let bytes = readBytes(tarball) else {
            throw FlinkError(.configuration, "cannot pack the Flink distribution in \(distribution.home)")
        }
        progress("Uploading the Flink \(distribution.version) distribution (\(Self.megabytes(Int64(bytes.count)))) to \(area.location.parent.appending(Self.cacheDirectory)), once")
        try area.remote { hdfs in try Self.putInCache(bytes, at: entry, permission: 0o600, hdfs: hdfs) }
        self.bytes += Int64(bytes.count)
        return entry
    }

    /// Writes a cache entry under a name of its own, then renames it into
    /// place: a container localizing the entry never finds half of it, and two
    /// submits that fill it at once both succeed (the second rename is refused
    /// and its copy dropped).
    static func putInCache(_ bytes: [UInt8], at entry: String, permission: mode_t, hdfs: WebHDFSClient) throws {
        let cache = (entry as NSString).deletingLastPathComponent
        try hdfs.mkdirs(cache, permission: "700")
        let temporary = entry + ".tmp-\(getpid())-\(Int64(Date().timeIntervalSince1970 * 1000))"
        try hdfs.create(temporary, data: bytes, permission: String(permission, radix: 8), overwrite: true)
        if try !hdfs.rename(temporary, to: entry) {
            _ = try? hdfs.delete(temporary, recursive: false)
            guard try hdfs.status(entry)?.length == Int64(bytes.count) else {
                throw FlinkError(.configuration, "cannot put \((entry as NSString).lastPathComponent) into \(cache)")
            }
        }
    }

    private mutating func useShared(_ name: String, entry: String, bytes: Int64) -> String {
        shared[name] = entry
        self.bytes += bytes
        return containerPath(name)
    }

    /// Where shared files go, beside the deployments' directories.
    static let cacheDirectory = ".cache"

    /// A 64-bit fingerprint of a file's bytes with its length (FNV-1a over
    /// 8-byte words): names a shared file by its content, not for security.
    static func fingerprint(_ data: some ContiguousBytes) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var length = 0
        data.withUnsafeBytes { raw in
            length = raw.count
            let words = raw.count / 8
            for i in 0..<words {
                hash = (hash ^ raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* 0x0000_0100_0000_01b3
            }
            for i in (words * 8)..<raw.count {
                hash = (hash ^ UInt64(raw[i])) &* 0x0000_0100_0000_01b3
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + "-" + String(length)
    }

    /// Stages a keytab: private to its owner (0400), refused if others can read it.
    mutating func putKeytab(_ source: String) throws -> String {
        let data = try readPrivateKeytab(source)
        switch area.location {
        case .local:
            let dest = area.path("flink.keytab")
            let fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o400)
            guard fd >= 0 else { throw FlinkError(.configuration, "cannot stage the keytab: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == data.count else { throw FlinkError(.configuration, "cannot write \(dest)") }
            names.append("flink.keytab")
            bytes += Int64(data.count)
            return dest
        case .webHDFS:
            return try upload([UInt8](data), as: "flink.keytab", permission: 0o400)
        }
    }

    /// Stages again a file that an earlier deployment staged: read from its
    /// staging area when it was localized from HDFS, else from its path.
    mutating func carry(_ path: String, from old: StagingArea, shared: [String: String]? = nil, keytab: Bool = false) throws -> String {
        let name = (path as NSString).lastPathComponent
        if area.location.isRemote, let entry = shared?[name], path.hasPrefix(Deployment.localizedDirectory + "/") {
            return useShared(name, entry: entry, bytes: 0)
        }
        guard old.location.isRemote, path.hasPrefix(Deployment.localizedDirectory + "/") else {
            return keytab ? try putKeytab(path) : try put(path, as: name)
        }
        guard let data = old.read(name) else {
            throw FlinkError(.configuration, "\(old.location.appending(name)) cannot be read to stage it again")
        }
        if area.location.isRemote { return try upload([UInt8](data), as: name, permission: keytab ? 0o400 : 0o644) }
        throw FlinkError(.configuration, "a deployment staged in HDFS is staged again in HDFS only")
    }

    private mutating func upload(_ data: [UInt8], as name: String, permission: mode_t, unpackTo destination: String? = nil) throws -> String {
        progress("Uploading \(name) (\(Self.megabytes(Int64(data.count)))) to \(area.location)")
        try area.remote { hdfs in
            try hdfs.create(area.path(name), data: data, permission: String(permission, radix: 8), overwrite: true)
        }
        if let destination { archives.append((name, destination)) } else { names.append(name) }
        bytes += Int64(data.count)
        return containerPath(name)
    }

    /// Stages a shipped item as one file: a file as it is, a directory as a
    /// tar of its contents (links followed), an archive as it is. Locally the
    /// container links or unpacks it; in HDFS YARN localizes it (an archive
    /// unpacked into `resources/shipped-NAME`).
    mutating func ship(_ item: ShipItem) throws -> Deployment.ShippedFile {
        switch item.kind {
        case .file:
            let file = "shipped-" + item.name
            _ = try put(item.source, as: file, permission: 0o600)
            return Deployment.ShippedFile(name: item.name, file: file, format: nil)
        case .directory:
            let temporary = NSTemporaryDirectory() + "flinkctl-ship-\(getpid())-\(UInt64.random(in: 0 ... .max)).tar"
            defer { unlink(temporary) }
            guard runTool("/bin/tar", ["-C", item.source, "-chf", temporary, "."]) != nil else {
                throw FlinkError(.configuration, "--ship \(item.source): cannot read the directory to stage it")
            }
            return try stageArchive(temporary, name: item.name, format: .tar)
        case .archive(let format):
            return try stageArchive(item.source, name: item.name, format: format)
        }
    }

    private mutating func stageArchive(_ source: String, name: String, format: ShipItem.ArchiveFormat) throws -> Deployment.ShippedFile {
        let shipped = Deployment.ShippedFile(name: name, file: "shipped-\(name).\(format.rawValue)", format: format.rawValue)
        try putShipped(shipped, from: source)
        return shipped
    }

    /// Stages the file of a shipped item from a local path.
    private mutating func putShipped(_ shipped: Deployment.ShippedFile, from source: String) throws {
        guard area.location.isRemote, shipped.format != nil else {
            _ = try put(source, as: shipped.file, permission: 0o600)
            return
        }
        guard let bytes = readBytes(source) else { throw FlinkError(.configuration, "cannot read \(source) to stage it") }
        _ = try upload(bytes, as: shipped.file, permission: 0o600, unpackTo: shipped.unpackedName)
    }

    /// Stages again what an earlier deployment shipped, from its staging area.
    mutating func carry(_ shipped: Deployment.ShippedFile, from old: StagingArea) throws -> Deployment.ShippedFile {
        if case .local(let dir) = old.location {
            try putShipped(shipped, from: (dir as NSString).appendingPathComponent(shipped.file))
            return shipped
        }
        guard let data = old.read(shipped.file) else {
            throw FlinkError(.configuration, "\(old.location.appending(shipped.file)) cannot be read to stage it again")
        }
        guard area.location.isRemote else { throw FlinkError(.configuration, "a deployment staged in HDFS is staged again in HDFS only") }
        _ = try upload([UInt8](data), as: shipped.file, permission: 0o600, unpackTo: shipped.format == nil ? nil : shipped.unpackedName)
        return shipped
    }

    /// Writes the deployment record (0600: it may name keystore passwords).
    mutating func putRecord(_ deployment: Deployment) throws {
        let data = try deployment.encoded()
        try area.write(Deployment.fileName, data, permission: 0o600)
        names.append(Deployment.fileName)
        bytes += Int64(data.count)
    }

    var summary: String {
        "Staged \(names.count + shared.count) files (\(Self.megabytes(bytes)) written) in \(area.location)"
    }

    /// The files YARN localizes into each container; none with local staging.
    var localized: [ConfigFile] {
        guard area.location.isRemote else { return [] }
        return names.map { ConfigFile(type: "STATIC", destFile: $0, srcFile: area.location.resourceURI($0)) }
            + archives.map { ConfigFile(type: "ARCHIVE", destFile: $0.destination, srcFile: area.location.resourceURI($0.name)) }
            + shared.sorted { $0.key < $1.key }.map { ConfigFile(type: "STATIC", destFile: $0.key, srcFile: "hdfs://" + $0.value) }
    }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1_048_576) }
}

/// A whole file's bytes, read straight into the array a request sends.
func readBytes(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { return nil }
    let size = Int(st.st_size)
    var ok = true
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
        var done = 0
        while done < size {
            let n = read(fd, buffer.baseAddress! + done, size - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { ok = false; break }
            done += n
        }
        count = done
    }
    return ok ? bytes : nil
}

/// A keytab's bytes, refusing one that others can read. The bytes never
/// pass through a log or an argument.
func readPrivateKeytab(_ source: String) throws -> Data {
    var st = stat()
    guard stat(source, &st) == 0 else {
        throw FlinkError(.configuration, "cannot read keytab \(source): \(String(cString: strerror(errno)))")
    }
    guard st.st_mode & 0o077 == 0 else {
        throw FlinkError(.configuration, "keytab \(source) can be read by others: fix it with `chmod 600 \(source)`")
    }
    guard let bytes = FileManager.default.contents(atPath: source) else {
        throw FlinkError(.configuration, "cannot read keytab \(source)")
    }
    return bytes
}
