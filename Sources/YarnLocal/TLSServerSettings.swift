import HummingbirdCore
import HummingbirdTLS
import NIOSSL

/// HTTPS for the embedded cluster (`local start --tls`): the server's
/// certificate chain and private key, already read from PEM files or a
/// PKCS#12 keystore by the caller. Only HTTPS is served then.
public struct TLSServerSettings: Sendable, CustomStringConvertible {
    /// DER certificates, the server's own first.
    public var certificateChain: [[UInt8]]
    /// DER private key (PKCS#8, or a plain RSA/EC key).
    var privateKey: [UInt8]

    public init(certificateChain: [[UInt8]], privateKey: [UInt8]) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }

    /// Never shows the key.
    public var description: String { "TLSServerSettings(\(certificateChain.count) certificates, key <redacted>)" }

    func serverBuilder() throws -> HTTPServerBuilder {
        let chain = try certificateChain.map { NIOSSLCertificateSource.certificate(try NIOSSLCertificate(bytes: $0, format: .der)) }
        let key = try NIOSSLPrivateKey(bytes: privateKey, format: .der)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        // Built now, not when the server starts: a key that does not belong
        // to the certificate is refused here, as the user's mistake.
        _ = try NIOSSLContext(configuration: tls)
        return try .tls(.http1(), tlsConfiguration: tls)
    }
}
