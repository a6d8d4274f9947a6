import FlinkctlBase
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
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try AtomicFile.write(data, to: path, mode: 0o600)
        } catch {
            throw LocalClusterError(.internal, "cannot save the cluster state: \(error)")
        }
    }
}
