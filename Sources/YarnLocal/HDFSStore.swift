import CFileSystem
import Foundation

/// The embedded cluster's HDFS namespace, kept under `DIR/hdfs` and jailed
/// there: every path is a list of checked segments, opened one directory at a
/// time from the store's root with `O_NOFOLLOW`, so that no request — and no
/// symbolic link a container planted in the store — reaches a host file
/// outside it. Host files are private to the cluster's user (mode 0700); HDFS's owner, group and permission bits are metadata (an extended
/// attribute on each entry), checked per request as HDFS's
/// `FSPermissionChecker` does: execute on every directory on the way, read to
/// open or list, write on the parent to create, delete or rename, the sticky
/// bit, and superusers (the cluster's own user, its admins) above all of it.
final class HDFSStore: @unchecked Sendable {
    /// The host directory behind `/`.
    let root: String
    /// The cluster's own Unix user: owns `/`, is a superuser.
    let superuser: String
    /// Superusers besides the cluster's user (`local start --admins`).
    let admins: Set<String>
    /// Bytes the store may hold (`local start --store-quota`).
    let quota: Int64

    private let lock = NSLock()
    private var used: Int64 = 0

    static let attribute = "user.hdfs"
    static let superGroup = "supergroup"
    static let maxComponentLength = 255
    static let maxPathLength = 8000
    /// HDFS's `MAX_PATH_DEPTH`: also what keeps the store's recursive walks shallow.
    static let maxPathDepth = 1000
    /// Temporary files of writes in progress; never listed.
    static let temporaryPrefix = ".webhdfs-"

    init(root: String, superuser: String, admins: Set<String>, quota: Int64) throws {
        self.root = root
        self.superuser = superuser
        self.admins = admins
        self.quota = quota
        let fresh = !FileManager.default.fileExists(atPath: root)
        if fresh {
            guard mkdir(root, 0o700) == 0 || errno == EEXIST else {
                throw StoreError.io("cannot create the HDFS store \(root): \(String(cString: strerror(errno)))")
            }
        }
        chmod(root, 0o700)
        let fd = try openRoot()
        defer { close(fd) }
        if Self.readMeta(fd) == nil {
            try Self.writeMeta(fd, Meta(owner: superuser, group: Self.superGroup, mode: 0o755))
        }
        if fresh {
            // As a cluster's administrator sets it up: a world-writable, sticky
            // /tmp, and /user for the home directories.
            try makeDirectory(in: fd, "tmp", Meta(owner: superuser, group: Self.superGroup, mode: 0o1777))
            try makeDirectory(in: fd, "user", Meta(owner: superuser, group: Self.superGroup, mode: 0o755))
        }
        used = Self.usage(fd)
    }

    // MARK: - Errors, metadata, callers

    /// A refusal, as WebHDFS answers it.
    struct StoreError: Error, Equatable {
        var status: Int
        var exception: String
        var javaClassName: String
        var message: String

        static func notFound(_ path: String) -> StoreError {
            StoreError(status: 404, exception: "FileNotFoundException", javaClassName: "java.io.FileNotFoundException",
                       message: "File does not exist: \(path)")
        }
        static func invalid(_ message: String) -> StoreError {
            StoreError(status: 400, exception: "IllegalArgumentException", javaClassName: "java.lang.IllegalArgumentException",
                       message: message)
        }
        static func io(_ message: String, exception: String = "IOException") -> StoreError {
            StoreError(status: 403, exception: exception, javaClassName: "java.io.\(exception)", message: message)
        }
        static func denied(_ message: String) -> StoreError {
            StoreError(status: 403, exception: "AccessControlException",
                       javaClassName: "org.apache.hadoop.security.AccessControlException", message: message)
        }
        static func exists(_ message: String) -> StoreError {
            StoreError(status: 403, exception: "FileAlreadyExistsException",
                       javaClassName: "org.apache.hadoop.fs.FileAlreadyExistsException", message: message)
        }
    }

    struct Meta: Equatable, Sendable {
        var owner: String
        var group: String
        /// Permission bits with the sticky bit (0o1000).
        var mode: Int

        var encoded: String { "\(owner)\n\(group)\n\(String(mode, radix: 8))" }

        init(owner: String, group: String, mode: Int) {
            self.owner = owner
            self.group = group
            self.mode = mode
        }

        init?(encoded: String) {
            let f = encoded.split(separator: "\n", omittingEmptySubsequences: false)
            guard f.count == 3, let m = Int(f[2], radix: 8) else { return nil }
            self.init(owner: String(f[0]), group: String(f[1]), mode: m)
        }

        func symbolic(directory: Bool) -> String {
            let bits = ["r", "w", "x"]
            var s = directory ? "d" : "-"
            for shift in [6, 3, 0] {
                for (i, b) in bits.enumerated() { s += (mode >> (shift + 2 - i)) & 1 == 1 ? b : "-" }
            }
            if mode & 0o1000 != 0 { s = String(s.dropLast()) + (mode & 1 == 1 ? "t" : "T") }
            return s
        }
    }

    /// Who asks: a user, their groups, and whether they are a superuser.
    struct Caller: Sendable {
        var name: String
        var groups: Set<String>
        var isSuperuser: Bool
    }

    func caller(_ name: String) -> Caller {
        let superuser = name == self.superuser || admins.contains(name)
        var groups = Self.unixGroups(of: name)
        if superuser { groups.insert(Self.superGroup) }
        return Caller(name: name, groups: groups, isSuperuser: superuser)
    }

