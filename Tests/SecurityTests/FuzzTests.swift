import Foundation
import Testing
import X509

@testable import FlinkctlSecurity

/// Mutated PKCS#12 and DER bytes go into the readers: every outcome must be a value or a thrown error,
/// never a trap. A fixed-seed generator keeps failures reproducible.
@Suite struct FuzzTests {
    /// SplitMix64: small, deterministic, good enough to pick bytes.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func mutate(_ input: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            guard !bytes.isEmpty else { break }
            let index = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0: bytes[index] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
            case 1: bytes[index] = UInt8.random(in: 0...255, using: &rng)
            case 2: bytes[index] = [0x00, 0x7f, 0x80, 0xff, 0x81, 0x84][Int.random(in: 0..<6, using: &rng)]
            case 3: bytes.remove(at: index)
            case 4: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: index)
            default: bytes = Array(bytes.prefix(index))
            }
        }
        return bytes
    }

    /// Reads `bytes`; returns how the attempt ended. Anything but a crash is fine.
    static func attempt(_ bytes: [UInt8], verifyIntegrity: Bool) -> String {
        var reader = PKCS12Reader()
        reader.verifyIntegrity = verifyIntegrity
        do {
            _ = try reader.read(bytes, password: Fixtures.password)
            return "ok"
        } catch let error as SecurityError {
            return error.code.name
        } catch {
            return "other: \(type(of: error))"
        }
    }

    @Test(arguments: [true, false])
    func mutatedKeystoresNeverCrash(verifyIntegrity: Bool) throws {
        let files = try Fixtures.ec.files(password: Fixtures.password)
        var rng = SeededGenerator(state: verifyIntegrity ? 1 : 2)
        var outcomes: [String: Int] = [:]
        for round in 0..<400 {
            let seed = files[round % 2].contents  // keystore and truststore
            outcomes[Self.attempt(Self.mutate(seed, using: &rng), verifyIntegrity: verifyIntegrity), default: 0] += 1
        }
        // Every failure is a SecurityError with a code, never some other error type.
        #expect(outcomes.keys.allSatisfy { !$0.hasPrefix("other") }, "\(outcomes)")
        // The mutations reached past the first parse: some files failed later than the DER parse.
        #expect(outcomes.count >= 2, "\(outcomes)")
        print("fuzz outcomes (verifyIntegrity: \(verifyIntegrity)): \(outcomes.sorted { $0.key < $1.key })")
    }

    @Test func everyTruncationIsAnError() throws {
        let bytes = try Fixtures.ec.files(password: Fixtures.password)[1].contents
        for length in stride(from: 0, to: bytes.count, by: 7) {
            #expect(Self.attempt(Array(bytes.prefix(length)), verifyIntegrity: false) == "malformed", "length \(length)")
        }
    }

    @Test func mutatedCertificatesAndPEMNeverCrash() throws {
        let der = try CertificateSummary.der(Fixtures.rsa.nodeCertificate)
        let pem = Array(try Fixtures.rsa.nodeCertificate.serializeAsPEM().pemString.utf8)
        var rng = SeededGenerator(state: 3)
        for round in 0..<300 {
            let input = Self.mutate(round % 2 == 0 ? der : pem, using: &rng)
            do {
                let file = try CertificateFile.parse(input, password: Fixtures.password)
                // Whatever parsed must summarise without trapping.
                _ = file.labelledCertificates.map { CertificateSummary($0.certificate) }
            } catch is SecurityError {
            } catch {
                Issue.record("round \(round): not a SecurityError: \(error)")
            }
        }
    }
}
