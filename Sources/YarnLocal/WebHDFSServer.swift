import Foundation
import Hadoop
import Hummingbird
import HTTPTypes
import NIOCore

/// WebHDFS (`/webhdfs/v1`) on the embedded cluster: the NameNode and the one
/// DataNode in one, over the jailed store of `HDFSStore`. It answers as
/// Hadoop does: CREATE, APPEND and OPEN redirect (307) from the NameNode step
/// to the DataNode step (`&datanode=true` here), CREATE's second step answers
/// 201, MKDIRS, RENAME and DELETE `{"boolean": …}`, errors a RemoteException
/// with Java's exception names and Hadoop's statuses (FileNotFoundException
/// 404, IllegalArgument 400, AccessControl, FileAlreadyExists, quota and
/// other IOExceptions 403). Default permissions are HDFS's: 755 for
/// directories, 644 for files, no umask. Files belong to the user who wrote
/// them: the Kerberos principal's short name, or simple authentication's
/// `user.name`, which changes require (reads without it are `dr.who`'s, as
/// Hadoop's static web user).
extension RESTRouter {
    typealias WebHDFSError = HDFSStore.StoreError

    func webhdfsRoute(_ request: Request, _ parts: [String]) async -> Response {
        do {
            return try await webhdfs(request, parts)
        } catch let e as HDFSStore.StoreError {
            return json(RemoteExceptionBody(exception: e.exception, message: e.message, javaClassName: e.javaClassName),
                        status: e.status)
        } catch let e as LocalClusterError {
            return json(e.remoteException, status: e.status)
        } catch {
            return json(RemoteExceptionBody(exception: "IOException", message: "\(error)", javaClassName: "java.io.IOException"),
                        status: 403)
        }
    }

    /// Who the request is from, for the store's permission checks.
    private func hdfsCaller(_ request: Request, change: Bool) throws -> HDFSStore.Caller {
        if change { return cluster.hdfs.caller(try requireUser(request)) }
        return cluster.hdfs.caller(user(request) ?? "dr.who")
    }

