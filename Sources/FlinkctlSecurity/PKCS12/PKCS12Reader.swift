import Crypto
import Foundation
import SwiftASN1
import X509

/// Reads PKCS#12 files written by Java 17+ keytool, OpenSSL 3 and ``PKCS12Writer``.
///
/// - The MAC is verified first; a mismatch is reported as a wrong password.
/// - PBES2 (PBKDF2 with HMAC-SHA1/224/256/384/512, AES-CBC) is decrypted.
/// - PKCS#12 v1 ciphers (3DES, RC2, RC4: Java's `-Dkeystore.pkcs12.legacy` and OpenSSL 1.x files) are
///   refused with `.unsupportedLegacyEncryption` and a re-export command: reading them would mean
///   carrying RC2 and 3DES implementations for files that Java 17 no longer writes.
/// - Only DER is accepted (Java and OpenSSL write DER); indefinite-length BER files are refused as malformed.
/// - Never traps on malformed input: every failure is a thrown ``SecurityError``.
public struct PKCS12Reader: Sendable {
    /// Nesting limit for `safeContentsBag`, against crafted input.
    static let maximumNesting = 4

    /// Skips the MAC check; for tests that exercise the decoder past the MAC.
    var verifyIntegrity = true

    public init() {}

    public func read(_ bytes: [UInt8], password: KeystorePassword) throws -> Keystore {
        try Self.rejectOtherFormats(bytes)
        let pfx: PFX
        do {
            pfx = try PFX(derEncoded: bytes)
        } catch {
            if (try? Certificate(derEncoded: bytes)) != nil {
                throw SecurityError(.malformed, "this is a DER X.509 certificate, not a PKCS#12 keystore")
            }
            throw SecurityError(.malformed, "not a PKCS#12 keystore, or a damaged one (the DER structure does not parse)", underlying: error)
        }
        guard pfx.version == PFX.version3 else {
            throw SecurityError(.malformed, "PKCS#12 version \(pfx.version) is not supported (expected 3)")
        }
        guard pfx.authSafe.contentType == .pkcs7Data else {
            throw SecurityError(.unsupported, "PKCS#12 public-key integrity mode (\(pfx.authSafe.contentType)) is not supported; only password integrity is")
        }
        let authSafeOctets: ArraySlice<UInt8>
        do {
            authSafeOctets = try pfx.authSafe.dataOctets()
        } catch {
            throw SecurityError(.malformed, "the keystore's authSafe is damaged", underlying: error)
        }
        if self.verifyIntegrity, let macData = pfx.macData {
            try Self.verifyMAC(macData, over: authSafeOctets, password: password)
        }

        let contentInfos: [PKCS7ContentInfo]
        do {
            contentInfos = try DER.sequence(of: PKCS7ContentInfo.self, identifier: .sequence, rootNode: try DER.parse(authSafeOctets))
        } catch {
            throw SecurityError(.malformed, "the keystore's AuthenticatedSafe is damaged", underlying: error)
        }
        var bags: [SafeBag] = []
        for info in contentInfos {
            switch info.contentType {
            case .pkcs7Data:
                bags += try Self.safeContents(malformedAs: "a SafeContents") { try info.dataOctets() }
            case .pkcs7EncryptedData:
                let encrypted: PKCS7EncryptedData
                do {
                    encrypted = try info.encryptedData()
                } catch {
                    throw SecurityError(.malformed, "an encrypted part of the keystore is damaged", underlying: error)
                }
                guard let ciphertext = encrypted.encryptedContentInfo.encryptedContent else { continue }
                let plaintext = try PBES2.decrypt(
                    ciphertext.bytes,
                    algorithm: encrypted.encryptedContentInfo.contentEncryptionAlgorithm,
                    password: password,
                    what: "certificate safe"
                )
                bags += try Self.safeContents(malformedAs: "the decrypted certificate safe") { plaintext[...] }
            default:
                throw SecurityError(.unsupported, "keystore content of type \(info.contentType) is not supported (only data and encryptedData)")
            }
        }
        return try Self.assemble(bags: bags, password: password)
    }

