import SwiftASN1

/// A password-encrypted PKCS#8 private key: the value of a `pkcs8ShroudedKeyBag`.
///
/// ASN.1 definition (RFC 5208, section 6):
/// ```
/// EncryptedPrivateKeyInfo ::= SEQUENCE {
///   encryptionAlgorithm  EncryptionAlgorithmIdentifier,
///   encryptedData        EncryptedData }
/// EncryptionAlgorithmIdentifier ::= AlgorithmIdentifier
/// EncryptedData ::= OCTET STRING
/// ```
struct EncryptedPrivateKeyInfo: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var encryptionAlgorithm: PKCS12AlgorithmIdentifier
    var encryptedData: ASN1OctetString

    init(encryptionAlgorithm: PKCS12AlgorithmIdentifier, encryptedData: ASN1OctetString) {
        self.encryptionAlgorithm = encryptionAlgorithm
        self.encryptedData = encryptedData
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let algorithm = try PKCS12AlgorithmIdentifier(derEncoded: &nodes)
            let data = try ASN1OctetString(derEncoded: &nodes)
            return EncryptedPrivateKeyInfo(encryptionAlgorithm: algorithm, encryptedData: data)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.encryptionAlgorithm)
            try coder.serialize(self.encryptedData)
        }
    }
}
