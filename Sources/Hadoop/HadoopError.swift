import Foundation
import HTTPTransport

/// A failure talking to a Hadoop REST endpoint.
public struct HadoopError: Error, CustomStringConvertible, Sendable {
    public struct Code: Hashable, Sendable {
        let name: String
        /// The server answered with an error status.
        public static let remote = Code(name: "remote")
        /// No endpoint could be reached.
        public static let unreachable = Code(name: "unreachable")
        /// The answer was not what the API documents.
        public static let badResponse = Code(name: "bad-response")
        /// Local configuration (HADOOP_CONF_DIR, addresses) is wrong.
        public static let configuration = Code(name: "configuration")
        /// The operation did not finish in time.
        public static let timeout = Code(name: "timeout")
    }

    public var code: Code
    public var message: String
    public var status: Int?
    /// The Java exception's simple name, from a RemoteException body.
    public var exception: String?
    public var underlying: (any Error & Sendable)?

    public init(code: Code, message: String, status: Int? = nil, exception: String? = nil,
                underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.status = status
        self.exception = exception
        self.underlying = underlying
    }

    public var description: String {
        var s = message
        if let status { s = "HTTP \(status): " + s }
        if let underlying { s += " (\(underlying))" }
        return s
    }

    /// Reads an error answer in any of Hadoop's forms: RemoteException JSON,
    /// Services API ServiceStatus JSON, or plain text.
    static func from(response: HTTPResponse, request: String) -> HadoopError {
        if let body = try? JSONCoding.decoder.decode(RemoteExceptionBody.self, from: Data(response.body)) {
            return HadoopError(code: .remote, message: body.remoteException.message, status: response.status,
                               exception: body.remoteException.exception)
        }
        if let status = try? JSONCoding.decoder.decode(ServiceStatus.self, from: Data(response.body)),
           let diagnostics = status.diagnostics {
            return HadoopError(code: .remote, message: diagnostics, status: response.status)
        }
        let text = response.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return HadoopError(code: .remote, message: text.isEmpty ? "\(request) failed" : String(text.prefix(500)),
                           status: response.status)
    }
}
