import ArgumentParser
import FlinkctlBase
import Foundation
import FlinkctlSecurity

/// `flinkctl security …`: keystores and certificates for Flink's TLS.
struct SecurityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "security",
        abstract: "Keystores, truststores and certificates for Flink's TLS; Kerberos keytab logins.",
        discussion: """
        Passwords come from a file (--password-file, first line) or an environment variable
        (--password-env), never from the command line. The keystore and the truststore share one
        password: PKCS#12 has one, and Java uses the store password for the key.
        """,
        subcommands: [KeystoreCommand.self, CertCommand.self, Kinit.self, Klist.self, KeytabCommand.self]
    )

    struct KeystoreCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "keystore",
            abstract: "Generate or inspect PKCS#12 keystores and truststores.",
            subcommands: [Generate.self, Inspect.self]
        )
    }

    struct CertCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cert",
            abstract: "Check certificate expiry, renew certificates.",
            subcommands: [Check.self, Renew.self]
        )
    }
}

/// Where the keystore password comes from.
struct PasswordOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("File whose first line is the keystore password.", valueName: "FILE"))
    var passwordFile: String?

    @Option(name: .long, help: ArgumentHelp("Environment variable that holds the keystore password.", valueName: "VAR"))
    var passwordEnv: String?

    func validate() throws {
        if passwordFile != nil && passwordEnv != nil {
            throw ValidationError("give the password with --password-file or --password-env, not both")
        }
    }

    /// The password, or `nil` when neither option was given.
    func load() throws -> KeystorePassword? {
        if let passwordFile { return try KeystorePassword.fromFile(passwordFile) }
        if let passwordEnv { return try KeystorePassword.fromEnvironment(passwordEnv) }
        return nil
    }

    func require() throws -> KeystorePassword {
        guard let password = try load() else {
            throw CLIError("a keystore password is needed: --password-file FILE or --password-env VAR")
        }
        return password
    }
}

extension KeyType: ExpressibleByArgument {}

