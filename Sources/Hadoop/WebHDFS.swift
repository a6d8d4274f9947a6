import FlinkctlBase
import Foundation
import HTTPTransport

/// One entry of WebHDFS's GETFILESTATUS and LISTSTATUS answers.
public struct HDFSFileStatus: Codable, Sendable, Equatable {
    public var accessTime: Int64
    public var blockSize: Int64
    public var childrenNum: Int?
    public var group: String
    public var length: Int64
    public var modificationTime: Int64
    public var owner: String
    /// Empty for GETFILESTATUS; the entry's name for LISTSTATUS.
    public var pathSuffix: String
    /// Octal, as "755".
    public var permission: String
    public var replication: Int
    /// FILE, DIRECTORY or SYMLINK.
    public var type: String

    public init(accessTime: Int64, blockSize: Int64, childrenNum: Int?, group: String, length: Int64,
                modificationTime: Int64, owner: String, pathSuffix: String, permission: String, replication: Int, type: String) {
        self.accessTime = accessTime
        self.blockSize = blockSize
        self.childrenNum = childrenNum
        self.group = group
        self.length = length
        self.modificationTime = modificationTime
        self.owner = owner
        self.pathSuffix = pathSuffix
        self.permission = permission
        self.replication = replication
        self.type = type
    }

    public var isDirectory: Bool { type == "DIRECTORY" }
}

public struct HDFSFileStatusEnvelope: Codable, Sendable {
    public var fileStatus: HDFSFileStatus
    public init(fileStatus: HDFSFileStatus) { self.fileStatus = fileStatus }
    enum CodingKeys: String, CodingKey { case fileStatus = "FileStatus" }
}

public struct HDFSFileStatusesEnvelope: Codable, Sendable {
    public struct Statuses: Codable, Sendable {
        public var fileStatus: [HDFSFileStatus]
        enum CodingKeys: String, CodingKey { case fileStatus = "FileStatus" }
    }
    public var fileStatuses: Statuses
    public init(_ list: [HDFSFileStatus]) { fileStatuses = Statuses(fileStatus: list) }
    enum CodingKeys: String, CodingKey { case fileStatuses = "FileStatuses" }
}

/// `{"boolean": true}`, the answer of MKDIRS, DELETE and RENAME.
public struct HDFSBooleanAnswer: Codable, Sendable {
    public var boolean: Bool
    public init(_ value: Bool) { boolean = value }
}

/// A WebHDFS client (`/webhdfs/v1`): the calls staging needs. CREATE and OPEN
/// take the NameNode's redirect to a DataNode by hand, as Hadoop asks:
/// CREATE sends no bytes to the NameNode.
public final class WebHDFSClient: Sendable {
    public let baseURL: String
    public let user: String?
    /// Requests go through `RESTEndpoint.exchange`, as the ResourceManager's
    /// do: the `hadoop.auth` cookie a Kerberized NameNode sets is sent back
    /// (so CREATE's DataNode step needs no Negotiate round, whose 401 a server
    /// sends before it reads the body), and a 401 asking for Negotiate gets
    /// one retry with a fresh login. Redirects are taken by hand.
    private let endpoint: RESTEndpoint

    /// `baseURL`: the NameNode's HTTP address, `http://nn:9870`; `user`:
    /// simple authentication's `user.name` (nil with Kerberos); `login`: keeps
    /// a keytab login fresh for SPNEGO.
    public init(baseURL: String, user: String?, options: TransportOptions = TransportOptions(),
                login: SPNEGOLogin? = nil) throws {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.user = user
        var o = options
        o.followRedirects = false
        endpoint = try RESTEndpoint(address: ClusterAddress(urls: [self.baseURL]), options: o, login: login)
    }

    func url(_ path: String, _ op: String, _ params: [(String, String)] = []) throws -> String {
        guard path.hasPrefix("/") else {
            throw HadoopError(code: .configuration, message: "WebHDFS paths are absolute: '\(path)'")
        }
        var query = [("op", op)] + params
        if let user { query.append(("user.name", user)) }
        return "\(baseURL)/webhdfs/v1\(PercentEncoding.path(path))?\(PercentEncoding.query(query))"
    }

