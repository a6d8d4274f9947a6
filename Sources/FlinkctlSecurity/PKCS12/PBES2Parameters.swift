import SwiftASN1

extension ASN1ObjectIdentifier {
    /// PKCS#5 `id-PBES2` (1.2.840.113549.1.5.13).
    static let pbes2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 13]
    /// PKCS#5 `id-PBKDF2` (1.2.840.113549.1.5.12).
    static let pbkdf2: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 5, 12]
    /// `aes128-CBC` (2.16.840.1.101.3.4.1.2); parameters: the 16-byte IV.
    static let aes128CBC: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 1, 2]
    /// `aes192-CBC` (2.16.840.1.101.3.4.1.22).
    static let aes192CBC: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 1, 22]
    /// `aes256-CBC` (2.16.840.1.101.3.4.1.42): what Java 17 writes.
    static let aes256CBC: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 1, 42]

    /// PKCS#12 `pbeWithSHAAnd3-KeyTripleDES-CBC` (1.2.840.113549.1.12.1.3): legacy Java key protection.
    static let pbeWithSHAAnd3KeyTripleDESCBC: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 1, 3]
    /// PKCS#12 `pbeWithSHAAnd2-KeyTripleDES-CBC` (1.2.840.113549.1.12.1.4).
    static let pbeWithSHAAnd2KeyTripleDESCBC: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 1, 4]
    /// PKCS#12 `pbeWithSHAAnd128BitRC2-CBC` (1.2.840.113549.1.12.1.5).
    static let pbeWithSHAAnd128BitRC2CBC: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 1, 5]
    /// PKCS#12 `pbewithSHAAnd40BitRC2-CBC` (1.2.840.113549.1.12.1.6): legacy Java certificate protection.
    static let pbeWithSHAAnd40BitRC2CBC: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 1, 6]
    /// PKCS#12 `pbeWithSHAAnd128BitRC4` (1.2.840.113549.1.12.1.1).
    static let pbeWithSHAAnd128BitRC4: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 1, 1]
    /// PKCS#12 `pbeWithSHAAnd40BitRC4` (1.2.840.113549.1.12.1.2).
    static let pbeWithSHAAnd40BitRC4: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 1, 2]

    /// The PKCS#12 v1 password-based ciphers, which this module recognises and refuses.
    static let pkcs12LegacyPBE: Set<ASN1ObjectIdentifier> = [
        .pbeWithSHAAnd128BitRC4, .pbeWithSHAAnd40BitRC4, .pbeWithSHAAnd3KeyTripleDESCBC,
        .pbeWithSHAAnd2KeyTripleDESCBC, .pbeWithSHAAnd128BitRC2CBC, .pbeWithSHAAnd40BitRC2CBC,
    ]
}

/// The parameters of `id-PBES2`: a key derivation function and a cipher.
///
/// ASN.1 definition (RFC 8018, appendix A.4):
/// ```
/// PBES2-params ::= SEQUENCE {
///   keyDerivationFunc AlgorithmIdentifier {{PBES2-KDFs}},
///   encryptionScheme  AlgorithmIdentifier {{PBES2-Encs}} }
/// ```
struct PBES2Parameters: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var keyDerivationFunction: PKCS12AlgorithmIdentifier
    var encryptionScheme: PKCS12AlgorithmIdentifier

    init(keyDerivationFunction: PKCS12AlgorithmIdentifier, encryptionScheme: PKCS12AlgorithmIdentifier) {
        self.keyDerivationFunction = keyDerivationFunction
        self.encryptionScheme = encryptionScheme
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let kdf = try PKCS12AlgorithmIdentifier(derEncoded: &nodes)
            let scheme = try PKCS12AlgorithmIdentifier(derEncoded: &nodes)
            return PBES2Parameters(keyDerivationFunction: kdf, encryptionScheme: scheme)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.keyDerivationFunction)
            try coder.serialize(self.encryptionScheme)
        }
    }
}
