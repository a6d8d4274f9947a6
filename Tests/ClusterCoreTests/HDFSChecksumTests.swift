import Testing
@testable import YarnLocal

/// HDFS's file checksum, against values Hadoop 3.3.4's own classes
/// (MD5Hash, DataOutputBuffer, DataChecksum) computed for the same bytes.
@Suite struct HDFSChecksumTests {
    static func checksum(_ bytes: [UInt8], blockSize: Int64 = 134_217_728, pieces: Int = 7) -> FileChecksum {
        var c = FileChecksum.Computer(blockSize: blockSize, bytesPerCRC: 512)
        // Fed in uneven pieces: the result must not depend on how reads split.
        var i = 0
        while i < bytes.count {
            let n = min(pieces + i % 13, bytes.count - i)
            c.update(bytes[i..<(i + n)])
            i += n
        }
        return c.finish()
    }

    @Test func crc32cOfTheStandardCheckInput() {
        var crc = CRC32C()
        crc.update(Array("123456789".utf8)[...])
        #expect(crc.value == 0xE306_9283)
    }

    @Test func anEmptyFileHasHadoopsFixedAnswer() {
        let c = Self.checksum([])
        #expect(c.algorithm == "MD5-of-0MD5-of-0CRC32")
        #expect(c.hex == "00000000000000000000000070bc8f4b72a86921468bf8e8441dce51")
    }

    @Test func oneBlock() {
        let hello = Self.checksum(Array("hello world\n".utf8))
        #expect(hello.algorithm == "MD5-of-0MD5-of-512CRC32C")
        #expect(hello.hex == "000002000000000000000000cb719ad85249ddab138233798a828f23")
        let ramp = Self.checksum((0..<1500).map { UInt8($0 % 251) })
        #expect(ramp.hex == "0000020000000000000000005a4b03fa59c1482db8145300a1eb3051")
    }

    @Test func twoBlocksNameTheFirstBlocksCRCCount() {
        let c = Self.checksum((0..<1500).map { UInt8($0 % 251) }, blockSize: 1024)
        #expect(c.algorithm == "MD5-of-2MD5-of-512CRC32C")
        #expect(c.hex == "000002000000000000000002cec7ed46e9ed663b6728f7f581d0147b")
        #expect(c.bytes.count == 28)
    }
}
