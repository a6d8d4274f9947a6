import FlinkctlBase
import Foundation
import ProcessSpawn

/// Runs containers as local process groups. Each container gets a launch
/// script in its working directory (as YARN's `launch_container.sh`) that
/// localizes its files, runs the command and records the command's exit code
/// in `exitcode`, so that the code is known even to a cluster process that
/// adopted the container after a restart.
struct ContainerExecutor: Sendable {
    struct Launched: Sendable {
        var pid: Int32
        var startTicks: UInt64
    }

    static let scriptName = "launch_container.sh"
    static let exitCodeFile = "exitcode"
    /// Where archives are unpacked once for every container that names them,
    /// as a NodeManager keeps its `filecache`: a Flink distribution is not
    /// unpacked again for each TaskManager.
    var fileCache: String? = nil

    /// A local user a container runs as (YARN's LinuxContainerExecutor).
    struct RunAs: Sendable, Equatable {
        var name: String
        var uid: uid_t
        var gid: gid_t
    }

    /// Writes the launch script and starts it in a new session: as the
    /// cluster's user, or as `runAs` when given (its working and log
    /// directories then belong to that user, and what is localized from
    /// HDFS is copied for it). `hdfs://` sources are localized here, through
    /// the store's jail, for `user`, before the script runs.
    ///
    /// Everything is made while the directories are still the cluster's, and
    /// given to the user last, by `lchown`, in parents the user cannot
    /// change (the application's directories stay the cluster's, 0711): a
    /// link the user plants later is never followed by the cluster, which
    /// from then on only reads there, with `O_NOFOLLOW`.
    func launch(_ container: ContainerRecord, store: HDFSStore, user: String, runAs: RunAs?) throws -> Launched {
        let fm = FileManager.default
        for dir in [container.workDir, container.logDir] {
            let parent = (dir as NSString).deletingLastPathComponent
            try fm.createDirectory(atPath: parent, withIntermediateDirectories: true)
            try Self.requireRealDirectory(parent, created: false)
            chmod(parent, runAs == nil ? 0o700 : 0o711)
            guard mkdir(dir, 0o700) == 0 || errno == EEXIST else {
                throw LocalClusterError(.internal, "cannot create \(dir): \(String(cString: strerror(errno)))")
            }
            // A container's directories are its own: not readable by
            // containers that run as other local users.
            try Self.requireRealDirectory(dir, created: true)
            chmod(dir, 0o700)
        }
        var launchFiles = container.launch.files
        let localized = (container.workDir as NSString).appendingPathComponent(".localized")
        for (i, file) in launchFiles.enumerated() where file.source.hasPrefix("hdfs://") {
            try fm.createDirectory(atPath: localized, withIntermediateDirectories: true)
            let path = try HDFSStore.Path(absolute: String(file.source.dropFirst("hdfs://".count)))
            let target = (localized as NSString).appendingPathComponent("\(i)-\(path.name)")
            do {
                try store.localize(path, as: store.caller(user), to: target, copyFor: runAs.map { ($0.uid, $0.gid) })
            } catch let e as HDFSStore.StoreError {
                throw LocalClusterError(.forbidden, "cannot localize \(file.source): \(e.message)")
            }
            launchFiles[i].source = target
        }
        var local = container
        local.launch.files = launchFiles
        let scriptPath = (container.workDir as NSString).appendingPathComponent(Self.scriptName)
        var environment = container.launch.environment
        if runAs != nil {
            environment["HOME"] = container.workDir
            // The application's directory is the cluster's: the user's local
            // directory is the container's own.
            environment["LOCAL_DIRS"] = container.workDir
        }
        let script = Self.script(for: local, fileCache: runAs == nil ? fileCache : nil, exports: runAs == nil ? nil : environment)
        try AtomicFile.write(Data(script.utf8), to: scriptPath, mode: 0o700)
        unlink((container.workDir as NSString).appendingPathComponent(Self.exitCodeFile))
        let stdout = (container.logDir as NSString).appendingPathComponent("stdout")
        let stderr = (container.logDir as NSString).appendingPathComponent("stderr")
        for f in [stdout, stderr] {
            let fd = open(f, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw LocalClusterError(.internal, "cannot create \(f): \(String(cString: strerror(errno)))") }
            close(fd)
        }
        if let runAs {
            // setpriv starts as root: it gets a fixed environment, and the
            // script, once running as the user, exports the container's.
            environment = ["PATH": "/usr/bin:/bin"]
            var given = [scriptPath, stdout, stderr]
            if fm.fileExists(atPath: localized) { given.append(localized) }
            given += [container.workDir, container.logDir]
            for path in given {
                guard lchown(path, runAs.uid, runAs.gid) == 0 else {
                    throw LocalClusterError(.internal, "cannot give \(path) to \(runAs.name): \(String(cString: strerror(errno)))")
                }
            }
            chmod(container.workDir, 0o750)
            chmod(container.logDir, 0o750)
        }
        let program = runAs == nil ? "/bin/bash" : "/usr/bin/setpriv"
        let arguments = runAs.map { ["--reuid=\($0.uid)", "--regid=\($0.gid)", "--init-groups", "--", "/bin/bash", scriptPath] } ?? [scriptPath]

        let pid: Int32
        do {
            pid = try spawnProcess(program, arguments: arguments, environment: environment,
                                   directory: container.workDir,
                                   stdout: stdout, stderr: stderr,
                                   newSession: true)
        } catch {
            throw LocalClusterError(.internal, "cannot start container \(container.id): \(error)")
        }
        return Launched(pid: pid, startTicks: ProcessTable.startTicks(of: pid) ?? 0)
    }

