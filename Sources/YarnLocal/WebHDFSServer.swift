import Foundation
import Hadoop
import Hummingbird
import HTTPTypes
import NIOCore

/// WebHDFS (`/webhdfs/v1`) on the embedded cluster: the NameNode and the one
/// DataNode in one, files kept under `DIR/hdfs`. It answers as Hadoop does:
/// CREATE and OPEN redirect (307) from the NameNode step to the DataNode
/// step (`&datanode=true` here), CREATE's second step answers 201, MKDIRS,
/// RENAME and DELETE `{"boolean": …}`, errors a RemoteException with Java's exception
/// names and Hadoop's statuses (FileNotFoundException 404, IllegalArgument 400,
/// FileAlreadyExists and other IOExceptions 403). Default permissions are
/// HDFS's: 755 for directories, 644 for files, no umask. Every file belongs
/// to the cluster's Unix user; simple authentication's `user.name` is required
/// for changes, as on a Hadoop cluster without Kerberos.
extension RESTRouter {
    struct WebHDFSError: Error {
        var status: Int
        var exception: String
        var javaClassName: String
        var message: String

        static func notFound(_ path: String) -> WebHDFSError {
            WebHDFSError(status: 404, exception: "FileNotFoundException", javaClassName: "java.io.FileNotFoundException",
                         message: "File does not exist: \(path)")
        }
        static func illegal(_ message: String) -> WebHDFSError {
            WebHDFSError(status: 400, exception: "IllegalArgumentException", javaClassName: "java.lang.IllegalArgumentException",
                         message: message)
        }
        static func io(_ exception: String, _ message: String) -> WebHDFSError {
            WebHDFSError(status: 403, exception: exception, javaClassName: "java.io." + exception, message: message)
        }
    }

    var hdfsRoot: String { (cluster.configuration.directory as NSString).appendingPathComponent("hdfs") }

    func webhdfsRoute(_ request: Request, _ parts: [String]) async -> Response {
        do {
            return try await webhdfs(request, parts)
        } catch let e as WebHDFSError {
            return json(RemoteExceptionBody(exception: e.exception, message: e.message, javaClassName: e.javaClassName),
                        status: e.status)
        } catch let e as LocalClusterError {
            return json(RemoteExceptionBody(exception: "IOException", message: e.message, javaClassName: "java.io.IOException"),
                        status: e.status)
        } catch {
            return json(RemoteExceptionBody(exception: "IOException", message: "\(error)", javaClassName: "java.io.IOException"),
                        status: 500)
        }
    }

