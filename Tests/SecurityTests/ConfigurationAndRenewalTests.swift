import Foundation
import Testing
import X509

@testable import FlinkctlSecurity

@Suite struct FlinkSSLConfigurationTests {
    let settings = FlinkSSLConfiguration(
        keystorePath: "/etc/flink/tls/flink.keystore",
        truststorePath: "/etc/flink/tls/flink.truststore",
        password: KeystorePassword("it's a secret"),
        keyType: .ecP256
    )

    @Test func keepsOtherLinesAndReplacesKeysInPlace() throws {
        let original = """
            # Flink 2 config
            jobmanager:
              rpc:
                address: localhost
            security.ssl.internal.enabled: false
            taskmanager.numberOfTaskSlots: 2
            security.ssl.internal.enabled: false
            """
        let updated = try settings.apply(to: original, dialect: .yaml)
        let lines = updated.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(Array(lines.prefix(6)) == [
            "# Flink 2 config", "jobmanager:", "  rpc:", "    address: localhost",
            "security.ssl.internal.enabled: \"true\"", "taskmanager.numberOfTaskSlots: 2",
        ])
        #expect(lines.filter { $0.hasPrefix("security.ssl.internal.enabled:") }.count == 1, "duplicates are dropped")
        #expect(lines.contains("security.ssl.rest.keystore-password: \"it's a secret\""))
        #expect(lines.contains("security.ssl.internal.truststore: \"/etc/flink/tls/flink.truststore\""))
        #expect(lines.contains { $0.hasPrefix("security.ssl.algorithms: \"TLS_ECDHE_ECDSA_") })
        // Applying twice changes nothing.
        #expect(try settings.apply(to: updated, dialect: .yaml) == updated)
    }

    @Test func refusesNestedSSLBlock() {
        let nested = "security:\n  ssl:\n    internal:\n      enabled: true\n"
        #expect(securityError { _ = try settings.apply(to: nested, dialect: .yaml) }?.code == .invalidArgument)
        // A nested security block without ssl (e.g. Kerberos) is fine.
        #expect((try? settings.apply(to: "security:\n  kerberos:\n    login:\n      use-ticket-cache: true\n", dialect: .yaml)) != nil)
    }

    @Test func yamlHoldsAHashQuoted() throws {
        var hashed = settings
        hashed.password = KeystorePassword("pass#word \"q\"")
        let updated = try hashed.apply(to: "", dialect: .yaml)
        #expect(updated.contains("\nsecurity.ssl.internal.keystore-password: \"pass#word \\\"q\\\"\"\n"), "\(updated)")
    }

    @Test func legacyFlatFormatCannotHoldAHash() throws {
        var hashed = settings
        hashed.password = KeystorePassword("pass#word")
        let error = securityError { _ = try hashed.apply(to: "", dialect: .legacyFlat) }
        #expect(error?.message.contains("the password cannot be written") == true)
        #expect(error?.message.contains("pass#word") == false, "the password must not appear in messages")
        let plain = try settings.apply(to: "a: b\n", dialect: .legacyFlat)
        #expect(plain.contains("\nsecurity.ssl.internal.keystore-password: it's a secret\n"))
        #expect(FlinkSSLConfiguration.dialect(of: "/opt/flink/conf/flink-conf.yaml") == .legacyFlat)
        #expect(FlinkSSLConfiguration.dialect(of: "/opt/flink/conf/config.yaml") == .yaml)
    }
}

@Suite struct RenewalTests {
    /// A directory generated `ageDays` ago with the given validities.
    func generate(into dir: String, ageDays: Double, validity: Int, caValidity: Int) throws {
        var request = KeystoreGenerationRequest()
        request.keyType = .ecP256
        request.names = [.dns("node1.example.com")]
        request.validityDays = validity
        request.caValidityDays = caValidity
        let then = Date() - ageDays * 86_400
        let material = try FlinkTLSMaterial.generate(request, now: then)
        try AtomicFileSet(directory: dir).write(try material.files(password: Fixtures.password, now: then))
    }

    @Test func nothingDueLeavesFilesAlone() throws {
        try withTemporaryDirectory { dir in
            try generate(into: dir, ageDays: 1, validity: 365, caValidity: 3650)
            let before = try read(dir + "/flink.keystore")
            let outcome = try CertificateRenewal().renew(directory: dir, password: Fixtures.password)
            #expect(!outcome.renewedNodeCertificate)
            #expect(try read(dir + "/flink.keystore") == before)
        }
    }

    @Test func renewsNodeCertificateUnderTheSameCA() throws {
        try withTemporaryDirectory { dir in
            try generate(into: dir, ageDays: 80, validity: 90, caValidity: 3650)
            let old = try CertificateRenewal.load(directory: dir, password: Fixtures.password)
            let outcome = try CertificateRenewal().renew(directory: dir, password: Fixtures.password)
            #expect(outcome.renewedNodeCertificate && !outcome.renewedCertificateAuthority)
            let new = try CertificateRenewal.load(directory: dir, password: Fixtures.password)
            #expect(new.caCertificate == old.caCertificate)
            #expect(new.nodeCertificate != old.nodeCertificate)
            #expect(new.nodeCertificate.notValidAfter > old.nodeCertificate.notValidAfter + 300 * 86_400)
            #expect(new.caCertificate.publicKey.isValidSignature(new.nodeCertificate.signature, for: new.nodeCertificate))
            #expect(CertificateSummary(new.nodeCertificate).subjectAlternativeNames == ["dns:node1.example.com"])
            #expect(FileManager.default.fileExists(atPath: dir + "/flink.keystore.bak"))
            #expect(ExpiryCheck(warnDays: 30).check(files: [dir + "/flink.keystore"], password: Fixtures.password).exitCode == 0)
        }
    }

    @Test func renewsAnExpiringCAAndKeepsTrustingTheOldOne() throws {
        try withTemporaryDirectory { dir in
            try generate(into: dir, ageDays: 350, validity: 365, caValidity: 365)
            let old = try CertificateRenewal.load(directory: dir, password: Fixtures.password)
            let outcome = try CertificateRenewal().renew(directory: dir, password: Fixtures.password)
            #expect(outcome.renewedCertificateAuthority && outcome.previousCAsTrusted == 1)
            let new = try CertificateRenewal.load(directory: dir, password: Fixtures.password)
            #expect(new.caCertificate != old.caCertificate)
            #expect(new.caCertificates.contains(old.caCertificate), "the old CA stays trusted during the overlap")
            #expect(new.nodeCertificate.issuer == new.caCertificate.subject)
            #expect(new.caCertificate.subject != old.caCertificate.subject, "two trusted CAs must not share a name")
            let pem = String(decoding: try read(dir + "/ca.pem"), as: UTF8.self)
            #expect(pem.components(separatedBy: "BEGIN CERTIFICATE").count - 1 == 2)
        }
    }
}
