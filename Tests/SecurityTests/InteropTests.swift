import Foundation
import Testing
import X509

@testable import FlinkctlSecurity

/// Peers nobody here wrote read our files, and we read theirs.
@Suite(.serialized) struct InteropTests {
    static let hasTools = FileManager.default.isExecutableFile(atPath: keytoolPath) && FileManager.default.isExecutableFile(atPath: opensslPath)

    /// Writes the four files and a password file into `dir`.
    func writeKeystoreDirectory(_ type: KeyType, into dir: String) throws -> String {
        let passwordFile = dir + "/password"
        try write(Fixtures.password.text + "\n", to: passwordFile)
        var set = AtomicFileSet(directory: dir)
        set.mode = 0o600
        try set.write(try Fixtures.material(type).files(password: Fixtures.password))
        return passwordFile
    }

    @Test(.enabled(if: hasTools), arguments: [KeyType.rsa2048, .ecP256])
    func keytoolListsOurEntries(_ type: KeyType) throws {
        try withTemporaryDirectory { dir in
            let passwordFile = try writeKeystoreDirectory(type, into: dir)
            let keystore = try run(keytoolPath, ["-list", "-v", "-keystore", dir + "/flink.keystore", "-storepass:file", passwordFile, "-storetype", "PKCS12"])
            #expect(keystore.status == 0, "keytool -list flink.keystore: \(keystore.stdout) \(keystore.stderr)")
            #expect(keystore.stdout.contains("Your keystore contains 1 entry"), "\(keystore.stdout)")
            #expect(keystore.stdout.contains("Entry type: PrivateKeyEntry"), "\(keystore.stdout)")
            #expect(keystore.stdout.contains("Alias name: flink"), "\(keystore.stdout)")
            #expect(keystore.stdout.contains("Certificate chain length: 2"), "\(keystore.stdout)")
            #expect(keystore.stdout.contains("DNSName: node1.example.com"), "\(keystore.stdout)")

            let truststore = try run(keytoolPath, ["-list", "-v", "-keystore", dir + "/flink.truststore", "-storepass:file", passwordFile, "-storetype", "PKCS12"])
            #expect(truststore.status == 0, "keytool -list flink.truststore: \(truststore.stdout) \(truststore.stderr)")
            #expect(truststore.stdout.contains("Entry type: trustedCertEntry"), "\(truststore.stdout)")
            #expect(truststore.stdout.contains("Alias name: ca"), "\(truststore.stdout)")
        }
    }

    @Test(.enabled(if: hasTools))
    func keytoolRejectsWrongPassword() throws {
        try withTemporaryDirectory { dir in
            _ = try writeKeystoreDirectory(.ecP256, into: dir)
            try write("wrong-password\n", to: dir + "/wrong")
            let result = try run(keytoolPath, ["-list", "-keystore", dir + "/flink.keystore", "-storepass:file", dir + "/wrong", "-storetype", "PKCS12"])
            #expect(result.status != 0, "keytool accepted a wrong password: \(result.stdout)")
        }
    }

    @Test(.enabled(if: hasTools), arguments: [KeyType.rsa2048, .ecP256])
    func opensslReadsOurFiles(_ type: KeyType) throws {
        try withTemporaryDirectory { dir in
            let passwordFile = try writeKeystoreDirectory(type, into: dir)
            for name in ["flink.keystore", "flink.truststore"] {
                let info = try run(opensslPath, ["pkcs12", "-in", dir + "/" + name, "-passin", "file:" + passwordFile, "-info", "-nokeys"])
                #expect(info.status == 0, "openssl pkcs12 -info \(name): \(info.stderr)")
                #expect(info.stderr.contains("MAC: sha256, Iteration 10000"), "\(name): \(info.stderr)")
                #expect(info.stderr.contains("PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256"), "\(name): \(info.stderr)")
                #expect(info.stdout.contains("-----BEGIN CERTIFICATE-----"), "\(name): \(info.stdout)")
            }
            // The key decrypts, and it is the node's key.
            let key = try run(opensslPath, ["pkcs12", "-in", dir + "/flink.keystore", "-passin", "file:" + passwordFile, "-nocerts", "-nodes"])
            #expect(key.status == 0, "openssl pkcs12 -nocerts: \(key.stderr)")
            #expect(key.stderr.contains("Shrouded Keybag") || key.stdout.contains("PRIVATE KEY"), "\(key.stdout) \(key.stderr)")
            let pem = try #require(key.stdout.range(of: "-----BEGIN PRIVATE KEY-----").map { String(key.stdout[$0.lowerBound...]) })
            let parsed = try Certificate.PrivateKey(pemEncoded: pem)
            #expect(parsed.publicKey == Fixtures.material(type).nodeCertificate.publicKey)
            // The CA PEM verifies the node certificate, as curl would.
            let leaf = dir + "/leaf.pem"
            try write(try Fixtures.material(type).nodeCertificate.serializeAsPEM().pemString, to: leaf)
            let verify = try run(opensslPath, ["verify", "-CAfile", dir + "/ca.pem", "-purpose", "sslserver", leaf])
            #expect(verify.status == 0, "openssl verify: \(verify.stdout) \(verify.stderr)")
        }
    }

