import CCurl

/// A transfer that did not produce an HTTP answer: no connection, a timeout,
/// a TLS failure. An HTTP error status is not a `TransportError`.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let name: String
        public static let setup = Code(name: "setup")
        public static let connect = Code(name: "connect")
        public static let timeout = Code(name: "timeout")
        public static let tls = Code(name: "tls")
        public static let authentication = Code(name: "authentication")
        public static let other = Code(name: "other")
        public var description: String { name }

        init(name: String) { self.name = name }

        init(curl: CURLcode) {
            switch curl {
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
                self = .connect
            case CURLE_OPERATION_TIMEDOUT:
                self = .timeout
            case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
                 CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CIPHER:
                self = .tls
            case CURLE_LOGIN_DENIED, CURLE_AUTH_ERROR:
                self = .authentication
            default:
                self = .other
            }
        }
    }

    public var code: Code
    public var message: String
    /// The transport's own words: libcurl's `curl_easy_strerror` and error buffer, or the socket error.
    public var curlMessage: String?

    public init(code: Code, message: String, curlMessage: String? = nil) {
        self.code = code
        self.message = message
        self.curlMessage = curlMessage
    }

    public var description: String {
        curlMessage.map { "\(message): \($0)" } ?? message
    }
}
