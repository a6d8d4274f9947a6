import Crypto
import Foundation

/// WebHDFS delegation tokens, as the NameNode issues them on a Kerberized
/// cluster: Hadoop's `WebHdfsFileSystem` asks for one over SPNEGO
/// (GETDELEGATIONTOKEN) and then sends it as `delegation=` on every call,
/// with no Kerberos at all; RENEWDELEGATIONTOKEN and CANCELDELEGATIONTOKEN
/// need Kerberos again.
///
/// The wire form is Hadoop's `Token.encodeToUrlString()`: URL-safe base64,
/// without padding, of the identifier and password (each a vint length and
/// the bytes), the kind and the service (each a Text). The identifier is an
/// `AbstractDelegationTokenIdentifier`: version 0, owner, renewer and real
/// user (Text), issue and maximum dates (vlong), sequence number and master
/// key id (vint). The password is HMAC-SHA1 of the identifier with the master
/// key, as Hadoop's SecretManager computes it.
///
/// The master key lives in this process only (never in a state file): a
/// restarted cluster has a new one, and clients ask for a new token.
final class DelegationTokens: @unchecked Sendable {
    // @unchecked: `tokens` and `sequence` are touched only under `lock`.
    static let kind = "WEBHDFS delegation"
    /// `dfs.namenode.delegation.token.renew-interval` and `max-lifetime`.
    let renewInterval: Int64 = 24 * 3600 * 1000
    let maxLifetime: Int64 = 7 * 24 * 3600 * 1000

    private let key = SymmetricKey(size: .bits256)
    private let masterKeyId = 1
    private let lock = NSLock()
    private var sequence = 0
    /// Sequence number → when the token expires unless renewed; a cancelled
    /// or expired token is not here.
    private var tokens: [Int: Int64] = [:]

    struct Identifier: Equatable {
        var owner: String
        var renewer: String
        var realUser: String
        var issueDate: Int64
        var maxDate: Int64
        var sequenceNumber: Int
        var masterKeyId: Int
    }

    enum Invalid: Error, Equatable {
        case malformed, forged, expired, unknown
        var message: String {
            switch self {
            case .malformed: "the delegation token cannot be read"
            case .forged: "the delegation token's password does not match (it was not issued here, or the cluster was restarted)"
            case .expired: "the delegation token has expired"
            case .unknown: "the delegation token can't be found in cache (cancelled, expired, or issued before the cluster restarted)"
            }
        }
    }

    /// A new token for `owner` (a principal), renewable by `renewer` (a short name).
    func issue(owner: String, renewer: String, service: String, now: Int64) -> String {
        let id: Identifier = lock.withLock {
            sequence += 1
            let id = Identifier(owner: owner, renewer: renewer, realUser: "", issueDate: now,
                                maxDate: now + maxLifetime, sequenceNumber: sequence, masterKeyId: masterKeyId)
            tokens[id.sequenceNumber] = min(now + renewInterval, id.maxDate)
            return id
        }
        let identifier = Self.encode(id)
        var w = Writer()
        w.vint(identifier.count); w.bytes(identifier)
        let password = password(identifier)
        w.vint(password.count); w.bytes(password)
        w.text(Self.kind); w.text(service)
        return Self.base64URL(w.data)
    }

    /// The token's identifier, if it is one this process issued and still honours.
    func verify(_ token: String, now: Int64) throws(Invalid) -> Identifier {
        let (id, identifier, password) = try Self.decode(token)
        guard Array(HMAC<Insecure.SHA1>.authenticationCode(for: identifier, using: key)) == password else { throw .forged }
        guard id.masterKeyId == masterKeyId else { throw .forged }
        let expiry: Int64? = lock.withLock { tokens[id.sequenceNumber] }
        guard let expiry else { throw .unknown }
        guard now <= expiry, now <= id.maxDate else { throw .expired }
        return id
    }

    /// RENEWDELEGATIONTOKEN by `caller` (a short name): only the renewer may.
    func renew(_ token: String, by caller: String, now: Int64) throws -> Int64 {
        let id = try verify(token, now: now)
        guard !id.renewer.isEmpty, id.renewer == caller else {
            throw LocalClusterError(.forbidden, "\(caller) tries to renew a token (sequence number \(id.sequenceNumber)) with non-matching renewer \(id.renewer)")
        }
        let expiry = min(now + renewInterval, id.maxDate)
        lock.withLock { tokens[id.sequenceNumber] = expiry }
        return expiry
    }

    /// CANCELDELEGATIONTOKEN by `caller`: its owner or renewer may.
    func cancel(_ token: String, by caller: String, ownerShortName: (String) -> String) throws {
        let (id, identifier, password) = try Self.decodeOrThrow(token)
        guard Array(HMAC<Insecure.SHA1>.authenticationCode(for: identifier, using: key)) == password else {
            throw LocalClusterError(.forbidden, Invalid.forged.message)
        }
        guard caller == id.renewer || caller == ownerShortName(id.owner) else {
            throw LocalClusterError(.forbidden, "\(caller) is not authorized to cancel the token (sequence number \(id.sequenceNumber))")
        }
        let removed = lock.withLock { tokens.removeValue(forKey: id.sequenceNumber) }
        guard removed != nil else { throw LocalClusterError(.forbidden, Invalid.unknown.message) }
    }

