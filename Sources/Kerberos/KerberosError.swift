import CKrb5

/// A Kerberos operation that failed: what we were doing, what the user can do
/// about it, and MIT krb5's (or GSS-API's) own words.
public struct KerberosError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The keytab has no key for the principal asked for.
        public static let principalNotInKeytab = Code("principal-not-in-keytab")
        /// The KDC refused the keytab's key: the key version (kvno) is stale or the key is wrong.
        public static let wrongKey = Code("wrong-key")
        /// No KDC of the realm answered.
        public static let kdcUnreachable = Code("kdc-unreachable")
        /// This host's clock and the KDC's (or the server's) differ by more than the allowed skew.
        public static let clockSkew = Code("clock-skew")
        /// The ticket in the cache has expired.
        public static let ticketExpired = Code("ticket-expired")
        /// The KDC does not know the principal.
        public static let unknownPrincipal = Code("unknown-principal")
        /// There is no credential cache, or it holds no ticket.
        public static let noCredentials = Code("no-credentials")
        /// A keytab that group or others can read, write or execute.
        public static let insecureKeytab = Code("insecure-keytab")
        /// A file that cannot be read or does not exist.
        public static let file = Code("file")
        /// A principal name that does not parse.
        public static let badName = Code("bad-name")
        /// krb5.conf problems: no default realm, unknown realm.
        public static let configuration = Code("configuration")
        /// A SPNEGO token the acceptor refused.
        public static let rejectedToken = Code("rejected-token")
        public static let other = Code("other")
    }

    public var code: Code
    public var message: String
    /// What to do about it, when we know: e.g. the exact `chmod` command.
    public var hint: String?
    /// The krb5 error code, when the failure came from krb5.
    public var krb5Code: Int32?
    /// krb5_get_error_message or gss_display_status.
    public var libraryMessage: String?

    public init(code: Code, message: String, hint: String? = nil, krb5Code: Int32? = nil, libraryMessage: String? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
        self.krb5Code = krb5Code
        self.libraryMessage = libraryMessage
    }

    public var description: String {
        libraryMessage.map { "\(message): \($0)" } ?? message
    }

    /// Classifies a krb5 error code.
    public static func code(for krb5: Int32) -> Code {
        switch Int(krb5) {
        case Int(KRB5_KT_NOTFOUND), Int(KRB5_KT_KVNONOTFOUND): .principalNotInKeytab
        case Int(KRB5KDC_ERR_PREAUTH_FAILED), Int(KRB5KRB_AP_ERR_BAD_INTEGRITY), Int(KRB5KRB_AP_ERR_BADKEYVER): .wrongKey
        case Int(KRB5_KDC_UNREACH), Int(KRB5_REALM_CANT_RESOLVE): .kdcUnreachable
        case Int(KRB5KRB_AP_ERR_SKEW): .clockSkew
        case Int(KRB5KRB_AP_ERR_TKT_EXPIRED), Int(KRB5KDC_ERR_TGT_REVOKED): .ticketExpired
        case Int(KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN), Int(KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN): .unknownPrincipal
        case Int(KRB5_CC_NOTFOUND), Int(KRB5_FCC_NOFILE), Int(KRB5_CC_END): .noCredentials
        case Int(KRB5_REALM_UNKNOWN), Int(KRB5_CONFIG_NODEFREALM), Int(KRB5_CONFIG_BADFORMAT): .configuration
        case Int(KRB5_PARSE_MALFORMED), Int(KRB5_PARSE_ILLCHAR): .badName
        default: .other
        }
    }

    /// The next step for the common failures.
    public static func hint(for code: Code) -> String? {
        switch code {
        case .kdcUnreachable:
            "Check the realm's kdc entries in krb5.conf (KRB5_CONFIG) and that the KDC is running and reachable."
        case .clockSkew:
            "Synchronise this host's clock with the KDC's (NTP); Kerberos allows 5 minutes of skew by default."
        case .wrongKey:
            "The keytab's key is stale or wrong (the principal's key version changed?). Export a fresh keytab (kadmin: ktadd)."
        case .ticketExpired:
            "Log in again: flinkctl security kinit --keytab FILE --principal P, or kinit."
        case .unknownPrincipal:
            "Check the principal's spelling and realm; the KDC has no such principal."
        case .noCredentials:
            "Log in first: flinkctl security kinit --keytab FILE --principal P, or kinit; or give --keytab and --principal."
        default:
            nil
        }
    }
}
