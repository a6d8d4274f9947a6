import SwiftASN1

/// The password integrity check of a PKCS#12 file: an HMAC over the `authSafe` octets.
///
/// ASN.1 definition (RFC 7292, section 4):
/// ```
/// MacData ::= SEQUENCE {
///   mac         DigestInfo,
///   macSalt     OCTET STRING,
///   iterations  INTEGER DEFAULT 1
///   -- Note: The default is for historical reasons and its use is
///   -- deprecated.
/// }
/// ```
/// The HMAC key comes from RFC 7292 appendix B's derivation with ID 3 and the digest named in `mac`.
struct MacData: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var mac: DigestInfo
    var macSalt: ASN1OctetString
    var iterations: Int

    init(mac: DigestInfo, macSalt: ASN1OctetString, iterations: Int) {
        self.mac = mac
        self.macSalt = macSalt
        self.iterations = iterations
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let mac = try DigestInfo(derEncoded: &nodes)
            let salt = try ASN1OctetString(derEncoded: &nodes)
            let iterations = try DER.decodeDefault(&nodes, defaultValue: 1) as Int
            return MacData(mac: mac, macSalt: salt, iterations: iterations)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.mac)
            try coder.serialize(self.macSalt)
            if self.iterations != 1 {
                try coder.serialize(self.iterations)
            }
        }
    }
}
