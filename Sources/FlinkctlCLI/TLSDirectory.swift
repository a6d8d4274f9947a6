import Deploy
import Flink
import FlinkctlSecurity
import Foundation

/// `submit --tls-dir DIR --tls-password-file FILE`: the output of `flinkctl
/// security keystore generate`, checked on the client before anything is
/// staged. Its `flink.keystore` and `flink.truststore` are shipped (the CA's
/// key in `ca.keystore` stays here) and Flink's internal TLS is pointed at
/// the shipped copies; the password is read from the file, never taken on a
/// command line.
enum TLSDirectory {
    static func load(_ directory: String, passwordFile: String?) throws -> SubmitRequest.TLSFiles {
        let dir = ShipItem.absolute(directory)
        guard let passwordFile else {
            throw FlinkError(.configuration, "--tls-dir needs --tls-password-file FILE: the keystores' password, on the first line of a file only you can read")
        }
        var st = stat()
        guard stat(passwordFile, &st) == 0 else { throw FlinkError(.configuration, "--tls-password-file \(passwordFile): no such file") }
        guard st.st_mode & 0o077 == 0 else {
            throw FlinkError(.configuration, "--tls-password-file \(passwordFile) can be read by others: chmod 600 \(passwordFile)")
        }
        let password: KeystorePassword
        do { password = try KeystorePassword.fromFile(passwordFile) } catch let e as SecurityError {
            throw FlinkError(.configuration, "--tls-password-file \(passwordFile): \(e)")
        }
        func open(_ name: String) throws -> Keystore {
            let path = dir + "/" + name
            guard FileManager.default.fileExists(atPath: path) else {
                throw FlinkError(.configuration, "--tls-dir \(directory): no \(name) (make it with `flinkctl security keystore generate --out \(directory)`)")
            }
            do {
                guard case .pkcs12(let store) = try CertificateFile.load(path, password: password) else {
                    throw FlinkError(.configuration, "--tls-dir \(directory): \(name) is not a PKCS#12 keystore")
                }
                return store
            } catch let e as SecurityError {
                throw FlinkError(.configuration, "--tls-dir \(directory): \(name) cannot be opened with the password from --tls-password-file: \(e)")
            }
        }
        let keystore = try open("flink.keystore"), truststore = try open("flink.truststore")
        guard let node = keystore.privateKeyEntries.first?.chain.first else {
            throw FlinkError(.configuration, "--tls-dir \(directory): flink.keystore holds no key with a certificate")
        }
        guard !truststore.trustedCertificateEntries.isEmpty else {
            throw FlinkError(.configuration, "--tls-dir \(directory): flink.truststore trusts no certificate")
        }
        let keyType: KeyType = CertificateSummary(node).publicKey == "EC P-256" ? .ecP256 : .rsa2048
        var ssl = FlinkSSLConfiguration(keystorePath: SubmitRequest.TLSFiles.keystoreName,
                                        truststorePath: SubmitRequest.TLSFiles.truststoreName,
                                        password: password, keyType: keyType)
        ssl.enableREST = false
        var settings: [String: String] = [:]
        for entry in ssl.entries where !entry.key.hasPrefix("security.ssl.rest.") { settings[entry.key] = entry.value }
        return SubmitRequest.TLSFiles(directory: dir, settings: settings)
    }
}
