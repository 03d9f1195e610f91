import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Renders reports in a real browser (Debian's `chromium`, headless) and
/// checks the screenshots: the right size and not blank. The PNGs are kept
/// in `tmp/report-browser/` under the package (git-ignored) for a person to
/// look at.
@Suite("tfevents report in a browser")
struct ReportBrowserTests {
    /// The browser, if one is installed.
    static let chromium: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome"] {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    static let outputDirectory = CLIRunner.packageRoot.appendingPathComponent("tmp/report-browser")

    @Test("the fixtures' reports render (model directory, log directory, a sweep): 1280 × 2000, not blank",
          .enabled(if: chromium != nil, "Chromium is not installed (apt-get install -y chromium); browser test skipped"),
          arguments: ["estimator/loss_best", "estimator", "hparams/tf"])
    func renders(fixture: String) throws {
        let browser = try #require(Self.chromium)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let page = scratch.appendingPathComponent("report.html").path
        let made = try CLIRunner.run(["report", CLIRunner.fixture(fixture), "--out", page,
                                      "--index", scratch.appendingPathComponent("i.tfindex").path])
        #expect(made.status == 0, "\(made.stderr)")

        try FileManager.default.createDirectory(at: Self.outputDirectory, withIntermediateDirectories: true)
        let name = fixture.replacingOccurrences(of: "/", with: "_") + ".png"
        let png = Self.outputDirectory.appendingPathComponent(name).path
        try? FileManager.default.removeItem(atPath: png)
        let status = try Self.run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                            "--no-first-run", "--user-data-dir=" + scratch.appendingPathComponent("profile").path,
                                            "--screenshot=" + png, "--window-size=1280,2000", "file://" + page],
                                  timeout: 120)
        #expect(status == 0)
        let image = try PNGImage(path: png)
        #expect(image.width == 1280 && image.height == 2000)
        // Not blank: many colours, and a real share of pixels off the background.
        #expect(image.distinctColors > 50, "only \(image.distinctColors) colours")
        #expect(image.nonBackgroundFraction > 0.03, "only \(image.nonBackgroundFraction) of the pixels drawn")
    }

    @Test("the hover script runs: moving over a chart shows the nearest step's values and a cursor",
          .enabled(if: chromium != nil, "Chromium is not installed (apt-get install -y chromium); browser test skipped"))
    func hover() throws {
        let browser = try #require(Self.chromium)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-hover-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let page = scratch.appendingPathComponent("report.html").path
        let made = try CLIRunner.run(["report", CLIRunner.fixture("estimator/loss_best"), "--out", page,
                                      "--index", scratch.appendingPathComponent("i.tfindex").path])
        #expect(made.status == 0, "\(made.stderr)")
        // A probe moves the mouse over the first chart (the eval loss: steps
        // 25 ... 250) at 80 % of its width and writes what the page shows
        // into the title.
        let probe = """
        <script>window.addEventListener('load',function(){var r=document.querySelector('svg.chart rect.hover'),
        b=r.getBoundingClientRect();r.dispatchEvent(new MouseEvent('mousemove',{clientX:b.left+b.width*0.8,
        clientY:b.top+20,bubbles:true}));var t=document.getElementById('tip');
        document.title='PROBE['+t.textContent+'|'+t.hidden+'|'+document.querySelector('svg.chart line.cursor')
        .getAttribute('visibility')+']';});</script></body>
        """
        let html = try String(contentsOfFile: page, encoding: .utf8).replacingOccurrences(of: "</body>", with: probe)
        try html.write(toFile: page, atomically: true, encoding: .utf8)
        let dom = scratch.appendingPathComponent("dom.html").path
        _ = FileManager.default.createFile(atPath: dom, contents: nil)
        let status = try Self.run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                            "--user-data-dir=" + scratch.appendingPathComponent("profile").path,
                                            "--dump-dom", "file://" + page], timeout: 120, stdout: dom)
        #expect(status == 0)
        let output = try String(contentsOfFile: dom, encoding: .utf8)
        // 80 % of 25 ... 250 is step 205: the nearest evaluation is step 200 (loss 0.261675).
        #expect(output.contains("PROBE[step 200eval0.261675|false|visible]"), "\(output.prefix(300))")
    }

    @Test("a sweep's parallel coordinates lay out in the browser: a line per session through every axis, the best drawn thick",
          .enabled(if: chromium != nil, "Chromium is not installed (apt-get install -y chromium); browser test skipped"))
    func parallelCoordinates() throws {
        let browser = try #require(Self.chromium)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-hparams-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let page = scratch.appendingPathComponent("report.html").path
        let made = try CLIRunner.run(["report", CLIRunner.fixture("hparams/tf"), "--out", page,
                                      "--index", scratch.appendingPathComponent("i.tfindex").path])
        #expect(made.status == 0, "\(made.stderr)")
        // A probe measures what the browser laid out: the chart's width,
        // each line's points and stroke, and the axes' titles.
        let probe = """
        <script>window.addEventListener('load',function(){var svg=document.querySelector('svg.parallel'),
        lines=[].slice.call(svg.querySelectorAll('polyline')),best=svg.querySelector('polyline.best');
        document.title='PROBE['+Math.round(svg.getBoundingClientRect().width)+'|'+lines.length+'|'
        +lines.map(function(l){return l.points.numberOfItems}).join(',')+'|'+best.getAttribute('data-series')+'|'
        +getComputedStyle(best).strokeWidth+'|'+getComputedStyle(lines[0]).strokeWidth+'|'
        +[].slice.call(svg.querySelectorAll('text.title')).map(function(t){return t.textContent}).join(',')+']';});</script></body>
        """
        let html = try String(contentsOfFile: page, encoding: .utf8).replacingOccurrences(of: "</body>", with: probe)
        try html.write(toFile: page, atomically: true, encoding: .utf8)
        let dom = scratch.appendingPathComponent("dom.html").path
        _ = FileManager.default.createFile(atPath: dom, contents: nil)
        let status = try Self.run(browser, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                            "--window-size=1280,1000",
                                            "--user-data-dir=" + scratch.appendingPathComponent("profile").path,
                                            "--dump-dom", "file://" + page], timeout: 120, stdout: dom)
        #expect(status == 0)
        let output = try String(contentsOfFile: dom, encoding: .utf8)
        // Four sessions, each through four hyperparameters and the metric;
        // run-3 is best (validation/epoch_accuracy 0.9375) and drawn last.
        let expected = "|4|5,5,5,5|run-3|3.5px|1.6px|num_units,dropout,optimizer,augment,validation/epoch_accuracy ↑]"
        #expect(output.contains(expected), "\(output.components(separatedBy: "<title>").dropFirst().first?.prefix(300) ?? "")")
        let width = output.components(separatedBy: "PROBE[").dropFirst().first?.split(separator: "|").first.flatMap { Int($0) } ?? 0
        #expect(width > 900)
    }

    /// Runs a program (standard output to `stdout`, or discarded), killing
    /// it after `timeout` seconds.
    static func run(_ program: String, _ arguments: [String], timeout: Double, stdout: String? = nil) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = CLIRunner.packageRoot  // not the shared, movable working directory
        process.standardOutput = try stdout.map { try FileHandle(forWritingTo: URL(fileURLWithPath: $0)) }
            ?? FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return -1
        }
        return process.terminationStatus
    }
}

