import Foundation

/// Keeps the cluster state in one JSON file, replaced atomically (write to a
/// temporary file, fsync, rename, fsync the directory) so that a crash at any
/// point leaves either the old or the new state, never a torn one.
struct StateStore: Sendable {
    let path: String

    init(directory: String) {
        path = (directory as NSString).appendingPathComponent("state/cluster-state.json")
    }

    func load() throws -> ClusterState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try JSONDecoder().decode(ClusterState.self, from: data)
        } catch {
            throw LocalClusterError(.internal, "the state file \(path) is damaged: \(error)")
        }
    }

    func save(_ state: ClusterState) throws {
        let data = try JSONEncoder().encode(state)
        try AtomicFile.write(data, to: path, mode: 0o600)
    }
}

enum AtomicFile {
    /// Writes `data` to `path` through a temporary file in the same directory.
    static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw LocalClusterError(.internal, "cannot write \(tmp): \(String(cString: strerror(errno)))") }
        var ok = true
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { ok = false; break }
                offset += n
            }
        }
        if ok { ok = fsync(fd) == 0 }
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(tmp)
            throw LocalClusterError(.internal, "cannot write \(path): \(message)")
        }
        let dfd = open(dir, O_RDONLY | O_DIRECTORY)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }
}
