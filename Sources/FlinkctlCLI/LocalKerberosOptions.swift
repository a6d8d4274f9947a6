import ArgumentParser
import Foundation
import HTTPTransport
import Kerberos
import YarnLocal

/// `local start --kerberos --keytab FILE --principal HTTP/HOST@REALM [--admins a,b]`.
struct LocalKerberosOptions: ParsableArguments {
    @Flag(name: .long, help: "Require Kerberos (SPNEGO) on every REST call; ?user.name= is then ignored and only owners and --admins may kill, flex, stop or destroy.")
    var kerberos = false

    @Option(name: .long, help: ArgumentHelp("Keytab with the service key (with --kerberos); must be private to its owner.", valueName: "FILE"))
    var keytab: String?

    @Option(name: .long, help: ArgumentHelp("Service principal (with --kerberos), e.g. HTTP/localhost@EXAMPLE.COM. Its host becomes the cluster's host name in URLs.", valueName: "P"))
    var principal: String?

    @Option(name: .long, help: ArgumentHelp("Users who may act on anyone's applications and services, comma-separated (with --kerberos).", valueName: "USERS"))
    var admins: String?

    @Option(name: .customLong("auth-token-validity"), help: ArgumentHelp("Longest life of the hadoop.auth cookie, in seconds (with --kerberos); it never outlives the client's ticket.", valueName: "SECONDS"))
    var tokenValidity: Int = 36000

    func check() throws {
        if kerberos {
            guard keytab != nil, principal != nil else {
                throw ValidationError("--kerberos needs --keytab FILE and --principal HTTP/HOST@REALM")
            }
            guard tokenValidity > 0 else { throw ValidationError("--auth-token-validity must be positive") }
        } else if keytab != nil || principal != nil || admins != nil {
            throw ValidationError("--keytab, --principal and --admins only apply with --kerberos")
        }
    }

    var adminSet: Set<String> {
        Set((admins ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// Checks the keytab and principal now, so that a bad one is reported
    /// here (with its fix) and not in the background process's log.
    func apply(to config: inout LocalClusterConfiguration) throws {
        guard kerberos, let keytab, let principal else { return }
        let absolute = keytab.hasPrefix("/") ? keytab
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(keytab)
        let acceptor = try SPNEGOAcceptor(keytab: absolute, principal: principal)
        config.kerberos = KerberosServerSettings(keytab: absolute, principal: acceptor.principal, admins: adminSet,
                                                 tokenValidity: .seconds(tokenValidity))
        // Clients ask for a ticket to HTTP/<host in the URL>: publish that host.
        if let host = PrincipalName(acceptor.principal).instance, host != "_HOST" {
            config.nodeHost = host
        }
    }

    /// The same options for the background process.
    var arguments: [String] {
        guard kerberos, let keytab, let principal else { return [] }
        let absolute = keytab.hasPrefix("/") ? keytab
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(keytab)
        var args = ["--kerberos", "--keytab", absolute, "--principal", principal,
                    "--auth-token-validity", String(tokenValidity)]
        if let admins { args += ["--admins", admins] }
        return args
    }
}

extension LocalCommand.Start {
    /// Whether the cluster at `url` answers its REST API: 200, or 401 when it
    /// requires Kerberos and this process has no ticket.
    static func answers(_ url: String) -> Bool {
        var options = TransportOptions()
        options.verifyPeer = false // our own child, just started; clients verify
        guard let http = try? HTTPClient(options: options),
              let response = try? http.perform(HTTPRequest(url: url + "/ws/v1/cluster/info")) else { return false }
        return response.status == 200 || response.status == 401
    }
}