    /// The user's groups as the host knows them (Hadoop's shell-based group
    /// mapping); none for a user the host does not know.
    static func unixGroups(of user: String) -> Set<String> {
        guard let pw = getpwnam(user) else { return [] }
        let gid = pw.pointee.pw_gid
        var count: Int32 = 64
        var gids = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, gid, &gids, &count) < 0 {
            gids = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(user, gid, &gids, &count)
        }
        var out: Set<String> = []
        for g in gids.prefix(Int(max(0, count))) {
            if let gr = getgrgid(g), let n = gr.pointee.gr_name { out.insert(String(cString: n)) }
        }
        return out
    }

    // MARK: - Paths

    /// A checked path: segments with no `/`, NUL, `.` or `..` after their one
    /// decoding, within HDFS's length limits.
    struct Path: Sendable, Equatable {
        let segments: [String]
        var string: String { "/" + segments.joined(separator: "/") }
        var parent: Path { Path(unchecked: Array(segments.dropLast())) }
        var name: String { segments.last ?? "" }
        var isRoot: Bool { segments.isEmpty }

        private init(unchecked: [String]) { segments = unchecked }

        /// From path segments already percent-decoded once (the request's).
        init(decodedSegments: [String]) throws {
            for s in decodedSegments {
                guard !s.isEmpty, s != ".", s != "..", !s.contains("/"), !s.utf8.contains(0) else {
                    throw StoreError.invalid("Invalid path name: a path segment may not be empty, '.', '..', or hold '/' or NUL")
                }
                guard s.utf8.count <= HDFSStore.maxComponentLength else {
                    throw StoreError.invalid("Invalid path name: the component \(s.prefix(40))… is longer than \(HDFSStore.maxComponentLength) bytes")
                }
                guard !s.hasPrefix(HDFSStore.temporaryPrefix) else {
                    throw StoreError.invalid("Invalid path name: names starting with \(HDFSStore.temporaryPrefix) are reserved")
                }
            }
            let p = Path(unchecked: decodedSegments)
            guard decodedSegments.count <= HDFSStore.maxPathDepth else {
                throw StoreError.invalid("Invalid path name: deeper than \(HDFSStore.maxPathDepth) components")
            }
            guard p.string.utf8.count <= HDFSStore.maxPathLength else {
                throw StoreError.invalid("Invalid path name: longer than \(HDFSStore.maxPathLength) bytes")
            }
            self = p
        }

        /// An absolute path given whole (`destination`, `hdfs://` sources): split on `/`, not decoded again.
        init(absolute: String) throws {
            guard absolute.hasPrefix("/") else { throw StoreError.invalid("Invalid path name: \(absolute.prefix(200)) is not absolute") }
            try self.init(decodedSegments: absolute.split(separator: "/", omittingEmptySubsequences: true).map(String.init))
        }

        func isInside(_ other: Path) -> Bool {
            segments.count >= other.segments.count && Array(segments.prefix(other.segments.count)) == other.segments
        }
    }

    // MARK: - Walking without following links

    private func openRoot() throws -> Int32 {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.io("cannot open the HDFS store: \(String(cString: strerror(errno)))") }
        return fd
    }

    /// A directory of the store, open, with its metadata.
    struct Directory {
        let fd: Int32
        let meta: Meta
    }

    /// Opens the directories along `path` (all of it, or all but the last
    /// segment), checking execute (traverse) on each for `caller`. The caller
    /// closes the returned descriptor. Missing directories: nil with the
    /// deepest one that exists and how many segments it covers.
    private func walk(_ segments: ArraySlice<String>, from start: Int32, startMeta: Meta, as caller: Caller, path: Path)
        throws -> (dir: Directory, depth: Int, complete: Bool) {
        var fd = dup(start)
        var meta = startMeta
        var depth = 0
        for seg in segments {
            guard permits(caller, meta, 1) else {
                close(fd)
                throw denied(caller, "EXECUTE", Path.prefix(path, depth), meta, directory: true)
            }
            let next = openat(fd, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0 {
                let e = errno
                if e == ENOENT { return (Directory(fd: fd, meta: meta), depth, false) }
                var st = stat()
                let isLink = fstatat(fd, seg, &st, AT_SYMLINK_NOFOLLOW) == 0 && (st.st_mode & S_IFMT) != S_IFREG
                close(fd)
                if e == ENOTDIR {
                    throw isLink
                        ? Self.notFollowed(Path.prefix(path, depth + 1))
                        : StoreError.io("Parent path is not a directory: \(Path.prefix(path, depth + 1))", exception: "ParentNotDirectoryException")
                }
                if e == ELOOP { throw Self.notFollowed(Path.prefix(path, depth + 1)) }
                throw StoreError.io("cannot open \(Path.prefix(path, depth + 1)): \(String(cString: strerror(e)))")
            }
            close(fd)
            fd = next
            meta = Self.readMeta(fd) ?? Self.defaultMeta(fd, superuser: superuser)
            depth += 1
        }
        return (Directory(fd: fd, meta: meta), depth, true)
    }

    private static func notFollowed(_ path: String) -> StoreError {
        StoreError.io("\(path) is not a file or directory of the store: symbolic links and special files are not followed", exception: "UnresolvedPathException")
    }

    /// The parent directory of `path`, open; throws not-found when it is missing.
    func parent(of path: Path, as caller: Caller) throws -> Directory {
        let rootFD = try openRoot()
        defer { close(rootFD) }
        let rootMeta = Self.readMeta(rootFD) ?? Meta(owner: superuser, group: Self.superGroup, mode: 0o755)
        let (dir, _, complete) = try walk(path.segments.dropLast(), from: rootFD, startMeta: rootMeta, as: caller, path: path)
        guard complete else { close(dir.fd); throw StoreError.notFound(path.string) }
        // As HDFS's checkTraverse: every ancestor of the entry, its parent
        // too, must be searchable (a 644 file in a 700 directory is private).
        guard permits(caller, dir.meta, 1) else {
            close(dir.fd)
            throw denied(caller, "EXECUTE", path.parent.string, dir.meta, directory: true)
        }
        return dir
    }

    /// What is at `name` in `dir`: a regular file or directory, opened
    /// without following links; nil when nothing is there.
    func entry(_ dir: Directory, _ name: String, path: Path, write: Bool = false) throws -> (fd: Int32, st: stat, meta: Meta)? {
        var st = stat()
        guard fstatat(dir.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else {
            if errno == ENOENT { return nil }
            throw StoreError.io("cannot read \(path.string): \(String(cString: strerror(errno)))")
        }
        let type = st.st_mode & S_IFMT
        guard type == S_IFREG || type == S_IFDIR else { throw Self.notFollowed(path.string) }
        let flags = (type == S_IFDIR ? O_RDONLY | O_DIRECTORY : (write ? O_WRONLY : O_RDONLY)) | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK
        let fd = openat(dir.fd, name, flags)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            if errno == ELOOP { throw Self.notFollowed(path.string) }
            throw StoreError.io("cannot open \(path.string): \(String(cString: strerror(errno)))")
        }
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == type else { close(fd); throw Self.notFollowed(path.string) }
        return (fd, st, Self.readMeta(fd) ?? Self.defaultMeta(fd, superuser: superuser))
    }

    // MARK: - Permission checks

    /// Whether `caller` has `bits` (4 read, 2 write, 1 execute) on an entry.
    func permits(_ caller: Caller, _ meta: Meta, _ bits: Int) -> Bool {
        if caller.isSuperuser { return true }
        let shift = caller.name == meta.owner ? 6 : (caller.groups.contains(meta.group) ? 3 : 0)
        return (meta.mode >> shift) & bits == bits
    }

    func denied(_ caller: Caller, _ access: String, _ inode: String, _ meta: Meta, directory: Bool) -> StoreError {
        .denied("Permission denied: user=\(caller.name), access=\(access), inode=\"\(inode)\":\(meta.owner):\(meta.group):\(meta.symbolic(directory: directory))")
    }

    /// The sticky bit: in such a directory only the owner of an entry, of the
    /// directory, or a superuser may delete or rename the entry.
    func checkSticky(_ caller: Caller, parent: Meta, entry: Meta, path: Path) throws {
        guard parent.mode & 0o1000 != 0, !caller.isSuperuser, caller.name != parent.owner, caller.name != entry.owner else { return }
        throw StoreError.denied("Permission denied by sticky bit: user=\(caller.name), path=\"\(path.string)\":\(entry.owner):\(entry.group), parent=\"\(path.parent.string)\":\(parent.owner):\(parent.group):\(parent.symbolic(directory: true))")
    }

    // MARK: - Metadata on disk

    static func readMeta(_ fd: Int32) -> Meta? {
        var buf = [UInt8](repeating: 0, count: 1024)
        let n = flinkctl_fgetxattr(fd, attribute, &buf, buf.count)
        guard n > 0 else { return nil }
        return Meta(encoded: String(decoding: buf.prefix(n), as: UTF8.self))
    }

    static func writeMeta(_ fd: Int32, _ meta: Meta) throws {
        let bytes = Array(meta.encoded.utf8)
        guard flinkctl_fsetxattr(fd, attribute, bytes, bytes.count) == 0 else {
            throw StoreError.io("cannot record HDFS metadata (extended attributes are needed on the cluster's --dir): \(String(cString: strerror(errno)))")
        }
    }

    /// An entry written before metadata was kept: the cluster's, with HDFS's defaults.
    static func defaultMeta(_ fd: Int32, superuser: String) -> Meta {
        var st = stat()
        fstat(fd, &st)
        return Meta(owner: superuser, group: superGroup, mode: (st.st_mode & S_IFMT) == S_IFDIR ? 0o755 : 0o644)
    }

    private func makeDirectory(in dirFD: Int32, _ name: String, _ meta: Meta) throws {
        guard mkdirat(dirFD, name, 0o700) == 0 || errno == EEXIST else {
            throw StoreError.io("cannot create \(name): \(String(cString: strerror(errno)))")
        }
        let fd = openat(dirFD, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.io("cannot open \(name): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        fchmod(fd, 0o700)
        try Self.writeMeta(fd, meta)
    }

    /// Makes directory `name` whole or not at all: made under a temporary
    /// name with its owner and mode, then renamed into place without
    /// replacing anything. No one ever sees it without its metadata. False
    /// when something took the name meanwhile (nothing is changed then).
    private func createDirectory(in dirFD: Int32, _ name: String, _ meta: Meta) throws -> Bool {
        let temporary = Self.temporaryPrefix + UUID().uuidString
        guard mkdirat(dirFD, temporary, 0o700) == 0 else {
            throw StoreError.io("cannot create \(name): \(String(cString: strerror(errno)))")
        }
        do {
            let fd = openat(dirFD, temporary, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw StoreError.io("cannot open \(name): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            try Self.writeMeta(fd, meta)
        } catch {
            unlinkat(dirFD, temporary, AT_REMOVEDIR)
            throw error
        }
        guard flinkctl_renameat_noreplace(dirFD, temporary, dirFD, name) == 0 else {
            let e = errno
            unlinkat(dirFD, temporary, AT_REMOVEDIR)
            if e == EEXIST { return false }
            throw StoreError.io("cannot create \(name): \(String(cString: strerror(e)))")
        }
        return true
    }

    // MARK: - Status

    struct Status: Sendable {
        var meta: Meta
        var isDirectory: Bool
        var length: Int64
        var modificationTime: Int64
        var accessTime: Int64
        var children: Int
    }

    private func status(_ fd: Int32, _ st: stat, _ meta: Meta) -> Status {
        let isDir = (st.st_mode & S_IFMT) == S_IFDIR
        return Status(meta: meta, isDirectory: isDir, length: isDir ? 0 : Int64(st.st_size),
                      modificationTime: Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000,
                      accessTime: isDir ? 0 : Int64(st.st_atim.tv_sec) * 1000,
                      children: isDir ? Self.names(fd).count : 0)
    }

    /// Removes the empty directories from `path` up to `top` (both
    /// included), deepest first: what a refused CREATE made.
    private func removeEmpty(from path: Path, upTo top: Path) {
        var p = path
        while p.isInside(top), !p.isRoot {
            let superCaller = Caller(name: superuser, groups: [Self.superGroup], isSuperuser: true)
            guard let dir = try? parent(of: p, as: superCaller) else { return }
            let removed = unlinkat(dir.fd, p.name, AT_REMOVEDIR) == 0
            close(dir.fd)
            guard removed else { return }
            p = p.parent
        }
    }

    /// The names in a directory that the store shows: regular files and
    /// directories, not temporary files or links.
    static func names(_ fd: Int32) -> [String] {
        let dup = dup(fd)
        guard dup >= 0, let d = fdopendir(dup) else { return [] }
        defer { closedir(d) }
        rewinddir(d)  // a duplicate shares the offset of earlier reads
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name != ".", name != "..", !name.hasPrefix(temporaryPrefix) else { continue }
            var type = e.pointee.d_type
            if type == UInt8(DT_UNKNOWN) {
                // File systems that do not fill d_type: ask.
                var st = stat()
                if fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 {
                    type = (st.st_mode & S_IFMT) == S_IFDIR ? UInt8(DT_DIR) : (st.st_mode & S_IFMT) == S_IFREG ? UInt8(DT_REG) : UInt8(DT_LNK)
                }
            }
            if type == UInt8(DT_REG) || type == UInt8(DT_DIR) { out.append(name) }
        }
        return out.sorted()
    }

    func status(_ path: Path, as caller: Caller) throws -> Status? {
        if path.isRoot {
            let fd = try openRoot()
            defer { close(fd) }
            var st = stat()
            fstat(fd, &st)
            return status(fd, st, Self.readMeta(fd) ?? Self.defaultMeta(fd, superuser: superuser))
        }
        let dir: Directory
        do { dir = try parent(of: path, as: caller) } catch let e as StoreError where e.status == 404 { return nil }
        defer { close(dir.fd) }
        guard let e = try entry(dir, path.name, path: path) else { return nil }
        defer { close(e.fd) }
        return status(e.fd, e.st, e.meta)
    }

    /// LISTSTATUS: a directory's entries (read and execute on it), or the file itself.
    func list(_ path: Path, as caller: Caller) throws -> [(name: String, status: Status)] {
        let opened = try openEntry(path, as: caller)
        let (fd, st, meta) = (opened.fd, opened.st, opened.meta)
        defer { close(fd) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return [(path.name, status(fd, st, meta))] }
        guard permits(caller, meta, 5) else { throw denied(caller, "READ_EXECUTE", path.string, meta, directory: true) }
        var out: [(String, Status)] = []
        for name in Self.names(fd) {
            let child = try? entry(Directory(fd: fd, meta: meta), name, path: path)
            guard let child else { continue }
            out.append((name, status(child.fd, child.st, child.meta)))
            close(child.fd)
        }
        return out
    }

    /// The entry at `path` (root included), open; not-found when missing.
    func openEntry(_ path: Path, as caller: Caller) throws -> (fd: Int32, st: stat, meta: Meta) {
        if path.isRoot {
            let fd = try openRoot()
            var st = stat()
            fstat(fd, &st)
            return (fd, st, Self.readMeta(fd) ?? Self.defaultMeta(fd, superuser: superuser))
        }
        let dir = try parent(of: path, as: caller)
        defer { close(dir.fd) }
        guard let e = try entry(dir, path.name, path: path) else { throw StoreError.notFound(path.string) }
        return e
    }

    // MARK: - Reading

    /// An open file to read from (read permission), and its length.
    func openForReading(_ path: Path, as caller: Caller) throws -> (fd: Int32, length: Int64) {
        guard !path.isRoot else { throw StoreError.io("Path is not a file: /", exception: "FileNotFoundException") }
        let dir = try parent(of: path, as: caller)
        defer { close(dir.fd) }
        guard let e = try entry(dir, path.name, path: path) else { throw StoreError.notFound(path.string) }
        guard (e.st.st_mode & S_IFMT) == S_IFREG else {
            close(e.fd)
            throw StoreError(status: 404, exception: "FileNotFoundException", javaClassName: "java.io.FileNotFoundException",
                             message: "Path is not a file: \(path.string)")
        }
        guard permits(caller, e.meta, 4) else {
            close(e.fd)
            throw denied(caller, "READ", path.string, e.meta, directory: false)
        }
        // Opened non-blocking to be safe against FIFOs; reads are blocking.
        let flags = fcntl(e.fd, F_GETFL)
        _ = fcntl(e.fd, F_SETFL, flags & ~O_NONBLOCK)
        return (e.fd, Int64(e.st.st_size))
    }

    /// Puts a copy of an HDFS file into a container's directory, as YARN's
    /// localizer does: a hard link to the file opened through the jail (no
    /// bytes copied), or a copy where a link cannot be made. The caller must
    /// be allowed to read it.
    func localize(_ path: Path, as caller: Caller, to destination: String, copyFor owner: (uid_t, gid_t)? = nil) throws {
        let (fd, _) = try openForReading(path, as: caller)
        defer { close(fd) }
        unlink(destination)
        if owner == nil, linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, destination, AT_SYMLINK_FOLLOW) == 0 { return }
        let out = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard out >= 0 else { throw StoreError.io("cannot localize \(path.string): \(String(cString: strerror(errno)))") }
        defer { close(out) }
        if let (uid, gid) = owner { fchown(out, uid, gid); fchmod(out, 0o500) }
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = read(fd, &buf, buf.count)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw StoreError.io("cannot localize \(path.string): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            try Self.writeAll(out, Array(buf[0..<n]), path: path)
        }
    }

    // MARK: - Directories

    /// MKDIRS: the directory and its missing parents. Write and execute on
    /// the deepest existing directory; `/user/NAME` is made for NAME (0755)
    /// as an administrator would make a home directory.
    @discardableResult
    func mkdirs(_ path: Path, mode: Int, as caller: Caller) throws -> Directory {
        // Another call may make the same directories meanwhile (Flink makes
        // two sibling trees at once): then the walk starts again and finds them.
        for _ in 0..<16 {
            do {
                return try mkdirsOnce(path, mode: mode, as: caller)
            } catch is ConcurrentCreation {
                continue
            }
        }
        throw StoreError.io("cannot create \(path.string): it kept changing while being created")
    }

    /// A directory appeared where `mkdirs` was about to make one.
    private struct ConcurrentCreation: Error {}

    private func mkdirsOnce(_ path: Path, mode: Int, as caller: Caller) throws -> Directory {
        let rootFD = try openRoot()
        defer { close(rootFD) }
        let rootMeta = Self.readMeta(rootFD) ?? Meta(owner: superuser, group: Self.superGroup, mode: 0o755)
        let found: Directory, depth: Int, complete: Bool
        do {
            (found, depth, complete) = try walk(path.segments[...], from: rootFD, startMeta: rootMeta, as: caller, path: path)
        } catch let e as StoreError where e.exception == "ParentNotDirectoryException" && e.message.hasSuffix(": \(path.string)") {
            throw StoreError.exists("Path is not a directory: \(path.string)")
        }
        if complete { return found }
        var dir = found
        let isHome = path.segments.count >= 2 && path.segments[0] == "user" && path.segments[1] == caller.name
        for i in depth..<path.segments.count {
            let name = path.segments[i]
            var st = stat()
            if fstatat(dir.fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 {
                close(dir.fd)
                let here = Path.prefix(path, i + 1)
                switch st.st_mode & S_IFMT {
                case S_IFDIR: throw ConcurrentCreation()
                case S_IFREG: throw StoreError.io("Parent path is not a directory: \(here)", exception: "ParentNotDirectoryException")
                default: throw Self.notFollowed(here)
                }
            }
            let meta: Meta
            if isHome && i == 1 {
                meta = Meta(owner: caller.name, group: dir.meta.group, mode: 0o755)
            } else if isHome && i == 0 {
                meta = Meta(owner: superuser, group: Self.superGroup, mode: 0o755)
            } else {
                guard permits(caller, dir.meta, 3) else {
                    close(dir.fd)
                    throw denied(caller, "WRITE", Path.prefix(path, i), dir.meta, directory: true)
                }
                // As HDFS: the directory gets `mode`, parents made on the way u+wx more.
                meta = Meta(owner: caller.name, group: dir.meta.group, mode: i == path.segments.count - 1 ? mode : mode | 0o300)
            }
            do {
                guard try createDirectory(in: dir.fd, name, meta) else { throw ConcurrentCreation() }
            } catch { close(dir.fd); throw error }
            let next = openat(dir.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            close(dir.fd)
            guard next >= 0 else { throw StoreError.io("cannot open \(Path.prefix(path, i + 1)): \(String(cString: strerror(errno)))") }
            dir = Directory(fd: next, meta: meta)
        }
        return dir
    }

    // MARK: - Writing

    /// Checks that CREATE may go ahead (the NameNode's step): nothing in the
    /// way, or overwrite asked; write permission where the file goes.
    func checkCreate(_ path: Path, overwrite: Bool, as caller: Caller) throws {
        guard !path.isRoot else { throw StoreError.exists("/ already exists as a directory") }
        let rootFD = try openRoot()
        defer { close(rootFD) }
        let rootMeta = Self.readMeta(rootFD) ?? Meta(owner: superuser, group: Self.superGroup, mode: 0o755)
        let (dir, depth, complete) = try walk(path.segments.dropLast(), from: rootFD, startMeta: rootMeta, as: caller, path: path)
        defer { close(dir.fd) }
        if complete {
            guard permits(caller, dir.meta, 3) else { throw denied(caller, "WRITE", path.parent.string, dir.meta, directory: true) }
            if let e = try entry(dir, path.name, path: path) {
                close(e.fd)
                if (e.st.st_mode & S_IFMT) == S_IFDIR { throw StoreError.exists("\(path.string) already exists as a directory") }
                if !overwrite { throw StoreError.exists("\(path.string) for client already exists") }
                try checkOverwrite(e.meta, parent: dir.meta, path: path, as: caller)
            }
        } else {
            let isHome = path.segments.count >= 3 && path.segments[0] == "user" && path.segments[1] == caller.name && depth <= 1
            guard isHome || permits(caller, dir.meta, 3) else {
                throw denied(caller, "WRITE", Path.prefix(path, depth), dir.meta, directory: true)
            }
        }
    }

    /// Replacing a file is writing it, and in a sticky directory only its
    /// owner's (or the directory owner's) to do, as HDFS checks it.
    private func checkOverwrite(_ meta: Meta, parent: Meta, path: Path, as caller: Caller) throws {
        guard permits(caller, meta, 2) else { throw denied(caller, "WRITE", path.string, meta, directory: false) }
        try checkSticky(caller, parent: parent, entry: meta, path: path)
    }

    /// CREATE's second step: the body streamed into a private temporary file
    /// beside the target, within the quota, then renamed into place.
    func create(_ path: Path, mode: Int, overwrite: Bool, as caller: Caller,
                body: (_ write: ([UInt8]) throws -> Void) async throws -> Void) async throws {
        try checkCreate(path, overwrite: overwrite, as: caller)
        // Parents made for this file go again if it is refused: a refused
        // write changes nothing.
        var missing = path.parent
        while !missing.isRoot, (try? status(missing.parent, as: caller)) == nil { missing = missing.parent }
        let madeFrom: Path? = (try? status(missing, as: caller)) == nil && !missing.isRoot ? missing : nil
        let parentDir = try mkdirs(path.parent, mode: 0o755, as: caller)
        defer { close(parentDir.fd) }
        var succeeded = false
        defer {
            if !succeeded, let madeFrom { removeEmpty(from: path.parent, upTo: madeFrom) }
        }
        let temporary = Self.temporaryPrefix + UUID().uuidString
        // Private to the cluster's user, and executable by it: YARN localizes
        // a file with execute permission (a container's program is one).
        let fd = openat(parentDir.fd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o700)
        guard fd >= 0 else { throw StoreError.io("cannot write \(path.string): \(String(cString: strerror(errno)))") }
        fchmod(fd, 0o700)
        let written: Int64
        do {
            written = try await stream(body, into: fd, path: path)
        } catch {
            close(fd)
            unlinkat(parentDir.fd, temporary, 0)
            throw error
        }
        do {
            try Self.writeMeta(fd, Meta(owner: caller.name, group: parentDir.meta.group, mode: mode))
            close(fd)
        } catch {
            close(fd)
            unlinkat(parentDir.fd, temporary, 0)
            release(written)
            throw error
        }
        try commit(temporary, in: parentDir, as: path, overwrite: overwrite, caller: caller, written: written)
        succeeded = true
    }

    /// Puts a finished temporary file in place. Only a regular file the
    /// caller may replace is replaced: a directory or a link put there
    /// meanwhile is not, and the check, the rename and the quota's count are
    /// one step under the lock.
    private func commit(_ temporary: String, in parentDir: Directory, as path: Path, overwrite: Bool,
                        caller: Caller, written: Int64) throws {
        lock.lock()
        defer { lock.unlock() }
        do {
            var replaced: Int64 = 0
            if let existing = try entry(parentDir, path.name, path: path) {
                close(existing.fd)
                guard overwrite, (existing.st.st_mode & S_IFMT) == S_IFREG else {
                    throw StoreError.exists("\(path.string) for client already exists")
                }
                try checkOverwrite(existing.meta, parent: parentDir.meta, path: path, as: caller)
                replaced = Int64(existing.st.st_size)
            }
            // Without overwrite, a file another writer put there meanwhile stays.
            let moved = overwrite ? renameat(parentDir.fd, temporary, parentDir.fd, path.name)
                                  : flinkctl_renameat_noreplace(parentDir.fd, temporary, parentDir.fd, path.name)
            guard moved == 0 else {
                let e = errno
                if e == EEXIST { throw StoreError.exists("\(path.string) for client already exists") }
                throw StoreError.io("cannot write \(path.string): \(String(cString: strerror(e)))")
            }
            used = max(0, used - replaced)
        } catch {
            unlinkat(parentDir.fd, temporary, 0)
            used = max(0, used - written)
            throw error
        }
    }

    /// Checks APPEND (the NameNode's step): a file the caller may write.
    func checkAppend(_ path: Path, as caller: Caller) throws {
        let fd = try openForAppend(path, as: caller)
        close(fd)
    }

    private func openForAppend(_ path: Path, as caller: Caller) throws -> Int32 {
        guard !path.isRoot else { throw StoreError.io("Path is not a file: /", exception: "FileNotFoundException") }
        let dir = try parent(of: path, as: caller)
        defer { close(dir.fd) }
        guard let e = try entry(dir, path.name, path: path) else { throw StoreError.notFound(path.string) }
        close(e.fd)
        guard (e.st.st_mode & S_IFMT) == S_IFREG else { throw StoreError.notFound(path.string) }
        guard permits(caller, e.meta, 2) else { throw denied(caller, "WRITE", path.string, e.meta, directory: false) }
        let fd = openat(dir.fd, path.name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw StoreError.io("cannot append to \(path.string): \(String(cString: strerror(errno)))") }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { close(fd); throw Self.notFollowed(path.string) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    /// APPEND's second step: the body added to the end of the file, within the quota.
    /// A refused or broken append leaves the file as it was.
    func append(_ path: Path, as caller: Caller, body: (_ write: ([UInt8]) throws -> Void) async throws -> Void) async throws {
        let fd = try openForAppend(path, as: caller)
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        do {
            _ = try await stream(body, into: fd, path: path)
        } catch {
            ftruncate(fd, st.st_size)
            throw error
        }
    }

    /// A request body written to `fd` as it arrives, each piece reserved in
    /// the quota first. On failure what was reserved is released; returns
    /// the bytes written.
    private func stream(_ body: (_ write: ([UInt8]) throws -> Void) async throws -> Void, into fd: Int32, path: Path) async throws -> Int64 {
        var written: Int64 = 0
        do {
            try await body { bytes in
                try self.reserve(Int64(bytes.count), path: path)
                written += Int64(bytes.count)
                try Self.writeAll(fd, bytes, path: path)
            }
        } catch {
            release(written)
            throw error
        }
        return written
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: Path) throws {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw StoreError.io("cannot write \(path.string): \(String(cString: strerror(errno)))") }
            done += n
        }
    }

    // MARK: - Quota

    private func reserve(_ bytes: Int64, path: Path) throws {
        lock.lock()
        defer { lock.unlock() }
        let (total, overflow) = used.addingReportingOverflow(bytes)
        guard !overflow, total <= quota else {
            throw StoreError(status: 403, exception: "DSQuotaExceededException",
                             javaClassName: "org.apache.hadoop.hdfs.protocol.DSQuotaExceededException",
                             message: "The DiskSpace quota of / is exceeded: quota = \(quota) B but diskspace consumed = \(used &+ bytes) B (writing \(path.string))")
        }
        used = total
    }

    private func release(_ bytes: Int64) {
        lock.lock()
        used = max(0, used - bytes)
        lock.unlock()
    }

    var bytesUsed: Int64 { lock.lock(); defer { lock.unlock() }; return used }

    /// How many levels of directories are below `fd` (0 for none).
    static func height(_ fd: Int32) -> Int {
        var deepest = 0
        for name in names(fd) {
            let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else { continue }
            deepest = max(deepest, 1 + height(child))
            close(child)
        }
        return deepest
    }

    /// Bytes held under a directory, links not followed.
    static func usage(_ dirFD: Int32) -> Int64 {
        var total: Int64 = 0
        let d = dup(dirFD)
        guard d >= 0, let dir = fdopendir(d) else { return 0 }
        defer { closedir(dir) }
        rewinddir(dir)
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name != ".", name != ".." else { continue }
            var st = stat()
            guard fstatat(dirfd(dir), name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG where name.hasPrefix(temporaryPrefix):
                // A write the cluster did not finish (it was killed): never a file.
                unlinkat(dirfd(dir), name, 0)
            case S_IFDIR where name.hasPrefix(temporaryPrefix):
                // A directory being made when the cluster was killed (empty).
                unlinkat(dirfd(dir), name, AT_REMOVEDIR)
            case S_IFREG: total += Int64(st.st_size)
            case S_IFDIR:
                let child = openat(dirfd(dir), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                if child >= 0 { total += usage(child); close(child) }
            default: break
            }
        }
        return total
    }

    // MARK: - Delete, rename, permissions

    /// DELETE: false when nothing is there. Write and execute on the parent,
    /// the sticky bit; recursively, full access to every directory below.
    func delete(_ path: Path, recursive: Bool, as caller: Caller) throws -> Bool {
        guard !path.isRoot else { return false }
        let dir: Directory
        do { dir = try parent(of: path, as: caller) } catch let e as StoreError where e.status == 404 { return false }
        defer { close(dir.fd) }
        guard let e = try entry(dir, path.name, path: path) else { return false }
        defer { close(e.fd) }
        guard permits(caller, dir.meta, 3) else { throw denied(caller, "WRITE", path.parent.string, dir.meta, directory: true) }
        try checkSticky(caller, parent: dir.meta, entry: e.meta, path: path)
        if (e.st.st_mode & S_IFMT) == S_IFDIR {
            if !recursive && !Self.names(e.fd).isEmpty {
                throw StoreError.io("`\(path.string) is non empty': Directory is not empty", exception: "PathIsNotEmptyDirectoryException")
            }
            try checkSubtree(e.fd, e.meta, path: path, as: caller)
            let freed = Self.usage(e.fd)
            try removeContents(e.fd, path: path)
            guard unlinkat(dir.fd, path.name, AT_REMOVEDIR) == 0 else {
                throw StoreError.io("cannot delete \(path.string): \(String(cString: strerror(errno)))")
            }
            release(freed)
        } else {
            guard unlinkat(dir.fd, path.name, 0) == 0 else {
                throw StoreError.io("cannot delete \(path.string): \(String(cString: strerror(errno)))")
            }
            release(Int64(e.st.st_size))
        }
        return true
    }

    /// HDFS's sub-access check for a recursive delete: all permissions on every directory below.
    private func checkSubtree(_ fd: Int32, _ meta: Meta, path: Path, as caller: Caller) throws {
        guard !caller.isSuperuser else { return }
        guard permits(caller, meta, 7) else { throw denied(caller, "ALL", path.string, meta, directory: true) }
        for name in Self.names(fd) {
            let childPath = Path(appending: name, to: path)
            // Fails closed: an entry that cannot be looked at is not deleted unchecked.
            guard let child = try entry(Directory(fd: fd, meta: meta), name, path: childPath) else { continue }
            defer { close(child.fd) }
            if (child.st.st_mode & S_IFMT) == S_IFDIR { try checkSubtree(child.fd, child.meta, path: childPath, as: caller) }
        }
    }

    /// Removes everything inside a directory, links as links.
    private func removeContents(_ fd: Int32, path: Path) throws {
        let d = dup(fd)
        guard d >= 0, let dir = fdopendir(d) else { return }
        rewinddir(dir)
        var names: [String] = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        for name in names {
            var st = stat()
            guard fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 else { continue }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard child >= 0 else {
                    throw StoreError.io("cannot delete under \(path.string): \(String(cString: strerror(errno)))")
                }
                defer { close(child) }
                try removeContents(child, path: path)
                guard unlinkat(fd, name, AT_REMOVEDIR) == 0 else {
                    throw StoreError.io("cannot delete under \(path.string): \(String(cString: strerror(errno)))")
                }
            } else {
                unlinkat(fd, name, 0)
            }
        }
    }

    /// RENAME, as HDFS's: false (not an error) when the source is missing,
    /// the destination's parent is missing or the destination is a file;
    /// into an existing directory the source moves inside it.
    func rename(_ source: Path, to destination: Path, as caller: Caller) throws -> Bool {
        guard !source.isRoot else { return false }
        let srcDir: Directory
        do { srcDir = try parent(of: source, as: caller) } catch let e as StoreError where e.status == 404 { return false }
        defer { close(srcDir.fd) }
        guard let src = try entry(srcDir, source.name, path: source) else { return false }
        defer { close(src.fd) }
        var target = destination
        // The destination: an existing directory takes the source inside it.
        if let existing = try status(destination, as: caller) {
            guard existing.isDirectory else { return false }
            target = Path(appending: source.name, to: destination)
            if try status(target, as: caller) != nil { return false }
        }
        guard !target.isRoot, !target.isInside(source) else { return false }
        if (src.st.st_mode & S_IFMT) == S_IFDIR, target.segments.count + Self.height(src.fd) > Self.maxPathDepth {
            throw StoreError.invalid("Invalid path name: moving \(source.string) to \(target.string) would make paths deeper than \(Self.maxPathDepth) components")
        }
        let dstDir: Directory
        do { dstDir = try parent(of: target, as: caller) } catch let e as StoreError where e.status == 404 { return false }
        defer { close(dstDir.fd) }
        guard permits(caller, srcDir.meta, 3) else { throw denied(caller, "WRITE", source.parent.string, srcDir.meta, directory: true) }
        guard permits(caller, dstDir.meta, 3) else { throw denied(caller, "WRITE", target.parent.string, dstDir.meta, directory: true) }
        try checkSticky(caller, parent: srcDir.meta, entry: src.meta, path: source)
        // RENAME_NOREPLACE: nothing that appeared meanwhile is replaced.
        guard flinkctl_renameat_noreplace(srcDir.fd, source.name, dstDir.fd, target.name) == 0 else {
            if errno == EEXIST { return false }
            throw StoreError.io("cannot rename \(source.string) to \(destination.string): \(String(cString: strerror(errno)))")
        }
        return true
    }

    /// SETPERMISSION: the owner or a superuser.
    func setPermission(_ path: Path, mode: Int, as caller: Caller) throws {
        try changeMeta(path, as: caller) { meta, isDir in
            guard caller.isSuperuser || caller.name == meta.owner else {
                throw StoreError.denied("Permission denied. user=\(caller.name) is not the owner of inode=\(path.string)")
            }
            meta.mode = mode
        }
    }

    /// SETOWNER: a new owner by a superuser only; a new group by the owner
    /// who belongs to it, or a superuser.
    func setOwner(_ path: Path, owner: String?, group: String?, as caller: Caller) throws {
        try changeMeta(path, as: caller) { meta, _ in
            if let owner, owner != meta.owner, !caller.isSuperuser {
                throw StoreError.denied("User \(caller.name) is not a super user (non-super user cannot change owner).")
            }
            if let group, !caller.isSuperuser {
                guard caller.name == meta.owner, caller.groups.contains(group) else {
                    throw StoreError.denied("User \(caller.name) does not belong to \(group)")
                }
            }
            if let owner { meta.owner = owner }
            if let group { meta.group = group }
        }
    }

    private func changeMeta(_ path: Path, as caller: Caller, _ change: (inout Meta, Bool) throws -> Void) throws {
        let e = try openEntry(path, as: caller)
        defer { close(e.fd) }
        var m = e.meta
        try change(&m, (e.st.st_mode & S_IFMT) == S_IFDIR)
        try Self.writeMeta(e.fd, m)
    }
}

extension HDFSStore.Path {
    init(appending name: String, to path: HDFSStore.Path) {
        // Names come from the store itself or a checked path: already valid.
        self = (try? HDFSStore.Path(decodedSegments: path.segments + [name])) ?? path
    }

    static func prefix(_ path: HDFSStore.Path, _ count: Int) -> String {
        "/" + path.segments.prefix(count).joined(separator: "/")
    }
}
