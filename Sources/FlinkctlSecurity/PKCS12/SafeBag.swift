import SwiftASN1

extension ASN1ObjectIdentifier {
    /// `keyBag` (1.2.840.113549.1.12.10.1.1): an unencrypted PKCS#8 PrivateKeyInfo.
    static let pkcs12KeyBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 1]
    /// `pkcs8ShroudedKeyBag` (1.2.840.113549.1.12.10.1.2): an EncryptedPrivateKeyInfo.
    static let pkcs12ShroudedKeyBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 2]
    /// `certBag` (1.2.840.113549.1.12.10.1.3): a ``CertBag``.
    static let pkcs12CertBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 3]
    /// `crlBag` (1.2.840.113549.1.12.10.1.4).
    static let pkcs12CRLBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 4]
    /// `secretBag` (1.2.840.113549.1.12.10.1.5): Java's SecretKeyEntry.
    static let pkcs12SecretBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 5]
    /// `safeContentsBag` (1.2.840.113549.1.12.10.1.6): nested SafeContents.
    static let pkcs12SafeContentsBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 6]
}

/// One item of a PKCS#12 SafeContents: a key, a certificate, or something this module carries along.
///
/// ASN.1 definition (RFC 7292, section 4.2):
/// ```
/// SafeContents ::= SEQUENCE OF SafeBag
///
/// SafeBag ::= SEQUENCE {
///   bagId          BAG-TYPE.&id ({PKCS12BagSet}),
///   bagValue       [0] EXPLICIT BAG-TYPE.&Type({PKCS12BagSet}{@bagId}),
///   bagAttributes  SET OF PKCS12Attribute OPTIONAL }
/// ```
struct SafeBag: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var bagID: ASN1ObjectIdentifier
    var bagValue: ASN1Any
    var attributes: [PKCS12Attribute]

    init(bagID: ASN1ObjectIdentifier, bagValue: ASN1Any, attributes: [PKCS12Attribute]) {
        self.bagID = bagID
        self.bagValue = bagValue
        self.attributes = attributes
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let bagID = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let value = try DER.explicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { node in
                ASN1Any(derEncoded: node)
            }
            var attributes: [PKCS12Attribute] = []
            if let node = nodes.next() {
                // Java writes the SET OF attributes unsorted, which strict DER forbids: accept any order.
                attributes = try DER.set(node, identifier: .set) { nodes in
                    var attributes: [PKCS12Attribute] = []
                    while let attribute = nodes.next() { attributes.append(try PKCS12Attribute(derEncoded: attribute)) }
                    return attributes
                }
            }
            return SafeBag(bagID: bagID, bagValue: value, attributes: attributes)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.bagID)
            try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                try coder.serialize(self.bagValue)
            }
            if !self.attributes.isEmpty {
                try coder.serializeSetOf(self.attributes)
            }
        }
    }

    /// The first value of the attribute `id`, if the bag has it.
    func attributeValues(_ id: ASN1ObjectIdentifier) -> [ASN1Any]? {
        self.attributes.first { $0.attributeID == id }?.values
    }
}
