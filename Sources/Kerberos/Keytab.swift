import CKrb5
import FlinkctlBase
import Foundation

/// One key in a keytab, as `klist -ket` shows it. No key material.
public struct KeytabEntry: Sendable, Equatable, Codable {
    public var principal: String
    public var kvno: UInt32
    public var enctype: String
    /// When the key was written, seconds since 1970.
    public var timestamp: Int64
}

/// Owns one `krb5_keytab` handle on a keytab file.
public final class Keytab {
    let context: KerberosContext
    let raw: krb5_keytab
    public let path: String

    /// Opens `path` (a plain path or `FILE:path`). Does not check permissions:
    /// call `KeytabPermissions.check` first where the keytab is used to log in.
    public init(context: KerberosContext, path: String) throws {
        self.context = context
        let plain = path.hasPrefix("FILE:") ? String(path.dropFirst(5)) : path
        guard FileManager.default.fileExists(atPath: plain) else {
            throw KerberosError(code: .file, message: "keytab \(plain) does not exist")
        }
        guard FileManager.default.isReadableFile(atPath: plain) else {
            throw KerberosError(code: .file, message: "keytab \(plain) cannot be read by this user")
        }
        self.path = plain
        var kt: krb5_keytab?
        try context.check(krb5_kt_resolve(context.raw, "FILE:" + plain, &kt), "cannot open keytab \(plain)")
        raw = kt!
    }

    deinit { krb5_kt_close(context.raw, raw) }

    /// Every entry, in file order.
    public func entries() throws -> [KeytabEntry] {
        var cursor: krb5_kt_cursor?
        try context.check(krb5_kt_start_seq_get(context.raw, raw, &cursor), "cannot read keytab \(path)")
        defer { krb5_kt_end_seq_get(context.raw, raw, &cursor) }
        var out: [KeytabEntry] = []
        var entry = krb5_keytab_entry()
        while true {
            let code = krb5_kt_next_entry(context.raw, raw, &entry, &cursor)
            if code == KRB5_KT_END { break }
            try context.check(code, "cannot read keytab \(path)")
            out.append(KeytabEntry(principal: context.unparse(entry.principal), kvno: entry.vno,
                                   enctype: context.enctypeName(entry.key.enctype), timestamp: Int64(entry.timestamp)))
            krb5_free_keytab_entry_contents(context.raw, &entry)
        }
        return out
    }
}

/// A keytab is a password on disk: only its owner may read it.
public enum KeytabPermissions {
    /// Refuses a keytab that group or others may read, write or execute,
    /// with the command that fixes it.
    public static func check(_ path: String) throws {
        let plain = path.hasPrefix("FILE:") ? String(path.dropFirst(5)) : path
        var st = stat()
        guard stat(plain, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            throw KerberosError(code: .file, message: "cannot read keytab \(plain): \(reason)")
        }
        let mode = st.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            let who = mode & 0o007 != 0 ? "others" : "its group"
            throw KerberosError(
                code: .insecureKeytab,
                message: "keytab \(plain) is open to \(who) (mode \(String(mode, radix: 8))); a keytab is a password and must be private to its owner",
                hint: "Fix it with: chmod 600 \(shellQuoted(plain))")
        }
    }
}
