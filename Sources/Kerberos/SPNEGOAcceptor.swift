import CKrb5
import Foundation

/// The server side of SPNEGO (RFC 4559): checks the GSS-API token of an
/// `Authorization: Negotiate` header against a service key from a keytab.
///
/// Owns one acceptor credential (`gss_cred_id_t`) bound to the keytab through
/// `gss_acquire_cred_from` with a `keytab` credential store, so the process
/// environment (`KRB5_KTNAME`) is left alone.
public final class SPNEGOAcceptor: @unchecked Sendable {
    // @unchecked: `credential` is read-only after init, and every GSS call on it
    // runs while `lock` is held (MIT does lock its credentials, but does not
    // document sharing one between threads).
    private var credential: gss_cred_id_t?
    private let lock = NSLock()
    /// The service principal accepted, e.g. `HTTP/localhost@EXAMPLE.COM`.
    public let principal: String

    /// What a successful acceptance tells.
    public struct Acceptance: Sendable {
        /// The client's principal, e.g. `alice@EXAMPLE.COM`.
        public var client: String
        /// Token for `WWW-Authenticate: Negotiate <base64>` (mutual authentication); may be empty.
        public var outputToken: [UInt8]
        /// Seconds the client's ticket stays valid.
        public var lifetime: UInt32
    }

    /// Acquires an acceptor credential for `principal` from `keytab`. Fails
    /// when the keytab is open to others or holds no key for the principal.
    public init(keytab: String, principal: String) throws {
        try KeytabPermissions.check(keytab)
        // Parse and check through krb5 first, for a clear message.
        let context = try KerberosContext()
        let canonical = try context.parse(principal).name
        let entries = try Keytab(context: context, path: keytab).entries()
        guard entries.contains(where: { $0.principal == canonical }) else {
            let present = Array(Set(entries.map(\.principal))).sorted()
            throw KerberosError(code: .principalNotInKeytab,
                                message: "service principal \(canonical) is not in keytab \(keytab)",
                                hint: present.isEmpty ? "The keytab is empty." : "The keytab holds: \(present.joined(separator: ", ")).")
        }
        self.principal = canonical

        var minor: OM_uint32 = 0
        var name: gss_name_t?
        var nameBuffer = Array(canonical.utf8)
        let major = nameBuffer.withUnsafeMutableBytes { bytes in
            var buf = gss_buffer_desc(length: bytes.count, value: bytes.baseAddress)
            return gss_import_name(&minor, &buf, UnsafeMutablePointer(mutating: GSS_KRB5_NT_PRINCIPAL_NAME), &name)
        }
        try Self.check(major, minor, "cannot use \(canonical) as an acceptor name")
        defer { gss_release_name(&minor, &name) }

        let plain = keytab.hasPrefix("FILE:") ? String(keytab.dropFirst(5)) : keytab
        var cred: gss_cred_id_t?
        let acquired = "keytab".withCString { key in
            ("FILE:" + plain).withCString { value in
                var element = gss_key_value_element_desc(key: key, value: value)
                return withUnsafeMutablePointer(to: &element) { e in
                    var store = gss_key_value_set_desc(count: 1, elements: e)
                    return gss_acquire_cred_from(&minor, name, 0, nil, gss_cred_usage_t(GSS_C_ACCEPT), &store, &cred, nil, nil)
                }
            }
        }
        try Self.check(acquired, minor, "cannot acquire the acceptor credential for \(canonical) from \(plain)")
        credential = cred
    }

    deinit {
        var minor: OM_uint32 = 0
        if credential != nil { gss_release_cred(&minor, &credential) }
    }

    /// Accepts one SPNEGO token (the decoded `Authorization: Negotiate` value).
    /// Kerberos through SPNEGO completes in one round; a token that needs more
    /// is refused, as Hadoop's handler does with a fresh 401.
    public func accept(token: [UInt8]) throws -> Acceptance {
        try lock.withLock {
            var minor: OM_uint32 = 0
            var context: gss_ctx_id_t?
            var source: gss_name_t?
            var output = gss_buffer_desc(length: 0, value: nil)
            var flags: OM_uint32 = 0
            var lifetime: OM_uint32 = 0
            var input = token
            let major = input.withUnsafeMutableBytes { bytes in
                var buf = gss_buffer_desc(length: bytes.count, value: bytes.baseAddress)
                return gss_accept_sec_context(&minor, &context, credential, &buf, nil, &source, nil,
                                              &output, &flags, &lifetime, nil)
            }
            defer {
                var m: OM_uint32 = 0
                gss_release_buffer(&m, &output)
                if source != nil { gss_release_name(&m, &source) }
                if context != nil { gss_delete_sec_context(&m, &context, nil) }
            }
            try Self.check(major, minor, "the SPNEGO token was refused", code: .rejectedToken)
            guard major == GSS_S_COMPLETE else {
                throw KerberosError(code: .rejectedToken, message: "the SPNEGO exchange needs more than one round, which this server does not keep")
            }
            var shown = gss_buffer_desc(length: 0, value: nil)
            var nameMinor: OM_uint32 = 0
            let displayed = gss_display_name(&nameMinor, source, &shown, nil)
            try Self.check(displayed, nameMinor, "cannot read the client's name")
            defer { gss_release_buffer(&nameMinor, &shown) }
            let client = String(decoding: UnsafeRawBufferPointer(start: shown.value, count: shown.length), as: UTF8.self)
            let out = output.length > 0 ? Array(UnsafeRawBufferPointer(start: output.value, count: output.length)) : []
            return Acceptance(client: client, outputToken: out, lifetime: lifetime)
        }
    }

    static func check(_ major: OM_uint32, _ minor: OM_uint32, _ doing: String,
                      code: KerberosError.Code? = nil) throws {
        guard flinkctl_gss_error(major) != 0 else { return }
        let words = statusText(major, type: GSS_C_GSS_CODE) + "; " + statusText(minor, type: GSS_C_MECH_CODE)
        var kind = code ?? .other
        // The mechanism's minor status is a krb5 error code.
        let mech = KerberosError.code(for: Int32(bitPattern: minor))
        if mech != .other { kind = mech }
        if flinkctl_gss_credentials_expired(major) != 0 { kind = .ticketExpired }
        throw KerberosError(code: kind, message: doing, hint: KerberosError.hint(for: kind),
                            krb5Code: Int32(bitPattern: minor), libraryMessage: words)
    }

    static func statusText(_ status: OM_uint32, type: Int32) -> String {
        var messages: [String] = []
        var more: OM_uint32 = 0
        repeat {
            var minor: OM_uint32 = 0
            var buf = gss_buffer_desc(length: 0, value: nil)
            let major = gss_display_status(&minor, status, type, nil, &more, &buf)
            if flinkctl_gss_error(major) != 0 { break }
            messages.append(String(decoding: UnsafeRawBufferPointer(start: buf.value, count: buf.length), as: UTF8.self))
            gss_release_buffer(&minor, &buf)
        } while more != 0
        return messages.joined(separator: ", ")
    }
}
