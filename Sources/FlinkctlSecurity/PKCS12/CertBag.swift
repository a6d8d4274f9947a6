import SwiftASN1

extension ASN1ObjectIdentifier {
    /// `x509Certificate` (1.2.840.113549.1.9.22.1): a DER certificate in an OCTET STRING.
    static let pkcs9X509Certificate: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 22, 1]
    /// `sdsiCertificate` (1.2.840.113549.1.9.22.2), which nothing here reads.
    static let pkcs9SDSICertificate: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 22, 2]
}

/// A certificate inside a `certBag` SafeBag.
///
/// ASN.1 definition (RFC 7292, section 4.2.3):
/// ```
/// CertBag ::= SEQUENCE {
///   certId     BAG-TYPE.&id   ({CertTypes}),
///   certValue  [0] EXPLICIT BAG-TYPE.&Type ({CertTypes}{@certId}) }
///
/// x509Certificate BAG-TYPE ::= {OCTET STRING IDENTIFIED BY {certTypes 1}}
///   -- DER-encoded X.509 certificate stored in OCTET STRING
/// ```
struct CertBag: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var certID: ASN1ObjectIdentifier
    var certValue: ASN1Any

    init(certID: ASN1ObjectIdentifier, certValue: ASN1Any) {
        self.certID = certID
        self.certValue = certValue
    }

    /// A bag holding an X.509 certificate's DER.
    init(x509DER: [UInt8]) throws {
        self.init(certID: .pkcs9X509Certificate, certValue: try ASN1Any(erasing: ASN1OctetString(contentBytes: x509DER[...])))
    }

    /// The DER of the X.509 certificate, or `nil` for another certificate type.
    func x509DER() throws -> ArraySlice<UInt8>? {
        guard self.certID == .pkcs9X509Certificate else { return nil }
        return try ASN1OctetString(asn1Any: self.certValue).bytes
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let id = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let value = try DER.explicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { node in
                ASN1Any(derEncoded: node)
            }
            return CertBag(certID: id, certValue: value)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.certID)
            try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                try coder.serialize(self.certValue)
            }
        }
    }
}
