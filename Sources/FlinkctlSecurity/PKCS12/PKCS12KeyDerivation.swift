import Crypto

/// The PKCS#12 key derivation function of RFC 7292, appendix B.2.
///
/// Modern files use it only for the integrity MAC (ID 3); Java 17 runs it with SHA-256 and 10,000
/// iterations ("HmacPBESHA256"). The password enters as a BMPString with its NUL terminator.
enum PKCS12KeyDerivation {
    /// The purpose byte `ID` of appendix B.3.
    enum Purpose: UInt8 {
        case encryptionKey = 1
        case initialValue = 2
        case macKey = 3
    }

    /// Derives `byteCount` bytes with hash function `H`.
    static func derive<H: HashFunction>(
        _ hash: H.Type,
        purpose: Purpose,
        password: [UInt8],
        salt: [UInt8],
        iterations: Int,
        byteCount: Int
    ) -> [UInt8] {
        let u = H.Digest.byteCount
        let v = H.blockByteCount
        let diversifier = [UInt8](repeating: purpose.rawValue, count: v)

        func stretch(_ input: [UInt8]) -> [UInt8] {
            guard !input.isEmpty else { return [] }
            let length = v * ((input.count + v - 1) / v)
            return (0..<length).map { input[$0 % input.count] }
        }
        var i = stretch(salt) + stretch(password)

        var output: [UInt8] = []
        output.reserveCapacity(byteCount + u)
        while output.count < byteCount {
            // H^r(D || I): hash the digest in place, without an allocation per round.
            var digest = H.hash(data: diversifier + i)
            for _ in 1..<max(iterations, 1) {
                var hasher = H()
                digest.withUnsafeBytes { hasher.update(bufferPointer: $0) }
                digest = hasher.finalize()
            }
            let a = Array(digest)
            output += a
            guard output.count < byteCount else { break }

            // I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of I, B being A stretched to v bytes.
            let b = (0..<v).map { a[$0 % u] }
            var block = 0
            while block < i.count {
                var carry: UInt16 = 1
                for k in stride(from: v - 1, through: 0, by: -1) {
                    let sum = UInt16(i[block + k]) + UInt16(b[k]) + carry
                    i[block + k] = UInt8(sum & 0xff)
                    carry = sum >> 8
                }
                block += v
            }
        }
        return Array(output.prefix(byteCount))
    }
}
