/// Where everything of a ``Chart`` goes, in SVG user units: the scales and
/// their ticks, each series as polylines broken at gaps, the non-finite
/// markers, and the vertical markers. Pure, so golden tests can check it;
/// ``SVGChart`` only writes it out.
package struct ChartGeometry: Sendable {
    /// A point in SVG user units.
    package struct Point: Sendable, Equatable {
        /// Horizontal position.
        package var x: Double
        /// Vertical position (down from the top).
        package var y: Double
    }

    /// A value that cannot be drawn on the line, shown as a marker instead.
    package struct Gap: Sendable, Equatable {
        /// Why it is not on the line.
        package enum Kind: String, Sendable {
            /// NaN: a marker on the bottom edge.
            case nan
            /// +Inf: a triangle on the top edge.
            case positiveInfinity
            /// -Inf: a triangle on the bottom edge.
            case negativeInfinity
            /// ≤ 0 on a logarithmic scale: a marker on the bottom edge.
            case nonPositive
        }
        /// Why.
        package var kind: Kind
        /// Horizontal position (the earliest such value's step).
        package var x: Double
        /// That step.
        package var step: Int64
        /// How many such values fell in the column.
        package var count: Int
    }

    /// The drawing of one series.
    package struct Line: Sendable {
        /// The series' name.
        package var name: String
        /// Its colour.
        package var color: String
        /// Polylines of the raw values, broken at non-finite values.
        package var raw: [[Point]]
        /// Polylines of the smoothed values (empty without smoothing).
        package var smoothed: [[Point]]
        /// Dots at each point, for short series (≤ ``ChartGeometry/dotLimit`` points).
        package var dots: [Point]
        /// Values not on the line.
        package var gaps: [Gap]
    }

    /// A vertical marker placed.
    package struct Marker: Sendable, Equatable {
        /// What it marks.
        package var kind: ChartMarker.Kind
        /// Where, in steps.
        package var step: Int64
        /// Where, horizontally.
        package var x: Double
        /// Hover text.
        package var label: String
        /// The value, for a best marker on a chart holding it.
        package var value: Double?
        /// The value's height.
        package var valueY: Double?
    }

    /// Series with at most this many points, none decimated, get dots.
    package static let dotLimit = 60

    /// The chart's size.
    package var layout: ChartLayout
    /// The step axis.
    package var x: NiceScale
    /// The value axis.
    package var y: NiceScale
    /// The series, in drawing order.
    package var lines: [Line]
    /// Markers inside the step range, in the chart's order.
    package var markers: [Marker]

    /// Lays out `chart` in `layout`.
    package init(chart: Chart, layout: ChartLayout = .standard) {
        self.layout = layout
        let range = chart.stepRange ?? 0 ... 1
        x = NiceScale.linear(lower: Double(range.lowerBound), upper: Double(range.upperBound),
                             pixels: (layout.plotLeft, layout.plotRight), tickCount: 5)
        // The y domain: every kept finite value (the extremes of each
        // column are kept, so this is the series' true range).
        var lower = Double.infinity, upper = -Double.infinity
        for series in chart.series {
            for summary in series.data.summaries where summary.finiteCount > 0 {
                if chart.logScale {
                    for point in summary.pathPoints where point.value > 0 {
                        lower = min(lower, point.value)
                        upper = max(upper, point.value)
                    }
                } else {
                    lower = min(lower, summary.minimum.value)
                    upper = max(upper, summary.maximum.value)
                }
            }
        }
        let pixels = (start: layout.plotBottom, end: layout.plotTop)
        if chart.logScale {
            y = NiceScale.logarithmic(lower: lower, upper: upper, pixels: pixels)
        } else if lower <= upper {
            y = NiceScale.linear(lower: lower, upper: upper, pixels: pixels, tickCount: 5, padding: 0.05)
        } else {
            y = NiceScale.linear(lower: 0, upper: 1, pixels: pixels, tickCount: 5)
        }
        let xScale = x, yScale = y
        lines = chart.series.map { Self.line(of: $0, chart: chart, x: xScale, y: yScale, layout: layout) }

        var placed: [Marker] = []
        for marker in chart.markers
        where Double(marker.step) >= x.domain.lowerBound && Double(marker.step) <= x.domain.upperBound {
            var valueY: Double?
            if let value = marker.value, value.isFinite, !(chart.logScale && value <= 0) {
                valueY = y.pixel(value)
            }
            placed.append(Marker(kind: marker.kind, step: marker.step, x: x.pixel(Double(marker.step)),
                                 label: marker.label, value: marker.value, valueY: valueY))
        }
        markers = placed
    }

    private static func line(of series: ChartSeries, chart: Chart, x: NiceScale, y: NiceScale,
                             layout: ChartLayout) -> Line {
        let data = series.data
        var raw: [[Point]] = []
        var current: [Point] = []
        var gaps: [Gap] = []
        func breakLine() {
            if !current.isEmpty { raw.append(current) }
            current = []
        }
        for summary in data.summaries {
            var hidden = 0
            var hiddenStep: Int64?
            var points: [Point] = []
            for point in summary.pathPoints {
                if chart.logScale && point.value <= 0 {
                    hidden += 1
                    if hiddenStep == nil { hiddenStep = point.step }
                    continue
                }
                points.append(Point(x: x.pixel(Double(point.step)), y: y.pixel(point.value)))
            }
            let step = summary.firstNonFiniteStep
            let gapX = x.pixel(Double(step))
            if summary.nanCount > 0 { gaps.append(Gap(kind: .nan, x: gapX, step: step, count: summary.nanCount)) }
            if summary.positiveInfinityCount > 0 {
                gaps.append(Gap(kind: .positiveInfinity, x: gapX, step: step, count: summary.positiveInfinityCount))
            }
            if summary.negativeInfinityCount > 0 {
                gaps.append(Gap(kind: .negativeInfinity, x: gapX, step: step, count: summary.negativeInfinityCount))
            }
            if let hiddenStep {
                gaps.append(Gap(kind: .nonPositive, x: x.pixel(Double(hiddenStep)), step: hiddenStep, count: hidden))
            }
            if summary.nonFiniteCount > 0 || hidden > 0 {
                // The line stops before the gap and starts again after it;
                // the column's own finite points stand alone.
                breakLine()
                if !points.isEmpty { raw.append(points) }
            } else {
                current += points
            }
        }
        breakLine()

        var smoothed: [[Point]] = []
        if chart.smoothing > 0 {
            let values = Smoothing.tensorBoard(columns: data.summaries, weight: chart.smoothing)
            var piece: [Point] = []
            for (summary, value) in zip(data.summaries, values) {
                let drawable = value.isFinite && !(chart.logScale && value <= 0)
                if summary.nonFiniteCount > 0 || !drawable {
                    if !piece.isEmpty { smoothed.append(piece) }
                    piece = []
                    if drawable { smoothed.append([Point(x: x.pixel(summary.meanStep), y: y.pixel(value))]) }
                    continue
                }
                piece.append(Point(x: x.pixel(summary.meanStep), y: y.pixel(value)))
            }
            if !piece.isEmpty { smoothed.append(piece) }
        }

        var dots: [Point] = []
        if data.pointCount <= dotLimit, data.summaries.allSatisfy({ $0.count == 1 }) {
            dots = raw.flatMap { $0 }
        }
        return Line(name: series.name, color: series.color, raw: raw, smoothed: smoothed, dots: dots, gaps: gaps)
    }
}
