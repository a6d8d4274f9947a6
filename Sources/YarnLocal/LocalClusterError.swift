import Hadoop

/// A request the embedded cluster refuses, with the HTTP status and the
/// Java exception name a real ResourceManager would use.
public struct LocalClusterError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable {
        case badRequest, notFound, conflict, forbidden, unauthorized, methodNotAllowed, payloadTooLarge, `internal`
    }
    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    var status: Int {
        switch kind {
        case .badRequest: 400
        case .notFound: 404
        case .conflict: 409
        case .forbidden: 403
        case .unauthorized: 401
        case .methodNotAllowed: 405
        case .payloadTooLarge: 413
        case .internal: 500
        }
    }

    var remoteException: RemoteExceptionBody {
        switch kind {
        case .badRequest:
            RemoteExceptionBody(exception: "BadRequestException", message: message,
                                javaClassName: "org.apache.hadoop.yarn.webapp.BadRequestException")
        case .notFound:
            RemoteExceptionBody(exception: "NotFoundException", message: message,
                                javaClassName: "org.apache.hadoop.yarn.webapp.NotFoundException")
        case .conflict:
            RemoteExceptionBody(exception: "ConflictException", message: message,
                                javaClassName: "org.apache.hadoop.yarn.webapp.ConflictException")
        case .forbidden:
            RemoteExceptionBody(exception: "ForbiddenException", message: message,
                                javaClassName: "org.apache.hadoop.yarn.webapp.ForbiddenException")
        case .unauthorized:
            RemoteExceptionBody(exception: "AuthorizationException", message: message,
                                javaClassName: "org.apache.hadoop.security.authorize.AuthorizationException")
        case .methodNotAllowed:
            RemoteExceptionBody(exception: "WebApplicationException", message: message,
                                javaClassName: "javax.ws.rs.WebApplicationException")
        case .payloadTooLarge:
            RemoteExceptionBody(exception: "WebApplicationException", message: message,
                                javaClassName: "javax.ws.rs.WebApplicationException")
        case .internal:
            RemoteExceptionBody(exception: "WebApplicationException", message: message,
                                javaClassName: "javax.ws.rs.WebApplicationException")
        }
    }
}
