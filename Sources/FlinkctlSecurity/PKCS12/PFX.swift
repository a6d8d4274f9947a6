import SwiftASN1

/// The outer structure of a PKCS#12 file.
///
/// ASN.1 definition (RFC 7292, section 4):
/// ```
/// PFX ::= SEQUENCE {
///   version     INTEGER {v3(3)}(v3,...),
///   authSafe    ContentInfo,
///   macData     MacData OPTIONAL }
/// ```
/// `authSafe` is a `data` ContentInfo whose OCTET STRING holds the DER of an
/// `AuthenticatedSafe`; the MAC covers exactly those octets.
struct PFX: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    static let version3 = 3

    var version: Int
    var authSafe: PKCS7ContentInfo
    var macData: MacData?

    init(version: Int = PFX.version3, authSafe: PKCS7ContentInfo, macData: MacData?) {
        self.version = version
        self.authSafe = authSafe
        self.macData = macData
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let version = try Int(derEncoded: &nodes)
            let authSafe = try PKCS7ContentInfo(derEncoded: &nodes)
            let macData = try DER.optionalImplicitlyTagged(&nodes, tag: MacData.defaultIdentifier).map { (m: MacData) in m }
            return PFX(version: version, authSafe: authSafe, macData: macData)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.version)
            try coder.serialize(self.authSafe)
            if let macData = self.macData {
                try coder.serialize(macData)
            }
        }
    }
}
