import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

@Suite("Decimation")
struct DecimationTests {
    @Test("grids: the finest power-of-two width within the column limit; aligned grids nest")
    func grids() {
        let fine = StepGrid(lower: 0, upper: 99, maxColumns: 100)
        #expect(fine.shift == 0 && fine.columns == 100 && fine.origin == 0)
        let coarse = StepGrid(lower: 0, upper: 1000, maxColumns: 100)
        #expect(coarse.shift == 4 && coarse.columns == 63)
        #expect(coarse.column(of: 1000) == 62 && coarse.lowerStep(of: 62) == 992)
        let odd = StepGrid(lower: 37, upper: 41, maxColumns: 1)
        #expect(odd.columns == 1 && odd.column(of: 37) == 0 && odd.column(of: 41) == 0)
        #expect(fine.nests(in: coarse) && !coarse.nests(in: fine))
        let huge = StepGrid(lower: .min, upper: .max, maxColumns: 500)
        #expect(huge.columns <= 500 && huge.column(of: .min) == 0 && huge.column(of: .max) == huge.columns - 1)
        let negative = StepGrid(lower: -10, upper: 10, maxColumns: 8)
        #expect(negative.column(of: -10) == 0 && negative.column(of: 10) == negative.columns - 1)
    }

    @Test("a series smaller than the grid is kept point for point")
    func smallSeriesKept() throws {
        let steps: [Int64] = [0, 10, 20, 30, 40]
        let values = [1, 0.5, 0.25, 0.5, 0.75]
        let series = try #require(DecimatedSeries.decimate(steps: steps, values: values, maxColumns: 486))
        #expect(series.pathPoints == zip(steps, values).map { SeriesPoint(step: $0, value: $1) })
        #expect(series.minimum == SeriesPoint(step: 20, value: 0.25))
        #expect(series.maximum == SeriesPoint(step: 0, value: 1))
        #expect(series.lastFinite == SeriesPoint(step: 40, value: 0.75))
    }

    @Test("a million points in 100 columns: at most 4 per column, extremes, first and last kept")
    func extremesKept() throws {
        var random = SplitMix64(seed: 7)
        let count = 1_000_000
        var steps: [Int64] = []
        var values: [Double] = []
        for i in 0 ..< count {
            steps.append(Int64(i))
            values.append(Double(random.next() % 10_000) / 10_000 + (i == 654_321 ? 5 : 0) - (i == 123_456 ? 7 : 0))
        }
        let series = try #require(DecimatedSeries.decimate(steps: steps, values: values, maxColumns: 100))
        #expect(series.summaries.count <= 100)
        #expect(series.pathPoints.count <= 4 * series.summaries.count)
        #expect(series.pointCount == count)
        #expect(series.maximum == SeriesPoint(step: 654_321, value: values[654_321]))
        #expect(series.minimum == SeriesPoint(step: 123_456, value: values[123_456]))
        #expect(series.pathPoints.first == SeriesPoint(step: 0, value: values[0]))
        #expect(series.pathPoints.last == SeriesPoint(step: Int64(count - 1), value: values[count - 1]))
        // Every column's extremes are the true ones of its points.
        for (column, summary) in zip(series.columns, series.summaries) {
            let range = series.grid.lowerStep(of: column) ..< series.grid.lowerStep(of: column + 1)
            let slice = values[Int(range.lowerBound) ..< min(count, Int(range.upperBound))]
            #expect(summary.minimum.value == slice.min() && summary.maximum.value == slice.max())
        }
    }

    @Test("reductions of parts on finer grids merge into exactly the decimation of the whole")
    func mergeIsExact() throws {
        var random = SplitMix64(seed: 11)
        var steps: [Int64] = []
        var values: [Double] = []
        var step: Int64 = 0
        for _ in 0 ..< 50_000 {
            step += Int64(random.next() % 7)  // repeats and gaps
            steps.append(step)
            let r = random.next() % 1000
            values.append(r == 0 ? .nan : r == 1 ? .infinity : r == 2 ? -.infinity : Double(r))
        }
        let grid = StepGrid(lower: steps[0], upper: steps.last ?? 0, maxColumns: 300)
        let whole = try #require(DecimatedSeries.decimate(steps: steps, values: values, grid: grid))
        // Uneven parts, each on a grid fitted to its own steps.
        var parts: [DecimatedSeries] = []
        var start = 0
        for length in [1, 999, 12_000, 7, 30_000, 6_993] {
            let range = start ..< start + length
            let partSteps = Array(steps[range])
            let partGrid = StepGrid(lower: partSteps.min() ?? 0, upper: partSteps.max() ?? 0, maxColumns: 300)
            parts.append(try #require(DecimatedSeries.decimate(steps: partSteps, values: Array(values[range]),
                                                                grid: partGrid, firstSequence: Int64(start))))
            start += length
        }
        let merged = try #require(DecimatedSeries.merge(parts, onto: grid))
        #expect(merged.columns == whole.columns)
        #expect(merged.pathPoints == whole.pathPoints)
        #expect(merged.nanCount == whole.nanCount && merged.nanCount > 0)
        #expect(merged.positiveInfinityCount == whole.positiveInfinityCount)
        #expect(merged.negativeInfinityCount == whole.negativeInfinityCount)
        #expect(merged.stepRange == whole.stepRange)
        for (a, b) in zip(merged.summaries, whole.summaries) {
            #expect(a.finiteCount == b.finiteCount && a.firstNonFiniteStep == b.firstNonFiniteStep)
            #expect(abs(a.valueSum - b.valueSum) <= 1e-9 * max(1, abs(b.valueSum)))
        }
    }

    @Test("non-finite values are counted per column, never dropped")
    func nonFiniteCounted() throws {
        let series = try #require(DecimatedSeries.decimate(
            steps: [0, 1, 2, 3, 4, 5], values: [1, .nan, 2, .infinity, -.infinity, .nan], maxColumns: 10))
        #expect(series.pointCount == 6)
        #expect(series.nanCount == 2 && series.positiveInfinityCount == 1 && series.negativeInfinityCount == 1)
        #expect(series.summaries[1].nanCount == 1 && series.summaries[1].firstNonFiniteStep == 1)
        #expect(series.pathPoints.map(\.step) == [0, 2])
    }
}