    private func webhdfs(_ request: Request, _ parts: [String]) async throws -> Response {
        let path = try HDFSStore.Path(decodedSegments: parts)
        guard let op = try param(request, "op")?.uppercased(), !op.isEmpty else {
            throw WebHDFSError.invalid("Invalid value for webhdfs parameter \"op\": null")
        }
        let method = request.method
        let onDataNode = try param(request, "datanode") == "true"
        let store = cluster.hdfs

        switch (method, op) {
        case (.get, "GETFILESTATUS"):
            let caller = try hdfsCaller(request, change: false)
            guard let status = try store.status(path, as: caller) else { throw WebHDFSError.notFound(path.string) }
            return json(HDFSFileStatusEnvelope(fileStatus: Self.fileStatus(status, suffix: "")))

        case (.get, "LISTSTATUS"):
            let caller = try hdfsCaller(request, change: false)
            let entries = try store.list(path, as: caller)
            return json(HDFSFileStatusesEnvelope(entries.map { Self.fileStatus($0.status, suffix: $0.name) }))

        case (.get, "LISTSTATUS_BATCH"):
            // One batch holds the whole listing: `remainingEntries` is 0.
            let caller = try hdfsCaller(request, change: false)
            var entries = try store.list(path, as: caller)
            if let after = try param(request, "startafter"), !after.isEmpty { entries = entries.filter { $0.name > after } }
            let statuses = entries.map { Self.fileStatus($0.status, suffix: $0.name) }
            return json(DirectoryListingEnvelope(listing: .init(partial: .init(statuses: HDFSFileStatusesEnvelope(statuses).fileStatuses), remainingEntries: 0)))

        case (.get, "GETHOMEDIRECTORY"):
            let caller = try hdfsCaller(request, change: false)
            return json(["Path": "/user/\(caller.name)"])

        case (.put, "MKDIRS"):
            let caller = try hdfsCaller(request, change: true)
            let mode = try permission(request, default: 0o755)
            let dir = try store.mkdirs(path, mode: mode, as: caller)
            close(dir.fd)
            return json(HDFSBooleanAnswer(true))

        case (.put, "CREATE"):
            let caller = try hdfsCaller(request, change: true)
            let overwrite = try flag(request, "overwrite")
            let mode = try permission(request, default: 0o644)
            try store.checkCreate(path, overwrite: overwrite, as: caller)
            guard onDataNode else { return redirectToDataNode(request) }
            // The body goes to disk as it arrives, as a DataNode writes
            // blocks: a Flink distribution is not held in the cluster's memory.
            try await store.create(path, mode: mode, overwrite: overwrite, as: caller) { write in
                for try await chunk in request.body { try write(Array(chunk.readableBytesView)) }
            }
            var headers = HTTPFields()
            headers[.location] = "webhdfs://\(cluster.configuration.nodeHost)\(path.string)"
            headers[.contentLength] = "0"
            return Response(status: .created, headers: headers)

        case (.post, "APPEND"):
            let caller = try hdfsCaller(request, change: true)
            try store.checkAppend(path, as: caller)
            guard onDataNode else { return redirectToDataNode(request) }
            try await store.append(path, as: caller) { write in
                for try await chunk in request.body { try write(Array(chunk.readableBytesView)) }
            }
            var headers = HTTPFields()
            headers[.contentLength] = "0"
            return Response(status: .ok, headers: headers)

        case (.get, "OPEN"):
            let caller = try hdfsCaller(request, change: false)
            let offset = try number(request, "offset") ?? 0
            let wanted = try number(request, "length")
            let (fd, length) = try store.openForReading(path, as: caller)
            close(fd)
            guard onDataNode else { return redirectToDataNode(request) }
            guard offset <= length || length == 0 else {
                throw WebHDFSError.io("Offset=\(offset) out of the range [0, \(length)); OPEN, path=\(path.string)")
            }
            let count = max(0, min(wanted ?? Int64.max, length - offset))
            var headers = HTTPFields()
            headers[.contentType] = "application/octet-stream"
            // Streamed from the file opened again through the jail: a large
            // file is never held whole in memory.
            return Response(status: .ok, headers: headers, body: ResponseBody(contentLength: Int(count)) { writer in
                let (fd, _) = try store.openForReading(path, as: caller)
                defer { close(fd) }
                try await Self.stream(fd, from: offset, count: count, to: &writer)
            })

        case (.delete, "DELETE"):
            let caller = try hdfsCaller(request, change: true)
            return json(HDFSBooleanAnswer(try store.delete(path, recursive: try flag(request, "recursive"), as: caller)))

        case (.put, "RENAME"):
            let caller = try hdfsCaller(request, change: true)
            guard let d = try param(request, "destination") else {
                throw WebHDFSError.invalid("Invalid value for webhdfs parameter \"destination\": null")
            }
            let destination = try HDFSStore.Path(absolute: d)
            // With options (`hadoop fs -rm` moving to the trash sends
            // TO_TRASH), HDFS's rename2: failures are errors, the answer empty.
            if let options = try param(request, "renameoptions"), !options.isEmpty {
                var overwrite = false
                for o in options.split(separator: ",") {
                    switch o.trimmingCharacters(in: .whitespaces).uppercased() {
                    case "NONE", "TO_TRASH": break
                    case "OVERWRITE": overwrite = true
                    default:
                        throw WebHDFSError.invalid("Invalid value for webhdfs parameter \"renameoptions\": \(o.prefix(64)) is not NONE, OVERWRITE or TO_TRASH")
                    }
                }
                try store.renameStrictly(path, to: destination, overwrite: overwrite, as: caller)
                return Response(status: .ok, headers: [.contentLength: "0"])
            }
            return json(HDFSBooleanAnswer(try store.rename(path, to: destination, as: caller)))

        case (.get, "GETCONTENTSUMMARY"):
            let s = try store.contentSummary(path, as: try hdfsCaller(request, change: false))
            return json(ContentSummaryEnvelope(summary: .init(directoryCount: s.directoryCount, fileCount: s.fileCount,
                                                               length: s.length, spaceConsumed: s.length)))

        case (.get, "GETQUOTAUSAGE"):
            let s = try store.contentSummary(path, as: try hdfsCaller(request, change: false))
            return json(QuotaUsageEnvelope(usage: .init(fileAndDirectoryCount: s.fileCount + s.directoryCount, spaceConsumed: s.length)))

        case (.get, "GETFILECHECKSUM"):
            let c = try store.checksum(path, as: try hdfsCaller(request, change: false))
            return json(FileChecksumEnvelope(checksum: .init(algorithm: c.algorithm, bytes: c.hex, length: c.bytes.count)))

        case (.get, "GETSERVERDEFAULTS"):
            return json(ServerDefaultsEnvelope(defaults: .init(blockSize: HDFSStore.blockSize, bytesPerChecksum: HDFSStore.bytesPerChecksum)))

        case (.get, "GETTRASHROOT"):
            let caller = try hdfsCaller(request, change: false)
            return json(["Path": "/user/\(caller.name)/.Trash"])

        case (.put, "SETTIMES"):
            let caller = try hdfsCaller(request, change: true)
            let modification = try signedNumber(request, "modificationtime")
            let access = try signedNumber(request, "accesstime")
            try store.setTimes(path, modification: modification, access: access, as: caller)
            return Response(status: .ok, headers: [.contentLength: "0"])

        case (.put, "SETPERMISSION"):
            let caller = try hdfsCaller(request, change: true)
            try store.setPermission(path, mode: try permission(request, default: 0o755), as: caller)
            return Response(status: .ok, headers: [.contentLength: "0"])

        case (.put, "SETOWNER"):
            let caller = try hdfsCaller(request, change: true)
            let owner = try param(request, "owner").flatMap { $0.isEmpty ? nil : $0 }
            let group = try param(request, "group").flatMap { $0.isEmpty ? nil : $0 }
            guard owner != nil || group != nil else {
                throw WebHDFSError.invalid("Both owner and group are empty.")
            }
            for name in [owner, group].compactMap({ $0 }) where !Self.validPrincipalName(name) {
                throw WebHDFSError.invalid("Invalid value: \"\(name.prefix(64))\" is not a valid user or group name")
            }
            try store.setOwner(path, owner: owner, group: group, as: caller)
            return Response(status: .ok, headers: [.contentLength: "0"])

        case (.get, "GETDELEGATIONTOKEN"):
            // Without Kerberos the NameNode issues none: `{"Token":null}`.
            guard let tokens, let authenticator else { return json(TokenEnvelope(token: nil)) }
            guard !viaToken, let caller else {
                throw WebHDFSError.io("Delegation Token can be issued only with kerberos or web authentication")
            }
            // As Hadoop's token identifier keeps it: the renewer's short name
            // (Flink names its own full principal, then renews as that user).
            let renewer = Self.shortName(try param(request, "renewer").flatMap { $0.isEmpty ? nil : $0 } ?? caller)
            guard Self.validPrincipalName(renewer) else {
                throw WebHDFSError.invalid("Invalid value for webhdfs parameter \"renewer\": \(renewer.prefix(64))")
            }
            let realm = authenticator.settings.principal.split(separator: "@").last.map(String.init) ?? ""
            let c = cluster.configuration
            let port = request.head.authority.flatMap { $0.split(separator: ":").last.flatMap { Int($0) } } ?? c.port
            let token = tokens.issue(owner: "\(caller)@\(realm)", renewer: renewer, service: "\(c.nodeHost):\(port)",
                                     now: Int64(Date().timeIntervalSince1970 * 1000))
            // As the NameNode records it; the token itself is never logged.
            cluster.logger.notice("WebHDFS delegation token issued", metadata: ["owner": "\(caller)@\(realm)", "renewer": "\(renewer)"])
            return json(TokenEnvelope(token: .init(urlString: token)))

        case (.put, "RENEWDELEGATIONTOKEN"), (.put, "CANCELDELEGATIONTOKEN"):
            guard let tokens else {
                throw WebHDFSError.io("Delegation tokens are issued, renewed and cancelled only on a Kerberized cluster")
            }
            guard !viaToken, let caller else {
                throw WebHDFSError.io("Delegation Token can be renewed or cancelled only with kerberos authentication")
            }
            guard let token = try param(request, "token"), !token.isEmpty else {
                throw WebHDFSError.invalid("Invalid value for webhdfs parameter \"token\": null")
            }
            if op == "RENEWDELEGATIONTOKEN" {
                do {
                    return json(["long": try tokens.renew(token, by: caller, now: Int64(Date().timeIntervalSince1970 * 1000))])
                } catch let e as DelegationTokens.Invalid {
                    throw LocalClusterError(.forbidden, e.message)
                }
            }
            try tokens.cancel(token, by: caller, ownerShortName: Self.shortName)
            return Response(status: .ok, headers: [.contentLength: "0"])

        case (_, "GETFILESTATUS"), (_, "LISTSTATUS"), (_, "LISTSTATUS_BATCH"), (_, "GETHOMEDIRECTORY"), (_, "MKDIRS"),
             (_, "CREATE"), (_, "APPEND"), (_, "OPEN"), (_, "DELETE"), (_, "RENAME"), (_, "SETPERMISSION"), (_, "SETOWNER"),
             (_, "GETCONTENTSUMMARY"), (_, "GETQUOTAUSAGE"), (_, "GETFILECHECKSUM"), (_, "GETSERVERDEFAULTS"),
             (_, "GETTRASHROOT"), (_, "SETTIMES"), (_, "GETDELEGATIONTOKEN"), (_, "RENEWDELEGATIONTOKEN"),
             (_, "CANCELDELEGATIONTOKEN"):
            throw WebHDFSError.invalid("Invalid value for webhdfs parameter \"op\": \(op) is not a valid \(method.rawValue) operation.")
        default:
            // As the NameNode answers an op it does not know: 400
            // IllegalArgumentException, which Hadoop's client handles as an
            // IOException (an UnsupportedOperationException it throws as such,
            // and `hadoop fs` stops with a fatal internal error).
            throw WebHDFSError.invalid("Invalid value for webhdfs parameter \"op\": \(op.prefix(64)) is not supported by the embedded cluster's WebHDFS")
        }
    }

