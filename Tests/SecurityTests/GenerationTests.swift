import Foundation
import Testing
import X509

@testable import FlinkctlSecurity

@Suite struct GenerationTests {
    @Test func subjectAlternativeNamesParse() throws {
        #expect(try SubjectAlternativeName.parseList("dns:Node1.Example.com,ip:10.0.0.5,ip:::1") == [
            .dns("node1.example.com"), .ip([10, 0, 0, 5]), .ip(Array(repeating: 0, count: 15) + [1]),
        ])
        #expect(try SubjectAlternativeName(parsing: "dns:*.flink.example").description == "dns:*.flink.example")
        for bad in ["node1", "dns:", "dns:bad_name", "ip:300.1.1.1", "uri:http://x"] {
            #expect(securityError { _ = try SubjectAlternativeName(parsing: bad) }?.code == .invalidArgument, "\(bad)")
        }
        let defaults = SubjectAlternativeName.defaults(hostName: "worker-7.cluster")
        #expect(defaults.map(\.description) == ["dns:worker-7.cluster", "dns:localhost", "ip:127.0.0.1", "ip:::1"])
    }

    @Test(arguments: [KeyType.rsa2048, .ecP256])
    func nodeCertificateIsSignedByTheCAAndServesBothEnds(_ type: KeyType) throws {
        let material = Fixtures.material(type)
        let node = material.nodeCertificate, ca = material.caCertificate
        #expect(node.issuer == ca.subject)
        #expect(ca.publicKey.isValidSignature(node.signature, for: node))
        #expect(try node.extensions.basicConstraints == .notCertificateAuthority)
        #expect(try ca.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        let eku = try #require(try node.extensions.extendedKeyUsage)
        #expect(eku.contains(.serverAuth) && eku.contains(.clientAuth), "Flink's internal TLS is mutual")
        #expect(CertificateSummary(node).subjectAlternativeNames.contains("dns:node1.example.com"))
        #expect(CertificateSummary(node).publicKey == (type == .rsa2048 ? "RSA 2048" : "EC P-256"))
        let days = node.notValidAfter.timeIntervalSince(node.notValidBefore) / 86_400
        #expect(abs(days - 365) < 0.1, "node validity \(days) days")
        #expect(node.notValidAfter <= ca.notValidAfter)
    }

    @Test func validityIsChecked() {
        var request = KeystoreGenerationRequest()
        request.validityDays = 0
        #expect(securityError { _ = try FlinkTLSMaterial.generate(request) }?.code == .invalidArgument)
    }
}

@Suite struct AtomicFileSetTests {
    func names(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
    }

    @Test func writesAllFilesWithMode0600() throws {
        try withTemporaryDirectory { dir in
            let out = dir + "/new/conf"
            try AtomicFileSet(directory: out).write(try Fixtures.ec.files(password: Fixtures.password))
            #expect(try names(out) == ["ca.keystore", "ca.pem", "flink.keystore", "flink.truststore"])
            for name in try names(out) {
                let mode = try FileManager.default.attributesOfItem(atPath: out + "/" + name)[.posixPermissions] as? Int
                #expect(mode == 0o600, "\(name) has mode \(String(mode ?? -1, radix: 8))")
            }
            let pem = String(decoding: try read(out + "/ca.pem"), as: UTF8.self)
            #expect(try Certificate(pemEncoded: pem) == Fixtures.ec.caCertificate)
        }
    }

    @Test func failedRenameRollsBackAndLeavesNoTemporaries() throws {
        try withTemporaryDirectory { dir in
            // An existing keystore that must survive, and a directory where the truststore should go.
            try write("previous keystore", to: dir + "/flink.keystore")
            try FileManager.default.createDirectory(atPath: dir + "/flink.truststore/blocker", withIntermediateDirectories: true)
            let error = securityError { try AtomicFileSet(directory: dir).write(try Fixtures.ec.files(password: Fixtures.password)) }
            #expect(error?.code == .fileSystem)
            #expect(error?.path == dir + "/flink.truststore", "\(String(describing: error))")
            #expect(String(decoding: try read(dir + "/flink.keystore"), as: UTF8.self) == "previous keystore")
            let left = try names(dir)
            #expect(left == ["flink.keystore", "flink.truststore"], "left behind: \(left)")
        }
    }

