import Crypto
import _CryptoExtras
import X509

/// The key algorithms `keystore generate` offers.
public enum KeyType: String, Sendable, CaseIterable, Codable {
    /// RSA with a 2048-bit modulus: served by Flink's default suites (`TLS_ECDHE_RSA_*`).
    case rsa2048 = "rsa2048"
    /// ECDSA on P-256: generated in milliseconds; needs `TLS_ECDHE_ECDSA_*` suites in `security.ssl.algorithms`.
    case ecP256 = "ec-p256"
}

/// A freshly generated private key, kept in the typed form swift-crypto gives.
public struct KeyPair: Sendable {
    enum Backing: Sendable {
        case rsa(_RSA.Signing.PrivateKey)
        case p256(P256.Signing.PrivateKey)
    }

    let backing: Backing

    public var type: KeyType {
        switch backing {
        case .rsa: return .rsa2048
        case .p256: return .ecP256
        }
    }

    public static func generate(_ type: KeyType) throws -> KeyPair {
        switch type {
        case .rsa2048:
            do {
                return KeyPair(backing: .rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)))
            } catch {
                throw SecurityError(.generation, "RSA-2048 key generation failed", underlying: error)
            }
        case .ecP256:
            return KeyPair(backing: .p256(P256.Signing.PrivateKey()))
        }
    }

    /// The key as PKCS#8 `PrivateKeyInfo` DER: what goes, encrypted, into a shrouded key bag.
    public var pkcs8DER: [UInt8] {
        switch backing {
        case .rsa(let key): return Array(key.pkcs8DERRepresentation)
        case .p256(let key): return Array(key.derRepresentation)
        }
    }

    public var certificateKey: Certificate.PrivateKey {
        switch backing {
        case .rsa(let key): return Certificate.PrivateKey(key)
        case .p256(let key): return Certificate.PrivateKey(key)
        }
    }

    public var publicKey: Certificate.PublicKey { certificateKey.publicKey }
}
