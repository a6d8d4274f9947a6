import Foundation
import X509

/// The contents of a PKCS#12 keystore or truststore, as Java's `KeyStore` sees them.
public struct Keystore: Sendable {
    public var privateKeyEntries: [PrivateKeyEntry]
    public var trustedCertificateEntries: [TrustedCertificateEntry]
    /// Certificate bags that are neither a trusted entry (no Oracle trusted-key-usage attribute) nor
    /// part of a key's chain. Java ignores them; `openssl pkcs12 -export -nokeys` writes such files.
    public var otherCertificates: [Certificate]

    public init(
        privateKeyEntries: [PrivateKeyEntry] = [],
        trustedCertificateEntries: [TrustedCertificateEntry] = [],
        otherCertificates: [Certificate] = []
    ) {
        self.privateKeyEntries = privateKeyEntries
        self.trustedCertificateEntries = trustedCertificateEntries
        self.otherCertificates = otherCertificates
    }

    /// Every certificate in the file, once each, in entry order.
    public var allCertificates: [Certificate] {
        var seen = Set<Certificate>()
        var out: [Certificate] = []
        for cert in privateKeyEntries.flatMap(\.chain) + trustedCertificateEntries.map(\.certificate) + otherCertificates
        where seen.insert(cert).inserted {
            out.append(cert)
        }
        return out
    }
}

/// A private key and its certificate chain (Java's `PrivateKeyEntry`).
public struct PrivateKeyEntry: Sendable {
    public var alias: String
    /// The key as PKCS#8 `PrivateKeyInfo` DER, exactly as stored (unencrypted).
    public var privateKeyPKCS8: [UInt8]
    /// End-entity certificate first, then its issuers.
    public var chain: [Certificate]
    /// Pairs the key bag with its certificate bag; Java writes ASCII "Time <epoch millis>".
    public var localKeyID: [UInt8]

    public init(alias: String, privateKeyPKCS8: [UInt8], chain: [Certificate], localKeyID: [UInt8]) {
        self.alias = alias
        self.privateKeyPKCS8 = privateKeyPKCS8
        self.chain = chain
        self.localKeyID = localKeyID
    }


    /// The key in swift-certificates' form, for signing.
    public func certificatePrivateKey() throws -> Certificate.PrivateKey {
        do {
            return try Certificate.PrivateKey(derBytes: self.privateKeyPKCS8)
        } catch {
            throw SecurityError(.unsupported, "the private key of entry '\(alias)' is of a type flinkctl cannot use", underlying: error)
        }
    }

    /// The creation date Java encodes in a "Time <millis>" local key id.
    public var creationDate: Date? {
        let text = String(decoding: localKeyID, as: UTF8.self)
        guard text.hasPrefix("Time "), let millis = Int64(text.dropFirst(5)) else { return nil }
        return Date(timeIntervalSince1970: Double(millis) / 1000)
    }
}

/// A certificate trusted as an anchor (Java's `trustedCertEntry`).
public struct TrustedCertificateEntry: Sendable {
    public var alias: String
    public var certificate: Certificate

    public init(alias: String, certificate: Certificate) {
        self.alias = alias
        self.certificate = certificate
    }
}
