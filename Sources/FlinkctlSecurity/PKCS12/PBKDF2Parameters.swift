import SwiftASN1

extension ASN1ObjectIdentifier {
    /// `id-hmacWithSHA1` (1.2.840.113549.2.7): PBKDF2's default PRF.
    static let hmacWithSHA1: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 7]
    /// `id-hmacWithSHA224` (1.2.840.113549.2.8).
    static let hmacWithSHA224: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 8]
    /// `id-hmacWithSHA256` (1.2.840.113549.2.9): the PRF Java 17 writes.
    static let hmacWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 9]
    /// `id-hmacWithSHA384` (1.2.840.113549.2.10).
    static let hmacWithSHA384: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 10]
    /// `id-hmacWithSHA512` (1.2.840.113549.2.11).
    static let hmacWithSHA512: ASN1ObjectIdentifier = [1, 2, 840, 113549, 2, 11]
}

/// The parameters of `id-PBKDF2`.
///
/// ASN.1 definition (RFC 8018, appendix A.2):
/// ```
/// PBKDF2-params ::= SEQUENCE {
///   salt CHOICE {
///     specified OCTET STRING,
///     otherSource AlgorithmIdentifier {{PBKDF2-SaltSources}}
///   },
///   iterationCount INTEGER (1..MAX),
///   keyLength INTEGER (1..MAX) OPTIONAL,
///   prf AlgorithmIdentifier {{PBKDF2-PRFs}} DEFAULT algid-hmacWithSHA1 }
/// ```
/// Only the `specified` salt is supported; `otherSource` has never been given a definition.
struct PBKDF2Parameters: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var salt: ASN1OctetString
    var iterationCount: Int
    var keyLength: Int?
    /// `nil` means the default, HMAC-SHA1.
    var prf: PKCS12AlgorithmIdentifier?

    init(salt: ASN1OctetString, iterationCount: Int, keyLength: Int?, prf: PKCS12AlgorithmIdentifier?) {
        self.salt = salt
        self.iterationCount = iterationCount
        self.keyLength = keyLength
        self.prf = prf
    }

    /// The PRF's OID, resolving the default.
    var prfAlgorithm: ASN1ObjectIdentifier { self.prf?.algorithm ?? .hmacWithSHA1 }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let salt = try ASN1OctetString(derEncoded: &nodes)
            let iterations = try Int(derEncoded: &nodes)
            let keyLength: Int? = try DER.optionalImplicitlyTagged(&nodes, tag: .integer)
            let prf: PKCS12AlgorithmIdentifier? = try DER.optionalImplicitlyTagged(&nodes, tag: .sequence)
            return PBKDF2Parameters(salt: salt, iterationCount: iterations, keyLength: keyLength, prf: prf)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.salt)
            try coder.serialize(self.iterationCount)
            if let keyLength = self.keyLength {
                try coder.serialize(keyLength)
            }
            if let prf = self.prf, prf.algorithm != .hmacWithSHA1 {
                try coder.serialize(prf)
            }
        }
    }
}
