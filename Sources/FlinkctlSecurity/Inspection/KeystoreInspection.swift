import Foundation
import X509

/// `keystore inspect`: the entries of a keystore as keytool would list them, with more detail.
public struct KeystoreInspection: Codable, Sendable {
    public struct Entry: Codable, Sendable {
        /// `PrivateKeyEntry`, `trustedCertEntry` (keytool's words), or `certificate` for a bag Java ignores.
        public var type: String
        public var alias: String
        /// Creation date from Java's "Time <millis>" local key id, when present.
        public var created: Date?
        public var chain: [CertificateSummary]
    }

    public var file: String
    public var format: String
    public var entries: [Entry]

    public init(file: String, contents: CertificateFile) {
        self.file = file
        switch contents {
        case .pkcs12(let keystore):
            format = "PKCS12"
            entries =
                keystore.privateKeyEntries.map {
                    Entry(type: "PrivateKeyEntry", alias: $0.alias, created: $0.creationDate, chain: $0.chain.map(CertificateSummary.init))
                }
                + keystore.trustedCertificateEntries.map {
                    Entry(type: "trustedCertEntry", alias: $0.alias, created: nil, chain: [CertificateSummary($0.certificate)])
                }
                + keystore.otherCertificates.enumerated().map {
                    Entry(type: "certificate", alias: "(no Java entry) \($0.offset + 1)", created: nil, chain: [CertificateSummary($0.element)])
                }
        case .pem(let certificates):
            format = "PEM"
            entries = certificates.enumerated().map {
                Entry(type: "certificate", alias: "\($0.offset + 1)", created: nil, chain: [CertificateSummary($0.element)])
            }
        case .der(let certificate):
            format = "DER"
            entries = [Entry(type: "certificate", alias: "1", created: nil, chain: [CertificateSummary(certificate)])]
        }
    }
}
