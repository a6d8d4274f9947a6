import SwiftASN1

extension ASN1ObjectIdentifier {
    /// PKCS#7 `data`: the content is an OCTET STRING.
    ///
    /// ```
    /// data OBJECT IDENTIFIER ::= { pkcs-7 1 }   -- 1.2.840.113549.1.7.1
    /// ```
    static let pkcs7Data: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 1]

    /// PKCS#7 `encryptedData`: the content is an ``PKCS7EncryptedData``.
    ///
    /// ```
    /// encryptedData OBJECT IDENTIFIER ::= { pkcs-7 6 }   -- 1.2.840.113549.1.7.6
    /// ```
    static let pkcs7EncryptedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 6]

    /// PKCS#7 `envelopedData`: public-key protected content, which Java and this module do not write.
    static let pkcs7EnvelopedData: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 7, 3]
}

/// A typed piece of content; in PKCS#12 either plain `data` or password-encrypted `encryptedData`.
///
/// ASN.1 definition (RFC 2315, section 7):
/// ```
/// ContentInfo ::= SEQUENCE {
///   contentType ContentType,
///   content     [0] EXPLICIT ANY DEFINED BY contentType OPTIONAL }
/// ContentType ::= OBJECT IDENTIFIER
/// ```
struct PKCS7ContentInfo: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var contentType: ASN1ObjectIdentifier
    var content: ASN1Any?

    init(contentType: ASN1ObjectIdentifier, content: ASN1Any?) {
        self.contentType = contentType
        self.content = content
    }

    /// A `data` ContentInfo wrapping `bytes` in an OCTET STRING.
    init(data bytes: [UInt8]) throws {
        self.init(contentType: .pkcs7Data, content: try ASN1Any(erasing: ASN1OctetString(contentBytes: bytes[...])))
    }

    /// An `encryptedData` ContentInfo.
    init(encryptedData: PKCS7EncryptedData) throws {
        self.init(contentType: .pkcs7EncryptedData, content: try ASN1Any(erasing: encryptedData))
    }

    /// The octets of a `data` ContentInfo.
    func dataOctets() throws -> ArraySlice<UInt8> {
        guard self.contentType == .pkcs7Data, let content = self.content else {
            throw ASN1Error.invalidASN1Object(reason: "expected a data ContentInfo, found \(self.contentType)")
        }
        return try ASN1OctetString(asn1Any: content).bytes
    }

    /// The structure of an `encryptedData` ContentInfo.
    func encryptedData() throws -> PKCS7EncryptedData {
        guard self.contentType == .pkcs7EncryptedData, let content = self.content else {
            throw ASN1Error.invalidASN1Object(reason: "expected an encryptedData ContentInfo, found \(self.contentType)")
        }
        return try PKCS7EncryptedData(asn1Any: content)
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let contentType = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let content = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { node in
                ASN1Any(derEncoded: node)
            }
            return PKCS7ContentInfo(contentType: contentType, content: content)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.contentType)
            if let content = self.content {
                try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                    try coder.serialize(content)
                }
            }
        }
    }
}
