import CFileSystem
import Crypto
import Foundation

/// What `hadoop fs -du`, `-count`, `-checksum` and `-rm` (to the trash) ask
/// of the store beyond reading and writing: a subtree's totals, HDFS's file
/// checksum, and a rename that fails loudly.
extension HDFSStore {
    /// GETCONTENTSUMMARY's numbers. `directoryCount` counts the directory
    /// itself; a file is one file and no directory.
    struct ContentSummary: Sendable, Equatable {
        var directoryCount: Int64 = 0
        var fileCount: Int64 = 0
        var length: Int64 = 0
    }

    /// The totals of a subtree. As HDFS, it needs read and execute on every
    /// directory in it; links and special files are not counted.
    func contentSummary(_ path: Path, as caller: Caller) throws -> ContentSummary {
        let e = try openEntry(path, as: caller)
        defer { close(e.fd) }
        var summary = ContentSummary()
        guard (e.st.st_mode & S_IFMT) == S_IFDIR else {
            summary.fileCount = 1
            summary.length = Int64(e.st.st_size)
            return summary
        }
        try add(Directory(fd: e.fd, meta: e.meta), path: path, as: caller, to: &summary)
        return summary
    }

    private func add(_ dir: Directory, path: Path, as caller: Caller, to summary: inout ContentSummary) throws {
        guard permits(caller, dir.meta, 5) else { throw denied(caller, "READ_EXECUTE", path.string, dir.meta, directory: true) }
        summary.directoryCount += 1
        for name in Self.names(dir.fd) {
            let childPath = Path(appending: name, to: path)
            guard let child = try? entry(dir, name, path: childPath) else { continue }
            defer { close(child.fd) }
            if (child.st.st_mode & S_IFMT) == S_IFDIR {
                try add(Directory(fd: child.fd, meta: child.meta), path: childPath, as: caller, to: &summary)
            } else {
                summary.fileCount += 1
                summary.length += Int64(child.st.st_size)
            }
        }
    }

    /// HDFS's block size and bytes per checksum, as GETFILESTATUS and
    /// GETSERVERDEFAULTS report them.
    static let blockSize: Int64 = 134_217_728
    static let bytesPerChecksum = 512

    /// GETFILECHECKSUM: the MD5 of MD5s of CRC32Cs that HDFS computes for a
    /// replicated file (read permission needed).
    func checksum(_ path: Path, as caller: Caller) throws -> FileChecksum {
        let (fd, _) = try openForReading(path, as: caller)
        defer { close(fd) }
        var computer = FileChecksum.Computer(blockSize: Self.blockSize, bytesPerCRC: Self.bytesPerChecksum)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw StoreError.io("cannot read \(path.string): \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            computer.update(buffer[0..<n])
        }
        return computer.finish()
    }

    /// SETTIMES: times in milliseconds, -1 leaves one as it is. Needs write
    /// permission on the entry, as HDFS.
    func setTimes(_ path: Path, modification: Int64, access: Int64, as caller: Caller) throws {
        let e = try openEntry(path, as: caller)
        defer { close(e.fd) }
        guard permits(caller, e.meta, 2) else {
            throw denied(caller, "WRITE", path.string, e.meta, directory: (e.st.st_mode & S_IFMT) == S_IFDIR)
        }
        func spec(_ ms: Int64) -> timespec {
            ms < 0 ? timespec(tv_sec: 0, tv_nsec: 1_073_741_822 /* UTIME_OMIT */)
                : timespec(tv_sec: Int(ms / 1000), tv_nsec: Int(ms % 1000) * 1_000_000)
        }
        var times = [spec(access), spec(modification)]
        guard futimens(e.fd, &times) == 0 else {
            throw StoreError.io("cannot set the times of \(path.string): \(String(cString: strerror(errno)))")
        }
    }

