import SwiftASN1

extension ASN1ObjectIdentifier {
    /// PKCS#9 `friendlyName` (1.2.840.113549.1.9.20), a BMPString: Java's alias.
    static let pkcs9FriendlyName: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 20]
    /// PKCS#9 `localKeyId` (1.2.840.113549.1.9.21), an OCTET STRING pairing a key with its certificate.
    static let pkcs9LocalKeyID: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 21]
    /// Oracle's trusted key usage (2.16.840.1.113894.746875.1.1), a SET OF OBJECT IDENTIFIER.
    ///
    /// Java's PKCS12KeyStore turns a certificate bag into a `trustedCertEntry` only when it carries
    /// this attribute; without it the certificate is kept for chain building and nothing else.
    static let oracleTrustedKeyUsage: ASN1ObjectIdentifier = [2, 16, 840, 1, 113894, 746875, 1, 1]
    /// `anyExtendedKeyUsage` (2.5.29.37.0): the value Java's `setCertificateEntry` writes.
    static let anyExtendedKeyUsage: ASN1ObjectIdentifier = [2, 5, 29, 37, 0]
}

/// An attribute on a SafeBag: friendly name, local key id, Oracle's trusted key usage, or another.
///
/// ASN.1 definition (RFC 7292, section 4.2):
/// ```
/// PKCS12Attribute ::= SEQUENCE {
///   attrId      ATTRIBUTE.&id ({PKCS12AttrSet}),
///   attrValues  SET OF ATTRIBUTE.&Type ({PKCS12AttrSet}{@attrId}) }
/// ```
struct PKCS12Attribute: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var attributeID: ASN1ObjectIdentifier
    var values: [ASN1Any]

    init(attributeID: ASN1ObjectIdentifier, values: [ASN1Any]) {
        self.attributeID = attributeID
        self.values = values
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let id = try ASN1ObjectIdentifier(derEncoded: &nodes)
            guard let setNode = nodes.next() else {
                throw ASN1Error.invalidASN1Object(reason: "PKCS12Attribute without attrValues")
            }
            let values = try DER.set(setNode, identifier: .set) { nodes in
                var values: [ASN1Any] = []
                while let node = nodes.next() { values.append(ASN1Any(derEncoded: node)) }
                return values
            }
            return PKCS12Attribute(attributeID: id, values: values)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.attributeID)
            try coder.serializeSetOf(self.values)
        }
    }
}

extension PKCS12Attribute {
    /// `friendlyName`: the alias as a big-endian UTF-16 BMPString.
    static func friendlyName(_ name: String) throws -> PKCS12Attribute {
        let utf16 = name.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
        return PKCS12Attribute(
            attributeID: .pkcs9FriendlyName,
            values: [try ASN1Any(erasing: ASN1BMPString(contentBytes: utf16[...]))]
        )
    }

    /// `localKeyId`: the octets that pair a key bag with its certificate bag.
    static func localKeyID(_ id: [UInt8]) throws -> PKCS12Attribute {
        PKCS12Attribute(attributeID: .pkcs9LocalKeyID, values: [try ASN1Any(erasing: ASN1OctetString(contentBytes: id[...]))])
    }

    /// Oracle's trusted key usage = { anyExtendedKeyUsage }, as `keytool -importcert` writes it.
    static func trustedForAnyUsage() throws -> PKCS12Attribute {
        PKCS12Attribute(attributeID: .oracleTrustedKeyUsage, values: [try ASN1Any(erasing: ASN1ObjectIdentifier.anyExtendedKeyUsage)])
    }

    /// Decodes a BMPString friendly name; `nil` when it is not one or has an odd length.
    static func decodeFriendlyName(_ value: ASN1Any) -> String? {
        guard let bmp = try? ASN1BMPString(asn1Any: value), bmp.bytes.count % 2 == 0 else { return nil }
        var units: [UInt16] = []
        units.reserveCapacity(bmp.bytes.count / 2)
        var index = bmp.bytes.startIndex
        while index < bmp.bytes.endIndex {
            units.append(UInt16(bmp.bytes[index]) << 8 | UInt16(bmp.bytes[index + 1]))
            index += 2
        }
        return String(decoding: units, as: UTF16.self)
    }
}
