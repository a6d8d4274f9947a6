import Foundation

/// The one password of a PKCS#12 keystore (PKCS#12 has no separate key password; Java uses the
/// store password for the key).
///
/// Read from a file or an environment variable, never from the command line. `description` does
/// not reveal it, so it cannot leak through logging or string interpolation.
public struct KeystorePassword: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The password as typed (Unicode scalars); encoded per use: UTF-8 for PBKDF2, BMPString for the MAC.
    let text: String

    public init(_ text: String) {
        self.text = text
    }

    public var description: String { "<password>" }
    public var debugDescription: String { "<password>" }

    /// UTF-8 octets: what PBKDF2 receives, as Java's and OpenSSL's PBES2 both do.
    var utf8: [UInt8] { Array(self.text.utf8) }

    /// The PKCS#12 password format (RFC 7292, appendix B.1): big-endian UTF-16 with a two-byte NUL terminator.
    var bmpStringWithTerminator: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(self.text.utf16.count * 2 + 2)
        for unit in self.text.utf16 {
            bytes.append(UInt8(unit >> 8))
            bytes.append(UInt8(unit & 0xff))
        }
        bytes.append(0)
        bytes.append(0)
        return bytes
    }

    /// Java derives PBES2 keys only from ASCII passwords ("getSecretKey failed: Password is not ASCII"),
    /// so a keystore meant for Flink must have one; keytool also wants at least 6 characters.
    public func checkJavaCompatible() throws {
        guard self.text.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }) else {
            throw SecurityError(.invalidArgument, "the keystore password must be printable ASCII: Java cannot open PKCS#12 files protected by other characters")
        }
        guard self.text.count >= 6 else {
            throw SecurityError(.invalidArgument, "the keystore password must be at least 6 characters (keytool refuses shorter ones)")
        }
    }

    /// The first line of `path`, without its line ending, the way `keytool -storepass:file` and
    /// `openssl -passin file:` read it.
    public static func fromFile(_ path: String) throws -> KeystorePassword {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw SecurityError(.fileSystem, "cannot read the password file", path: path)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SecurityError(.invalidArgument, "the password file is not UTF-8 text", path: path)
        }
        let firstLine = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).first.map(String.init) ?? ""
        let password = firstLine.hasSuffix("\r") ? String(firstLine.dropLast()) : firstLine
        guard !password.isEmpty else {
            throw SecurityError(.invalidArgument, "the password file's first line is empty", path: path)
        }
        return KeystorePassword(password)
    }

    /// The value of environment variable `name`.
    public static func fromEnvironment(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KeystorePassword {
        guard let value = environment[name], !value.isEmpty else {
            throw SecurityError(.invalidArgument, "environment variable \(name) is not set or empty")
        }
        return KeystorePassword(value)
    }
}
