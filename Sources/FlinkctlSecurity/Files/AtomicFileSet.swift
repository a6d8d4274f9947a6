import FlinkctlBase
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes several files into one directory as a unit: all of them are replaced, or none is.
///
/// Each file is staged by `AtomicFile` (a temporary name in the target directory, `O_CREAT|O_EXCL`,
/// the set's mode from the start, flushed with `fsync`), and only when every one is on disk are they
/// renamed into place and the directory flushed. If a rename
/// fails, the ones already renamed are rolled back to their previous contents (or removed if they
/// are new), and the temporaries are deleted. A crash can leave a `.flinkctl-tmp-*` file behind,
/// never a half-written keystore under its real name.
public struct AtomicFileSet: Sendable {
    public struct File: Sendable {
        public var name: String
        public var contents: [UInt8]
        public init(name: String, contents: [UInt8]) {
            self.name = name
            self.contents = contents
        }
    }

    public var directory: String
    /// File mode for new files.
    public var mode: mode_t = 0o600
    /// When set, a file that is replaced is kept as `NAME` + this suffix (e.g. ".bak").
    public var backupSuffix: String?

    public init(directory: String) {
        self.directory = directory
    }

    /// Creates the directory (mode 0700) when it does not exist.
    public func createDirectory() throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw SecurityError(.fileSystem, "exists and is not a directory", path: directory)
            }
            return
        }
        do {
            try FileManager.default.createDirectory(
                atPath: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw SecurityError(.fileSystem, "cannot create the directory: \(Self.describe(error))", path: directory)
        }
    }

    public func write(_ files: [File]) throws {
        try createDirectory()
        var staged: [AtomicFile.Staged] = []
        var backups: [String?] = []
        var renamed = 0
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        func cleanUp() {
            for index in 0..<renamed {
                let target = path(files[index].name)
                if let backup = backups[index] {
                    _ = rename(backup, target)
                } else {
                    _ = unlink(target)
                }
            }
            for file in staged[renamed...] { file.discard() }
            for case let backup? in backups[renamed...] { _ = unlink(backup) }
        }

        do {
            for file in files {
                staged.append(try stage(file))
            }
            for file in files {
                let target = path(file.name)
                let backup = path(".\(file.name).flinkctl-old-\(getpid())")
                if link(target, backup) == 0 {
                    backups.append(backup)
                } else if errno == ENOENT {
                    backups.append(nil)
                } else {
                    throw SecurityError(.fileSystem, "cannot keep the previous version: \(String(cString: strerror(errno)))", path: target)
                }
            }
            for file in staged {
                do {
                    try file.rename()
                } catch {
                    throw SecurityError(.fileSystem, "cannot replace the file", path: file.path, underlying: error)
                }
                renamed += 1
            }
        } catch {
            cleanUp()
            throw error
        }
        _ = try? AtomicFile.syncDirectory(directory)
        for (index, file) in files.enumerated() {
            guard let backup = backups[index] else { continue }
            if let suffix = backupSuffix {
                _ = rename(backup, path(file.name + suffix))
            } else {
                _ = unlink(backup)
            }
        }
    }

    /// The file on disk under a temporary name, through the one atomic write.
    private func stage(_ file: File) throws -> AtomicFile.Staged {
        let target = (directory as NSString).appendingPathComponent(file.name)
        do {
            return try AtomicFile.stage(file.contents, for: target, mode: mode)
        } catch {
            throw SecurityError(.fileSystem, "cannot write \(file.name)", path: directory, underlying: error)
        }
    }

    static func describe(_ error: Error) -> String {
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return (error as NSError).localizedDescription
    }
}
