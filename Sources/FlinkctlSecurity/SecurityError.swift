/// A failure in the Security module: what went wrong, in words a person can act on.
///
/// `code` is extensible (a struct of statics, not an enum) so that new failures do not break
/// callers that switch over the known ones.
public struct SecurityError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        init(_ name: String) { self.name = name }
        public var description: String { self.name }

        /// The password does not open the keystore (the MAC or the decryption failed).
        public static let wrongPassword = Code("wrongPassword")
        /// The bytes are not a PKCS#12 file, or a damaged one.
        public static let malformed = Code("malformed")
        /// A well-formed file that uses something this module does not implement.
        public static let unsupported = Code("unsupported")
        /// PKCS#12 v1 ciphers (3DES, RC2, RC4): Java's `keystore.pkcs12.legacy` output and old OpenSSL files.
        public static let unsupportedLegacyEncryption = Code("unsupportedLegacyEncryption")
        /// Reading or writing a file failed.
        public static let fileSystem = Code("fileSystem")
        /// An argument is not acceptable (SAN syntax, validity, password source…).
        public static let invalidArgument = Code("invalidArgument")
        /// Key or certificate generation failed.
        public static let generation = Code("generation")
    }

    public var code: Code
    public var message: String
    /// The file concerned, if any.
    public var path: String?
    /// The lower-level error, for logs and `--verbose` output.
    public var underlying: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, path: String? = nil, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.path = path
        self.underlying = underlying
    }

    public var description: String {
        var text = self.path.map { "\($0): \(self.message)" } ?? self.message
        if let underlying = self.underlying {
            text += " (\(underlying))"
        }
        return text
    }

    /// The same error, attributed to a file.
    func at(_ path: String) -> SecurityError {
        var copy = self
        if copy.path == nil { copy.path = path }
        return copy
    }
}