    /// Clear errors for the files people hand us by mistake.
    static func rejectOtherFormats(_ bytes: [UInt8]) throws {
        if bytes.isEmpty {
            throw SecurityError(.malformed, "the file is empty")
        }
        if bytes.starts(with: [0xFE, 0xED, 0xFE, 0xED]) {
            throw SecurityError(
                .unsupported,
                "this is a JKS keystore; convert it with `keytool -importkeystore -srckeystore FILE -destkeystore NEW -deststoretype PKCS12`"
            )
        }
        let head = String(decoding: bytes.prefix(4096), as: UTF8.self)
        if let range = head.range(of: "-----BEGIN ") {
            let label = head[range.upperBound...].prefix { $0 != "-" }
            throw SecurityError(.malformed, "this is a PEM file (\(label)), not a PKCS#12 keystore")
        }
    }

    static func verifyMAC(_ macData: MacData, over data: ArraySlice<UInt8>, password: KeystorePassword) throws {
        guard (1...PBES2.maximumIterations).contains(macData.iterations) else {
            throw SecurityError(.malformed, "the MAC asks for \(macData.iterations) iterations (accepted: 1 to \(PBES2.maximumIterations))")
        }
        let salt = Array(macData.macSalt.bytes)
        let expected = macData.mac.digest.bytes
        let computed: [UInt8]
        switch macData.mac.digestAlgorithm.algorithm {
        case .digestSHA256:
            computed = PKCS12MAC.compute(SHA256.self, over: data, password: password, salt: salt, iterations: macData.iterations)
        case .digestSHA1:
            computed = PKCS12MAC.compute(Insecure.SHA1.self, over: data, password: password, salt: salt, iterations: macData.iterations)
        case .digestSHA384:
            computed = PKCS12MAC.compute(SHA384.self, over: data, password: password, salt: salt, iterations: macData.iterations)
        case .digestSHA512:
            computed = PKCS12MAC.compute(SHA512.self, over: data, password: password, salt: salt, iterations: macData.iterations)
        default:
            throw SecurityError(.unsupported, "the keystore's MAC uses digest \(macData.mac.digestAlgorithm.algorithm), which flinkctl does not read")
        }
        guard constantTimeEqual(computed[...], expected) else {
            throw SecurityError(.wrongPassword, "wrong keystore password (the integrity check failed), or the file was altered")
        }
    }

    static func safeContents(malformedAs what: String, _ octets: () throws -> ArraySlice<UInt8>) throws -> [SafeBag] {
        do {
            return try DER.sequence(of: SafeBag.self, identifier: .sequence, rootNode: try DER.parse(try octets()))
        } catch {
            throw SecurityError(.malformed, "\(what) of the keystore is damaged", underlying: error)
        }
    }

    /// A key, certificate or trusted certificate before entries are put together.
    private struct LooseCertificate {
        var certificate: Certificate
        var alias: String?
        var localKeyID: [UInt8]?
        var trusted: Bool
    }

    private struct LooseKey {
        var pkcs8: [UInt8]
        var alias: String?
        var localKeyID: [UInt8]?
    }

    static func assemble(bags: [SafeBag], password: KeystorePassword) throws -> Keystore {
        var keys: [LooseKey] = []
        var certificates: [LooseCertificate] = []
        try collect(bags, depth: 0, password: password, keys: &keys, certificates: &certificates)

        var keystore = Keystore()
        var usedInChains = Set<Int>()
        var aliasCounter = 0
        func nextAlias() -> String {
            aliasCounter += 1
            return String(aliasCounter)
        }

        for key in keys {
            // Java: match by localKeyId first, then by alias.
            let leafIndex =
                certificates.firstIndex { key.localKeyID != nil && $0.localKeyID == key.localKeyID }
                ?? certificates.firstIndex { key.alias != nil && $0.alias == key.alias && !$0.trusted }
                ?? (keys.count == 1 ? certificates.firstIndex { !$0.trusted } : nil)
            var chain: [Certificate] = []
            if let leafIndex {
                usedInChains.insert(leafIndex)
                chain.append(certificates[leafIndex].certificate)
                // Walk issuers among all certificates; stop at a self-issued one or after 10 links.
                while chain.count < 10, let last = chain.last, last.issuer != last.subject,
                    let issuerIndex = certificates.indices.first(where: {
                        certificates[$0].certificate.subject == last.issuer && !chain.contains(certificates[$0].certificate)
                    })
                {
                    if !certificates[issuerIndex].trusted { usedInChains.insert(issuerIndex) }
                    chain.append(certificates[issuerIndex].certificate)
                }
            }
            keystore.privateKeyEntries.append(
                PrivateKeyEntry(
                    alias: key.alias ?? nextAlias(),
                    privateKeyPKCS8: key.pkcs8,
                    chain: chain,
                    localKeyID: key.localKeyID ?? []
                )
            )
        }
        for (index, loose) in certificates.enumerated() where !usedInChains.contains(index) {
            if loose.trusted {
                keystore.trustedCertificateEntries.append(
                    TrustedCertificateEntry(alias: loose.alias ?? nextAlias(), certificate: loose.certificate)
                )
            } else {
                keystore.otherCertificates.append(loose.certificate)
            }
        }
        return keystore
    }

