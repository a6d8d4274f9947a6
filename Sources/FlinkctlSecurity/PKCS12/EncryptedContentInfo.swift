import SwiftASN1

/// The ciphertext of an ``PKCS7EncryptedData`` and how it was encrypted.
///
/// ASN.1 definition (RFC 2315, section 10.1):
/// ```
/// EncryptedContentInfo ::= SEQUENCE {
///   contentType                 ContentType,
///   contentEncryptionAlgorithm  ContentEncryptionAlgorithmIdentifier,
///   encryptedContent            [0] IMPLICIT EncryptedContent OPTIONAL }
/// EncryptedContent ::= OCTET STRING
/// ```
/// DER writers (Java, OpenSSL) emit `encryptedContent` as a primitive `[0]`; the constructed BER
/// form is not accepted.
struct EncryptedContentInfo: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    static let encryptedContentTag = ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)

    var contentType: ASN1ObjectIdentifier
    var contentEncryptionAlgorithm: PKCS12AlgorithmIdentifier
    var encryptedContent: ASN1OctetString?

    init(
        contentType: ASN1ObjectIdentifier,
        contentEncryptionAlgorithm: PKCS12AlgorithmIdentifier,
        encryptedContent: ASN1OctetString?
    ) {
        self.contentType = contentType
        self.contentEncryptionAlgorithm = contentEncryptionAlgorithm
        self.encryptedContent = encryptedContent
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let contentType = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let algorithm = try PKCS12AlgorithmIdentifier(derEncoded: &nodes)
            let content: ASN1OctetString? = try DER.optionalImplicitlyTagged(&nodes, tag: Self.encryptedContentTag)
            return EncryptedContentInfo(
                contentType: contentType,
                contentEncryptionAlgorithm: algorithm,
                encryptedContent: content
            )
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.contentType)
            try coder.serialize(self.contentEncryptionAlgorithm)
            try coder.serializeOptionalImplicitlyTagged(self.encryptedContent, withIdentifier: Self.encryptedContentTag)
        }
    }
}
