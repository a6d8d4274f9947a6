import Crypto
import _CryptoExtras
import SwiftASN1

/// Password-based encryption scheme 2 (RFC 8018, section 6.2) as PKCS#12 files use it:
/// PBKDF2 over the UTF-8 password, then a block cipher in CBC mode.
///
/// Written: PBKDF2-HMAC-SHA256, AES-256-CBC, 10,000 iterations, 20-byte salt (Java 17's
/// `PBEWithHmacSHA256AndAES_256`). Read: any HMAC-SHA1/224/256/384/512 PRF with AES-128/192/256-CBC.
enum PBES2 {
    /// Java rejects PBE iteration counts above this (`PKCS12KeyStore.MAX_ITERATION_COUNT`); so do we,
    /// which also keeps a damaged file from keeping a CPU busy for hours.
    static let maximumIterations = 5_000_000

    struct Settings: Sendable {
        var iterations = 10_000
        var saltByteCount = 20
    }

    /// Encrypts `plaintext`; returns the AlgorithmIdentifier to store next to the ciphertext.
    static func encrypt(
        _ plaintext: [UInt8],
        password: KeystorePassword,
        settings: Settings = Settings()
    ) throws -> (algorithm: PKCS12AlgorithmIdentifier, ciphertext: [UInt8]) {
        let salt = randomBytes(settings.saltByteCount)
        let iv = AES._CBC.IV()
        let ivBytes = Array(iv)
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: password.utf8,
            salt: salt,
            using: .sha256,
            outputByteCount: 32,
            unsafeUncheckedRounds: settings.iterations
        )
        let ciphertext = try AES._CBC.encrypt(plaintext, using: key, iv: iv)

