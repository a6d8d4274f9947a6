import Foundation

/// The time a wait is measured in. Injected, so that tests run the waits
/// of the lifecycle without wall time.
public protocol WaitClock: Sendable {
    /// Seconds on a monotonic clock.
    func now() -> Double
    func sleep(_ seconds: Double)
}

/// The machine's monotonic clock.
public struct SystemClock: WaitClock {
    public init() {}

    public func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var want = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - seconds.rounded(.down)) * 1e9))
        var left = timespec()
        while nanosleep(&want, &left) != 0 && errno == EINTR { want = left }
    }
}

/// How long a wait may last and how often it asks: every wait has a
/// deadline, and its poll interval grows from `initial` by `factor` up to
/// `maximum`, so a long wait does not hammer the server it asks.
public struct WaitPolicy: Sendable, Equatable {
    public var timeout: Double
    public var initial: Double
    public var maximum: Double
    public var factor: Double

    public init(timeout: Double, initial: Double = 0.1, maximum: Double = 1, factor: Double = 1.5) {
        self.timeout = timeout
        self.initial = initial
        self.maximum = maximum
        self.factor = factor
    }
}

extension WaitClock {
    /// Asks `check` until it returns a value or the deadline passes (then nil).
    /// `check` is asked at least once, and once more at the deadline.
    public func poll<T>(_ policy: WaitPolicy, _ check: () throws -> T?) rethrows -> T? {
        let deadline = now() + max(0, policy.timeout)
        var interval = max(policy.initial, 0.001)
        while true {
            if let value = try check() { return value }
            let left = deadline - now()
            if left <= 0 { return nil }
            sleep(min(interval, left))
            interval = min(interval * policy.factor, max(policy.maximum, interval))
        }
    }
}
