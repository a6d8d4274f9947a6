import CSpawn
import Foundation

/// A process start that failed, with the system's words.
public struct SpawnError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var errno: Int32
    public var description: String { "cannot start \(path): \(String(cString: strerror(errno)))" }
}

/// Starts a program without a shell: standard input from /dev/null, output
/// appended to the given files, no descriptor of ours inherited, signal
/// dispositions reset. With `newSession` the child leads its own session and
/// process group.
public func spawnProcess(_ path: String, arguments: [String], environment: [String: String],
                         directory: String?, stdout: String?, stderr: String?,
                         newSession: Bool) throws -> pid_t {
    let env = environment.map { "\($0.key)=\($0.value)" }.sorted()
    var error: Int32 = 0
    let pid = withCStringArray([path] + arguments) { argv in
        withCStringArray(env) { envp in
            flinkctl_spawn(path, argv, envp, directory, stdout, stderr, newSession ? 1 : 0, &error)
        }
    }
    guard pid > 0 else { throw SpawnError(path: path, errno: error) }
    return pid
}

/// Replaces this process with `path` (for launchers whose container should be
/// the program itself). Returns only on failure.
public func execProcess(_ path: String, arguments: [String], environment: [String: String]) -> SpawnError {
    let env = environment.map { "\($0.key)=\($0.value)" }.sorted()
    _ = withCStringArray([path] + arguments) { argv in
        withCStringArray(env) { envp in execve(path, argv, envp) }
    }
    return SpawnError(path: path, errno: errno)
}

/// The exit code of a finished child as a shell reports it (128 + signal when killed).
public func exitCode(fromWaitStatus status: Int32) -> Int32 {
    status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
