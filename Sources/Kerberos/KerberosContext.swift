import CKrb5
import Foundation

/// Owns one `krb5_context`. A context is not safe to share between threads
/// (MIT's rule), so this class is not `Sendable`: make one where it is used.
public final class KerberosContext {
    let raw: krb5_context

    public init() throws {
        var ctx: krb5_context?
        let code = krb5_init_context(&ctx)
        guard code == 0, let ctx else {
            throw KerberosError(code: .configuration,
                                message: "cannot initialise Kerberos (krb5.conf from KRB5_CONFIG or /etc/krb5.conf)",
                                krb5Code: code, libraryMessage: "krb5 error \(code)")
        }
        raw = ctx
    }

    deinit { krb5_free_context(raw) }

    /// krb5's own words for `code`, with the detail it kept for the last failure.
    func message(_ code: krb5_error_code) -> String {
        guard let m = krb5_get_error_message(raw, code) else { return "krb5 error \(code)" }
        defer { krb5_free_error_message(raw, m) }
        return String(cString: m)
    }

    /// Throws a `KerberosError` for a non-zero krb5 return code.
    func check(_ code: krb5_error_code, _ doing: @autoclosure () -> String) throws {
        guard code != 0 else { return }
        let kind = KerberosError.code(for: code)
        throw KerberosError(code: kind, message: doing(), hint: KerberosError.hint(for: kind),
                            krb5Code: code, libraryMessage: message(code))
    }

    /// The realm from krb5.conf's `default_realm`, if any.
    public var defaultRealm: String? {
        var realm: UnsafeMutablePointer<CChar>?
        guard krb5_get_default_realm(raw, &realm) == 0, let realm else { return nil }
        defer { krb5_free_default_realm(raw, realm) }
        return String(cString: realm)
    }

    /// Parses a principal name (the default realm is added when it has none).
    func parse(_ name: String) throws -> OwnedPrincipal {
        var p: krb5_principal?
        try check(krb5_parse_name(raw, name, &p), "'\(name)' is not a valid Kerberos principal name")
        return OwnedPrincipal(context: self, raw: p!)
    }

    func unparse(_ p: krb5_const_principal?) -> String {
        guard let p else { return "" }
        var s: UnsafeMutablePointer<CChar>?
        guard krb5_unparse_name(raw, p, &s) == 0, let s else { return "?" }
        defer { krb5_free_unparsed_name(raw, s) }
        return String(cString: s)
    }

    /// "aes256-cts-hmac-sha1-96" for an enctype number.
    func enctypeName(_ e: krb5_enctype) -> String {
        var buf = [CChar](repeating: 0, count: 128)
        guard krb5_enctype_to_name(e, 0, &buf, buf.count) == 0 else { return "enctype \(e)" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Owns one `krb5_principal`, freed with the context that made it.
final class OwnedPrincipal {
    let context: KerberosContext
    let raw: krb5_principal

    init(context: KerberosContext, raw: krb5_principal) {
        self.context = context
        self.raw = raw
    }

    deinit { krb5_free_principal(context.raw, raw) }

    var name: String { context.unparse(raw) }
}

/// A principal name as text: `primary[/instance]@REALM`.
public struct PrincipalName: Sendable, Equatable, CustomStringConvertible {
    public var components: [String]
    public var realm: String?

    /// Splits on unescaped `/` and `@`, as krb5_parse_name does.
    public init(_ text: String) {
        var components: [String] = []
        var current = ""
        var realm: String?
        var escaped = false
        var inRealm = false
        for ch in text {
            if escaped { current.append(ch); escaped = false; continue }
            if ch == "\\" { escaped = true; continue }
            if !inRealm && ch == "/" { components.append(current); current = ""; continue }
            if !inRealm && ch == "@" { components.append(current); current = ""; inRealm = true; continue }
            current.append(ch)
        }
        if inRealm { realm = current } else { components.append(current) }
        self.components = components
        self.realm = realm
    }

    /// The short user name Hadoop's `DEFAULT` auth_to_local rule gives:
    /// the first component (`alice/admin@R` → `alice`, `HTTP/host@R` → `HTTP`).
    public var shortName: String { components.first ?? "" }

    /// The host of a service principal such as `HTTP/host@REALM`.
    public var instance: String? { components.count > 1 ? components[1] : nil }

    public var description: String {
        components.joined(separator: "/") + (realm.map { "@\($0)" } ?? "")
    }
}