    private func webhdfs(_ request: Request, _ parts: [String]) async throws -> Response {
        guard !parts.contains(where: { $0 == ".." || $0 == "." || $0.contains("\0") }) else {
            throw WebHDFSError.illegal("Invalid path: /\(parts.joined(separator: "/"))")
        }
        let path = "/" + parts.joined(separator: "/")
        let local = (hdfsRoot as NSString).appendingPathComponent(String(path.dropFirst()))
        guard let op = query(request, "op")?.uppercased(), !op.isEmpty else {
            throw WebHDFSError.illegal("Invalid value for webhdfs parameter \"op\": null")
        }
        let method = request.method
        let onDataNode = query(request, "datanode") == "true"
        let fm = FileManager.default

        switch (method, op) {
        case (.get, "GETFILESTATUS"):
            guard let status = fileStatus(local, suffix: "") else { throw WebHDFSError.notFound(path) }
            return json(HDFSFileStatusEnvelope(fileStatus: status))

        case (.get, "LISTSTATUS"):
            guard var status = fileStatus(local, suffix: "") else { throw WebHDFSError.notFound(path) }
            if !status.isDirectory {
                status.pathSuffix = (path as NSString).lastPathComponent
                return json(HDFSFileStatusesEnvelope([status]))
            }
            let names = ((try? fm.contentsOfDirectory(atPath: local)) ?? []).filter { !$0.hasPrefix(".webhdfs-") }.sorted()
            return json(HDFSFileStatusesEnvelope(names.compactMap { fileStatus((local as NSString).appendingPathComponent($0), suffix: $0) }))

        case (.put, "MKDIRS"):
            _ = try requireUser(request)
            let mode = try permission(request, default: 0o755)
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: local, isDirectory: &isDir) {
                guard isDir.boolValue else { throw WebHDFSError.io("FileAlreadyExistsException", "Path is not a directory: \(path)") }
                return json(HDFSBooleanAnswer(true))
            }
            try makeDirectories(local, mode: mode)
            return json(HDFSBooleanAnswer(true))

        case (.put, "CREATE"):
            let overwrite = query(request, "overwrite")?.lowercased() == "true"
            var isDir: ObjCBool = false
            let exists = fm.fileExists(atPath: local, isDirectory: &isDir)
            if exists && isDir.boolValue { throw WebHDFSError.io("FileAlreadyExistsException", "\(path) already exists as a directory") }
            if exists && !overwrite { throw WebHDFSError.io("FileAlreadyExistsException", "\(path) for client already exists") }
            _ = try requireUser(request)
            guard onDataNode else { return redirectToDataNode(request) }
            let mode = try permission(request, default: 0o644)
            let parent = (local as NSString).deletingLastPathComponent
            try makeDirectories(parent, mode: 0o755)
            // Written whole, then renamed into place: a reader never sees half a
            // file. The body goes to disk as it arrives, as a DataNode writes
            // blocks: a Flink distribution is not held in the cluster's memory.
            let temporary = (parent as NSString).appendingPathComponent(".webhdfs-\(UUID().uuidString)")
            let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
            guard fd >= 0 else { throw WebHDFSError.io("IOException", "cannot write \(path): \(String(cString: strerror(errno)))") }
            do {
                for try await chunk in request.body {
                    try chunk.withUnsafeReadableBytes { bytes in
                        var done = 0
                        while done < bytes.count {
                            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
                            if n < 0 && errno == EINTR { continue }
                            guard n > 0 else { throw WebHDFSError.io("IOException", "cannot write \(path): \(String(cString: strerror(errno)))") }
                            done += n
                        }
                    }
                }
                fchmod(fd, mode_t(mode))  // no umask, as HDFS
                close(fd)
            } catch {
                close(fd)
                unlink(temporary)
                throw error
            }
            guard rename(temporary, local) == 0 else {
                unlink(temporary)
                throw WebHDFSError.io("IOException", "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            var headers = HTTPFields()
            headers[.location] = "webhdfs://\(cluster.configuration.nodeHost)\(path)"
            headers[.contentLength] = "0"
            return Response(status: .created, headers: headers)

        case (.get, "OPEN"):
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: local, isDirectory: &isDir), !isDir.boolValue else {
                throw WebHDFSError(status: 404, exception: "FileNotFoundException", javaClassName: "java.io.FileNotFoundException",
                                   message: isDir.boolValue ? "Path is not a file: \(path)" : "File does not exist: \(path)")
            }
            guard onDataNode else { return redirectToDataNode(request) }
            guard let data = fm.contents(atPath: local) else { throw WebHDFSError.io("IOException", "cannot read \(path)") }
            var headers = HTTPFields()
            headers[.contentType] = "application/octet-stream"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))

        case (.delete, "DELETE"):
            let recursive = query(request, "recursive")?.lowercased() == "true"
            var isDir: ObjCBool = false
            guard path != "/" else { return json(HDFSBooleanAnswer(false)) }
            guard fm.fileExists(atPath: local, isDirectory: &isDir) else { return json(HDFSBooleanAnswer(false)) }
            if isDir.boolValue && !recursive, let children = try? fm.contentsOfDirectory(atPath: local), !children.isEmpty {
                throw WebHDFSError.io("PathIsNotEmptyDirectoryException", "`\(path) is non empty': Directory is not empty")
            }
            try fm.removeItem(atPath: local)
            return json(HDFSBooleanAnswer(true))

        case (.put, "RENAME"):
            // As HDFS's rename: false (not an error) when the source is missing,
            // the destination's parent is missing or the destination is a file;
            // into a destination that is a directory, the source moves inside it.
            _ = try requireUser(request)
            guard let destination = query(request, "destination"), destination.hasPrefix("/") else {
                throw WebHDFSError.illegal("Invalid value for webhdfs parameter \"destination\": \(query(request, "destination") ?? "null")")
            }
            let dparts = destination.split(separator: "/").map(String.init)
            guard !dparts.contains(where: { $0 == ".." || $0 == "." || $0.contains("\0") }), !dparts.isEmpty else {
                throw WebHDFSError.illegal("Invalid path: \(destination)")
            }
            var target = (hdfsRoot as NSString).appendingPathComponent(dparts.joined(separator: "/"))
            var isDir: ObjCBool = false
            guard path != "/", fm.fileExists(atPath: local) else { return json(HDFSBooleanAnswer(false)) }
            if fm.fileExists(atPath: target, isDirectory: &isDir) {
                guard isDir.boolValue else { return json(HDFSBooleanAnswer(false)) }
                target = (target as NSString).appendingPathComponent((local as NSString).lastPathComponent)
                guard !fm.fileExists(atPath: target) else { return json(HDFSBooleanAnswer(false)) }
            }
            guard fm.fileExists(atPath: (target as NSString).deletingLastPathComponent, isDirectory: &isDir), isDir.boolValue,
                  !(target + "/").hasPrefix(local + "/") else {
                return json(HDFSBooleanAnswer(false))
            }
            guard rename(local, target) == 0 else {
                throw WebHDFSError.io("IOException", "cannot rename \(path) to \(destination): \(String(cString: strerror(errno)))")
            }
            return json(HDFSBooleanAnswer(true))

