import CKrb5
import Foundation

/// Logs in from a keytab into a credential cache, as `kinit -kt` does
/// (krb5_get_init_creds_keytab with an output cache). Nothing secret passes
/// through arguments or logs: the key stays in the keytab and the cache.
public enum KeytabLogin {
    /// Logs `principal` in with its key from `keytab` and stores the
    /// ticket-granting ticket in the cache `ccache` (nil: the default cache).
    /// Returns the new ticket.
    @discardableResult
    public static func login(keytab path: String, principal: String, ccache: String? = nil) throws -> Ticket {
        try KeytabPermissions.check(path)
        let context = try KerberosContext()
        let keytab = try Keytab(context: context, path: path)
        let client = try context.parse(principal)
        let wanted = client.name
        let entries = try keytab.entries()
        if !entries.contains(where: { $0.principal == wanted }) {
            let present = Array(Set(entries.map(\.principal))).sorted()
            throw KerberosError(
                code: .principalNotInKeytab,
                message: "principal \(wanted) is not in keytab \(keytab.path)",
                hint: present.isEmpty ? "The keytab is empty." : "The keytab holds: \(present.joined(separator: ", ")). Check the spelling and the realm, or export the key with kadmin ktadd.")
        }
        let cache = try CredentialCache(context: context, name: ccache)

        var opt: UnsafeMutablePointer<krb5_get_init_creds_opt>?
        try context.check(krb5_get_init_creds_opt_alloc(context.raw, &opt), "cannot prepare the login")
        defer { krb5_get_init_creds_opt_free(context.raw, opt) }
        // The library initialises the cache and stores the new ticket in it.
        try context.check(krb5_get_init_creds_opt_set_out_ccache(context.raw, opt, cache.raw), "cannot use credential cache \(cache.name)")

        var creds = krb5_creds()
        let code = krb5_get_init_creds_keytab(context.raw, &creds, client.raw, keytab.raw, 0, nil, opt)
        if code != 0 {
            let kind = KerberosError.code(for: code)
            var message = "cannot log in as \(wanted) with keytab \(keytab.path)"
            if kind == .wrongKey {
                let kvnos = Set(entries.filter { $0.principal == wanted }.map(\.kvno)).sorted().map(String.init)
                message += " (the keytab holds key version \(kvnos.joined(separator: ", ")) and the KDC did not accept it)"
            }
            throw KerberosError(code: kind, message: message, hint: KerberosError.hint(for: kind),
                                krb5Code: code, libraryMessage: context.message(code))
        }
        defer { krb5_free_cred_contents(context.raw, &creds) }
        return Ticket(client: context.unparse(creds.client), server: context.unparse(creds.server),
                      authTime: Int64(creds.times.authtime), startTime: Int64(creds.times.starttime),
                      endTime: Int64(creds.times.endtime), renewUntil: Int64(creds.times.renew_till))
    }

    /// The keytab's entries, as `klist -ket` lists them.
    public static func entries(keytab path: String) throws -> [KeytabEntry] {
        let context = try KerberosContext()
        return try Keytab(context: context, path: path).entries()
    }

    /// The tickets in `ccache` (nil: the default cache). Throws
    /// `.noCredentials` when there is none.
    public static func tickets(ccache: String? = nil) throws -> CredentialCacheSummary {
        let context = try KerberosContext()
        return try CredentialCache(context: context, name: ccache).summary()
    }
}

/// A keytab login kept fresh for a long-lived client: logs in once into a
/// private in-memory cache, again when the ticket is close to its end, and
/// again on demand after a server refused the ticket (HTTP 401).
///
/// GSS-API (and so libcurl's SPNEGO) reads the cache named by `KRB5CCNAME`;
/// `activate()` points it at this session's private cache.
public final class KeytabSession: @unchecked Sendable {
    // @unchecked: the mutable fields are touched only while `lock` is held.
    public let keytab: String
    public let principal: String
    /// `MEMORY:flinkctl-PID-N`: private to this process, never on disk.
    public let cacheName: String
    /// Log in again when the ticket has less than this left.
    public var margin: TimeInterval
    private let lock = NSLock()
    private var ticket: Ticket?
    private var loginCount = 0

    public init(keytab: String, principal: String, margin: TimeInterval = 60) throws {
        try KeytabPermissions.check(keytab)
        self.keytab = keytab
        self.principal = principal
        self.margin = margin
        self.cacheName = "MEMORY:flinkctl-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    deinit { CredentialCache.destroy(name: cacheName) }

    /// How many times this session logged in.
    public var logins: Int { lock.withLock { loginCount } }

    /// The current ticket's end, if logged in.
    public var ticketEnd: Date? { lock.withLock { ticket.map { Date(timeIntervalSince1970: Double($0.endTime)) } } }

    /// Sets `KRB5CCNAME` to this session's cache, for GSS-API in this process.
    /// Call it before the first request; environment changes are process-wide.
    public func activate() {
        setenv("KRB5CCNAME", cacheName, 1)
    }

    /// Logs in if there is no ticket yet or the ticket ends within `margin`
    /// (bounded by half the ticket's lifetime, for short-lived test realms).
    public func ensureFresh(now: Date = Date()) throws {
        try lock.withLock {
            if let t = ticket {
                let life = Double(t.endTime - t.startTime)
                let lead = min(margin, life / 2)
                if now.timeIntervalSince1970 < Double(t.endTime) - lead { return }
            }
            try loginLocked()
        }
    }

    /// Logs in afresh, whatever the current ticket's state.
    public func renew() throws {
        try lock.withLock { try loginLocked() }
    }

    private func loginLocked() throws {
        ticket = try KeytabLogin.login(keytab: keytab, principal: principal, ccache: cacheName)
        loginCount += 1
    }
}
