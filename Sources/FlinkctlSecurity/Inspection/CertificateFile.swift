import Foundation
import SwiftASN1
import X509

/// A file that holds certificates: a PKCS#12 keystore or truststore, PEM, or one DER certificate.
public enum CertificateFile: Sendable {
    case pkcs12(Keystore)
    case pem([Certificate])
    case der(Certificate)

    /// Reads `path`, telling the format from the contents. A PKCS#12 file needs `password`.
    public static func load(_ path: String, password: KeystorePassword?) throws -> CertificateFile {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw SecurityError(.fileSystem, "cannot read the file: \(AtomicFileSet.describe(error))", path: path)
        }
        do {
            return try parse(bytes, password: password)
        } catch let error as SecurityError {
            throw error.at(path)
        }
    }

    public static func parse(_ bytes: [UInt8], password: KeystorePassword?) throws -> CertificateFile {
        guard !bytes.isEmpty else { throw SecurityError(.malformed, "the file is empty") }
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        if text.contains("-----BEGIN ") {
            return .pem(try parsePEMCertificates(String(decoding: bytes, as: UTF8.self)))
        }
        if let certificate = try? Certificate(derEncoded: bytes) {
            return .der(certificate)
        }
        guard let password else {
            throw SecurityError(.invalidArgument, "this looks like a PKCS#12 keystore; give its password with --password-file or --password-env")
        }
        return .pkcs12(try PKCS12Reader().read(bytes, password: password))
    }

    /// Every `CERTIFICATE` block of a PEM file; other blocks (keys) are skipped.
    static func parsePEMCertificates(_ text: String) throws -> [Certificate] {
        var certificates: [Certificate] = []
        var rest = Substring(text)
        while let begin = rest.range(of: "-----BEGIN CERTIFICATE-----") {
            guard let end = rest.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<rest.endIndex) else {
                throw SecurityError(.malformed, "a PEM CERTIFICATE block has no END line (truncated file?)")
            }
            let block = String(rest[begin.lowerBound..<end.upperBound])
            do {
                certificates.append(try Certificate(pemEncoded: block))
            } catch {
                throw SecurityError(.malformed, "PEM certificate \(certificates.count + 1) is damaged", underlying: error)
            }
            rest = rest[end.upperBound...]
        }
        guard !certificates.isEmpty else {
            throw SecurityError(.malformed, "the PEM file holds no CERTIFICATE block")
        }
        return certificates
    }

    /// Each certificate with the name of the entry it belongs to.
    public var labelledCertificates: [(entry: String, certificate: Certificate)] {
        switch self {
        case .der(let certificate):
            return [("certificate", certificate)]
        case .pem(let certificates):
            return certificates.enumerated().map { ("certificate \($0.offset + 1)", $0.element) }
        case .pkcs12(let keystore):
            var out: [(String, Certificate)] = []
            for entry in keystore.privateKeyEntries {
                for (index, certificate) in entry.chain.enumerated() {
                    out.append((index == 0 ? entry.alias : "\(entry.alias) chain[\(index)]", certificate))
                }
            }
            out += keystore.trustedCertificateEntries.map { ($0.alias, $0.certificate) }
            out += keystore.otherCertificates.enumerated().map { ("certificate \($0.offset + 1) (not a Java entry)", $0.element) }
            return out
        }
    }
}
