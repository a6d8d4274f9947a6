import ArgumentParser
import FlinkctlBase
import FlinkctlSecurity
import Flink
import Foundation
import Hadoop
import HTTPTransport
import Kerberos
import ProcessSpawn
import YarnLocal

/// The one place where every module's errors become a `Failure`, and so an
/// exit status: 1 unhealthy (or this machine failed), 2 usage or input,
/// 3 remote. An error that carries a cause is classified by its cause when
/// the cause says a server failed: an unreachable NameNode behind a staging
/// error is remote, not a configuration mistake.
enum Reporting {
    /// The failure an error stands for; nil for the argument parser's own
    /// errors and exits, which it reports itself.
    static func failure(_ error: any Error) -> Failure? {
        switch error {
        case let e as Failure:
            return e
        case is ExitCode, is CleanExit, is ValidationError:
            return nil
        case let e as HadoopError:
            return hadoop(e)
        case let e as TransportError:
            return Failure(e.code == .setup ? .local : .remote, e.description, hint: transportHint(e))
        case let e as KerberosError:
            return Failure(kerberosSide(e.code), e.description, hint: e.hint)
        case let e as FlinkError:
            if let cause = e.cause, let inner = failure(cause), inner.side == .remote {
                return Failure(.remote, e.message, hint: inner.hint, cause: cause)
            }
            return Failure(e.kind == .rest ? .remote : .input, e.description)
        case let e as SecurityError:
            return Failure(.input, e.description, hint: securityHint(e.code))
        case let e as LocalClusterError:
            return Failure(e.kind == .internal ? .local : .input, e.message)
        case let e as SpawnError:
            return Failure(.local, e.description)
        default:
            return Failure(.local, String(describing: error))
        }
    }

    static func hadoop(_ e: HadoopError) -> Failure {
        var hint: String? = nil
        if e.status == 401 {
            hint = spnegoRefusalHint()
        } else if let t = e.underlying as? TransportError, t.code == .tls {
            hint = "The server's certificate is not trusted here: give the CA that signed it with --ca-file PEM."
        } else if e.code == .unreachable {
            hint = "Is the cluster running? Start one with `flinkctl local start`, or point --rm at a ResourceManager."
        }
        let input = e.code == .configuration || (e.status.map { [400, 404, 405, 409].contains($0) } ?? false)
        return Failure(input ? .input : .remote, e.description, hint: hint)
    }

    static func transportHint(_ e: TransportError) -> String? {
        e.code == .tls ? "The server's certificate is not trusted here: give the CA that signed it with --ca-file PEM." : nil
    }

    static func kerberosSide(_ code: KerberosError.Code) -> Failure.Side {
        switch code {
        case .kdcUnreachable, .clockSkew, .rejectedToken, .other: .remote
        case .ticketExpired, .noCredentials: .unhealthy
        default: .input
        }
    }

    static func securityHint(_ code: SecurityError.Code) -> String? {
        switch code {
        case .wrongPassword: "Check --password-file / --password-env: the file's first line is the password."
        case .fileSystem: "Check that the path exists and that you may write there."
        default: nil
        }
    }
}

/// Runs a command body, turning every error into one clear line (and a
/// hint, when there is one) and the exit status of its side.
func runReporting(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch {
        guard let failure = Reporting.failure(error) else { throw error }
        printError(failure.description)
        if let hint = failure.hint { printError(hint) }
        throw ExitCode(failure.exitStatus)
    }
}

/// The same for an asynchronous body.
func runReporting(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        guard let failure = Reporting.failure(error) else { throw error }
        printError(failure.description)
        if let hint = failure.hint { printError(hint) }
        throw ExitCode(failure.exitStatus)
    }
}