    private static func collect(
        _ bags: [SafeBag],
        depth: Int,
        password: KeystorePassword,
        keys: inout [LooseKey],
        certificates: inout [LooseCertificate]
    ) throws {
        guard depth <= maximumNesting else {
            throw SecurityError(.malformed, "SafeContents nested deeper than \(maximumNesting) levels")
        }
        for bag in bags {
            let alias = bag.attributeValues(.pkcs9FriendlyName)?.first.flatMap(PKCS12Attribute.decodeFriendlyName)?.lowercased()
            let localKeyID = bag.attributeValues(.pkcs9LocalKeyID)?.first.flatMap { try? ASN1OctetString(asn1Any: $0) }.map { Array($0.bytes) }
            switch bag.bagID {
            case .pkcs12ShroudedKeyBag:
                let info: EncryptedPrivateKeyInfo
                do {
                    info = try EncryptedPrivateKeyInfo(asn1Any: bag.bagValue)
                } catch {
                    throw SecurityError(.malformed, "a shrouded key bag is damaged", underlying: error)
                }
                let pkcs8 = try PBES2.decrypt(info.encryptedData.bytes, algorithm: info.encryptionAlgorithm, password: password, what: "private key")
                try checkPrivateKeyInfo(pkcs8)
                keys.append(LooseKey(pkcs8: pkcs8, alias: alias, localKeyID: localKeyID))
            case .pkcs12KeyBag:
                let pkcs8 = Array(try der(of: bag.bagValue, what: "a key bag"))
                try checkPrivateKeyInfo(pkcs8)
                keys.append(LooseKey(pkcs8: pkcs8, alias: alias, localKeyID: localKeyID))
            case .pkcs12CertBag:
                let certificate: Certificate
                do {
                    let certBag = try CertBag(asn1Any: bag.bagValue)
                    guard let certDER = try certBag.x509DER() else { continue }
                    certificate = try Certificate(derEncoded: Array(certDER))
                } catch {
                    throw SecurityError(.malformed, "a certificate bag is damaged", underlying: error)
                }
                let trusted = bag.attributeValues(.oracleTrustedKeyUsage) != nil
                certificates.append(LooseCertificate(certificate: certificate, alias: alias, localKeyID: localKeyID, trusted: trusted))
            case .pkcs12SafeContentsBag:
                let nested: [SafeBag]
                do {
                    nested = try DER.sequence(of: SafeBag.self, identifier: .sequence, rootNode: DER.parse(try der(of: bag.bagValue, what: "a nested SafeContents")))
                } catch let error as SecurityError {
                    throw error
                } catch {
                    throw SecurityError(.malformed, "a nested SafeContents is damaged", underlying: error)
                }
                try collect(nested, depth: depth + 1, password: password, keys: &keys, certificates: &certificates)
            default:
                continue  // CRL and secret bags: Java's SecretKeyEntry and the like are not TLS material.
            }
        }
    }

    /// The DER octets of an ASN1Any.
    private static func der(of value: ASN1Any, what: String) throws -> [UInt8] {
        do {
            var serializer = DER.Serializer()
            try serializer.serialize(value)
            return serializer.serializedBytes
        } catch {
            throw SecurityError(.malformed, "\(what) is damaged", underlying: error)
        }
    }

    /// A decrypted key must at least be a DER SEQUENCE; garbage that survived the padding check is caught here.
    private static func checkPrivateKeyInfo(_ pkcs8: [UInt8]) throws {
        do {
            let node = try DER.parse(pkcs8)
            guard node.identifier == .sequence else { throw ASN1Error.unexpectedFieldType(node.identifier) }
        } catch {
            throw SecurityError(.wrongPassword, "the decrypted private key is not a PKCS#8 structure: wrong password, or the file is damaged", underlying: error)
        }
    }
}

/// Compares two byte strings without an early exit.
func constantTimeEqual(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) { difference |= x ^ y }
    return difference == 0
}
