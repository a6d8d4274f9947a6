import Foundation
import SwiftASN1
import X509

/// Makes the two certificates a Flink TLS setup needs: a CA, and a node certificate it signs.
///
/// The node certificate carries both `serverAuth` and `clientAuth`, because Flink's internal TLS is
/// always mutual: every JobManager and TaskManager is server and client with the same key.
public struct CertificateIssuer: Sendable {
    /// Certificates start this long before "now", so that nodes whose clocks lag a little accept them.
    public static let backdating: TimeInterval = 10 * 60

    public var now: Date

    public init(now: Date = Date()) {
        self.now = now
    }

    /// A self-signed CA certificate, path length 0 (it signs node certificates only).
    public func makeCertificateAuthority(key: KeyPair, commonName: String, validityDays: Int) throws -> Certificate {
        do {
            let name = try DistinguishedName {
                OrganizationName("flinkctl")
                CommonName(commonName)
            }
            return try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: key.publicKey,
                notValidBefore: now - Self.backdating,
                notValidAfter: now + TimeInterval(validityDays) * 86_400,
                issuer: name,
                subject: name,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: key.publicKey)
                },
                issuerPrivateKey: key.certificateKey
            )
        } catch {
            throw SecurityError(.generation, "cannot create the CA certificate", underlying: error)
        }
    }

    /// A node certificate for `names`, signed by the CA.
    public func issueNodeCertificate(
        key: KeyPair,
        commonName: String,
        names: [SubjectAlternativeName],
        validityDays: Int,
        caCertificate: Certificate,
        caKey: Certificate.PrivateKey
    ) throws -> Certificate {
        do {
            let subject = try DistinguishedName {
                OrganizationName("flinkctl")
                CommonName(commonName)
            }
            // Never outlive the CA: a chain is only as valid as its shortest link.
            let notAfter = min(now + TimeInterval(validityDays) * 86_400, caCertificate.notValidAfter)
            let caKeyID = try caCertificate.extensions.subjectKeyIdentifier?.keyIdentifier
            let keyUsage: KeyUsage =
                key.type == .rsa2048 ? KeyUsage(digitalSignature: true, keyEncipherment: true) : KeyUsage(digitalSignature: true)
            return try Certificate(
                version: .v3,
                serialNumber: Certificate.SerialNumber(),
                publicKey: key.publicKey,
                notValidBefore: now - Self.backdating,
                notValidAfter: notAfter,
                issuer: caCertificate.subject,
                subject: subject,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(keyUsage)
                    try ExtendedKeyUsage([.serverAuth, .clientAuth])
                    SubjectAlternativeNames(names.map(\.generalName))
                    SubjectKeyIdentifier(hash: key.publicKey)
                    AuthorityKeyIdentifier(keyIdentifier: caKeyID)
                },
                issuerPrivateKey: caKey
            )
        } catch {
            throw SecurityError(.generation, "cannot issue the node certificate", underlying: error)
        }
    }
}
