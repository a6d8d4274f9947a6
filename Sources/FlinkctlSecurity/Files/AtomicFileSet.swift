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
/// Each file is written to a temporary name in the target directory (`O_CREAT|O_EXCL`, mode 0600),
/// flushed with `fsync`, and only when every one is on disk are they renamed into place. If a rename
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
        var temporaries: [String] = []
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
            for temporary in temporaries[renamed...] { _ = unlink(temporary) }
            for case let backup? in backups[renamed...] { _ = unlink(backup) }
        }

        do {
            for file in files {
                temporaries.append(try writeTemporary(file))
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
            for (index, file) in files.enumerated() {
                let target = path(file.name)
                guard rename(temporaries[index], target) == 0 else {
                    throw SecurityError(.fileSystem, "cannot replace the file: \(String(cString: strerror(errno)))", path: target)
                }
                renamed += 1
            }
        } catch {
            cleanUp()
            throw error
        }
        _ = fsyncDirectory()
        for (index, file) in files.enumerated() {
            guard let backup = backups[index] else { continue }
            if let suffix = backupSuffix {
                _ = rename(backup, path(file.name + suffix))
            } else {
                _ = unlink(backup)
            }
        }
    }

    private func writeTemporary(_ file: File) throws -> String {
        let suffix = randomBytes(6).map { String(format: "%02x", $0) }.joined()
        let temporary = (directory as NSString).appendingPathComponent(".\(file.name).flinkctl-tmp-\(suffix)")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw SecurityError(.fileSystem, "cannot write into the directory: \(String(cString: strerror(errno)))", path: directory)
        }
        var failure: Int32 = 0
        file.contents.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = systemWrite(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += written
            }
        }
        if failure == 0, fchmod(fd, mode) != 0 { failure = errno }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure != 0 {
            unlink(temporary)
            throw SecurityError(.fileSystem, "cannot write \(file.name): \(String(cString: strerror(failure)))", path: directory)
        }
        return temporary
    }

    private func fsyncDirectory() -> Bool {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return fsync(fd) == 0
    }

    static func describe(_ error: Error) -> String {
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(posix.code)))
        }
        return (error as NSError).localizedDescription
    }
}

/// `write(2)`, named apart from `AtomicFileSet.write(_:)`.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #elseif canImport(Musl)
    return Musl.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}
