#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The machine's wall clock and name, for file names and timestamps.
package enum SystemClock {
    /// Seconds since the epoch, whole (`time(2)`).
    package static var seconds: Int { Int(time(nil)) }

    /// Seconds since the epoch with nanosecond resolution (`CLOCK_REALTIME`).
    package static var now: Double {
        var now = timespec()
        _ = unsafe clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Nanoseconds of a clock that never goes back (`CLOCK_MONOTONIC`).
    package static var monotonicNanoseconds: UInt64 {
        var now = timespec()
        _ = unsafe clock_gettime(CLOCK_MONOTONIC, &now)
        // Seconds since boot times 10^9 stay below 2^64 for 584 years.
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// This machine's host name (`gethostname`), or `localhost`.
    package static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        let status = unsafe buffer.withUnsafeMutableBufferPointer { unsafe gethostname($0.baseAddress!, $0.count - 1) }
        guard status == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    /// The calendar fields of `seconds` since the epoch, in UTC: year,
    /// month (1-12), day, hour, minute, second; nil when out of range.
    package static func utcFields(seconds: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)? {
        var time = time_t(seconds)
        var parts = unsafe tm()
        guard unsafe gmtime_r(&time, &parts) != nil else { return nil }
        return unsafe (Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour),
                Int(parts.tm_min), Int(parts.tm_sec))
    }

    /// Sleeps `seconds`, resumed after signals until the time has passed.
    package static func sleep(seconds: Int) {
        var request = timespec(tv_sec: seconds, tv_nsec: 0)
        var remaining = timespec()
        while unsafe nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