    /// The shell script that localizes resources and runs the command.
    /// `exports`: the container's environment, set by the script itself (as
    /// YARN's launch_container.sh does) rather than given to the process that
    /// starts it, for containers started through setpriv, which runs as root
    /// until it drops to the user and so must see nothing of the request
    /// (`LD_PRELOAD` and the like).
    static func script(for container: ContainerRecord, fileCache: String? = nil, exports: [String: String]? = nil) -> String {
        var lines = ["#!/bin/bash", "# container \(container.id), written by the embedded YARN cluster"]
        for (key, value) in (exports ?? [:]).sorted(by: { $0.key < $1.key }) where validEnvironmentName(key) {
            lines.append("export \(key)=\(shellQuoted(value))")
        }
        for file in container.launch.files {
            let dest = shellQuoted(file.destination)
            lines.append("mkdir -p \"$(dirname \(dest))\" || exit 201")
            let src = file.source
            let local: String
            if src.hasPrefix("http://") || src.hasPrefix("https://") {
                let tmp = shellQuoted(file.destination + ".download")
                lines.append("curl -fsSL -o \(tmp) \(shellQuoted(src)) || { echo localization of \(shellQuoted(src)) failed >&2; exit 201; }")
                local = tmp
            } else {
                local = shellQuoted(src.hasPrefix("file://") ? String(src.dropFirst("file://".count)) : src)
            }
            switch file.kind {
            case .file:
                lines.append("ln -sfn \(local) \(dest) 2>/dev/null || cp -f \(local) \(dest) || exit 201")
            case .archive:
                // As YARN's FSDownload: a .zip (or .jar) is unzipped, anything else untarred.
                let lower = src.lowercased()
                func unpack(into dir: String) -> String {
                    lower.hasSuffix(".zip") || lower.hasSuffix(".jar") ? "unzip -q -o \(local) -d \(dir)" : "tar -xf \(local) -C \(dir)"
                }
                if let cached = fileCache.flatMap({ Self.cacheEntry(for: src, in: $0) }) {
                    // Unpacked beside, then renamed into place: a container that
                    // finds the entry finds all of it; two that race both unpack
                    // and one rename wins.
                    let entry = shellQuoted(cached)
                    lines.append("if [ ! -d \(entry) ]; then mkdir -p \(shellQuoted((cached as NSString).deletingLastPathComponent)) && t=$(mktemp -d \(entry).XXXXXX) && \(unpack(into: "\"$t\"")) && { mv -T \"$t\" \(entry) 2>/dev/null || rm -rf \"$t\"; } || { echo cannot unpack \(shellQuoted(src)) >&2; exit 201; }; fi")
                    lines.append("[ -d \(entry) ] && ln -sfn \(entry) \(dest) || exit 201")
                } else {
                    lines.append("mkdir -p \(dest) && \(unpack(into: dest)) || { echo cannot unpack \(shellQuoted(src)) >&2; exit 201; }")
                }
            }
        }
        lines.append("/bin/bash -c \(shellQuoted(container.launch.command)) </dev/null")
        lines.append("rc=$?")
        lines.append("echo $rc > \(exitCodeFile).tmp && mv -f \(exitCodeFile).tmp \(exitCodeFile)")
        lines.append("exit $rc")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The cache entry of a local archive: named by the file's identity (device
    /// and inode), size and time, so that a changed or replaced file is
    /// unpacked anew. Nil for a download.
    static func cacheEntry(for source: String, in cache: String) -> String? {
        guard !source.hasPrefix("http://"), !source.hasPrefix("https://") else { return nil }
        let path = source.hasPrefix("file://") ? String(source.dropFirst("file://".count)) : source
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let key = "\(st.st_dev)-\(st.st_ino)-\(st.st_size)-\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)-"
        return (cache as NSString).appendingPathComponent(key + (path as NSString).lastPathComponent)
    }