    /// RENAME with `renameoptions` (HDFS's rename2, which `hadoop fs -rm`
    /// uses to move into the trash): every failure is an error, never a
    /// quiet `false`; the destination is the exact path (not "inside an
    /// existing directory"), and an existing one is replaced only with
    /// OVERWRITE, and only a file by a file.
    func renameStrictly(_ source: Path, to destination: Path, overwrite: Bool, as caller: Caller) throws {
        guard !source.isRoot else { throw StoreError.io("The source / is the root") }
        guard !destination.isRoot else { throw StoreError.exists("rename destination / already exists") }
        guard !destination.isInside(source) else {
            throw StoreError.io("The destination \(destination.string) is \(destination == source ? "the source itself" : "a descendant of the source")")
        }
        let srcDir: Directory
        do { srcDir = try parent(of: source, as: caller) } catch let e as StoreError where e.status == 404 {
            throw StoreError(status: 404, exception: "FileNotFoundException", javaClassName: "java.io.FileNotFoundException",
                             message: "rename source \(source.string) is not found.")
        }
        defer { close(srcDir.fd) }
        guard let src = try entry(srcDir, source.name, path: source) else {
            throw StoreError(status: 404, exception: "FileNotFoundException", javaClassName: "java.io.FileNotFoundException",
                             message: "rename source \(source.string) is not found.")
        }
        defer { close(src.fd) }
        let dstDir: Directory
        do { dstDir = try parent(of: destination, as: caller) } catch let e as StoreError where e.status == 404 {
            throw StoreError(status: 404, exception: "FileNotFoundException", javaClassName: "java.io.FileNotFoundException",
                             message: "rename destination parent \(destination.parent.string) not found.")
        }
        defer { close(dstDir.fd) }
        let srcIsDir = (src.st.st_mode & S_IFMT) == S_IFDIR
        if srcIsDir, destination.segments.count + Self.height(src.fd) > Self.maxPathDepth {
            throw StoreError.invalid("Invalid path name: moving \(source.string) to \(destination.string) would make paths deeper than \(Self.maxPathDepth) components")
        }
        guard permits(caller, srcDir.meta, 3) else { throw denied(caller, "WRITE", source.parent.string, srcDir.meta, directory: true) }
        guard permits(caller, dstDir.meta, 3) else { throw denied(caller, "WRITE", destination.parent.string, dstDir.meta, directory: true) }
        try checkSticky(caller, parent: srcDir.meta, entry: src.meta, path: source)
        if let existing = try entry(dstDir, destination.name, path: destination) {
            let existingIsDir = (existing.st.st_mode & S_IFMT) == S_IFDIR
            close(existing.fd)
            guard overwrite else { throw StoreError.exists("rename destination \(destination.string) already exists") }
            guard !srcIsDir, !existingIsDir else {
                throw StoreError.io("rename cannot overwrite \(destination.string): only a file replaces a file here")
            }
            try checkSticky(caller, parent: dstDir.meta, entry: existing.meta, path: destination)
            guard renameat(srcDir.fd, source.name, dstDir.fd, destination.name) == 0 else {
                throw StoreError.io("cannot rename \(source.string) to \(destination.string): \(String(cString: strerror(errno)))")
            }
            return
        }
        guard flinkctl_renameat_noreplace(srcDir.fd, source.name, dstDir.fd, destination.name) == 0 else {
            if errno == EEXIST { throw StoreError.exists("rename destination \(destination.string) already exists") }
            throw StoreError.io("cannot rename \(source.string) to \(destination.string): \(String(cString: strerror(errno)))")
        }
    }
}

/// HDFS's file checksum for a replicated file written with CRC32C and 512
/// bytes per checksum: for each block, the MD5 of the big-endian CRC32C of
/// each 512-byte chunk (the last one partial); for the file, the MD5 of the
/// blocks' MD5s laid out in a buffer of 32·2^k bytes, zero-padded, as
/// Hadoop's DataOutputBuffer holds them. `crcPerBlock` is 0 for a file of
/// one block and the first block's CRC count for more. An empty file has
/// Hadoop's fixed answer: CRC32, 0, 0 and the MD5 of 32 zero bytes.
struct FileChecksum: Sendable, Equatable {
    var algorithm: String
    /// bytesPerCRC (4 bytes), crcPerBlock (8), MD5 (16): 28 bytes.
    var bytes: [UInt8]

