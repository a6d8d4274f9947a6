import Foundation
// Linux only, as the package is: the system calls are named `Glibc.…`
// where `AtomicFile`'s own `write` and `Staged.rename` would shadow them.
import Glibc

/// The one way a file is replaced: written beside its target under a name of
/// its own, flushed to disk, renamed over the target, and the directory
/// flushed, so that a reader or a crash sees the old file or the new one,
/// never half of either.
///
/// The temporary is created with `O_EXCL` and the final mode from the start
/// (narrowed by the umask, then set exactly, never wider), so a file meant to
/// be private, a keystore or a password, is never readable by others, not
/// even for a moment. On any failure the temporary is removed.
///
/// `write` does the whole thing for one file. Writing several files as a
/// unit stages each (`stage`), renames them when all are on disk, and
/// flushes the directory once (`syncDirectory`).
public enum AtomicFile {
    /// Replaces `path` with `bytes`, mode `mode`.
    public static func write(_ bytes: some ContiguousBytes, to path: String, mode: mode_t) throws {
        let staged = try stage(bytes, for: path, mode: mode)
        try staged.commit()
    }

    /// Replaces `path` with the UTF-8 of `text`, mode `mode`.
    public static func write(_ text: String, to path: String, mode: mode_t) throws {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// A new version of a file, on disk under a temporary name beside it.
    public struct Staged: Sendable {
        /// The file this replaces.
        public let path: String
        /// Where the new contents are until `rename`.
        public let temporary: String

        /// Moves the new contents over `path`. The directory is not flushed:
        /// `commit`, or `syncDirectory` after the last of several renames.
        public func rename() throws {
            guard Glibc.rename(temporary, path) == 0 else {
                throw SystemCallError.last("rename", path: path)
            }
        }

        /// Removes the temporary (nothing is done to `path`).
        public func discard() {
            _ = unlink(temporary)
        }

        /// Renames into place and flushes the directory; on failure the
        /// temporary is removed and `path` is as it was.
        public func commit() throws {
            do {
                try rename()
            } catch {
                discard()
                throw Failure(.local, "cannot write \(path)", cause: error as? SystemCallError)
            }
            do {
                try syncDirectory(AtomicFile.directory(of: path))
            } catch {
                throw Failure(.local, "wrote \(path) but could not flush its directory", cause: error as? SystemCallError)
            }
        }
    }

    /// Writes `bytes` to a new temporary file beside `path` and flushes it.
    public static func stage(_ bytes: some ContiguousBytes, for path: String, mode: mode_t) throws -> Staged {
        let directory = directory(of: path)
        let name = (path as NSString).lastPathComponent
        let temporary = (directory as NSString).appendingPathComponent(".\(name).flinkctl-tmp-\(randomSuffix())")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw Failure(.local, "cannot write \(path)", cause: SystemCallError.last("open", path: temporary))
        }
        var failure: SystemCallError?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = .last("write", path: temporary)
                    return
                }
                offset += written
            }
        }
        // The umask may have narrowed the mode; set it exactly (never wider than asked).
        if failure == nil, fchmod(fd, mode) != 0 { failure = .last("fchmod", path: temporary) }
        if failure == nil, fsync(fd) != 0 { failure = .last("fsync", path: temporary) }
        if close(fd) != 0, failure == nil, errno != EINTR { failure = .last("close", path: temporary) }
        if let failure {
            _ = unlink(temporary)
            throw Failure(.local, "cannot write \(path)", cause: failure)
        }
        return Staged(path: path, temporary: temporary)
    }

    /// Flushes a directory's entries (a rename in it) to disk. A file system
    /// that cannot flush a directory (`EINVAL`) is taken as having nothing to flush.
    public static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemCallError.last("open", path: directory) }
        defer { close(fd) }
        if fsync(fd) != 0, errno != EINVAL { throw SystemCallError.last("fsync", path: directory) }
    }

    static func directory(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    private static func randomSuffix() -> String {
        let value = UInt64.random(in: 0...UInt64.max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// A system call that failed: which, on what, and `errno` in the system's words.
public struct SystemCallError: Error, Sendable, CustomStringConvertible {
    public var call: String
    public var path: String?
    public var code: Int32

    public init(call: String, path: String? = nil, code: Int32) {
        self.call = call
        self.path = path
        self.code = code
    }

    /// The error of the call that just failed (reads `errno` at once).
    public static func last(_ call: String, path: String? = nil) -> SystemCallError {
        SystemCallError(call: call, path: path, code: errno)
    }

    public var description: String {
        "\(call)\(path.map { " \($0)" } ?? ""): \(String(cString: strerror(code)))"
    }
}