    @Test(.enabled(if: hasTools))
    func readsAKeystoreThatKeytoolWrote() throws {
        try withTemporaryDirectory { dir in
            let store = dir + "/keytool.p12"
            try write("keytool-pass\n", to: dir + "/pw")
            let gen = try run(keytoolPath, [
                "-genkeypair", "-keystore", store, "-storetype", "PKCS12", "-storepass:file", dir + "/pw",
                "-alias", "MyKey", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=keytool-made,O=peer",
                "-validity", "30", "-ext", "SAN=dns:peer.example,ip:10.1.2.3",
            ])
            try #require(gen.status == 0, "keytool -genkeypair: \(gen.stderr)")
            let ca = dir + "/ca.pem"
            try write(try Fixtures.ec.caCertificate.serializeAsPEM().pemString, to: ca)
            let imp = try run(keytoolPath, [
                "-importcert", "-noprompt", "-keystore", store, "-storetype", "PKCS12", "-storepass:file", dir + "/pw",
                "-alias", "OurCA", "-file", ca,
            ])
            try #require(imp.status == 0, "keytool -importcert: \(imp.stderr)")

            let keystore = try PKCS12Reader().read(try read(store), password: KeystorePassword("keytool-pass"))
            let entry = try #require(keystore.privateKeyEntries.first)
            #expect(entry.alias == "mykey")
            #expect(entry.chain.count == 1)
            #expect(String(describing: entry.chain[0].subject).contains("CN=keytool-made"))
            #expect(try entry.certificatePrivateKey().publicKey == entry.chain[0].publicKey)
            #expect(entry.creationDate != nil, "keytool writes a 'Time …' localKeyId")
            #expect(keystore.trustedCertificateEntries.map(\.alias) == ["ourca"])
            #expect(keystore.trustedCertificateEntries.first?.certificate == Fixtures.ec.caCertificate)
            let sans = CertificateSummary(entry.chain[0]).subjectAlternativeNames
            #expect(sans == ["dns:peer.example", "ip:10.1.2.3"])

            let wrong = securityError { _ = try PKCS12Reader().read(try read(store), password: KeystorePassword("nope-nope")) }
            #expect(wrong?.code == .wrongPassword)
        }
    }

    @Test(.enabled(if: hasTools))
    func readsAKeystoreThatOpenSSLWrote() throws {
        try withTemporaryDirectory { dir in
            try write("openssl-pass\n", to: dir + "/pw")
            let key = dir + "/key.pem", cert = dir + "/cert.pem", p12 = dir + "/openssl.p12"
            let req = try run(opensslPath, [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-out", cert, "-days", "5", "-subj", "/CN=openssl-made",
            ])
            try #require(req.status == 0, "openssl req: \(req.stderr)")
            let export = try run(opensslPath, [
                "pkcs12", "-export", "-in", cert, "-inkey", key, "-name", "fromOpenSSL", "-out", p12, "-passout", "file:" + dir + "/pw",
            ])
            try #require(export.status == 0, "openssl pkcs12 -export: \(export.stderr)")
            let keystore = try PKCS12Reader().read(try read(p12), password: KeystorePassword("openssl-pass"))
            let entry = try #require(keystore.privateKeyEntries.first)
            #expect(entry.alias == "fromopenssl")
            #expect(try entry.certificatePrivateKey().publicKey == entry.chain.first?.publicKey)
        }
    }

    @Test(.enabled(if: hasTools))
    func legacyFileGivesAReExportHint() throws {
        try withTemporaryDirectory { dir in
            try write("legacy-pass\n", to: dir + "/pw")
            let key = dir + "/key.pem", cert = dir + "/cert.pem", p12 = dir + "/legacy.p12"
            let req = try run(opensslPath, [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                "-out", cert, "-days", "5", "-subj", "/CN=legacy",
            ])
            try #require(req.status == 0, "openssl req: \(req.stderr)")
            let export = try run(opensslPath, [
                "pkcs12", "-export", "-in", cert, "-inkey", key, "-out", p12, "-passout", "file:" + dir + "/pw",
                "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1",
            ])
            try #require(export.status == 0, "openssl pkcs12 -export (3DES): \(export.stderr)")
            let error = securityError { _ = try PKCS12Reader().read(try read(p12), password: KeystorePassword("legacy-pass")) }
            #expect(error?.code == .unsupportedLegacyEncryption)
            #expect(error?.message.contains("re-export") == true, "\(String(describing: error))")
        }
    }
}