    /// Writes `count` bytes of `fd` from `offset` to a response body in
    /// 256 KiB pieces, then ends it: OPEN and container logs alike.
    static func stream(_ fd: Int32, from offset: Int64, count: Int64, to writer: inout any ResponseBodyWriter) async throws {
        var position = offset
        var left = count
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        while left > 0 {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, Int(min(Int64($0.count), left)), off_t(position)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            try await writer.write(ByteBuffer(bytes: buffer[0..<n]))
            position += Int64(n)
            left -= Int64(n)
        }
        try await writer.finish(nil)
    }

    /// A user or group name as HDFS takes it: no separators, no control characters.
    static func validPrincipalName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 255 && s.unicodeScalars.allSatisfy { c in
            c.value > 0x20 && c.value != 0x7f && !"/:&=;,\"\\".unicodeScalars.contains(c)
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

    /// A WebHDFS query parameter, as the NameNode reads them: names in any
    /// case (Hadoop's client sends `startafter`, `renameoptions`), values
    /// form-decoded once (`+` is a space, as Hadoop's URLEncoder writes it).
    func param(_ request: Request, _ name: String) throws -> String? {
        guard let query = request.uri.query, !query.isEmpty else { return nil }
        let wanted = name.lowercased()
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard kv[0].lowercased() == wanted else { continue }
            let raw = kv.count > 1 ? String(kv[1]) : ""
            guard let value = raw.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                throw WebHDFSError.invalid("Invalid value for webhdfs parameter \"\(name)\": bad percent-encoding")
            }
            return value
        }
        return nil
    }

    /// A time in milliseconds, or -1 for "unchanged" (SETTIMES).
    private func signedNumber(_ request: Request, _ name: String) throws -> Int64 {
        guard let v = try param(request, name), !v.isEmpty else { return -1 }
        guard let n = Int64(v), n >= -1, n < Int64.max / 1_000_000 else {
            throw WebHDFSError.invalid("Invalid value for webhdfs parameter \"\(name)\": \(v.prefix(64)) is not a time in milliseconds or -1")
        }
        return n
    }

    private func permission(_ request: Request, default value: Int) throws -> Int {
        guard let p = try param(request, "permission") else { return value }
        guard (1...4).contains(p.count), p.allSatisfy({ ("0"..."7").contains($0) }), let mode = Int(p, radix: 8), mode <= 0o1777 else {
            throw WebHDFSError.invalid("Invalid value for webhdfs parameter \"permission\": Invalid value: \"\(p.prefix(64))\" does not belong to the domain ^[0-1]?[0-7][0-7][0-7]$")
        }
        return mode
    }

    private func flag(_ request: Request, _ name: String) throws -> Bool {
        guard let v = try param(request, name)?.lowercased(), !v.isEmpty else { return false }
        guard v == "true" || v == "false" else {
            throw WebHDFSError.invalid("Invalid value for webhdfs parameter \"\(name)\": Failed to parse \"\(v.prefix(64))\" to Boolean.")
        }
        return v == "true"
    }

    private func number(_ request: Request, _ name: String) throws -> Int64? {
        guard let v = try param(request, name), !v.isEmpty else { return nil }
        guard let n = Int64(v), n >= 0 else {
            throw WebHDFSError.invalid("Invalid value for webhdfs parameter \"\(name)\": \(v.prefix(64)) is not a number from 0 to \(Int64.max)")
        }
        return n
    }

    static func fileStatus(_ s: HDFSStore.Status, suffix: String) -> HDFSFileStatus {
        HDFSFileStatus(accessTime: s.accessTime, blockSize: s.isDirectory ? 0 : 134_217_728,
                       childrenNum: s.children, group: s.meta.group, length: s.length,
                       modificationTime: s.modificationTime, owner: s.meta.owner, pathSuffix: suffix,
                       permission: String(s.meta.mode & 0o1777, radix: 8), replication: s.isDirectory ? 0 : 1,
                       type: s.isDirectory ? "DIRECTORY" : "FILE")
    }
}