        let kdf = PBKDF2Parameters(
            salt: ASN1OctetString(contentBytes: salt[...]),
            iterationCount: settings.iterations,
            keyLength: 32,
            prf: try PKCS12AlgorithmIdentifier(algorithm: .hmacWithSHA256, nullParameters: ())
        )
        let parameters = PBES2Parameters(
            keyDerivationFunction: PKCS12AlgorithmIdentifier(algorithm: .pbkdf2, parameters: try ASN1Any(erasing: kdf)),
            encryptionScheme: PKCS12AlgorithmIdentifier(
                algorithm: .aes256CBC,
                parameters: try ASN1Any(erasing: ASN1OctetString(contentBytes: ivBytes[...]))
            )
        )
        return (PKCS12AlgorithmIdentifier(algorithm: .pbes2, parameters: try ASN1Any(erasing: parameters)), Array(ciphertext))
    }

    /// Decrypts `ciphertext` protected with `algorithm`.
    ///
    /// - Throws: `SecurityError` `.unsupportedLegacyEncryption` for PKCS#12 v1 ciphers, `.unsupported`
    ///   for other schemes, `.malformed` for bad parameters, `.wrongPassword` when the padding does not check.
    static func decrypt(
        _ ciphertext: ArraySlice<UInt8>,
        algorithm: PKCS12AlgorithmIdentifier,
        password: KeystorePassword,
        what: String
    ) throws -> [UInt8] {
        if ASN1ObjectIdentifier.pkcs12LegacyPBE.contains(algorithm.algorithm) {
            throw SecurityError(
                .unsupportedLegacyEncryption,
                "the \(what) uses legacy PKCS#12 encryption (\(legacyName(algorithm.algorithm))), which flinkctl does not read; "
                    + "re-export it with AES: `openssl pkcs12 -legacy -in OLD -nodes | openssl pkcs12 -export -out NEW` "
                    + "(OpenSSL 3 defaults to AES-256) or `keytool -importkeystore -srckeystore OLD -destkeystore NEW "
                    + "-deststoretype PKCS12` with Java 17 or later"
            )
        }
        guard algorithm.algorithm == .pbes2 else {
            throw SecurityError(.unsupported, "the \(what) is encrypted with \(algorithm.algorithm), which flinkctl does not read (expected PBES2)")
        }
        let pbes2: PBES2Parameters
        let kdf: PBKDF2Parameters
        do {
            guard let raw = algorithm.parameters else { throw ASN1Error.invalidASN1Object(reason: "PBES2 without parameters") }
            pbes2 = try PBES2Parameters(asn1Any: raw)
            guard pbes2.keyDerivationFunction.algorithm == .pbkdf2 else {
                throw SecurityError(.unsupported, "the \(what) uses key derivation \(pbes2.keyDerivationFunction.algorithm); only PBKDF2 is supported")
            }
            guard let kdfRaw = pbes2.keyDerivationFunction.parameters else {
                throw ASN1Error.invalidASN1Object(reason: "PBKDF2 without parameters")
            }
            kdf = try PBKDF2Parameters(asn1Any: kdfRaw)
        } catch let error as SecurityError {
            throw error
        } catch {
            throw SecurityError(.malformed, "the \(what) has damaged encryption parameters", underlying: error)
        }

        guard (1...maximumIterations).contains(kdf.iterationCount) else {
            throw SecurityError(.malformed, "the \(what) asks for \(kdf.iterationCount) PBKDF2 iterations (accepted: 1 to \(maximumIterations))")
        }
        let hash: KDF.Insecure.PBKDF2.HashFunction
        switch kdf.prfAlgorithm {
        case .hmacWithSHA1: hash = .insecureSHA1
        case .hmacWithSHA224: hash = .insecureSHA224
        case .hmacWithSHA256: hash = .sha256
        case .hmacWithSHA384: hash = .sha384
        case .hmacWithSHA512: hash = .sha512
        default:
            throw SecurityError(.unsupported, "the \(what) uses PBKDF2 PRF \(kdf.prfAlgorithm), which flinkctl does not read")
        }
        let keyByteCount: Int
        switch pbes2.encryptionScheme.algorithm {
        case .aes128CBC: keyByteCount = 16
        case .aes192CBC: keyByteCount = 24
        case .aes256CBC: keyByteCount = 32
        default:
            throw SecurityError(.unsupported, "the \(what) uses cipher \(pbes2.encryptionScheme.algorithm); only AES-CBC is supported")
        }
        if let declared = kdf.keyLength, declared != keyByteCount {
            throw SecurityError(.malformed, "the \(what) declares a \(declared)-byte key for a \(keyByteCount)-byte cipher")
        }
        let iv: AES._CBC.IV
        do {
            guard let ivRaw = pbes2.encryptionScheme.parameters else { throw ASN1Error.invalidASN1Object(reason: "AES-CBC without IV") }
            iv = try AES._CBC.IV(ivBytes: try ASN1OctetString(asn1Any: ivRaw).bytes)
        } catch {
            throw SecurityError(.malformed, "the \(what) has no valid 16-byte AES IV", underlying: error)
        }
        guard !ciphertext.isEmpty, ciphertext.count % 16 == 0 else {
            throw SecurityError(.malformed, "the \(what) ciphertext is \(ciphertext.count) bytes, not a positive multiple of the AES block")
        }

        let key: SymmetricKey
        do {
            key = try KDF.Insecure.PBKDF2.deriveKey(
                from: password.utf8,
                salt: kdf.salt.bytes,
                using: hash,
                outputByteCount: keyByteCount,
                unsafeUncheckedRounds: kdf.iterationCount
            )
        } catch {
            throw SecurityError(.malformed, "PBKDF2 failed for the \(what)", underlying: error)
        }
        do {
            return Array(try AES._CBC.decrypt(ciphertext, using: key, iv: iv))
        } catch {
            throw SecurityError(.wrongPassword, "cannot decrypt the \(what): wrong password, or the file is damaged")
        }
    }

    static func legacyName(_ oid: ASN1ObjectIdentifier) -> String {
        switch oid {
        case .pbeWithSHAAnd3KeyTripleDESCBC: return "PBEWithSHA1AndDESede"
        case .pbeWithSHAAnd2KeyTripleDESCBC: return "PBEWithSHA1And2KeyDESede"
        case .pbeWithSHAAnd40BitRC2CBC: return "PBEWithSHA1AndRC2_40"
        case .pbeWithSHAAnd128BitRC2CBC: return "PBEWithSHA1AndRC2_128"
        case .pbeWithSHAAnd40BitRC4: return "PBEWithSHA1AndRC4_40"
        case .pbeWithSHAAnd128BitRC4: return "PBEWithSHA1AndRC4_128"
        default: return "\(oid)"
        }
    }
}

/// Cryptographically random bytes (swift-crypto's system RNG, through a fresh symmetric key).
func randomBytes(_ count: Int) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(count)
    while out.count < count {
        let key = SymmetricKey(size: .bits256)
        key.withUnsafeBytes { out += $0.prefix(count - out.count) }
    }
    return out
}
