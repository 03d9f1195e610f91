import TFEventsIndex

/// One chart of a report: the series of one tag (one per run), on a shared
/// step axis, with vertical markers for the best evaluation, exports and
/// checkpoints.
package struct Chart: Sendable {
    /// What the chart shows, usually the tag.
    package var title: String
    /// The lines, drawn in order (later ones on top).
    package var series: [ChartSeries]
    /// Vertical markers.
    package var markers: [ChartMarker]
    /// Values placed by their logarithm; values ≤ 0 are left out and counted.
    package var logScale: Bool
    /// TensorBoard smoothing weight (0 ..< 1); 0 draws the raw values only.
    package var smoothing: Double

    /// A chart.
    package init(title: String, series: [ChartSeries], markers: [ChartMarker] = [], logScale: Bool = false,
                smoothing: Double = 0) {
        self.title = title
        self.series = series
        self.markers = markers
        self.logScale = logScale
        self.smoothing = smoothing
    }

    /// Smallest and largest step of every series, nil without points.
    package var stepRange: ClosedRange<Int64>? {
        guard let lower = series.map(\.data.stepRange.lowerBound).min(),
              let upper = series.map(\.data.stepRange.upperBound).max() else { return nil }
        return lower ... upper
    }
}

/// One line of a chart.
package struct ChartSeries: Sendable {
    /// The run (legend and hover text).
    package var name: String
    /// `#rrggbb`.
    package var color: String
    /// The points, decimated on the chart's grid.
    package var data: DecimatedSeries

    /// A series.
    package init(name: String, color: String, data: DecimatedSeries) {
        self.name = name
        self.color = color
        self.data = data
    }
}

/// A vertical line at a step.
package struct ChartMarker: Sendable, Equatable {
    /// What the line marks.
    package enum Kind: String, Sendable {
        /// The best evaluation: a solid line, labelled with the step and
        /// (when the chart's tag has a value there) a dot and the value.
        case best
        /// An export whose step is known: a dashed line.
        case export
        /// A checkpoint still on disk: a tick on the step axis.
        case checkpoint
    }

    /// What the line marks.
    package var kind: Kind
    /// Where.
    package var step: Int64
    /// Hover text (and the label of a best marker).
    package var label: String
    /// The chart's value at the step, for a best marker.
    package var value: Double?

    /// A marker.
    package init(kind: Kind, step: Int64, label: String, value: Double? = nil) {
        self.kind = kind
        self.step = step
        self.label = label
        self.value = value
    }
}

/// The fixed size of a chart and its plot area, in SVG user units (CSS
/// pixels at 100 %).
public struct ChartLayout: Sendable, Equatable {
    /// Width of the whole chart.
    public var width: Double
    /// Height of the whole chart.
    public var height: Double
    /// Space left of the plot area (y tick labels).
    public var marginLeft: Double
    /// Space right of the plot area.
    public var marginRight: Double
    /// Space above the plot area (marker labels).
    public var marginTop: Double
    /// Space below the plot area (x tick labels).
    public var marginBottom: Double

    /// 560 × 300 with room for six-character tick labels.
    public static let standard = ChartLayout(width: 560, height: 300, marginLeft: 58, marginRight: 16,
                                             marginTop: 24, marginBottom: 30)

    /// A layout.
    public init(width: Double, height: Double, marginLeft: Double, marginRight: Double, marginTop: Double,
                marginBottom: Double) {
        self.width = width
        self.height = height
        self.marginLeft = marginLeft
        self.marginRight = marginRight
        self.marginTop = marginTop
        self.marginBottom = marginBottom
    }

    /// Left edge of the plot area.
    public var plotLeft: Double { marginLeft }
    /// Right edge of the plot area.
    public var plotRight: Double { width - marginRight }
    /// Top edge of the plot area.
    public var plotTop: Double { marginTop }
    /// Bottom edge of the plot area.
    public var plotBottom: Double { height - marginBottom }
    /// Columns a series is decimated to: one per pixel of plot width.
    public var columns: Int { Int(plotRight - plotLeft) }
}
