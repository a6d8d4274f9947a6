import Foundation
import SwiftASN1
import X509

/// The certificates a client should trust, as PEM text for libcurl, from a
/// PKCS#12 truststore (e.g. `flink.truststore`), a PEM bundle or one DER
/// certificate.
public enum TrustedCertificatesPEM {
    public static func load(_ path: String, password: KeystorePassword?) throws -> String {
        let certificates: [Certificate]
        switch try CertificateFile.load(path, password: password) {
        case .pkcs12(let store): certificates = store.allCertificates
        case .pem(let certs): certificates = certs
        case .der(let cert): certificates = [cert]
        }
        guard !certificates.isEmpty else {
            throw SecurityError(.malformed, "holds no certificate to trust", path: path)
        }
        return try certificates.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
    }
}