    /// Sends `signal` to the container's whole process group.
    func signal(_ container: ContainerRecord, _ signal: Int32) {
        self.signal(pid: container.pid, signal)
    }

    /// Sends `signal` to the process group led by `pid` (none for pid 0).
    func signal(pid: Int32, _ signal: Int32) {
        guard pid > 0 else { return }
        kill(-pid, signal)
    }

    /// The exit code the launch script recorded, if it finished.
    func recordedExitCode(_ container: ContainerRecord) -> Int? {
        let path = (container.workDir as NSString).appendingPathComponent(Self.exitCodeFile)
        guard let data = Self.readNoFollow(path, limit: 64) else { return nil }
        return Int(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A regular file's bytes (up to `limit`), never through a link: what a
    /// container wrote, read by the cluster.
    static func readNoFollow(_ path: String, offset: UInt64 = 0, limit: Int = Int.max) -> Data? {
        guard let fd = openLog(path) else { return nil }
        defer { close(fd) }
        var out = Data()
        var position = off_t(offset)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while out.count < limit {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, min($0.count, limit - out.count), position) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            out.append(contentsOf: buffer[0..<n])
            position += off_t(n)
        }
        return out
    }

    /// A container's log file, open for reading: a regular file with one
    /// link, reached without following links; nil for anything else.
    static func openLog(_ path: String) -> Int32? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_nlink == 1 else { close(fd); return nil }
        return fd
    }

    /// Refuses a directory that is a link (or not a directory at all).
    static func requireRealDirectory(_ path: String, created: Bool) throws {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw LocalClusterError(.internal, "\(path) is not a directory of the cluster's (a link?); the container is not started")
        }
        if created && st.st_uid != geteuid() {
            throw LocalClusterError(.internal, "\(path) already exists and is not the cluster's; the container is not started")
        }
    }
}

/// A descriptor handed to a response body that closes it when done.
final class FileDescriptorBox: @unchecked Sendable {
    // @unchecked: `fd` is set once; `close` runs once, from the one body writer.
    let fd: Int32
    private var closed = false
    init(_ fd: Int32) { self.fd = fd }
    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(fd)
    }
    deinit { close() }
}

/// A name a shell can export: letters, digits and `_`, not starting with a digit.
func validEnvironmentName(_ s: String) -> Bool {
    guard let first = s.unicodeScalars.first, !("0"..."9").contains(first), s.utf8.count <= 256 else { return false }
    return s.unicodeScalars.allSatisfy { $0.isASCII && (("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_") }
}

/// Reads /proc: process liveness, start times and resident memory per session.
enum ProcessTable {
    static let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))

    /// Fields of /proc/PID/stat after the command name (which may hold spaces).
    static func statFields(_ pid: Int32) -> [Substring]? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// Field 22 of stat: start time in clock ticks after boot.
    static func startTicks(of pid: Int32) -> UInt64? {
        guard let f = statFields(pid), f.count > 19 else { return nil }
        return UInt64(f[19])
    }

    /// Whether `pid` is alive, not a zombie, and the same process that started at `ticks`.
    static func isAlive(_ pid: Int32, startTicks ticks: UInt64) -> Bool {
        guard let f = statFields(pid), f.count > 19 else { return false }
        if f[0] == "Z" || f[0] == "X" { return false }
        return ticks == 0 || UInt64(f[19]) == ticks
    }

    /// Resident bytes of every process, summed by session id (field 6).
    static func residentBytesBySession() -> [Int32: Int64] {
        var totals: [Int32: Int64] = [:]
        guard let dir = opendir("/proc") else { return totals }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name), let f = statFields(pid), f.count > 21,
                  let session = Int32(f[3]), let rssPages = Int64(f[21]) else { continue }
            totals[session, default: 0] += rssPages * pageSize
        }
        return totals
    }
}
