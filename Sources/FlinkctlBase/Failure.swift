/// The one error model every command reports through: which side failed,
/// in words a user can act on, with the error underneath kept (and printed)
/// rather than dropped.
///
/// Each module keeps errors of its own kind (`HadoopError`, `KerberosError`,
/// …); they are turned into a `Failure` in one place, the command line's
/// `Failure.classify`, so that one table decides every exit status.
public struct Failure: Error, CustomStringConvertible, Sendable {
    /// Which side failed. The exit status follows from it and from nothing else.
    public enum Side: String, Sendable, CaseIterable {
        /// The command line, a file or a value the user gave is wrong.
        case input
        /// A server (ResourceManager, NameNode, JobManager, KDC) could not be
        /// reached or refused the request for reasons of its own.
        case remote
        /// Everything answered, and what it said is not healthy: a job that
        /// failed, a deployment with no running job.
        case unhealthy
        /// This machine could not do its part: a file that cannot be written,
        /// a process that cannot be started.
        case local
    }

    public var side: Side
    public var message: String
    /// What to do about it, when known.
    public var hint: String?
    /// The error underneath, whose own words end the message.
    public var cause: (any Error & Sendable)?

    public init(_ side: Side, _ message: String, hint: String? = nil, cause: (any Error & Sendable)? = nil) {
        self.side = side
        self.message = message
        self.hint = hint
        self.cause = cause
    }

    /// 0 is success; 1 unhealthy (or this machine failed); 2 usage or input; 3 remote.
    public var exitStatus: Int32 {
        switch side {
        case .unhealthy, .local: 1
        case .input: 2
        case .remote: 3
        }
    }

    /// The message, then the cause's own words unless the message already holds them.
    public var description: String {
        guard let cause else { return message }
        let words = String(describing: cause)
        if words.isEmpty || message.contains(words) { return message }
        return "\(message): \(words)"
    }
}
