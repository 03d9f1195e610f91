#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The two time formats object stores answer with, read without a date
/// library.
enum Timestamps {
    /// Seconds since the epoch of `2026-11-30T12:00:00Z` or
    /// `2026-11-30T12:00:00.123Z` (RFC 3339 in UTC, as S3, GCS and STS write).
    static func seconds(iso8601 text: String) -> Double? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " ") else { return nil }
        func number(_ range: Range<Int>) -> Int32? { Int32(String(decoding: bytes[range], as: UTF8.self)) }
        guard let year = number(0 ..< 4), let month = number(5 ..< 7), let day = number(8 ..< 10),
              let hour = number(11 ..< 13), let minute = number(14 ..< 16), let second = number(17 ..< 19) else { return nil }
        var fraction = 0.0
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            var scale = 0.1
            index += 1
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        return epoch(year, month, day, hour, minute, second).map { $0 + fraction }
    }

    /// Seconds since the epoch of an HTTP date (`Mon, 30 Nov 2026 12:00:00 GMT`).
    static func seconds(httpDate text: String) -> Double? {
        let parts = text.split(separator: " ")
        guard parts.count == 6 else { return nil }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let clock = parts[4].split(separator: ":")
        guard let day = Int32(parts[1]), let monthIndex = months.firstIndex(of: String(parts[2])), let year = Int32(parts[3]),
              clock.count == 3, let hour = Int32(clock[0]), let minute = Int32(clock[1]), let second = Int32(clock[2]) else { return nil }
        return epoch(year, Int32(monthIndex + 1), day, hour, minute, second)
    }

    private static func epoch(_ year: Int32, _ month: Int32, _ day: Int32, _ hour: Int32, _ minute: Int32, _ second: Int32) -> Double? {
        var parts = unsafe tm()
        unsafe parts.tm_year = year - 1900
        unsafe parts.tm_mon = month - 1
        unsafe parts.tm_mday = day
        unsafe parts.tm_hour = hour
        unsafe parts.tm_min = minute
        unsafe parts.tm_sec = second
        let value = unsafe timegm(&parts)
        return value == -1 ? nil : Double(value)
    }

    /// Nanoseconds for a ``FileIdentity``.
    static func nanoseconds(_ seconds: Double?) -> Int64 {
        seconds.map { Int64($0 * 1e9) } ?? 0
    }
}
