import Crypto
import Foundation
import Hummingbird
import HTTPTypes
import Kerberos

/// Kerberos mode of the embedded cluster (`local start --kerberos`).
public struct KerberosServerSettings: Sendable, Equatable {
    /// Keytab holding the service key, e.g. `HTTP.keytab`.
    public var keytab: String
    /// The service principal, e.g. `HTTP/localhost@EXAMPLE.COM`.
    public var principal: String
    /// Users who may kill, flex, stop and destroy anyone's applications and services.
    public var admins: Set<String>
    /// Longest life of a `hadoop.auth` cookie (`hadoop.http.authentication.token.validity`).
    public var tokenValidity: Duration

    public init(keytab: String, principal: String, admins: Set<String> = [], tokenValidity: Duration = .seconds(36000)) {
        self.keytab = keytab
        self.principal = principal
        self.admins = admins
        self.tokenValidity = tokenValidity
    }
}

/// Hadoop's `AuthenticationFilter` with the Kerberos handler, for the
/// embedded cluster: a request is let through with a valid signed
/// `hadoop.auth` cookie or a valid `Authorization: Negotiate` token; any other
/// gets 401 with `WWW-Authenticate: Negotiate`.
///
/// One deliberate difference from Hadoop: a cookie never outlives the ticket
/// that earned it, so a client whose ticket has ended must log in again.
final class SPNEGOAuthenticator: Sendable {
    let acceptor: SPNEGOAcceptor
    let settings: KerberosServerSettings
    /// Signs cookies; random per process, so a restart invalidates them all.
    private let secret = SymmetricKey(size: .bits256)

    /// Cookies carry `Secure` (the cluster serves HTTPS only).
    let secureCookies: Bool

    init(settings: KerberosServerSettings, secureCookies: Bool = false) throws {
        self.settings = settings
        self.secureCookies = secureCookies
        self.acceptor = try SPNEGOAcceptor(keytab: settings.keytab, principal: settings.principal)
    }

    enum Outcome {
        /// Let through as `user`; add these headers to the answer.
        case authenticated(user: String, headers: [(HTTPField.Name, String)])
        /// Answer 401 with this reason.
        case challenge(reason: String, token: [UInt8]?)
        /// Authenticated, but refused: answer 403 with this reason.
        case refused(reason: String)
    }

    /// Whether a user or principal name can stand in a token: none of the
    /// token's separators, quotes, spaces or control characters.
    static func safeInToken(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 1024 && s.unicodeScalars.allSatisfy { c in
            c.value > 0x20 && c.value != 0x7f && !"&=\";,\\".unicodeScalars.contains(c)
        }
    }

    func authenticate(_ request: Request, now: Date = Date()) -> Outcome {
        if let cookie = Self.cookie(request.headers[.cookie] ?? ""), let user = verify(cookie, now: now) {
            return .authenticated(user: user, headers: [])
        }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("negotiate ") else {
            return .challenge(reason: "Authentication required: this cluster uses Kerberos (SPNEGO). Log in (kinit, or --keytab and --principal) and use Negotiate.", token: nil)
        }
        let b64 = header.dropFirst("negotiate ".count).trimmingCharacters(in: .whitespaces)
        guard let token = Data(base64Encoded: b64), !token.isEmpty else {
            return .challenge(reason: "Authorization: Negotiate carries no valid base64 token", token: nil)
        }
        let accepted: SPNEGOAcceptor.Acceptance
        do {
            accepted = try acceptor.accept(token: Array(token))
        } catch let e as KerberosError {
            return .challenge(reason: "Kerberos authentication failed: \(e.description)", token: nil)
        } catch {
            return .challenge(reason: "Kerberos authentication failed: \(error)", token: nil)
        }
        let client = PrincipalName(accepted.client)
        let user = client.shortName
        // Hadoop's DEFAULT rule maps principals of the default realm only, and
        // at most user/host: alice@OTHER.REALM is not the local alice.
        guard client.realm == PrincipalName(settings.principal).realm, (1...2).contains(client.components.count) else {
            return .refused(reason: "The principal \(accepted.client) maps to no user here: only NAME or NAME/HOST principals of this cluster's realm do")
        }
        // A name holding a separator could forge fields of the signed token
        // (`a&u=admin`): refused rather than escaped, as no Hadoop service
        // would map such a principal to a user either.
        guard Self.safeInToken(user), Self.safeInToken(accepted.client) else {
            return .refused(reason: "The principal's name holds a character that is not allowed in a user name (one of & = \" ; , \\ space or control)")
        }
        let nowMs = Int64(now.timeIntervalSince1970 * 1000)
        let validity = settings.tokenValidity.components.seconds.multipliedReportingOverflow(by: 1000)
        let validityMs = validity.overflow ? Int64.max : validity.partialValue
        let lifetimeMs = Int64(accepted.lifetime).multipliedReportingOverflow(by: 1000)
        let (expires, late) = nowMs.addingReportingOverflow(min(validityMs, lifetimeMs.overflow ? Int64.max : lifetimeMs.partialValue))
        let expiry = late ? Int64.max : expires
        var headers: [(HTTPField.Name, String)] = [
            (.setCookie, "hadoop.auth=\"\(sign(user: user, principal: accepted.client, expires: expiry))\"; Path=/; HttpOnly" + (secureCookies ? "; Secure" : "")),
        ]
        if !accepted.outputToken.isEmpty {
            headers.append((.wwwAuthenticate, "Negotiate " + Data(accepted.outputToken).base64EncodedString()))
        }
        return .authenticated(user: user, headers: headers)
    }

    /// `u=<user>&p=<principal>&t=kerberos&e=<expiry ms>&s=<signature>`, as
    /// Hadoop's AuthToken spells it; the signature is HMAC-SHA256 of the rest.
    func sign(user: String, principal: String, expires: Int64) -> String {
        let body = "u=\(user)&p=\(principal)&t=kerberos&e=\(expires)"
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: secret)
        return body + "&s=" + Data(mac).base64EncodedString()
    }

    /// The user of a valid, unexpired token; nil otherwise.
    func verify(_ token: String, now: Date) -> String? {
        guard let range = token.range(of: "&s=", options: .backwards) else { return nil }
        let body = String(token[..<range.lowerBound])
        guard let signature = Data(base64Encoded: String(token[range.upperBound...])),
              HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: Data(body.utf8), using: secret) else {
            return nil
        }
        // Exactly the four fields, each once: a signed token is read one way only.
        var fields: [Substring: Substring] = [:]
        for f in body.split(separator: "&", omittingEmptySubsequences: false) {
            guard let eq = f.firstIndex(of: "=") else { return nil }
            let key = f[..<eq]
            guard ["u", "p", "t", "e"].contains(key), fields[key] == nil else { return nil }
            fields[key] = f[f.index(after: eq)...]
        }
        guard fields.count == 4, let e = fields["e"].flatMap({ Int64($0) }), e > Int64(now.timeIntervalSince1970 * 1000),
              let u = fields["u"], Self.safeInToken(String(u)) else { return nil }
        return String(u)
    }

    /// The value of `hadoop.auth` in a `Cookie` header, unquoted.
    static func cookie(_ header: String) -> String? {
        for part in header.split(separator: ";") {
            let p = part.trimmingCharacters(in: .whitespaces)
            guard p.hasPrefix("hadoop.auth=") else { continue }
            var v = p.dropFirst("hadoop.auth=".count)
            if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 { v = v.dropFirst().dropLast() }
            return v.isEmpty ? nil : String(v)
        }
        return nil
    }
}