    var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }

    struct Computer {
        let blockSize: Int64
        let bytesPerCRC: Int
        private var blockMD5s: [[UInt8]] = []
        private var blockHash = Insecure.MD5()
        private var inBlock: Int64 = 0
        private var chunk = CRC32C()
        private var inChunk = 0
        private var firstBlockCRCs: Int64 = 0
        private var crcsInBlock: Int64 = 0
        private var total: Int64 = 0

        init(blockSize: Int64, bytesPerCRC: Int) {
            self.blockSize = blockSize
            self.bytesPerCRC = bytesPerCRC
        }

        mutating func update(_ data: ArraySlice<UInt8>) {
            var i = data.startIndex
            while i < data.endIndex {
                let take = min(data.endIndex - i, bytesPerCRC - inChunk, Int(blockSize - inBlock))
                chunk.update(data[i..<(i + take)])
                i += take
                inChunk += take
                inBlock += Int64(take)
                total += Int64(take)
                if inChunk == bytesPerCRC { endChunk() }
                if inBlock == blockSize { endBlock() }
            }
        }

        private mutating func endChunk() {
            guard inChunk > 0 else { return }
            let crc = chunk.value
            blockHash.update(data: [UInt8(crc >> 24), UInt8((crc >> 16) & 0xff), UInt8((crc >> 8) & 0xff), UInt8(crc & 0xff)])
            chunk = CRC32C()
            inChunk = 0
            crcsInBlock += 1
        }

        private mutating func endBlock() {
            endChunk()
            guard inBlock > 0 else { return }
            blockMD5s.append(Array(blockHash.finalize()))
            if blockMD5s.count == 1 { firstBlockCRCs = crcsInBlock }
            blockHash = Insecure.MD5()
            inBlock = 0
            crcsInBlock = 0
        }

        mutating func finish() -> FileChecksum {
            endBlock()
            if total == 0 {
                return FileChecksum.make(bytesPerCRC: 0, crcPerBlock: 0, md5: Array(Insecure.MD5.hash(data: [UInt8](repeating: 0, count: 32))),
                                         type: "CRC32")
            }
            var capacity = 32
            while capacity < blockMD5s.count * 16 { capacity *= 2 }
            var buffer = blockMD5s.flatMap { $0 }
            buffer += [UInt8](repeating: 0, count: capacity - buffer.count)
            let crcPerBlock = blockMD5s.count > 1 ? firstBlockCRCs : 0
            return FileChecksum.make(bytesPerCRC: bytesPerCRC, crcPerBlock: crcPerBlock,
                                     md5: Array(Insecure.MD5.hash(data: buffer)), type: "CRC32C")
        }
    }

    static func make(bytesPerCRC: Int, crcPerBlock: Int64, md5: [UInt8], type: String) -> FileChecksum {
        var bytes: [UInt8] = []
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8((UInt32(bytesPerCRC) >> UInt32(shift)) & 0xff)) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8((UInt64(crcPerBlock) >> UInt64(shift)) & 0xff)) }
        bytes += md5
        return FileChecksum(algorithm: "MD5-of-\(crcPerBlock)MD5-of-\(bytesPerCRC)\(type)", bytes: bytes)
    }
}

/// CRC-32C (Castagnoli), as HDFS checksums its data.
struct CRC32C {
    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }
    private var crc: UInt32 = 0xFFFF_FFFF

    mutating func update(_ data: ArraySlice<UInt8>) {
        var c = crc
        Self.table.withUnsafeBufferPointer { t in
            for b in data { c = t[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        }
        crc = c
    }

    var value: UInt32 { crc ^ 0xFFFF_FFFF }
}
