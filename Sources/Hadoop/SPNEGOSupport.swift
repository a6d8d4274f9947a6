import Foundation
import HTTPTransport

/// How a client keeps a Kerberos login usable for SPNEGO. libcurl does the
/// GSS-API exchange itself from the cache in `KRB5CCNAME`; these hooks keep a
/// ticket in that cache. The Kerberos module provides them from a keytab.
public struct SPNEGOLogin: Sendable {
    /// Called before each request: log in if there is no ticket or it is about to end.
    public var ensureTicket: @Sendable () throws -> Void
    /// Called once after a 401 that asks for Negotiate: log in afresh.
    public var renew: @Sendable () throws -> Void

    public init(ensureTicket: @escaping @Sendable () throws -> Void, renew: @escaping @Sendable () throws -> Void) {
        self.ensureTicket = ensureTicket
        self.renew = renew
    }
}

/// Hadoop's `hadoop.auth` cookie: after a successful SPNEGO exchange the
/// server sets it, and sending it back skips SPNEGO until it expires
/// (`AuthenticationFilter`; token `u=…&p=…&t=…&e=<expiry ms>&s=…`).
public final class AuthCookieJar: @unchecked Sendable {
    // @unchecked: `token` is touched only while `lock` is held.
    private let lock = NSLock()
    private var token: (value: String, expiresMillis: Int64?)?

    public init() {}

    /// The `Cookie` header value to send, while the token is valid.
    public func header(now: Date = Date()) -> String? {
        lock.withLock {
            guard let token else { return nil }
            if let e = token.expiresMillis, Int64(now.timeIntervalSince1970 * 1000) >= e {
                self.token = nil
                return nil
            }
            return "hadoop.auth=\"\(token.value)\""
        }
    }

    /// Takes the cookie from the response's `Set-Cookie` fields (whichever
    /// of them sets `hadoop.auth`, among other cookies); an empty one (sent
    /// with a 401) clears it.
    public func absorb(_ response: HTTPResponse) {
        guard let value = response.headers.values(for: "set-cookie").compactMap(Self.hadoopAuthValue).last else { return }
        lock.withLock {
            token = value.isEmpty ? nil : (value, Self.expiry(of: value))
        }
    }

    public func clear() { lock.withLock { token = nil } }

    /// The value of `hadoop.auth` in a `Set-Cookie` header, unquoted.
    static func hadoopAuthValue(_ header: String) -> String? {
        guard header.hasPrefix("hadoop.auth=") else { return nil }
        var rest = header.dropFirst("hadoop.auth=".count)
        if rest.first == "\"" {
            rest = rest.dropFirst()
            guard let close = rest.firstIndex(of: "\"") else { return nil }
            return String(rest[..<close])
        }
        return String(rest.prefix { $0 != ";" })
    }

    /// The `e=` field of a token: expiry in milliseconds since 1970.
    static func expiry(of token: String) -> Int64? {
        for field in token.split(separator: "&") where field.hasPrefix("e=") {
            return Int64(field.dropFirst(2))
        }
        return nil
    }
}
