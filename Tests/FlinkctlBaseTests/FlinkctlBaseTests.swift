import FlinkctlBase
import Foundation
import Testing

private func temporaryDirectory() throws -> String {
    let dir = NSTemporaryDirectory() + "flinkctl-base-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

private func mode(of path: String) -> mode_t {
    var st = stat()
    return stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0
}

@Suite("one atomic write")
struct AtomicFileTests {
    @Test("replaces a file whole, with the mode asked for, and leaves no temporary behind")
    func replaces() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/secret.yaml"
        try AtomicFile.write("old", to: path, mode: 0o644)
        #expect(mode(of: path) == 0o644)
        try AtomicFile.write(Data("new".utf8), to: path, mode: 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
        #expect(mode(of: path) == 0o600, "mode \(String(mode(of: path), radix: 8))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["secret.yaml"])
    }

    @Test("the mode is exact whatever the umask, and a temporary is never wider than the final mode")
    func exactMode() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let old = umask(0o077)
        defer { umask(old) }
        try AtomicFile.write("x", to: dir + "/shared", mode: 0o644)
        #expect(mode(of: dir + "/shared") == 0o644)
        let staged = try AtomicFile.stage([UInt8]("pw".utf8), for: dir + "/private", mode: 0o600)
        #expect(mode(of: staged.temporary) == 0o600)
        #expect(staged.temporary.hasPrefix(dir + "/.private.flinkctl-tmp-"), "beside its target: \(staged.temporary)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/private"), "nothing at the target before the rename")
        try staged.commit()
        #expect(try String(contentsOfFile: dir + "/private", encoding: .utf8) == "pw")
        #expect(!FileManager.default.fileExists(atPath: staged.temporary))
    }

    @Test("a failure leaves the old file as it was and no temporary")
    func failureKeepsOld() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The target is a non-empty directory: the rename fails after the temporary is written.
        try FileManager.default.createDirectory(atPath: dir + "/target/inside", withIntermediateDirectories: true)
        #expect(throws: Failure.self) { try AtomicFile.write("data", to: dir + "/target", mode: 0o600) }
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: dir)) == ["target"])
        // A directory that does not exist: nothing is created.
        let error = #expect(throws: Failure.self) { try AtomicFile.write("data", to: dir + "/missing/file", mode: 0o600) }
        #expect(error?.side == .local)
        #expect(error?.description.contains("No such file or directory") == true, "\(String(describing: error))")
    }
}

@Suite("shell quoting, percent-encoding, timestamps")
struct QuotingTests {
    @Test("a shell reads every quoted word back unchanged")
    func shellRoundTrip() throws {
        let words = ["plain/path-1.2_x", "", "two words", "it's", "'", "''", "$HOME", "`id`", "$(id)", "a\nb", "*", "~", "-x", "back\\slash",
                     "\"dq\"", "é ☃", "a=b:c,d@e%f+g", "!bang", ";", "&&", "#hash"]
        let script = words.map { "printf '%s\\0' \(shellQuoted($0))" }.joined(separator: "\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let back = output.split(separator: 0, omittingEmptySubsequences: false).dropLast().map { String(decoding: $0, as: UTF8.self) }
        #expect(back == words)
        #expect(shellQuoted("/etc/krb5.keytab") == "/etc/krb5.keytab", "safe words stay bare")
        #expect(shellQuoted("a b") == "'a b'")
    }

    @Test("percent-encoding keeps only unreserved characters and round-trips")
    func percent() {
        #expect(PercentEncoding.component("a b&c=d+e/f?g#h%i~j.k_l-m") == "a%20b%26c%3Dd%2Be%2Ff%3Fg%23h%25i~j.k_l-m")
        #expect(PercentEncoding.component("é") == "%C3%A9")
        #expect(PercentEncoding.path("/user/a b/c?d") == "/user/a%20b/c%3Fd")
        #expect(PercentEncoding.query([("user.name", "alice"), ("destination", "/tmp/x y")]) == "user.name=alice&destination=%2Ftmp%2Fx%20y")
        for text in ["", "plain", "é ☃ 😀", "%%41", "a+b c", "\u{0}\u{7F}"] {
            #expect(PercentEncoding.component(text).removingPercentEncoding == text)
        }
    }

    @Test("UTC timestamps as ISO8601DateFormatter writes them, without it")
    func timestamps() {
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime]
        for seconds in [0.0, 951_782_400.5, 1_795_000_000, 4_102_444_799] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(UTCTimestamp.string(date) == reference.string(from: date))
            #expect(UTCTimestamp.string(epochSeconds: Int64(seconds)) == reference.string(from: date))
            #expect(UTCTimestamp.string(date).hasPrefix(UTCTimestamp.day(date) + "T"))
        }
        #expect(UTCTimestamp.now().count == "2026-11-26T06:28:19Z".count)
    }
}

@Suite("Flink configuration writer")
struct FlinkConfigWriterTests {
    @Test("config.yaml values are double-quoted with YAML's escapes; names stay plain")
    func yaml() throws {
        #expect(FlinkConfigWriter.yamlLine(key: "a.b-c_d", value: "x # y") == #"a.b-c_d: "x # y""#)
        #expect(FlinkConfigWriter.yamlScalar("q\"b\\n\nt\t\u{7}\u{85}\u{2028}é") == #""q\"b\\n\nt\t\x07\x85\u2028é""#)
        #expect(FlinkConfigWriter.yamlKey("true") == #""true""#)
        #expect(FlinkConfigWriter.yamlKey("1.x") == #""1.x""#)
        #expect(FlinkConfigWriter.yamlKey("a key: x") == #""a key: x""#)
        for value in ["", " lead", "trail ", "#", "a: b", "'\"", "\\", "l1\nl2\r\n", "é ☃ 😀", "\u{0}\u{1F}\u{7F}\u{9F}\u{FEFF}"] {
            let quoted = FlinkConfigWriter.yamlScalar(value)
            #expect(FlinkConfigWriter.decodeDoubleQuoted(quoted.dropFirst().dropLast()) == value, "\(quoted)")
            #expect(!quoted.contains("\n") && !quoted.contains("\r"))
        }
    }

    @Test("flink-conf.yaml refuses what it would cut, without naming the value")
    func legacy() throws {
        #expect(try FlinkConfigWriter.line(key: "a.b", value: "it's x", format: .legacyFlat) == "a.b: it's x")
        for value in ["pass#word", "two\nlines", " lead", "trail "] {
            let error = #expect(throws: FlinkConfigWriter.Unrepresentable.self) {
                try FlinkConfigWriter.line(key: "p", value: value, format: .legacyFlat)
            }
            #expect(error.map { !"\($0)".contains(value) } == true)
        }
    }
}