extension SecurityCommand {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Create a CA and a node certificate; write flink.keystore, flink.truststore, ca.pem and ca.keystore.",
            discussion: """
            flink.keystore holds the node's private key and its chain (alias 'flink'); flink.truststore holds
            the CA as a trusted certificate entry (alias 'ca'); ca.pem is the CA for curl; ca.keystore keeps
            the CA's key for `flinkctl security cert renew`. Files are written 0600, all or none.
            Use the same directory's files on every JobManager and TaskManager.
            """
        )

        @Option(name: .long, help: ArgumentHelp("Directory to write into (created 0700 if missing).", valueName: "DIR"))
        var out: String
        @OptionGroup var password: PasswordOptions
        @Option(name: .long, help: ArgumentHelp("Node certificate validity in days.", valueName: "DAYS"))
        var validity: Int = 365
        @Option(name: .long, help: ArgumentHelp("CA certificate validity in days.", valueName: "DAYS"))
        var caValidity: Int = 3650
        @Option(name: .long, help: ArgumentHelp("Key type: rsa2048 (default) or ec-p256.", valueName: "TYPE"))
        var keyType: KeyType = .rsa2048
        @Option(
            name: .long,
            help: ArgumentHelp("Subject alternative names, comma-separated, repeatable: dns:NAME, ip:ADDRESS. Default: this host's name, localhost, 127.0.0.1, ::1.", valueName: "NAMES")
        )
        var san: [String] = []
        @Option(name: .long, help: ArgumentHelp("Flink config.yaml or flink-conf.yaml whose security.ssl.* keys to fill.", valueName: "FILE"))
        var conf: String?
        @Flag(name: .long, help: "Replace an existing keystore directory (a new CA: every node needs the new files).")
        var force = false
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if password.passwordFile == nil && password.passwordEnv == nil {
                throw ValidationError("a keystore password is needed: --password-file FILE or --password-env VAR")
            }
        }

        struct Result: Encodable {
            var directory: String
            var files: [String]
            var keyType: KeyType
            var subjectAlternativeNames: [String]
            var node: CertificateSummary
            var ca: CertificateSummary
            var configuration: String?
        }

        func run() throws {
            try runSecurity {
                let password = try password.require()
                try password.checkJavaCompatible()
                var request = KeystoreGenerationRequest()
                request.keyType = keyType
                request.validityDays = validity
                request.caValidityDays = caValidity
                if !san.isEmpty {
                    request.names = try san.flatMap { try SubjectAlternativeName.parseList($0) }
                }
                let directory = URL(fileURLWithPath: out).standardizedFileURL.path
                let keystorePath = (directory as NSString).appendingPathComponent(FlinkTLSFileNames.keystore)
                if !force && FileManager.default.fileExists(atPath: keystorePath) {
                    throw CLIError(
                        "\(keystorePath) exists",
                        hint: "Use `flinkctl security cert renew \(out)` to renew it, or --force to replace it with a new CA."
                    )
                }
                // Check the configuration can take the values before anything is written.
                let configUpdate = try conf.map { conf in
                    try FlinkSSLConfiguration(
                        keystorePath: keystorePath,
                        truststorePath: (directory as NSString).appendingPathComponent(FlinkTLSFileNames.truststore),
                        password: password,
                        keyType: keyType
                    ).prepareUpdate(file: conf)
                }
                let material = try FlinkTLSMaterial.generate(request)
                try AtomicFileSet(directory: directory).write(try material.files(password: password))
                if let (set, file) = configUpdate {
                    try set.write([file])
                }
                let configuration = conf
                let result = Result(
                    directory: directory,
                    files: [FlinkTLSFileNames.keystore, FlinkTLSFileNames.truststore, FlinkTLSFileNames.caPEM, FlinkTLSFileNames.caKeystore],
                    keyType: keyType,
                    subjectAlternativeNames: request.names.map(\.description),
                    node: CertificateSummary(material.nodeCertificate),
                    ca: CertificateSummary(material.caCertificate),
                    configuration: configuration
                )
                if output.output == .json { return try printSecurityJSON(result) }
                print("Wrote \(result.files.joined(separator: ", ")) to \(directory) (mode 0600).")
                print("Node certificate: \(result.node.subject), \(keyType.rawValue), valid until \(iso8601(result.node.notAfter))")
                print("  names: \(result.subjectAlternativeNames.joined(separator: ", "))")
                print("  SHA-256: \(result.node.sha256Fingerprint)")
                print("CA: \(result.ca.subject), valid until \(iso8601(result.ca.notAfter))")
                if let configuration { print("Filled security.ssl.* in \(configuration) (previous version: \(configuration).bak).") }
                if keyType == .ecP256 && configuration == nil {
                    print("EC keys need ECDSA suites: security.ssl.algorithms: TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384")
                }
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "List the entries of a keystore, truststore or PEM file: subjects, issuers, SANs, validity, fingerprints."
        )

        @Argument(help: ArgumentHelp("PKCS#12, PEM or DER file.", valueName: "FILE"))
        var file: String
        @OptionGroup var password: PasswordOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try runSecurity {
                let contents = try CertificateFile.load(file, password: try password.load())
                let inspection = KeystoreInspection(file: file, contents: contents)
                if output.output == .json { return try printSecurityJSON(inspection) }
                print("File: \(file) (\(inspection.format)), \(inspection.entries.count) entr\(inspection.entries.count == 1 ? "y" : "ies")")
                for entry in inspection.entries {
                    print("")
                    print("Alias: \(entry.alias)  Type: \(entry.type)" + (entry.created.map { "  Created: \(iso8601($0))" } ?? ""))
                    for (index, cert) in entry.chain.enumerated() {
                        let label = entry.chain.count > 1 ? "Certificate[\(index + 1)]" : "Certificate"
                        print("  \(label):")
                        print("    Subject: \(cert.subject)")
                        print("    Issuer:  \(cert.issuer)")
                        print("    Valid:   \(iso8601(cert.notBefore)) to \(iso8601(cert.notAfter))")
                        print("    Key:     \(cert.publicKey)\(cert.isCertificateAuthority ? ", CA" : "")")
                        if !cert.subjectAlternativeNames.isEmpty {
                            print("    SANs:    \(cert.subjectAlternativeNames.joined(separator: ", "))")
                        }
                        print("    Serial:  \(cert.serialNumber)")
                        print("    SHA-256: \(cert.sha256Fingerprint)")
                        print("    SHA-1:   \(cert.sha1Fingerprint)")
                    }
                }
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Check that the certificates in keystores, truststores and PEM files are not (about to be) expired.",
            discussion: """
            Exit codes: 0 every certificate is valid for more than --warn-days; 1 one expires within
            --warn-days; 2 one has expired, is not yet valid, or a file cannot be read (wrong password,
            damaged file). Suited to cron and monitoring.
            """
        )

        @Option(name: .long, help: ArgumentHelp("Warn when a certificate expires within this many days.", valueName: "N"))
        var warnDays: Int = 30
        @OptionGroup var password: PasswordOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: ArgumentHelp("Keystores, truststores, PEM or DER certificates.", valueName: "FILE"))
        var files: [String]

        func validate() throws {
            if warnDays < 0 { throw ValidationError("--warn-days must not be negative") }
            if files.isEmpty { throw ValidationError("give at least one FILE") }
        }

        func run() throws {
            var report: ExpiryCheck.Report?
            try runSecurity {
                report = ExpiryCheck(warnDays: warnDays).check(files: files, password: try password.load())
            }
            guard let report else { return }
            if output.output == .json {
                try printSecurityJSON(report)
            } else {
                var rows: [[String]] = []
                for file in report.files {
                    if let error = file.error {
                        rows.append([file.file, "-", file.state.rawValue.uppercased(), "-", "-", error])
                    }
                    for cert in file.certificates {
                        rows.append([file.file, cert.entry, cert.state.rawValue.uppercased(), iso8601(cert.notAfter), "\(cert.daysLeft)", cert.subject])
                    }
                }
                printTable(["FILE", "ENTRY", "STATE", "NOT-AFTER", "DAYS", "SUBJECT / ERROR"], rows)
            }
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }

    struct Renew: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "renew",
            abstract: "Renew the node certificate in a keystore directory (and the CA when it is close to expiry).",
            discussion: """
            Renews when the node certificate or the CA expires within --warn-days (or always with --force).
            A renewed CA is trusted next to the old one until the old one expires, so nodes can be restarted
            one by one. Passwords stay the same; the previous files are kept with a .bak suffix.
            Exit 0 when renewed or nothing was due.
            """
        )

        @Argument(help: ArgumentHelp("Directory written by `keystore generate`.", valueName: "DIR"))
        var directory: String
        @OptionGroup var password: PasswordOptions
        @Option(name: .long, help: ArgumentHelp("Renew what expires within this many days.", valueName: "N"))
        var warnDays: Int = 30
        @Option(name: .long, help: ArgumentHelp("Validity of the new node certificate in days.", valueName: "DAYS"))
        var validity: Int = 365
        @Option(name: .long, help: ArgumentHelp("Validity of a new CA in days.", valueName: "DAYS"))
        var caValidity: Int = 3650
        @Flag(name: .long, help: "Renew the node certificate even if it is not due.")
        var force = false
        @OptionGroup var output: OutputOptions

        func run() throws {
            try runSecurity {
                var renewal = CertificateRenewal()
                renewal.warnDays = warnDays
                renewal.validityDays = validity
                renewal.caValidityDays = caValidity
                renewal.force = force
                let outcome = try renewal.renew(directory: directory, password: try password.require())
                if output.output == .json { return try printSecurityJSON(outcome) }
                if outcome.renewedNodeCertificate {
                    print("Renewed the node certificate in \(directory) (\(outcome.reason)); valid until \(iso8601(outcome.nodeNotAfter)).")
                    if outcome.renewedCertificateAuthority {
                        print("Renewed the CA; valid until \(iso8601(outcome.caNotAfter)). The previous CA stays trusted until it expires.")
                    }
                    print("Previous files kept as *.bak. Restart (or redeploy) Flink for the new certificates to take effect.")
                } else {
                    print("Nothing to renew in \(directory): \(outcome.reason) (node until \(iso8601(outcome.nodeNotAfter)), CA until \(iso8601(outcome.caNotAfter))).")
                }
            }
        }
    }
}

/// Runs a security command body: SecurityError becomes one clear line and exit code 2.
func runSecurity(_ body: () throws -> Void) throws {
    try runReporting {
        do {
            try body()
        } catch let error as SecurityError {
            var hint: String?
            switch error.code {
            case .wrongPassword: hint = "Check --password-file / --password-env: the file's first line is the password."
            case .fileSystem: hint = "Check that the path exists and that you may write there."
            default: hint = nil
            }
            throw CLIError(error.description, exitCode: ExitStatusCode.usage, hint: hint)
        }
    }
}

func iso8601(_ date: Date) -> String {
    UTCTimestamp.string(date)
}

/// JSON with ISO 8601 dates (the shared printJSON uses Foundation's default, seconds since 2001).
func printSecurityJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
