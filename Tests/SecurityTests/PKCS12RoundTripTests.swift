import Foundation
import SwiftASN1
import Testing
import X509

@testable import FlinkctlSecurity

@Suite struct PKCS12RoundTripTests {
    @Test(arguments: [KeyType.rsa2048, .ecP256])
    func keystoreRoundTrip(_ type: KeyType) throws {
        let material = Fixtures.material(type)
        let files = try material.files(password: Fixtures.password)
        let keystoreBytes = try #require(files.first { $0.name == FlinkTLSFileNames.keystore }).contents

        let keystore = try PKCS12Reader().read(keystoreBytes, password: Fixtures.password)
        #expect(keystore.trustedCertificateEntries.isEmpty)
        #expect(keystore.otherCertificates.isEmpty)
        let entry = try #require(keystore.privateKeyEntries.first)
        #expect(keystore.privateKeyEntries.count == 1)
        #expect(entry.alias == "flink")
        #expect(entry.privateKeyPKCS8 == material.nodeKeyPKCS8)
        #expect(entry.chain == [material.nodeCertificate, material.caCertificate])
        #expect(entry.creationDate != nil)
        // The key decodes and matches the certificate.
        #expect(try entry.certificatePrivateKey().publicKey == material.nodeCertificate.publicKey)
    }

    @Test func truststoreRoundTrip() throws {
        let files = try Fixtures.rsa.files(password: Fixtures.password)
        let bytes = try #require(files.first { $0.name == FlinkTLSFileNames.truststore }).contents
        let truststore = try PKCS12Reader().read(bytes, password: Fixtures.password)
        #expect(truststore.privateKeyEntries.isEmpty)
        #expect(truststore.trustedCertificateEntries.map(\.alias) == ["ca"])
        #expect(truststore.trustedCertificateEntries.first?.certificate == Fixtures.rsa.caCertificate)
    }

    @Test func writesJava17Algorithms() throws {
        let keystore = Keystore(trustedCertificateEntries: [.init(alias: "ca", certificate: Fixtures.ec.caCertificate)])
        let bytes = try PKCS12Writer().serialize(keystore, password: Fixtures.password)
        let pfx = try PFX(derEncoded: bytes)
        let mac = try #require(pfx.macData)
        #expect(mac.mac.digestAlgorithm.algorithm == .digestSHA256)
        #expect(mac.iterations == 10_000)
        #expect(mac.macSalt.bytes.count == 20)

        let infos = try DER.sequence(of: PKCS7ContentInfo.self, identifier: .sequence, rootNode: DER.parse(pfx.authSafe.dataOctets()))
        #expect(infos.map(\.contentType) == [.pkcs7EncryptedData])
        let algorithm = try infos[0].encryptedData().encryptedContentInfo.contentEncryptionAlgorithm
        #expect(algorithm.algorithm == .pbes2)
        let pbes2 = try PBES2Parameters(asn1Any: try #require(algorithm.parameters))
        #expect(pbes2.encryptionScheme.algorithm == .aes256CBC)
        let kdf = try PBKDF2Parameters(asn1Any: try #require(pbes2.keyDerivationFunction.parameters))
        #expect(kdf.iterationCount == 10_000)
        #expect(kdf.prfAlgorithm == .hmacWithSHA256)
        #expect(kdf.keyLength == 32)
    }

    @Test func trustedBagCarriesOracleAttribute() throws {
        let bag = try PKCS12Writer.certificateBag(Fixtures.ec.caCertificate, attributes: [try .trustedForAnyUsage()])
        let values = try #require(bag.attributeValues(.oracleTrustedKeyUsage))
        #expect(try values.map { try ASN1ObjectIdentifier(asn1Any: $0) } == [.anyExtendedKeyUsage])
    }

    @Test func wrongPasswordIsAClearError() throws {
        let bytes = try Fixtures.ec.files(password: Fixtures.password)[0].contents
        let error = securityError { _ = try PKCS12Reader().read(bytes, password: KeystorePassword("not-the-password")) }
        #expect(error?.code == .wrongPassword)
        #expect(error?.message.contains("wrong keystore password") == true)
    }

    @Test func wrongPasswordWithoutMACCheckFailsAtDecryption() throws {
        let bytes = try Fixtures.ec.files(password: Fixtures.password)[0].contents
        var reader = PKCS12Reader()
        reader.verifyIntegrity = false
        let error = securityError { _ = try reader.read(bytes, password: KeystorePassword("not-the-password")) }
        #expect(error?.code == .wrongPassword)
    }

    @Test func truncatedFileIsMalformed() throws {
        let bytes = try Fixtures.ec.files(password: Fixtures.password)[0].contents
        for length in [0, 1, 10, bytes.count / 2, bytes.count - 1] {
            let error = securityError { _ = try PKCS12Reader().read(Array(bytes.prefix(length)), password: Fixtures.password) }
            #expect(error?.code == .malformed, "length \(length): \(String(describing: error))")
        }
    }

    @Test func pemCertificateIsNotAKeystore() throws {
        let pem = try Fixtures.ec.caCertificate.serializeAsPEM().pemString
        let error = securityError { _ = try PKCS12Reader().read(Array(pem.utf8), password: Fixtures.password) }
        #expect(error?.code == .malformed)
        #expect(error?.message == "this is a PEM file (CERTIFICATE), not a PKCS#12 keystore")

        let der = try CertificateSummary.der(Fixtures.ec.caCertificate)
        let derError = securityError { _ = try PKCS12Reader().read(der, password: Fixtures.password) }
        #expect(derError?.message == "this is a DER X.509 certificate, not a PKCS#12 keystore")
    }

    @Test func nonASCIIPasswordIsRefusedForWriting() throws {
        let keystore = Keystore(trustedCertificateEntries: [.init(alias: "ca", certificate: Fixtures.ec.caCertificate)])
        let error = securityError { _ = try PKCS12Writer().serialize(keystore, password: KeystorePassword("caf\u{00e9}-pass")) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("printable ASCII") == true)
    }

    @Test func passwordFileReadsFirstLineOnly() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/pw"
            try write("s3cret-pass\r\nsecond line\n", to: path)
            #expect(try KeystorePassword.fromFile(path).text == "s3cret-pass")
            try write("\n", to: path)
            #expect(securityError { _ = try KeystorePassword.fromFile(path) }?.code == .invalidArgument)
            #expect("\(KeystorePassword("hunter22"))" == "<password>")
        }
    }
}
