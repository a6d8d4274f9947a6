import SwiftASN1

/// Password-encrypted content; PKCS#12 puts the certificate SafeContents in one.
///
/// ASN.1 definition (RFC 2315, section 13):
/// ```
/// EncryptedData ::= SEQUENCE {
///   version                Version,
///   encryptedContentInfo   EncryptedContentInfo }
/// Version ::= INTEGER   -- 0
/// ```
/// (CMS, RFC 5652, adds `unprotectedAttrs [1] IMPLICIT` after it; PKCS#12 writers do not use it
/// and the parser rejects it as an unconsumed node.)
struct PKCS7EncryptedData: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var version: Int
    var encryptedContentInfo: EncryptedContentInfo

    init(version: Int = 0, encryptedContentInfo: EncryptedContentInfo) {
        self.version = version
        self.encryptedContentInfo = encryptedContentInfo
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let version = try Int(derEncoded: &nodes)
            let info = try EncryptedContentInfo(derEncoded: &nodes)
            return PKCS7EncryptedData(version: version, encryptedContentInfo: info)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.version)
            try coder.serialize(self.encryptedContentInfo)
        }
    }
}
