import ArgumentParser
import FlinkctlBase
import Foundation
import FlinkctlSecurity
import YarnLocal

/// `local start --tls (--cert PEM --key PEM | --keystore P12 --password-file F)`.
struct LocalTLSOptions: ParsableArguments {
    @Flag(name: .long, help: "Serve HTTPS only, with --cert and --key, or --keystore and its password.")
    var tls = false

    @Option(name: .long, help: ArgumentHelp("PEM certificate (with --tls): the server's first, then intermediates. Its names must include the host clients use.", valueName: "FILE"))
    var cert: String?

    @Option(name: .long, help: ArgumentHelp("PEM private key of --cert (with --tls).", valueName: "FILE"))
    var key: String?

    @Option(name: .long, help: ArgumentHelp("PKCS#12 keystore with the server's key and chain (with --tls), e.g. flink.keystore from `security keystore generate`.", valueName: "FILE"))
    var keystore: String?

    @OptionGroup var password: PasswordOptions

    func check() throws {
        guard tls else {
            if cert != nil || key != nil || keystore != nil {
                throw ValidationError("--cert, --key and --keystore only apply with --tls")
            }
            return
        }
        switch (cert, key, keystore) {
        case (_?, _?, nil): break
        case (nil, nil, _?):
            guard password.passwordFile != nil || password.passwordEnv != nil else {
                throw ValidationError("--keystore needs its password: --password-file FILE or --password-env VAR")
            }
        default:
            throw ValidationError("--tls needs --cert FILE and --key FILE, or --keystore FILE")
        }
    }

    /// Reads the certificate and key (in the parent, to report problems
    /// here; again in the background process, which serves them).
    func apply(to config: inout LocalClusterConfiguration) throws {
        guard tls else { return }
        let material: ServerTLSMaterial
        if let keystore {
            material = try ServerTLSMaterial.load(keystore: keystore, password: try password.require())
        } else {
            material = try ServerTLSMaterial.load(certificatePEM: cert!, keyPEM: key!)
        }
        config.tls = TLSServerSettings(certificateChain: material.certificateChain, privateKey: material.privateKeyPKCS8)
    }

    /// The same options for the background process: paths only, never the password itself.
    var arguments: [String] {
        guard tls else { return [] }
        func absolute(_ p: String) -> String {
            p.hasPrefix("/") ? p : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(p)
        }
        var args = ["--tls"]
        if let cert { args += ["--cert", absolute(cert)] }
        if let key { args += ["--key", absolute(key)] }
        if let keystore { args += ["--keystore", absolute(keystore)] }
        if let f = password.passwordFile { args += ["--password-file", absolute(f)] }
        if let e = password.passwordEnv { args += ["--password-env", e] }
        return args
    }
}

extension ClusterOptions {
    /// The --truststore's certificates as PEM, for libcurl.
    func truststorePEM() throws -> String? {
        let settings = try Settings.current()
        guard let truststore = try settings.value("truststore", flag: truststore) else { return nil }
        let passwordFile = try settings.value("truststore-password-file", flag: truststorePasswordFile)
        do {
            return try TrustedCertificatesPEM.load(truststore, password: try passwordFile.map { try KeystorePassword.fromFile($0) })
        } catch let e as SecurityError {
            throw Failure(.input, e.description, hint: e.code == .wrongPassword ? "Check --truststore-password-file: its first line is the password." : nil)
        }
    }
}
