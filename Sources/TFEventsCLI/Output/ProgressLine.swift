import TFEvents
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A one-line progress report on standard error, redrawn at most ten times a
/// second, shown only when standard error is a terminal and the work is
/// large enough to wait for.
final class ProgressLine {
    private let totalBytes: Int
    private let enabled: Bool
    private let start = Clock.now()
    private var lastDraw = 0.0
    private var drawn = false

    /// - Parameters:
    ///   - mode: `auto` (terminal and at least 64 MiB), `always`, `never`.
    init(totalBytes: Int, mode: ProgressMode = .auto) {
        self.totalBytes = totalBytes
        switch mode {
        case .always: enabled = true
        case .never: enabled = false
        case .auto: enabled = StandardError.isTerminal && totalBytes >= 64 << 20
        }
    }

    /// Reports `doneBytes` of `totalBytes`, and optionally files done.
    func update(doneBytes: Int, files: (done: Int, total: Int)? = nil) {
        guard enabled else { return }
        let now = Clock.now()
        guard now - lastDraw >= 0.1 else { return }
        lastDraw = now
        let elapsed = max(now - start, 1e-9)
        let rate = Double(doneBytes) / elapsed
        var line = "\r\u{1B}[K"
        if let files { line += "\(files.done)/\(files.total) files, " }
        line += "\(Format.bytes(doneBytes)) of \(Format.bytes(totalBytes))"
        // A rate over the first instants (a first block arriving) means nothing.
        if elapsed >= 0.5 {
            line += ", \(Format.bytes(Int(rate)))/s"
            if rate > 0, totalBytes > doneBytes {
                line += ", ETA \(Format.seconds(Double(totalBytes - doneBytes) / rate))"
            }
        }
        StandardError.write(line)
        drawn = true
    }

    /// Clears the line.
    func finish() {
        if drawn { StandardError.write("\r\u{1B}[K") }
    }
}

/// When to draw progress.
enum ProgressMode: String, CaseIterable {
    case auto, always, never
}

/// Monotonic seconds.
enum Clock {
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}

/// Human-readable sizes and durations.
enum Format {
    static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format1: value) + " " + units[unit]
    }

    static func seconds(_ value: Double) -> String {
        if value < 60 { return String(format1: value) + " s" }
        let minutes = Int(value) / 60
        return "\(minutes) min \(Int(value) % 60) s"
    }
}

extension String {
    /// `value` with one decimal.
    init(format1 value: Double) {
        let tenths = (value * 10).rounded()
        self = "\(Int(tenths) / 10).\(abs(Int(tenths) % 10))"
    }
}
