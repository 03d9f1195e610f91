import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsReport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem
@testable import TFEventsExport

/// TensorBoard's smoothing and the report's run colours.
@Suite("Report: smoothing and colours")
struct SmoothingAndColorTests {
    @Test("smoothing is TensorBoard's debiased moving average; per column it matches when columns hold one point")
    func smoothing() throws {
        let values = [1.0, 0.5, .nan, 0.25, 0.5, 0.75]
        let w = 0.6
        // Reference, written out: last = last*w + (1-w)*v; smoothed = last / (1 - w^n).
        var last = 0.0, n = 0.0
        var expected: [Double] = []
        for v in values {
            guard v.isFinite else { expected.append(v); continue }
            last = last * w + (1 - w) * v
            n += 1
            expected.append(last / (1 - pow(w, n)))
        }
        let smoothed = Smoothing.tensorBoard(values, weight: w)
        #expect(smoothed[0] == 1)  // debiased: the first value is itself
        for (a, b) in zip(smoothed, expected) { #expect(a.isNaN ? b.isNaN : abs(a - b) < 1e-15) }
        #expect(Smoothing.tensorBoard([3, 3, 3], weight: 0.9) == [3, 3, 3])
        #expect(Smoothing.tensorBoard(values, weight: 0).map(\.bitPattern) == values.map(\.bitPattern))

        let finite = [1.0, 0.5, 0.25, 0.5, 0.75]
        let series = try #require(DecimatedSeries.decimate(steps: [0, 10, 20, 30, 40], values: finite, maxColumns: 100))
        let perColumn = Smoothing.tensorBoard(columns: series.summaries, weight: w)
        for (a, b) in zip(perColumn, Smoothing.tensorBoard(finite, weight: w)) { #expect(abs(a - b) < 1e-15) }
    }

    @Test("run colours: the same for a name everywhere; look-alikes in one report are pushed apart")
    func runColors() {
        #expect(RunColors.color(for: "run_1") == RunColors.color(for: "run_1"))
        #expect(RunColors.color(for: "run_1").count == 7 && RunColors.color(for: "run_1").hasPrefix("#"))
        let names = (0 ..< 12).map { "sweep/lr_\($0)" }
        let assigned = RunColors.assign(names)
        #expect(Set(assigned.values).count == 12)
        // The first name in sorted order always keeps its own colour.
        #expect(assigned["sweep/lr_0"] == RunColors.color(for: "sweep/lr_0"))
        #expect(RunColors.assign(names) == assigned)
        #expect(RunColors.oklch(lightness: 1, chroma: 0, hue: 0) == "#ffffff")
        #expect(RunColors.oklch(lightness: 0, chroma: 0, hue: 0) == "#000000")
    }
}