    func send(_ method: String, _ url: String, body: [UInt8]? = nil, expect: Set<Int>) throws -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try endpoint.exchange(method, url, body: body, contentType: "application/octet-stream")
        } catch let e as TransportError {
            throw HadoopError(code: .unreachable, message: "\(method) \(url) failed", underlying: e)
        }
        guard expect.contains(response.status) else {
            throw HadoopError.from(response: response, request: "\(method) \(url)")
        }
        return response
    }

    func decode<T: Decodable>(_ type: T.Type, _ r: HTTPResponse, _ what: String) throws -> T {
        do { return try JSONCoding.decoder.decode(T.self, from: Data(r.body)) } catch {
            throw HadoopError(code: .badResponse, message: "WebHDFS \(what) answered JSON that does not match the API: \(error)", status: r.status)
        }
    }

    /// MKDIRS: the directory and its missing parents; `permission` octal.
    @discardableResult
    public func mkdirs(_ path: String, permission: String = "755") throws -> Bool {
        let r = try send("PUT", try url(path, "MKDIRS", [("permission", permission)]), expect: [200])
        return try decode(HDFSBooleanAnswer.self, r, "MKDIRS").boolean
    }

    /// CREATE in two steps: the NameNode's 307 names the DataNode, which takes the bytes (201).
    public func create(_ path: String, data: [UInt8], permission: String = "644", overwrite: Bool = false) throws {
        let first = try send("PUT", try url(path, "CREATE", [("overwrite", String(overwrite)), ("permission", permission)]),
                             expect: [307, 200])
        let location: String?
        if first.status == 307 {
            location = first.headers["location"]
        } else {
            location = (try? JSONSerialization.jsonObject(with: Data(first.body)) as? [String: Any])?["Location"] as? String
        }
        guard let location, !location.isEmpty else {
            throw HadoopError(code: .badResponse, message: "WebHDFS CREATE \(path): the NameNode named no DataNode", status: first.status)
        }
        _ = try send("PUT", location, body: data, expect: [201])
    }

    /// OPEN: the whole file, read from the DataNode the NameNode names.
    public func open(_ path: String) throws -> [UInt8] {
        let first = try send("GET", try url(path, "OPEN"), expect: [307, 200])
        guard first.status == 307 else { return first.body }
        guard let location = first.headers["location"] else {
            throw HadoopError(code: .badResponse, message: "WebHDFS OPEN \(path): a redirect without Location", status: 307)
        }
        return try send("GET", location, expect: [200]).body
    }

    /// GETFILESTATUS; nil when nothing is at `path`.
    public func status(_ path: String) throws -> HDFSFileStatus? {
        let r = try send("GET", try url(path, "GETFILESTATUS"), expect: [200, 404])
        if r.status == 404 { return nil }
        return try decode(HDFSFileStatusEnvelope.self, r, "GETFILESTATUS").fileStatus
    }

    /// LISTSTATUS of a directory.
    public func list(_ path: String) throws -> [HDFSFileStatus] {
        let r = try send("GET", try url(path, "LISTSTATUS"), expect: [200])
        return try decode(HDFSFileStatusesEnvelope.self, r, "LISTSTATUS").fileStatuses.fileStatus
    }

    /// RENAME; false (HDFS's answer, not an error) when the source is
    /// missing or the destination is a file that exists.
    @discardableResult
    public func rename(_ path: String, to destination: String) throws -> Bool {
        let r = try send("PUT", try url(path, "RENAME", [("destination", destination)]), expect: [200])
        return try decode(HDFSBooleanAnswer.self, r, "RENAME").boolean
    }

    /// DELETE; false when nothing was there.
    @discardableResult
    public func delete(_ path: String, recursive: Bool) throws -> Bool {
        let r = try send("DELETE", try url(path, "DELETE", [("recursive", String(recursive))]), expect: [200])
        return try decode(HDFSBooleanAnswer.self, r, "DELETE").boolean
    }
}
