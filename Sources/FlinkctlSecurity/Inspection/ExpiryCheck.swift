import Foundation
import X509

/// `cert check`: which certificates in a set of files have expired or expire soon.
public struct ExpiryCheck: Sendable {
    public enum State: String, Codable, Sendable, Comparable {
        case ok, expiring, notYetValid = "not-yet-valid", expired, unreadable

        /// The exit code this state calls for: 0 good, 1 expiring within the window, 2 expired or unreadable.
        public var exitCode: Int32 {
            switch self {
            case .ok: return 0
            case .expiring: return 1
            case .notYetValid, .expired, .unreadable: return 2
            }
        }

        public static func < (a: State, b: State) -> Bool { a.exitCode < b.exitCode }
    }

    public struct CertificateResult: Codable, Sendable {
        public var entry: String
        public var subject: String
        public var notAfter: Date
        public var daysLeft: Int
        public var state: State
    }

    public struct FileResult: Codable, Sendable {
        public var file: String
        public var state: State
        public var error: String?
        public var certificates: [CertificateResult]
    }

    public struct Report: Codable, Sendable {
        public var warnDays: Int
        public var checkedAt: Date
        public var state: State
        public var files: [FileResult]
        public var exitCode: Int32 { state.exitCode }
    }

    public var warnDays: Int
    public var now: Date

    public init(warnDays: Int, now: Date = Date()) {
        self.warnDays = warnDays
        self.now = now
    }

    public func state(of certificate: Certificate) -> State {
        if certificate.notValidAfter <= now { return .expired }
        if certificate.notValidBefore > now { return .notYetValid }
        if certificate.notValidAfter <= now + TimeInterval(warnDays) * 86_400 { return .expiring }
        return .ok
    }

    public func check(file path: String, password: KeystorePassword?) -> FileResult {
        do {
            let file = try CertificateFile.load(path, password: password)
            let results = file.labelledCertificates.map { entry, certificate in
                CertificateResult(
                    entry: entry,
                    subject: String(describing: certificate.subject),
                    notAfter: certificate.notValidAfter,
                    daysLeft: Int((certificate.notValidAfter.timeIntervalSince(now) / 86_400).rounded(.down)),
                    state: state(of: certificate)
                )
            }
            guard !results.isEmpty else {
                return FileResult(file: path, state: .unreadable, error: "no certificates in the file", certificates: [])
            }
            return FileResult(file: path, state: results.map(\.state).max() ?? .ok, error: nil, certificates: results)
        } catch let error as SecurityError {
            var copy = error
            copy.path = nil
            return FileResult(file: path, state: .unreadable, error: copy.message, certificates: [])
        } catch {
            return FileResult(file: path, state: .unreadable, error: "\(error)", certificates: [])
        }
    }

    public func check(files: [String], password: KeystorePassword?) -> Report {
        let results = files.map { check(file: $0, password: password) }
        return Report(warnDays: warnDays, checkedAt: now, state: results.map(\.state).max() ?? .ok, files: results)
    }
}
