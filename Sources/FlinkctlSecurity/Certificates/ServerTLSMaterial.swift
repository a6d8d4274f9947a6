import Foundation
import SwiftASN1
import X509

/// A server's certificate chain and private key in DER, for an HTTPS server
/// (the embedded cluster's `--tls`), from PEM files or a PKCS#12 keystore.
public struct ServerTLSMaterial: Sendable {
    /// DER certificates, the server's own first.
    public var certificateChain: [[UInt8]]
    /// DER PKCS#8 private key.
    public var privateKeyPKCS8: [UInt8]

    /// From a PEM certificate file (the server's certificate first, then any
    /// intermediates) and a PEM private key (PKCS#8, PKCS#1 or SEC1).
    public static func load(certificatePEM: String, keyPEM: String) throws -> ServerTLSMaterial {
        let certText = try readText(certificatePEM)
        let keyText = try readText(keyPEM)
        let chain: [[UInt8]]
        do {
            chain = try PEMDocument.parseMultiple(pemString: certText)
                .filter { $0.discriminator == "CERTIFICATE" }
                .map { try Certificate(derEncoded: $0.derBytes) }
                .map { var s = DER.Serializer(); try s.serialize($0); return s.serializedBytes }
        } catch {
            throw SecurityError(.malformed, "not a PEM certificate: \(error)", path: certificatePEM)
        }
        guard !chain.isEmpty else { throw SecurityError(.malformed, "no CERTIFICATE block", path: certificatePEM) }
        let key: [UInt8]
        do {
            key = try Certificate.PrivateKey(pemEncoded: keyText).serializeAsPEM().derBytes
        } catch {
            throw SecurityError(.malformed, "not a PEM private key: \(error)", path: keyPEM)
        }
        return ServerTLSMaterial(certificateChain: chain, privateKeyPKCS8: key)
    }

    /// From the first private-key entry of a PKCS#12 keystore (e.g.
    /// `flink.keystore` from `security keystore generate`).
    public static func load(keystore path: String, password: KeystorePassword) throws -> ServerTLSMaterial {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw SecurityError(.fileSystem, "cannot read the file: \(AtomicFileSet.describe(error))", path: path)
        }
        let store: Keystore
        do { store = try PKCS12Reader().read(bytes, password: password) } catch let e as SecurityError { throw e.at(path) }
        guard let entry = store.privateKeyEntries.first, !entry.chain.isEmpty else {
            throw SecurityError(.malformed, "the keystore holds no private key with a certificate", path: path)
        }
        let chain = try entry.chain.map { var s = DER.Serializer(); try s.serialize($0); return s.serializedBytes }
        return ServerTLSMaterial(certificateChain: chain, privateKeyPKCS8: entry.privateKeyPKCS8)
    }

    static func readText(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SecurityError(.fileSystem, "cannot read the file: \(AtomicFileSet.describe(error))", path: path)
        }
    }
}
