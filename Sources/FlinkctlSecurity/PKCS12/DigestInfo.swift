import SwiftASN1

extension ASN1ObjectIdentifier {
    /// SHA-1 (`id-sha1`, 1.3.14.3.2.26), the MAC digest of legacy and Java 8/11 files.
    static let digestSHA1: ASN1ObjectIdentifier = [1, 3, 14, 3, 2, 26]
    /// SHA-256 (`id-sha256`, 2.16.840.1.101.3.4.2.1), the MAC digest Java 17 writes.
    static let digestSHA256: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 1]
    /// SHA-384 (`id-sha384`, 2.16.840.1.101.3.4.2.2).
    static let digestSHA384: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 2]
    /// SHA-512 (`id-sha512`, 2.16.840.1.101.3.4.2.3).
    static let digestSHA512: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 3]
}

/// A digest (here: the MAC value) and the algorithm that made it.
///
/// ASN.1 definition (RFC 2315, section 9.4; RFC 7292 uses it in MacData):
/// ```
/// DigestInfo ::= SEQUENCE {
///   digestAlgorithm DigestAlgorithmIdentifier,
///   digest          Digest }
/// Digest ::= OCTET STRING
/// ```
struct DigestInfo: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var digestAlgorithm: PKCS12AlgorithmIdentifier
    var digest: ASN1OctetString

    init(digestAlgorithm: PKCS12AlgorithmIdentifier, digest: ASN1OctetString) {
        self.digestAlgorithm = digestAlgorithm
        self.digest = digest
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let algorithm = try PKCS12AlgorithmIdentifier(derEncoded: &nodes)
            let digest = try ASN1OctetString(derEncoded: &nodes)
            return DigestInfo(digestAlgorithm: algorithm, digest: digest)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.digestAlgorithm)
            try coder.serialize(self.digest)
        }
    }
}