    @Test func unwritableDirectoryIsAClearError() throws {
        try withTemporaryDirectory { dir in
            // A path below a regular file cannot be created, even by root.
            try write("not a directory", to: dir + "/file")
            let error = securityError { try AtomicFileSet(directory: dir + "/file/keystores").write([.init(name: "x", contents: [1])]) }
            #expect(error?.code == .fileSystem)
            #expect(error?.message.contains("cannot create the directory") == true, "\(String(describing: error))")

            // A read-only directory stops everyone but root.
            if getuid() != 0 {
                let readOnly = dir + "/ro"
                try FileManager.default.createDirectory(atPath: readOnly, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o500])
                let denied = securityError { try AtomicFileSet(directory: readOnly).write([.init(name: "x", contents: [1])]) }
                #expect(denied?.message.contains("Permission denied") == true, "\(String(describing: denied))")
                #expect(try names(readOnly).isEmpty)
            }
        }
    }

    @Test func keepsBackupsWhenAsked() throws {
        try withTemporaryDirectory { dir in
            try write("old", to: dir + "/a")
            var set = AtomicFileSet(directory: dir)
            set.backupSuffix = ".bak"
            try set.write([.init(name: "a", contents: Array("new".utf8))])
            #expect(String(decoding: try read(dir + "/a"), as: UTF8.self) == "new")
            #expect(String(decoding: try read(dir + "/a.bak"), as: UTF8.self) == "old")
            #expect(try names(dir) == ["a", "a.bak"])
        }
    }
}

@Suite struct ExpiryCheckTests {
    @Test func statesAndExitCodes() throws {
        try withTemporaryDirectory { dir in
            try AtomicFileSet(directory: dir).write(try Fixtures.ec.files(password: Fixtures.password))
            let files = ["flink.keystore", "flink.truststore", "ca.pem"].map { dir + "/" + $0 }
            let notAfter = Fixtures.ec.nodeCertificate.notValidAfter

            let fine = ExpiryCheck(warnDays: 30).check(files: files, password: Fixtures.password)
            #expect(fine.state == .ok && fine.exitCode == 0, "\(fine)")
            #expect(fine.files.map { $0.certificates.count } == [2, 1, 1])

            let soon = ExpiryCheck(warnDays: 30, now: notAfter - 10 * 86_400).check(files: files, password: Fixtures.password)
            #expect(soon.exitCode == 1)
            #expect(soon.files[0].certificates.first?.daysLeft == 9 || soon.files[0].certificates.first?.daysLeft == 10)
            #expect(soon.files[1].state == .ok, "the CA lives ten years")

            let late = ExpiryCheck(warnDays: 30, now: notAfter + 1).check(files: files, password: Fixtures.password)
            #expect(late.exitCode == 2)
            #expect(late.files[0].certificates.first?.state == .expired)
        }
    }

    @Test func unreadableFilesExitTwo() throws {
        try withTemporaryDirectory { dir in
            try AtomicFileSet(directory: dir).write(try Fixtures.ec.files(password: Fixtures.password))
            try write("garbage", to: dir + "/garbage")
            let check = ExpiryCheck(warnDays: 30)
            let wrong = check.check(files: [dir + "/flink.keystore"], password: KeystorePassword("wrong-password"))
            #expect(wrong.exitCode == 2)
            #expect(wrong.files[0].error?.contains("wrong keystore password") == true, "\(wrong)")
            let missing = check.check(files: [dir + "/nope"], password: nil)
            #expect(missing.files[0].error?.contains("cannot read the file") == true, "\(missing)")
            let noPassword = check.check(files: [dir + "/flink.keystore"], password: nil)
            #expect(noPassword.files[0].error?.contains("--password-file") == true, "\(noPassword)")
            let garbage = check.check(files: [dir + "/garbage"], password: Fixtures.password)
            #expect(garbage.exitCode == 2)
        }
    }
}