        case (_, "GETFILESTATUS"), (_, "LISTSTATUS"), (_, "MKDIRS"), (_, "CREATE"), (_, "OPEN"), (_, "DELETE"), (_, "RENAME"):
            throw WebHDFSError.illegal("Invalid value for webhdfs parameter \"op\": \(op) is not a valid \(method.rawValue) operation.")
        default:
            throw WebHDFSError(status: 400, exception: "UnsupportedOperationException", javaClassName: "java.lang.UnsupportedOperationException",
                               message: "op=\(op) is not supported by the embedded cluster's WebHDFS")
        }
    }

    /// The same request, sent to "the DataNode": this server, with `datanode=true`.
    private func redirectToDataNode(_ request: Request) -> Response {
        let c = cluster.configuration
        let port = request.head.authority.flatMap { $0.split(separator: ":").last.flatMap { Int($0) } } ?? c.port
        let target = "\(c.scheme)://\(c.nodeHost):\(port)\(request.uri.path)?\(request.uri.query ?? "")&datanode=true"
        var headers = HTTPFields()
        headers[.location] = target
        headers[.contentLength] = "0"
        return Response(status: .temporaryRedirect, headers: headers)
    }

    private func permission(_ request: Request, default value: Int) throws -> Int {
        guard let p = query(request, "permission") else { return value }
        guard (1...4).contains(p.count), p.allSatisfy({ ("0"..."7").contains($0) }), let mode = Int(p, radix: 8), mode <= 0o1777 else {
            throw WebHDFSError.illegal("Invalid value for webhdfs parameter \"permission\": Invalid value: \"\(p)\" does not belong to the domain ^[0-1]?[0-7][0-7][0-7]$")
        }
        return mode
    }

    private func makeDirectories(_ local: String, mode: Int) throws {
        // The store itself is made on the first write; reads of an empty store find nothing.
        try FileManager.default.createDirectory(atPath: hdfsRoot, withIntermediateDirectories: true)
        var missing: [String] = []
        var p = local
        while !FileManager.default.fileExists(atPath: p) && p.count > hdfsRoot.count {
            missing.append(p)
            p = (p as NSString).deletingLastPathComponent
        }
        for dir in missing.reversed() {
            // As HDFS: the directory gets `mode`, the parents made on the way
            // `mode` with u+wx added (so that the owner can go on below them).
            let m = dir == local ? mode : mode | 0o300
            guard mkdir(dir, mode_t(m)) == 0 || errno == EEXIST else {
                throw WebHDFSError.io("IOException", "cannot create \(dir.dropFirst(hdfsRoot.count)): \(String(cString: strerror(errno)))")
            }
            chmod(dir, mode_t(m))  // no umask, as HDFS
        }
    }

    /// The owner WebHDFS reports: the cluster's own Unix user, who holds every
    /// file (the embedded cluster runs as one user; `user.name` is still required).
    private func owner() -> String {
        guard let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name else { return "flinkctl" }
        return String(cString: name)
    }

    func fileStatus(_ local: String, suffix: String) -> HDFSFileStatus? {
        var st = stat()
        guard lstat(local, &st) == 0 else { return nil }
        let isDir = (st.st_mode & S_IFMT) == S_IFDIR
        let millis = Int64(st.st_mtim.tv_sec) * 1000 + Int64(st.st_mtim.tv_nsec) / 1_000_000
        let children = isDir ? ((try? FileManager.default.contentsOfDirectory(atPath: local))?.filter { !$0.hasPrefix(".webhdfs-") }.count ?? 0) : 0
        return HDFSFileStatus(accessTime: isDir ? 0 : Int64(st.st_atim.tv_sec) * 1000, blockSize: isDir ? 0 : 134_217_728,
                              childrenNum: children, group: "supergroup", length: isDir ? 0 : Int64(st.st_size),
                              modificationTime: millis, owner: owner(), pathSuffix: suffix,
                              permission: String(Int(st.st_mode) & 0o7777, radix: 8), replication: isDir ? 0 : 1,
                              type: isDir ? "DIRECTORY" : "FILE")
    }
}
