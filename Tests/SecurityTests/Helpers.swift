import Foundation
import Testing

@testable import FlinkctlSecurity

/// A fresh directory under the system temp dir, removed when `body` returns.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let path = (NSTemporaryDirectory() as NSString).appendingPathComponent("flinkctl-security-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try body(path)
}

struct ProcessResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs an external program (keytool, openssl) to completion.
@discardableResult
func run(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read before waiting so a chatty child cannot fill the pipe and block.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        stdout: String(decoding: stdout, as: UTF8.self),
        stderr: String(decoding: stderr, as: UTF8.self)
    )
}

let keytoolPath = "/usr/bin/keytool"
let opensslPath = "/usr/bin/openssl"

func write(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

func read(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

/// One CA + node material per key type, made once: RSA generation is the slow part of these tests.
enum Fixtures {
    static let password = KeystorePassword("changeit-Flink 2.3!")
    static let rsa: FlinkTLSMaterial = {
        var request = KeystoreGenerationRequest()
        request.names = [.dns("node1.example.com"), .dns("localhost"), .ip([127, 0, 0, 1])]
        return try! FlinkTLSMaterial.generate(request)
    }()
    static let ec: FlinkTLSMaterial = {
        var request = KeystoreGenerationRequest()
        request.keyType = .ecP256
        request.names = [.dns("node1.example.com"), .ip([127, 0, 0, 1])]
        return try! FlinkTLSMaterial.generate(request)
    }()

    static func material(_ type: KeyType) -> FlinkTLSMaterial { type == .rsa2048 ? rsa : ec }
}

/// The error a throwing expression raised, as a SecurityError, or a test failure.
func securityError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> SecurityError? {
    do {
        try body()
        Issue.record("expected a SecurityError, but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as SecurityError {
        return error
    } catch {
        Issue.record("expected a SecurityError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
