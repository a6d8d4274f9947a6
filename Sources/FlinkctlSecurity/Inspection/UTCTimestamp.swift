import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// ISO 8601 UTC timestamps through `gmtime_r`. `ISO8601DateFormatter` loads ICU on first use, which
/// cost a third of `keystore generate --key-type ec-p256` (measured with perf).
public enum UTCTimestamp {
    /// `2026-11-26T06:28:19Z`
    public static func string(_ date: Date) -> String {
        let (t, _) = components(date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec)
    }

    /// `2026-11-26`
    public static func day(_ date: Date) -> String {
        let (t, _) = components(date)
        return String(format: "%04d-%02d-%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday)
    }

    private static func components(_ date: Date) -> (tm, time_t) {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var t = tm()
        gmtime_r(&seconds, &t)
        return (t, seconds)
    }
}
