import SwiftASN1

/// An algorithm and its parameters, as PKCS#5, PKCS#7 and PKCS#12 use it.
///
/// ASN.1 definition (RFC 5280, section 4.1.1.2):
/// ```
/// AlgorithmIdentifier ::= SEQUENCE {
///   algorithm   OBJECT IDENTIFIER,
///   parameters  ANY DEFINED BY algorithm OPTIONAL }
/// ```
///
/// swift-certificates keeps its own `AlgorithmIdentifier` internal, so PKCS#12 carries this one.
struct PKCS12AlgorithmIdentifier: DERImplicitlyTaggable, Hashable, Sendable {
    static var defaultIdentifier: ASN1Identifier { .sequence }

    var algorithm: ASN1ObjectIdentifier
    var parameters: ASN1Any?

    init(algorithm: ASN1ObjectIdentifier, parameters: ASN1Any?) {
        self.algorithm = algorithm
        self.parameters = parameters
    }

    /// An identifier whose parameters are an explicit ASN.1 NULL, as Java and OpenSSL write digests and HMACs.
    init(algorithm: ASN1ObjectIdentifier, nullParameters: Void) throws {
        self.init(algorithm: algorithm, parameters: try ASN1Any(erasing: ASN1Null()))
    }

    init(derEncoded rootNode: ASN1Node, withIdentifier identifier: ASN1Identifier) throws {
        self = try DER.sequence(rootNode, identifier: identifier) { nodes in
            let algorithm = try ASN1ObjectIdentifier(derEncoded: &nodes)
            let parameters = nodes.next().map { ASN1Any(derEncoded: $0) }
            return PKCS12AlgorithmIdentifier(algorithm: algorithm, parameters: parameters)
        }
    }

    func serialize(into coder: inout DER.Serializer, withIdentifier identifier: ASN1Identifier) throws {
        try coder.appendConstructedNode(identifier: identifier) { coder in
            try coder.serialize(self.algorithm)
            if let parameters = self.parameters {
                try coder.serialize(parameters)
            }
        }
    }
}
