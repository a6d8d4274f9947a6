import CKrb5
import Foundation
import Hadoop
import HTTPTransport
@testable import Kerberos
import Testing
import TestSupport

@Suite("Kerberos: names, errors, keytab permissions, cookies")
struct KerberosUnitTests {
    @Test("principal names map to users by their first component (Hadoop's DEFAULT rule)", arguments: [
        ("alice@EXAMPLE.COM", "alice", nil as String?, "EXAMPLE.COM" as String?),
        ("alice/admin@EXAMPLE.COM", "alice", "admin", "EXAMPLE.COM"),
        ("HTTP/localhost@EXAMPLE.COM", "HTTP", "localhost", "EXAMPLE.COM"),
        ("bob", "bob", nil, nil),
        (#"we\/ird@R"#, "we/ird", nil, "R"),
    ])
    func shortNames(text: String, short: String, instance: String?, realm: String?) {
        let name = PrincipalName(text)
        #expect(name.shortName == short, "\(text): expected user \(short), got \(name.shortName)")
        #expect(name.instance == instance)
        #expect(name.realm == realm)
    }

    @Test("krb5 error codes are classified, each with a next step", arguments: [
        (Int32(KRB5_KT_NOTFOUND), KerberosError.Code.principalNotInKeytab),
        (Int32(KRB5_KDC_UNREACH), .kdcUnreachable),
        (Int32(KRB5KRB_AP_ERR_SKEW), .clockSkew),
        (Int32(KRB5KRB_AP_ERR_TKT_EXPIRED), .ticketExpired),
        (Int32(KRB5KDC_ERR_PREAUTH_FAILED), .wrongKey),
        (Int32(KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN), .unknownPrincipal),
        (Int32(KRB5_FCC_NOFILE), .noCredentials),
    ])
    func classification(code: Int32, expected: KerberosError.Code) {
        #expect(KerberosError.code(for: code) == expected)
        if expected != .principalNotInKeytab {
            #expect(KerberosError.hint(for: expected) != nil, "no hint for \(expected)")
        }
    }

    @Test("clock skew tells the user to synchronise clocks, in krb5's words too")
    func skewMessage() throws {
        let context = try KerberosContext()
        let error = #expect(throws: KerberosError.self) {
            try context.check(krb5_error_code(KRB5KRB_AP_ERR_SKEW), "cannot log in")
        }
        #expect(error?.code == .clockSkew)
        #expect(error?.hint?.contains("clock") == true)
        #expect(error?.libraryMessage?.lowercased().contains("clock skew") == true, "krb5 said: \(error?.libraryMessage ?? "nothing")")
    }

    @Test("a keytab open to group or others is refused with the exact chmod", arguments: [0o777, 0o640, 0o604, 0o660])
    func insecureKeytab(mode: Int) throws {
        let path = NSTemporaryDirectory() + "flinkctl keytab \(UUID().uuidString.prefix(6)).keytab"
        _ = FileManager.default.createFile(atPath: path, contents: Data([5, 2]))
        defer { unlink(path) }
        chmod(path, mode_t(mode))
        let error = #expect(throws: KerberosError.self) { try KeytabPermissions.check(path) }
        #expect(error?.code == .insecureKeytab)
        #expect(error?.hint == "Fix it with: chmod 600 '\(path)'", "hint was: \(error?.hint ?? "none")")
        chmod(path, 0o600)
        try KeytabPermissions.check(path)
        chmod(path, 0o400)
        try KeytabPermissions.check(path)
    }

    @Test("the hadoop.auth cookie is reused until its e= expiry, and an empty one clears it")
    func cookieJar() {
        let jar = AuthCookieJar()
        let expires = Int64(Date().timeIntervalSince1970 * 1000) + 60_000
        let token = "u=alice&p=alice@R&t=kerberos&e=\(expires)&s=abc="
        jar.absorb(HTTPResponse(status: 200, headers: ["set-cookie": "hadoop.auth=\"\(token)\"; Path=/; HttpOnly"], body: [], effectiveURL: ""))
        #expect(jar.header() == "hadoop.auth=\"\(token)\"")
        #expect(jar.header(now: Date().addingTimeInterval(61)) == nil)
        jar.absorb(HTTPResponse(status: 200, headers: ["set-cookie": "hadoop.auth=\"\(token)\"; Path=/"], body: [], effectiveURL: ""))
        jar.absorb(HTTPResponse(status: 401, headers: ["set-cookie": "hadoop.auth=; Path=/; HttpOnly"], body: [], effectiveURL: ""))
        #expect(jar.header() == nil)
    }
}

@Suite("Kerberos command-line help")
struct KerberosHelpTests {
    @Test("each Kerberos command explains its options", arguments: [
        (["security", "kinit", "--help"], ["--keytab", "--principal", "--ccache", "chmod 600"]),
        (["security", "klist", "--help"], ["--ccache", "Exit code 1", "expired"]),
        (["security", "keytab", "list", "--help"], ["kvno", "No key material"]),
        (["yarn", "apps", "--help"], ["--keytab", "--principal", "ticket cache", "--ca-file"]),
        (["yarn", "kill", "--help"], ["--keytab", "--principal"]),
        (["local", "start", "--help"], ["--kerberos", "--keytab", "--principal", "--admins", "user.name", "--tls", "--cert", "--key", "--keystore"]),
    ])
    func help(args: [String], words: [String]) throws {
        let r = try run(flinkctlBinary, args)
        #expect(r.status == 0)
        for word in words {
            #expect(r.stdout.contains(word), "\(args.joined(separator: " ")) lacks '\(word)':\n\(r.stdout)")
        }
    }

    @Test("--keytab without --principal, and --kerberos without a keytab, are usage errors")
    func usage() throws {
        let r = try run(flinkctlBinary, ["yarn", "apps", "--keytab", "/nonexistent"])
        #expect(r.status == 2 && r.stderr.contains("--keytab and --principal go together"), "\(r.status) \(r.stderr)")
        let l = try run(flinkctlBinary, ["local", "start", "--kerberos"])
        #expect(l.status == 2 && l.stderr.contains("--kerberos needs --keytab"), "\(l.status) \(l.stderr)")
    }
}
