import Crypto
import SwiftASN1
import X509

/// Serializes a ``Keystore`` to PKCS#12 the way Java 17's `PKCS12KeyStore` stores one.
///
/// Layout (as `openssl pkcs12 -info` shows a Java file):
/// ```
/// PFX v3
///   authSafe: data → AuthenticatedSafe
///     [data]          SafeContents: pkcs8ShroudedKeyBag per key   (only when there are keys)
///                       PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC, 10,000 iterations
///                       attributes: friendlyName = alias, localKeyId
///     [encryptedData] SafeContents: certBag per certificate, encrypted with the same PBES2 scheme
///                       key chain[0]: friendlyName = alias, localKeyId
///                       key chain[1...]: friendlyName = subject DN
///                       trusted: friendlyName = alias, 2.16.840.1.113894.746875.1.1 = {anyExtendedKeyUsage}
///   macData: HMAC-SHA256, key from RFC 7292 B.2 (ID 3, SHA-256), 20-byte salt, 10,000 iterations
/// ```
public struct PKCS12Writer: Sendable {
    /// Iterations for PBKDF2 (key and certificate encryption) and for the MAC key derivation.
    public var iterations: Int = 10_000

    public init() {}

    public func serialize(_ keystore: Keystore, password: KeystorePassword) throws -> [UInt8] {
        try password.checkJavaCompatible()
        do {
            return try self.serializeUnchecked(keystore, password: password)
        } catch let error as SecurityError {
            throw error
        } catch {
            throw SecurityError(.generation, "cannot encode the PKCS#12 keystore", underlying: error)
        }
    }

    private func serializeUnchecked(_ keystore: Keystore, password: KeystorePassword) throws -> [UInt8] {
        let settings = PBES2.Settings(iterations: self.iterations)
        var keyBags: [SafeBag] = []
        var certBags: [SafeBag] = []

        for entry in keystore.privateKeyEntries {
            let alias = entry.alias.lowercased()
            let (algorithm, ciphertext) = try PBES2.encrypt(entry.privateKeyPKCS8, password: password, settings: settings)
            let shrouded = EncryptedPrivateKeyInfo(
                encryptionAlgorithm: algorithm,
                encryptedData: ASN1OctetString(contentBytes: ciphertext[...])
            )
            keyBags.append(
                SafeBag(
                    bagID: .pkcs12ShroudedKeyBag,
                    bagValue: try ASN1Any(erasing: shrouded),
                    attributes: [try .friendlyName(alias), try .localKeyID(entry.localKeyID)]
                )
            )
            for (index, certificate) in entry.chain.enumerated() {
                let attributes: [PKCS12Attribute] =
                    index == 0
                    ? [try .friendlyName(alias), try .localKeyID(entry.localKeyID)]
                    : [try .friendlyName(String(describing: certificate.subject))]
                certBags.append(try Self.certificateBag(certificate, attributes: attributes))
            }
        }
        for entry in keystore.trustedCertificateEntries {
            certBags.append(
                try Self.certificateBag(
                    entry.certificate,
                    attributes: [try .friendlyName(entry.alias.lowercased()), try .trustedForAnyUsage()]
                )
            )
        }
        for certificate in keystore.otherCertificates {
            certBags.append(try Self.certificateBag(certificate, attributes: []))
        }

        var authenticatedSafe: [PKCS7ContentInfo] = []
        if !keyBags.isEmpty {
            authenticatedSafe.append(try PKCS7ContentInfo(data: try Self.der { try $0.serializeSequenceOf(keyBags) }))
        }
        if !certBags.isEmpty {
            let plaintext = try Self.der { try $0.serializeSequenceOf(certBags) }
            let (algorithm, ciphertext) = try PBES2.encrypt(plaintext, password: password, settings: settings)
            let encrypted = PKCS7EncryptedData(
                encryptedContentInfo: EncryptedContentInfo(
                    contentType: .pkcs7Data,
                    contentEncryptionAlgorithm: algorithm,
                    encryptedContent: ASN1OctetString(contentBytes: ciphertext[...])
                )
            )
            authenticatedSafe.append(try PKCS7ContentInfo(encryptedData: encrypted))
        }
        let authSafeOctets = try Self.der { try $0.serializeSequenceOf(authenticatedSafe) }

        let macSalt = randomBytes(20)
        let mac = PKCS12MAC.compute(
            SHA256.self,
            over: authSafeOctets[...],
            password: password,
            salt: macSalt,
            iterations: self.iterations
        )
        let macData = MacData(
            mac: DigestInfo(
                digestAlgorithm: try PKCS12AlgorithmIdentifier(algorithm: .digestSHA256, nullParameters: ()),
                digest: ASN1OctetString(contentBytes: mac[...])
            ),
            macSalt: ASN1OctetString(contentBytes: macSalt[...]),
            iterations: self.iterations
        )
        let pfx = PFX(authSafe: try PKCS7ContentInfo(data: authSafeOctets), macData: macData)
        return try Self.der { try $0.serialize(pfx) }
    }

    static func certificateBag(_ certificate: Certificate, attributes: [PKCS12Attribute]) throws -> SafeBag {
        let certDER = try der { try $0.serialize(certificate) }
        return SafeBag(bagID: .pkcs12CertBag, bagValue: try ASN1Any(erasing: try CertBag(x509DER: certDER)), attributes: attributes)
    }

    static func der(_ body: (inout DER.Serializer) throws -> Void) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try body(&serializer)
        return serializer.serializedBytes
    }
}

/// The PKCS#12 integrity MAC: HMAC over the authSafe octets with a key from RFC 7292 B.2 (ID 3).
enum PKCS12MAC {
    static func compute<H: HashFunction>(
        _ hash: H.Type,
        over data: ArraySlice<UInt8>,
        password: KeystorePassword,
        salt: [UInt8],
        iterations: Int
    ) -> [UInt8] {
        let keyBytes = PKCS12KeyDerivation.derive(
            H.self,
            purpose: .macKey,
            password: password.bmpStringWithTerminator,
            salt: salt,
            iterations: iterations,
            byteCount: H.Digest.byteCount
        )
        return Array(HMAC<H>.authenticationCode(for: data, using: SymmetricKey(data: keyBytes)))
    }
}
