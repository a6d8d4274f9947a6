import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// ISO 8601 UTC timestamps, `2026-11-26T06:28:19Z`, through `gmtime_r`.
/// `ISO8601DateFormatter` and `DateFormatter` load ICU's locale and calendar
/// data on first use: a third of `keystore generate --key-type ec-p256`
/// (measured with perf), and resident memory in the appmaster, which stays
/// up beside the JobManager and otherwise never needs them.
public enum UTCTimestamp {
    /// `2026-11-26T06:28:19Z`
    public static func string(_ date: Date) -> String {
        string(epochSeconds: Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    /// `2026-11-26T06:28:19Z` for seconds since 1970.
    public static func string(epochSeconds: Int64) -> String {
        let t = components(epochSeconds)
        return day(t) + "T" + pad(t.tm_hour, 2) + ":" + pad(t.tm_min, 2) + ":" + pad(t.tm_sec, 2) + "Z"
    }

    /// `2026-11-26`
    public static func day(_ date: Date) -> String {
        day(components(Int64(date.timeIntervalSince1970.rounded(.down))))
    }

    /// Now, from the system clock.
    public static func now() -> String {
        string(epochSeconds: Int64(time(nil)))
    }

    private static func day(_ t: tm) -> String {
        pad(t.tm_year + 1900, 4) + "-" + pad(t.tm_mon + 1, 2) + "-" + pad(t.tm_mday, 2)
    }

    private static func components(_ seconds: Int64) -> tm {
        var s = time_t(seconds)
        var t = tm()
        gmtime_r(&s, &t)
        return t
    }

    private static func pad(_ value: Int32, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