    func password(_ identifier: [UInt8]) -> [UInt8] {
        Array(HMAC<Insecure.SHA1>.authenticationCode(for: identifier, using: key))
    }

    // MARK: - Hadoop's encodings

    static func decodeOrThrow(_ token: String) throws -> (Identifier, [UInt8], [UInt8]) {
        do { return try decode(token) } catch { throw LocalClusterError(.forbidden, error.message) }
    }

    static func decode(_ token: String) throws(Invalid) -> (Identifier, [UInt8], [UInt8]) {
        guard token.utf8.count <= 4096, let data = fromBase64URL(token) else { throw .malformed }
        var r = Reader(bytes: data)
        guard let idLength = r.vint(), idLength >= 0, let identifier = r.bytes(idLength),
              let pwLength = r.vint(), pwLength >= 0, let password = r.bytes(pwLength),
              let kind = r.text(), kind == Self.kind, r.text() != nil else { throw .malformed }
        var ir = Reader(bytes: identifier)
        guard ir.byte() == 0, let owner = ir.text(), let renewer = ir.text(), let realUser = ir.text(),
              let issue = ir.vlong(), let max = ir.vlong(), let seq = ir.vint(), let keyId = ir.vint(), ir.atEnd else {
            throw .malformed
        }
        return (Identifier(owner: owner, renewer: renewer, realUser: realUser, issueDate: issue, maxDate: max,
                           sequenceNumber: seq, masterKeyId: keyId), identifier, password)
    }

    static func encode(_ id: Identifier) -> [UInt8] {
        var w = Writer()
        w.bytes([0])
        w.text(id.owner); w.text(id.renewer); w.text(id.realUser)
        w.vlong(id.issueDate); w.vlong(id.maxDate)
        w.vint(id.sequenceNumber); w.vint(id.masterKeyId)
        return w.data
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func fromBase64URL(_ s: String) -> [UInt8]? {
        guard s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "=") }) else { return nil }
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            .replacingOccurrences(of: "=", with: "")
        while b.count % 4 != 0 { b += "=" }
        return Data(base64Encoded: b).map(Array.init)
    }

    /// Hadoop's WritableUtils and Text, writing.
    struct Writer {
        var data: [UInt8] = []
        mutating func bytes(_ b: [UInt8]) { data += b }
        mutating func vint(_ i: Int) { vlong(Int64(i)) }
        mutating func vlong(_ value: Int64) {
            if value >= -112 && value <= 127 { data.append(UInt8(bitPattern: Int8(value))); return }
            var i = value
            var len: Int64 = -112
            if i < 0 { i = ~i; len = -120 }
            var tmp = i
            while tmp != 0 { tmp >>= 8; len -= 1 }
            data.append(UInt8(bitPattern: Int8(len)))
            let count = len < -120 ? -(len + 120) : -(len + 112)
            for idx in stride(from: count, to: 0, by: -1) {
                data.append(UInt8((i >> ((idx - 1) * 8)) & 0xff))
            }
        }
        mutating func text(_ s: String) { let u = Array(s.utf8); vint(u.count); data += u }
    }

    /// Hadoop's WritableUtils and Text, reading; nil on anything malformed.
    struct Reader {
        let bytes: [UInt8]
        var at = 0
        var atEnd: Bool { at == bytes.count }
        mutating func byte() -> UInt8? { guard at < bytes.count else { return nil }; at += 1; return bytes[at - 1] }
        mutating func bytes(_ n: Int) -> [UInt8]? {
            guard n >= 0, n <= bytes.count - at else { return nil }
            defer { at += n }
            return Array(bytes[at..<at + n])
        }
        mutating func vlong() -> Int64? {
            guard let first = byte() else { return nil }
            let f = Int8(bitPattern: first)
            if f >= -112 { return Int64(f) }
            let negative = f < -120
            let count = negative ? -(Int(f) + 120) : -(Int(f) + 112)
            guard (1...8).contains(count) else { return nil }
            var i: Int64 = 0
            for _ in 0..<count {
                guard let b = byte() else { return nil }
                i = (i << 8) | Int64(b)
            }
            return negative ? ~i : i
        }
        mutating func vint() -> Int? {
            guard let v = vlong(), v >= Int64(Int32.min), v <= Int64(Int32.max) else { return nil }
            return Int(v)
        }
        mutating func text() -> String? {
            guard let n = vint(), n <= 4096, let b = bytes(n) else { return nil }
            return String(bytes: b, encoding: .utf8)
        }
    }
}