/// LISTSTATUS_BATCH's answer.
struct DirectoryListingEnvelope: Encodable {
    struct Listing: Encodable {
        struct Partial: Encodable {
            var statuses: HDFSFileStatusesEnvelope.Statuses
            enum CodingKeys: String, CodingKey { case statuses = "FileStatuses" }
        }
        var partial: Partial
        var remainingEntries: Int
        enum CodingKeys: String, CodingKey { case partial = "partialListing", remainingEntries }
    }
    var listing: Listing
    enum CodingKeys: String, CodingKey { case listing = "DirectoryListing" }
}

/// GETCONTENTSUMMARY's answer. No quotas here: -1, as HDFS says "none";
/// replication 1, so the space consumed is the length.
struct ContentSummaryEnvelope: Encodable {
    struct Summary: Encodable {
        var directoryCount: Int64
        var ecPolicy = "Replicated"
        var fileCount: Int64
        var length: Int64
        var quota: Int64 = -1
        var spaceConsumed: Int64
        var spaceQuota: Int64 = -1
        var typeQuota: [String: Int64] = [:]
    }
    var summary: Summary
    enum CodingKeys: String, CodingKey { case summary = "ContentSummary" }
}

/// GETQUOTAUSAGE's answer.
struct QuotaUsageEnvelope: Encodable {
    struct Usage: Encodable {
        var fileAndDirectoryCount: Int64
        var quota: Int64 = -1
        var spaceConsumed: Int64
        var spaceQuota: Int64 = -1
        var typeQuota: [String: Int64] = [:]
    }
    var usage: Usage
    enum CodingKeys: String, CodingKey { case usage = "QuotaUsage" }
}