/// Just enough of PNG to check a screenshot: 8-bit RGB or RGBA,
/// non-interlaced, inflated with the package's zlib reader and unfiltered.
struct PNGImage {
    struct Malformed: Error, CustomStringConvertible { var description: String }

    let width: Int
    let height: Int
    /// Distinct RGB colours (counted up to 100 000).
    let distinctColors: Int
    /// Pixels whose colour differs from the most common one.
    let nonBackgroundFraction: Double

    init(path: String) throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard bytes.count > 33, bytes[0 ..< 8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else {
            throw Malformed(description: "not a PNG")
        }
        func be32(_ at: Int) -> Int { bytes[at ..< at + 4].reduce(0) { $0 << 8 | Int($1) } }
        var offset = 8
        var idat: [UInt8] = []
        var (w, h, depth, colorType) = (0, 0, 0, 0)
        while offset + 8 <= bytes.count {
            let length = be32(offset)
            let type = String(decoding: bytes[offset + 4 ..< offset + 8], as: UTF8.self)
            let body = offset + 8
            guard body + length + 4 <= bytes.count else { throw Malformed(description: "truncated chunk") }
            if type == "IHDR" {
                (w, h, depth, colorType) = (be32(body), be32(body + 4), Int(bytes[body + 8]), Int(bytes[body + 9]))
                guard bytes[body + 12] == 0 else { throw Malformed(description: "interlaced") }
            } else if type == "IDAT" {
                idat += bytes[body ..< body + length]
            }
            offset = body + length + 4
        }
        guard depth == 8, colorType == 2 || colorType == 6 else { throw Malformed(description: "depth \(depth) type \(colorType)") }
        width = w
        height = h

        // Inflate through a file: the package reads zlib streams from files.
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("png-\(UUID().uuidString).z").path
        try Data(idat).write(to: URL(fileURLWithPath: temporary))
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        let (stream, _) = try Decompression.open(path: temporary, format: .zlib)
        var raw: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
            if n == 0 { break }
            raw += buffer[0 ..< n]
        }
        let channels = colorType == 6 ? 4 : 3
        let stride = w * channels
        guard raw.count >= h * (stride + 1) else { throw Malformed(description: "short image data") }

        // Unfilter row by row (None, Sub, Up, Average, Paeth).
        var previous = [UInt8](repeating: 0, count: stride)
        var counts: [UInt32: Int] = [:]
        for row in 0 ..< h {
            let start = row * (stride + 1)
            let filter = raw[start]
            var line = Array(raw[start + 1 ... start + stride])
            for i in 0 ..< stride {
                let a = i >= channels ? Int(line[i - channels]) : 0
                let b = Int(previous[i])
                let c = i >= channels ? Int(previous[i - channels]) : 0
                let predictor: Int
                switch filter {
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                case 4:
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: predictor = 0
                }
                line[i] = UInt8(truncatingIfNeeded: Int(line[i]) + predictor)
            }
            for x in 0 ..< w {
                let p = x * channels
                let rgb = UInt32(line[p]) << 16 | UInt32(line[p + 1]) << 8 | UInt32(line[p + 2])
                if counts.count < 100_000 || counts[rgb] != nil { counts[rgb, default: 0] += 1 }
            }
            previous = line
        }
        distinctColors = counts.count
        let background = counts.values.max() ?? 0
        nonBackgroundFraction = 1 - Double(background) / Double(max(1, w * h))
    }
}
