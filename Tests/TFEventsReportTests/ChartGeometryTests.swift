import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Golden geometry of small charts in the standard layout: plot area
/// x 58 ... 544, y 24 ... 270 (560 × 300, margins 58/16/24/30).
@Suite("Report: chart geometry (golden)")
struct ChartGeometryTests {
    static let steps: [Int64] = [0, 10, 20, 30, 40]
    static let values = [1, 0.5, 0.25, 0.5, 0.75]

    static func chart(values: [Double] = values, markers: [ChartMarker] = [], logScale: Bool = false,
                      smoothing: Double = 0, name: String = "eval", title: String = "loss") throws -> Chart {
        let data = try #require(DecimatedSeries.decimate(steps: steps, values: values,
                                                         maxColumns: ChartLayout.standard.columns))
        return Chart(title: title, series: [ChartSeries(name: name, color: "#2563eb", data: data)], markers: markers,
                     logScale: logScale, smoothing: smoothing)
    }

    @Test("layout: plot area and one decimation column per pixel")
    func layout() {
        let layout = ChartLayout.standard
        #expect((layout.plotLeft, layout.plotRight, layout.plotTop, layout.plotBottom) == (58, 544, 24, 270))
        #expect(layout.columns == 486)
    }

    @Test("axes, ticks and the line")
    func axesTicksLine() throws {
        let chart = try Self.chart()
        let geometry = ChartGeometry(chart: chart)
        #expect(geometry.x.ticks == [0, 10, 20, 30, 40])
        #expect(geometry.x.ticks.map(geometry.x.pixel) == [58, 179.5, 301, 422.5, 544])
        #expect(geometry.y.ticks.map { NumberFormat.coordinate(geometry.y.pixel($0)) } == ["214.09", "154.45", "94.82", "35.18"])
        #expect(geometry.lines.count == 1 && geometry.lines[0].raw.count == 1)
        #expect(geometry.lines[0].dots.count == 5)
        let svg = SVGChart.render(chart, geometry: geometry, id: 0)
        #expect(svg.contains("<path class=\"raw\" d=\"M58 35.2L179.5 184.3 301 258.8 422.5 184.3 544 109.7\"/>"))
        #expect(svg.contains("<text x=\"301\" y=\"286\">20</text>"))           // x tick label
        #expect(svg.contains("<text x=\"52\" y=\"38.68\">1</text>"))            // y tick label
        #expect(svg.contains("<line x1=\"58\" x2=\"544\" y1=\"35.18\" y2=\"35.18\"/>"))  // y grid line
        #expect(svg.contains("viewBox=\"0 0 560 300\""))
        #expect(svg.hasPrefix("<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\""))
    }

    @Test("best marker: a vertical line at its step, a dot and a label at its value")
    func bestMarker() throws {
        let best = ChartMarker(kind: .best, step: 20, label: "best evaluation: step 20", value: 0.25)
        let checkpoint = ChartMarker(kind: .checkpoint, step: 30, label: "checkpoint model.ckpt-30")
        let export = ChartMarker(kind: .export, step: 10, label: "export best/1700000000")
        let outside = ChartMarker(kind: .export, step: 100, label: "later")
        let chart = try Self.chart(markers: [best, checkpoint, export, outside])
        let geometry = ChartGeometry(chart: chart)
        #expect(geometry.markers.map(\.step) == [20, 30, 10])  // step 100 is outside 0...40
        let placed = try #require(geometry.markers.first)
        #expect(placed.x == 301)
        #expect(NumberFormat.coordinate(try #require(placed.valueY)) == "258.82")
        let svg = SVGChart.render(chart, geometry: geometry, id: 3)
        #expect(svg.contains("<g class=\"marker best\"><title>best evaluation: step 20</title><line x1=\"301\" x2=\"301\" y1=\"24\" y2=\"270\"/></g>"))
        #expect(svg.contains("<circle cx=\"301\" cy=\"258.82\" r=\"4.2\"/>"))
        #expect(svg.contains(">best · step 20</text>"))
        #expect(svg.contains(">0.25</text>"))
        #expect(svg.contains("<g class=\"marker checkpoint\"><title>checkpoint model.ckpt-30</title><path d=\"M422.5 263l4 7h-8z\"/></g>"))
        #expect(svg.contains("<g class=\"marker export\"><title>export best/1700000000</title><line x1=\"179.5\" x2=\"179.5\" y1=\"24\" y2=\"270\"/>"))
        #expect(!svg.contains("later"))
        #expect(svg.contains("data-chart=\"3\""))
    }

    @Test("non-finite values break the line and are marked where they are")
    func nonFiniteGaps() throws {
        let chart = try Self.chart(values: [1, 0.5, .nan, 0.5, .infinity])
        let geometry = ChartGeometry(chart: chart)
        let line = geometry.lines[0]
        #expect(line.raw.count == 2)  // 0-10, then 30 alone (40 is +Inf)
        #expect(line.gaps.map(\.kind) == [.nan, .positiveInfinity])
        #expect(line.gaps.map(\.x) == [301, 544])
        let svg = SVGChart.render(chart, geometry: geometry, id: 0)
        #expect(svg.contains("<g class=\"gap nan\"><title>eval: NaN at step 20</title><path d=\"M301 259l4 4-4 4-4-4z\"/></g>"))
        #expect(svg.contains("<title>eval: +Inf at step 40</title>"))
        #expect(svg.contains("h0"))  // the lone point at step 30 is drawn as a dot
    }

    @Test("log scale: values ≤ 0 are left out of the line and marked")
    func logScale() throws {
        let chart = try Self.chart(values: [1, 0.1, 0, 0.01, 0.001], logScale: true)
        let geometry = ChartGeometry(chart: chart)
        #expect(geometry.y.isLogarithmic)
        #expect(geometry.y.domain == 0.001 ... 1)
        #expect(geometry.y.ticks == [0.001, 0.01, 0.1, 1])
        #expect(geometry.lines[0].gaps.map(\.kind) == [.nonPositive])
        #expect(geometry.lines[0].raw.count == 2)
    }

    @Test("smoothing draws the raw line faint and the average on top")
    func smoothingLines() throws {
        let chart = try Self.chart(smoothing: 0.6)
        let geometry = ChartGeometry(chart: chart)
        #expect(geometry.lines[0].smoothed.count == 1 && geometry.lines[0].smoothed[0].count == 5)
        #expect(geometry.lines[0].smoothed[0][0] == geometry.lines[0].raw[0][0])  // debiased: starts on the data
        let svg = SVGChart.render(chart, geometry: geometry, id: 0)
        #expect(svg.contains("class=\"raw faint\"") && svg.contains("class=\"smoothed\""))
        #expect(!svg.contains("<g class=\"dots\">"))
    }

    @Test("titles and series names are escaped")
    func escaped() throws {
        let chart = try Self.chart(name: "run\"><script>x</script>", title: "<img src=x onerror=alert(1)>")
        let svg = SVGChart.render(chart, geometry: ChartGeometry(chart: chart), id: 0)
        #expect(!svg.contains("<script") && !svg.contains("<img"))
        #expect(svg.contains("aria-label=\"&lt;img src=x onerror=alert(1)&gt;\""))
        #expect(svg.contains("data-series=\"run&quot;&gt;&lt;script&gt;x&lt;/script&gt;\""))
    }
}