/// GETFILECHECKSUM's answer.
struct FileChecksumEnvelope: Encodable {
    struct Checksum: Encodable {
        var algorithm: String
        var bytes: String
        var length: Int
    }
    var checksum: Checksum
    enum CodingKeys: String, CodingKey { case checksum = "FileChecksum" }
}

/// GETSERVERDEFAULTS's answer: HDFS's defaults with one replica, CRC32C
/// (type 2), no encryption zones, and the trash on for a day (minutes), so
/// that `hadoop fs -rm` moves to the trash as it does on a cluster that
/// enables it. (Nothing empties the trash here: `-expunge` or `-skipTrash`.)
struct ServerDefaultsEnvelope: Encodable {
    struct Defaults: Encodable {
        var blockSize: Int64
        var bytesPerChecksum: Int
        var writePacketSize = 65_536
        var replication = 1
        var fileBufferSize = 4096
        var encryptDataTransfer = false
        var trashInterval = 1440
        var checksumType = 2
        var keyProviderUri = ""
        var defaultStoragePolicyId = 7
    }
    var defaults: Defaults
    enum CodingKeys: String, CodingKey { case defaults = "FsServerDefaults" }
}

/// GETDELEGATIONTOKEN's answer: `{"Token":{"urlString":"…"}}`, or
/// `{"Token":null}` on a cluster without Kerberos.
struct TokenEnvelope: Encodable {
    struct Token: Encodable { var urlString: String }
    var token: Token?
    enum CodingKeys: String, CodingKey { case token = "Token" }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if let token { try c.encode(token, forKey: .token) } else { try c.encodeNil(forKey: .token) }
    }
}
