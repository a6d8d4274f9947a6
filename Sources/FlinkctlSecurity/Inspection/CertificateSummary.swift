import Crypto
import _CryptoExtras
import Foundation
import SwiftASN1
import X509

/// What a person checks on a certificate, in a form that prints as a table or JSON.
public struct CertificateSummary: Codable, Sendable, Equatable {
    public var subject: String
    public var issuer: String
    public var serialNumber: String
    public var notBefore: Date
    public var notAfter: Date
    public var subjectAlternativeNames: [String]
    public var publicKey: String
    public var isCertificateAuthority: Bool
    /// Colon-separated upper-case hex, as keytool prints it.
    public var sha256Fingerprint: String
    /// The form Flink's `security.ssl.internal.cert.fingerprint` takes.
    public var sha1Fingerprint: String

    public init(_ certificate: Certificate) {
        subject = String(describing: certificate.subject)
        issuer = String(describing: certificate.issuer)
        serialNumber = certificate.serialNumber.bytes.map { String(format: "%02x", $0) }.joined()
        notBefore = certificate.notValidBefore
        notAfter = certificate.notValidAfter
        let sans = (try? certificate.extensions.subjectAlternativeNames) ?? nil
        subjectAlternativeNames = (sans.map(Array.init) ?? []).compactMap { SubjectAlternativeName($0)?.description }
        publicKey = Self.describe(certificate.publicKey)
        let constraints = (try? certificate.extensions.basicConstraints) ?? nil
        if case .isCertificateAuthority = constraints { isCertificateAuthority = true } else { isCertificateAuthority = false }
        let der = (try? Self.der(certificate)) ?? []
        sha256Fingerprint = Self.colonHex(Array(SHA256.hash(data: der)))
        sha1Fingerprint = Self.colonHex(Array(Insecure.SHA1.hash(data: der)))
    }

    static func der(_ certificate: Certificate) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return serializer.serializedBytes
    }

    static func colonHex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    static func describe(_ key: Certificate.PublicKey) -> String {
        if let rsa = _RSA.Signing.PublicKey(key) { return "RSA \(rsa.keySizeInBits)" }
        if P256.Signing.PublicKey(key) != nil { return "EC P-256" }
        if P384.Signing.PublicKey(key) != nil { return "EC P-384" }
        if P521.Signing.PublicKey(key) != nil { return "EC P-521" }
        return String(describing: key)
    }
}

