import CKrb5
import Foundation

/// One ticket in a credential cache, as `klist` shows it.
public struct Ticket: Sendable, Equatable, Codable {
    public var client: String
    public var server: String
    /// Seconds since 1970.
    public var authTime: Int64
    public var startTime: Int64
    public var endTime: Int64
    /// Zero when the ticket is not renewable.
    public var renewUntil: Int64

    public func isExpired(at now: Date = Date()) -> Bool { Double(endTime) <= now.timeIntervalSince1970 }
}

/// What a credential cache holds.
public struct CredentialCacheSummary: Sendable, Equatable, Codable {
    /// `TYPE:residual`, e.g. `FILE:/tmp/krb5cc_0` or `MEMORY:flinkctl`.
    public var name: String
    public var principal: String
    public var tickets: [Ticket]

    /// The ticket-granting ticket of the principal's realm, when there is one.
    public var ticketGrantingTicket: Ticket? {
        tickets.first { $0.server.hasPrefix("krbtgt/") }
    }
}

/// Owns one `krb5_ccache` handle.
public final class CredentialCache {
    let context: KerberosContext
    let raw: krb5_ccache

    /// Opens the cache `name` (`FILE:/path`, `MEMORY:name`, or a bare path);
    /// nil opens the default cache (KRB5CCNAME, then krb5.conf, then /tmp/krb5cc_UID).
    public init(context: KerberosContext, name: String? = nil) throws {
        self.context = context
        var cc: krb5_ccache?
        if let name {
            try context.check(krb5_cc_resolve(context.raw, name, &cc), "cannot open credential cache \(name)")
        } else {
            try context.check(krb5_cc_default(context.raw, &cc), "cannot open the default credential cache")
        }
        raw = cc!
    }

    deinit { krb5_cc_close(context.raw, raw) }

    /// `TYPE:residual`.
    public var name: String {
        let type = krb5_cc_get_type(context.raw, raw).map { String(cString: $0) } ?? "FILE"
        let residual = krb5_cc_get_name(context.raw, raw).map { String(cString: $0) } ?? ""
        return "\(type):\(residual)"
    }

    /// The principal and tickets, as `klist` lists them.
    public func summary() throws -> CredentialCacheSummary {
        var principal: krb5_principal?
        try context.check(krb5_cc_get_principal(context.raw, raw, &principal), "no credentials in \(name)")
        defer { krb5_free_principal(context.raw, principal) }
        var cursor: krb5_cc_cursor?
        try context.check(krb5_cc_start_seq_get(context.raw, raw, &cursor), "cannot read credential cache \(name)")
        defer { krb5_cc_end_seq_get(context.raw, raw, &cursor) }
        var tickets: [Ticket] = []
        var creds = krb5_creds()
        while krb5_cc_next_cred(context.raw, raw, &cursor, &creds) == 0 {
            defer { krb5_free_cred_contents(context.raw, &creds) }
            let server = context.unparse(creds.server)
            // Configuration entries (krb5_ccache_conf_data/…) are not tickets.
            if server.hasPrefix("krb5_ccache_conf_data") { continue }
            tickets.append(Ticket(client: context.unparse(creds.client), server: server,
                                  authTime: Int64(creds.times.authtime), startTime: Int64(creds.times.starttime),
                                  endTime: Int64(creds.times.endtime), renewUntil: Int64(creds.times.renew_till)))
        }
        return CredentialCacheSummary(name: name, principal: context.unparse(principal), tickets: tickets)
    }

    /// Removes the cache and its tickets.
    public static func destroy(name: String) {
        guard let context = try? KerberosContext() else { return }
        var cc: krb5_ccache?
        guard krb5_cc_resolve(context.raw, name, &cc) == 0, let cc else { return }
        krb5_cc_destroy(context.raw, cc)
    }
}
