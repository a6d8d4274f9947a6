import ArgumentParser
import FlinkctlBase
import Foundation
import Hadoop
import HTTPTransport
import Kerberos

/// `flinkctl security kinit|klist|keytab list`: keytab logins and what they left.
extension SecurityCommand {
    struct Kinit: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kinit",
            abstract: "Log in from a keytab into a credential cache (kinit -kt).",
            discussion: """
            The key stays in the keytab: nothing secret appears on the command line or in output. \
            The keytab must be private to its owner (chmod 600); others are refused with the fix. \
            Without --ccache the default cache is used (KRB5CCNAME, then krb5.conf, then /tmp/krb5cc_UID). \
            Exit codes: 0 logged in, 2 the keytab, the principal or its key is wrong, 3 the KDC could not be reached.
            """
        )
        @Option(name: .long, help: ArgumentHelp("Keytab file holding the principal's key.", valueName: "FILE"))
        var keytab: String
        @Option(name: .long, help: ArgumentHelp("Principal to log in as, e.g. alice@EXAMPLE.COM.", valueName: "P"))
        var principal: String
        @Option(name: .long, help: ArgumentHelp("Credential cache to write, e.g. FILE:/tmp/cc or MEMORY:x.", valueName: "CACHE"))
        var ccache: String?
        @OptionGroup var output: OutputOptions

        struct Result: Encodable { var principal: String; var ccache: String; var ticket: Ticket }

        func run() throws {
            try runReporting {
                let ticket = try KeytabLogin.login(keytab: keytab, principal: principal, ccache: ccache)
                let cache = ccache ?? (try? KeytabLogin.tickets().name) ?? "the default cache"
                if output.output == .json {
                    return try printJSON(Result(principal: ticket.client, ccache: cache, ticket: ticket))
                }
                print("Logged in as \(ticket.client) into \(cache); ticket valid until \(UTCTimestamp.string(epochSeconds: ticket.endTime)).")
            }
        }
    }

    struct Klist: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "klist",
            abstract: "List the tickets in a credential cache (klist).",
            discussion: "Exit code 1 when there is no cache, no ticket, or the ticket-granting ticket has expired."
        )
        @Option(name: .long, help: ArgumentHelp("Credential cache to read. Default: KRB5CCNAME, then the system default.", valueName: "CACHE"))
        var ccache: String?
        @OptionGroup var output: OutputOptions

        func run() throws {
            var summary: CredentialCacheSummary?
            try runReporting {
                do {
                    summary = try KeytabLogin.tickets(ccache: ccache)
                } catch let e as KerberosError where e.code == .noCredentials {
                    throw Failure(.unhealthy, "\(e.description)", hint: e.hint)
                }
            }
            guard let summary else { return }
            if output.output == .json {
                try printJSON(summary)
            } else {
                print("Ticket cache: \(summary.name)")
                print("Default principal: \(summary.principal)")
                print("")
                printTable(["Valid starting", "Expires", "Renew until", "Service principal"],
                           summary.tickets.map { [UTCTimestamp.string(epochSeconds: $0.startTime), UTCTimestamp.string(epochSeconds: $0.endTime),
                                                  $0.renewUntil > 0 ? UTCTimestamp.string(epochSeconds: $0.renewUntil) : "-", $0.server] })
            }
            if let tgt = summary.ticketGrantingTicket, tgt.isExpired() {
                printError("the ticket-granting ticket of \(summary.principal) expired at \(UTCTimestamp.string(epochSeconds: tgt.endTime))")
                printError(KerberosError.hint(for: .ticketExpired) ?? "")
                throw ExitCode(ExitStatusCode.unhealthy)
            }
            if summary.ticketGrantingTicket == nil {
                printError("\(summary.name) holds no ticket-granting ticket")
                throw ExitCode(ExitStatusCode.unhealthy)
            }
        }
    }

    struct KeytabCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keytab",
            abstract: "Look into keytab files.",
            subcommands: [List.self]
        )

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "list",
                abstract: "List a keytab's principals, key versions (kvno) and encryption types (klist -ket). No key material is shown."
            )
            @Argument(help: ArgumentHelp("The keytab file.", valueName: "FILE"))
            var file: String
            @OptionGroup var output: OutputOptions

            func run() throws {
                try runReporting {
                    let entries = try KeytabLogin.entries(keytab: file)
                    if output.output == .json { return try printJSON(entries) }
                    print("Keytab: \(file)")
                    printTable(["KVNO", "Timestamp", "Principal", "Encryption type"],
                               entries.map { [String($0.kvno), UTCTimestamp.string(epochSeconds: $0.timestamp), $0.principal, $0.enctype] })
                    // Listing is harmless, but say so when the file is not private.
                    do { try KeytabPermissions.check(file) } catch let e as KerberosError where e.code == .insecureKeytab {
                        printError("warning: \(e.message)")
                        if let hint = e.hint { printError(hint) }
                    }
                }
            }
        }
    }
}

extension ClusterOptions {
    /// SPNEGO for this command: from --keytab/--principal, a login into a
    /// private in-memory cache kept fresh for as long as the command runs;
    /// otherwise libcurl uses the user's own ticket cache if the server asks.
    func spnegoLogin() throws -> SPNEGOLogin? {
        guard let login = try resolvedKerberos(try Settings.current()) else { return nil }
        let session = try KeytabSession(keytab: login.keytab.value!, principal: login.principal.value!)
        session.activate()
        try session.ensureFresh()
        return SPNEGOLogin(ensureTicket: { try session.ensureFresh() }, renew: { try session.renew() })
    }
}

/// What to do after a 401: says so when the user's own ticket has expired.
func spnegoRefusalHint() -> String {
    let advice = "log in with kinit or `flinkctl security kinit`, or give --keytab FILE --principal P."
    if let cache = try? KeytabLogin.tickets(), let tgt = cache.ticketGrantingTicket, tgt.isExpired() {
        return "The cluster asks for Kerberos (SPNEGO), and the ticket of \(cache.principal) in \(cache.name) expired at \(UTCTimestamp.string(epochSeconds: tgt.endTime)): " + advice
    }
    return "The cluster asks for Kerberos (SPNEGO): " + advice
}

/// A KerberosError as the CLI reports it.
