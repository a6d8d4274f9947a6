import Foundation
import X509

/// `cert renew`: re-issues the node certificate, and the CA too when the CA itself is close to expiry.
///
/// A new CA is trusted next to the old one (both in `flink.truststore` and `ca.pem`) until the old
/// one expires, so nodes that still hold certificates from the old CA keep talking to renewed ones
/// during a rolling restart. Passwords stay as they were; files are replaced atomically and the
/// previous versions are kept with a `.bak` suffix.
public struct CertificateRenewal: Sendable {
    public struct Outcome: Codable, Sendable {
        public var directory: String
        public var renewedNodeCertificate: Bool
        public var renewedCertificateAuthority: Bool
        public var nodeNotAfter: Date
        public var caNotAfter: Date
        /// CAs still trusted besides the current one.
        public var previousCAsTrusted: Int
        public var reason: String
    }

    public var warnDays: Int = 30
    public var validityDays: Int = 365
    public var caValidityDays: Int = 3650
    /// Renew the node certificate even when it is not yet within `warnDays`.
    public var force = false
    public var now = Date()

    public init() {}

    /// Reads the keystore directory that `keystore generate` wrote.
    public static func load(directory: String, password: KeystorePassword) throws -> FlinkTLSMaterial {
        func open(_ name: String) throws -> Keystore {
            let path = (directory as NSString).appendingPathComponent(name)
            guard case .pkcs12(let keystore) = try CertificateFile.load(path, password: password) else {
                throw SecurityError(.malformed, "expected a PKCS#12 keystore", path: path)
            }
            return keystore
        }
        let node = try open(FlinkTLSFileNames.keystore)
        let ca = try open(FlinkTLSFileNames.caKeystore)
        let trust = try open(FlinkTLSFileNames.truststore)
        guard let nodeEntry = node.privateKeyEntries.first, let nodeCertificate = nodeEntry.chain.first else {
            throw SecurityError(.malformed, "holds no private key entry with a certificate", path: directory + "/" + FlinkTLSFileNames.keystore)
        }
        guard let caEntry = ca.privateKeyEntries.first, let caCertificate = caEntry.chain.first else {
            throw SecurityError(
                .malformed,
                "holds no CA key; renewal needs the ca.keystore that `keystore generate` writes",
                path: directory + "/" + FlinkTLSFileNames.caKeystore
            )
        }
        let older = trust.trustedCertificateEntries.map(\.certificate).filter { $0 != caCertificate }
        return FlinkTLSMaterial(
            caKeyPKCS8: caEntry.privateKeyPKCS8,
            caCertificates: [caCertificate] + older,
            nodeKeyPKCS8: nodeEntry.privateKeyPKCS8,
            nodeCertificate: nodeCertificate
        )
    }

    /// The renewed material, or `nil` when nothing is due.
    public func renew(_ material: FlinkTLSMaterial) throws -> (FlinkTLSMaterial, Outcome)? {
        let check = ExpiryCheck(warnDays: warnDays, now: now)
        let caDue = check.state(of: material.caCertificate) != .ok
        let nodeDue = force || caDue || check.state(of: material.nodeCertificate) != .ok
            || material.nodeCertificate.issuer != material.caCertificate.subject
        guard nodeDue else { return nil }

        let issuer = CertificateIssuer(now: now)
        let nodeKeyType: KeyType = CertificateSummary.describe(material.nodeCertificate.publicKey).hasPrefix("RSA") ? .rsa2048 : .ecP256
        var renewed = material
        if caDue {
            let caKey = try KeyPair.generate(nodeKeyType)
            let nodeName = Self.commonName(of: material.nodeCertificate) ?? "flink"
            let newCA = try issuer.makeCertificateAuthority(
                key: caKey,
                commonName: FlinkTLSMaterial.caCommonName(for: nodeName, now: now),
                validityDays: caValidityDays
            )
            renewed.caKeyPKCS8 = caKey.pkcs8DER
            // Keep trusting the old CAs that have not expired yet.
            renewed.caCertificates = [newCA] + material.caCertificates.filter { $0.notValidAfter > now }
        }
        let caKey = try PrivateKeyEntry(alias: "ca", privateKeyPKCS8: renewed.caKeyPKCS8, chain: [], localKeyID: []).certificatePrivateKey()
        let nodeKey = try KeyPair.generate(nodeKeyType)
        let sans = ((try? material.nodeCertificate.extensions.subjectAlternativeNames) ?? nil).map { Array($0) } ?? []
        let names = sans.compactMap(SubjectAlternativeName.init)
        let commonName = Self.commonName(of: material.nodeCertificate) ?? "flink"
        renewed.nodeKeyPKCS8 = nodeKey.pkcs8DER
        renewed.nodeCertificate = try issuer.issueNodeCertificate(
            key: nodeKey,
            commonName: commonName,
            names: names.isEmpty ? SubjectAlternativeName.defaults() : names,
            validityDays: validityDays,
            caCertificate: renewed.caCertificate,
            caKey: caKey
        )
        let reason =
            force ? "forced" : caDue ? "the CA expires within \(warnDays) days" : "the node certificate expires within \(warnDays) days"
        return (
            renewed,
            Outcome(
                directory: "",
                renewedNodeCertificate: true,
                renewedCertificateAuthority: caDue,
                nodeNotAfter: renewed.nodeCertificate.notValidAfter,
                caNotAfter: renewed.caCertificate.notValidAfter,
                previousCAsTrusted: renewed.caCertificates.count - 1,
                reason: reason
            )
        )
    }

    static func commonName(of certificate: Certificate) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(describing: attribute.value)
            }
        }
        return nil
    }

    /// Loads, renews when due, and replaces the files atomically with `.bak` backups.
    public func renew(directory: String, password: KeystorePassword) throws -> Outcome {
        let material = try Self.load(directory: directory, password: password)
        guard let (renewed, outcome) = try renew(material) else {
            return Outcome(
                directory: directory,
                renewedNodeCertificate: false,
                renewedCertificateAuthority: false,
                nodeNotAfter: material.nodeCertificate.notValidAfter,
                caNotAfter: material.caCertificate.notValidAfter,
                previousCAsTrusted: material.caCertificates.count - 1,
                reason: "nothing expires within \(warnDays) days"
            )
        }
        var files = AtomicFileSet(directory: directory)
        files.backupSuffix = ".bak"
        try files.write(try renewed.files(password: password, now: now))
        var result = outcome
        result.directory = directory
        return result
    }
}
