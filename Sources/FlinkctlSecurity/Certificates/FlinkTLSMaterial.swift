import FlinkctlBase
import Foundation
import SwiftASN1
import X509

/// File names in a keystore directory.
public enum FlinkTLSFileNames {
    /// PKCS#12: the node's private key with its chain (node certificate, CA). Alias `flink`.
    public static let keystore = "flink.keystore"
    /// PKCS#12: the CA as a trusted certificate entry. Alias `ca`.
    public static let truststore = "flink.truststore"
    /// PEM of the CA certificate (and, after a CA renewal, of the previous CA too), for curl and libcurl.
    public static let caPEM = "ca.pem"
    /// PKCS#12: the CA's private key and certificate, which `cert renew` needs to re-issue. Alias `ca`.
    public static let caKeystore = "ca.keystore"

    public static let keyAlias = "flink"
    public static let caAlias = "ca"
}

/// What `keystore generate` asks for.
public struct KeystoreGenerationRequest: Sendable {
    public var keyType: KeyType = .rsa2048
    /// Validity of the node certificate.
    public var validityDays: Int = 365
    /// Validity of the CA certificate; at least the node's.
    public var caValidityDays: Int = 3650
    public var names: [SubjectAlternativeName] = SubjectAlternativeName.defaults()
    /// Node certificate common name; defaults to the first DNS name.
    public var commonName: String?

    public init() {}

    func validate() throws {
        guard (1...36_500).contains(validityDays) else {
            throw SecurityError(.invalidArgument, "validity must be 1 to 36500 days, not \(validityDays)")
        }
        guard (1...36_500).contains(caValidityDays) else {
            throw SecurityError(.invalidArgument, "CA validity must be 1 to 36500 days, not \(caValidityDays)")
        }
        guard !names.isEmpty else {
            throw SecurityError(.invalidArgument, "at least one subject alternative name is needed")
        }
    }

    var resolvedCommonName: String {
        if let commonName { return commonName }
        for case .dns(let name) in names { return name }
        return "flink"
    }
}

/// A CA and a node certificate with their keys: everything the keystore directory is made from.
public struct FlinkTLSMaterial: Sendable {
    public var caKeyPKCS8: [UInt8]
    /// Current CA first; older CAs still trusted during a rollover follow.
    public var caCertificates: [Certificate]
    public var nodeKeyPKCS8: [UInt8]
    public var nodeCertificate: Certificate

    public var caCertificate: Certificate { caCertificates[0] }

    /// Generates a new CA and a node certificate.
    public static func generate(_ request: KeystoreGenerationRequest, now: Date = Date()) throws -> FlinkTLSMaterial {
        try request.validate()
        let issuer = CertificateIssuer(now: now)
        let caKey = try KeyPair.generate(request.keyType)
        let nodeKey = try KeyPair.generate(request.keyType)
        let ca = try issuer.makeCertificateAuthority(
            key: caKey,
            commonName: FlinkTLSMaterial.caCommonName(for: request.resolvedCommonName, now: now),
            validityDays: max(request.caValidityDays, request.validityDays)
        )
        let node = try issuer.issueNodeCertificate(
            key: nodeKey,
            commonName: request.resolvedCommonName,
            names: request.names,
            validityDays: request.validityDays,
            caCertificate: ca,
            caKey: caKey.certificateKey
        )
        return FlinkTLSMaterial(caKeyPKCS8: caKey.pkcs8DER, caCertificates: [ca], nodeKeyPKCS8: nodeKey.pkcs8DER, nodeCertificate: node)
    }

    /// The keystore directory's files: keystore, truststore, CA keystore and CA PEM.
    public func files(password: KeystorePassword, writer: PKCS12Writer = PKCS12Writer(), now: Date = Date()) throws -> [AtomicFileSet.File] {
        let keystore = Keystore(privateKeyEntries: [
            PrivateKeyEntry(
                alias: FlinkTLSFileNames.keyAlias,
                privateKeyPKCS8: nodeKeyPKCS8,
                chain: [nodeCertificate, caCertificate],
                localKeyID: Self.javaLocalKeyID(now)
            )
        ])
        let truststore = Keystore(
            trustedCertificateEntries: caCertificates.enumerated().map { index, cert in
                TrustedCertificateEntry(alias: index == 0 ? FlinkTLSFileNames.caAlias : "\(FlinkTLSFileNames.caAlias)-previous-\(index)", certificate: cert)
            }
        )
        let caKeystore = Keystore(privateKeyEntries: [
            PrivateKeyEntry(
                alias: FlinkTLSFileNames.caAlias,
                privateKeyPKCS8: caKeyPKCS8,
                chain: [caCertificate],
                localKeyID: Self.javaLocalKeyID(now)
            )
        ])
        // Each file's key derivations (10,000 rounds each, as Java writes them) are
        // most of the work and independent of the other files': one file per core.
        let stores = [keystore, truststore, caKeystore]
        let results = ResultSlots<[UInt8]>(count: stores.count)
        DispatchQueue.concurrentPerform(iterations: stores.count) { i in
            results[i] = Result { try writer.serialize(stores[i], password: password) }
        }
        return [
            .init(name: FlinkTLSFileNames.keystore, contents: try results[0]!.get()),
            .init(name: FlinkTLSFileNames.truststore, contents: try results[1]!.get()),
            .init(name: FlinkTLSFileNames.caKeystore, contents: try results[2]!.get()),
            .init(name: FlinkTLSFileNames.caPEM, contents: Array(try caCertificates.map { try $0.serializeAsPEM().pemString + "\n" }.joined().utf8)),
        ]
    }

    /// A CA name unique to its creation time: after a CA rollover the old and the new CA are both
    /// trusted, and chains are built by issuer name, so the two must not share one.
    static func caCommonName(for node: String, now: Date) -> String {
        let tag = randomBytes(2).map { String(format: "%02x", $0) }.joined()
        return "flinkctl CA \(node) \(UTCTimestamp.day(now)) \(tag)"
    }

    /// Java's "Time <epoch millis>" local key id.
    static func javaLocalKeyID(_ date: Date) -> [UInt8] {
        Array("Time \(Int64((date.timeIntervalSince1970 * 1000).rounded()))".utf8)
    }
}

/// Results written by concurrent iterations, one slot each.
final class ResultSlots<T>: @unchecked Sendable {
    // @unchecked: each slot is written by one iteration and read after all have ended.
    private let lock = NSLock()
    private var slots: [Result<T, Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    subscript(index: Int) -> Result<T, Error>? {
        get { lock.withLock { slots[index] } }
        set { lock.withLock { slots[index] = newValue } }
    }
}
