import TFEventsIndex

/// The numbers behind the hover read-out: per chart, its step axis and, per
/// series, one entry per column (`[step, last]`, or `[step, last, min,
/// max, count]` for a column holding several points) and the smoothed
/// values. Embedded once in the page as JSON.
package enum HoverData {
    /// The JSON array for `charts` (in page order), each with its geometry.
    ///
    /// - Parameter budget: most entries in all; each series gets an equal
    ///   share (at least 50), neighbouring columns merged into one entry
    ///   when it has more.
    package static func json(_ charts: [(chart: Chart, geometry: ChartGeometry)], budget: Int = .max) -> String {
        let seriesCount = max(1, charts.reduce(0) { $0 + $1.chart.series.count })
        let perSeries = max(50, budget / seriesCount)
        var out = "["
        for (index, entry) in charts.enumerated() {
            if index > 0 { out += "," }
            out += chartJSON(entry.chart, geometry: entry.geometry, limit: perSeries)
        }
        return out + "]"
    }

    static func chartJSON(_ chart: Chart, geometry: ChartGeometry, limit: Int) -> String {
        let x = geometry.x
        var out = "{\"x\":[\(number(x.range.start)),\(number(x.range.end))],"
        out += "\"d\":[\(number(x.domain.lowerBound)),\(number(x.domain.upperBound))],\"s\":["
        for (index, series) in chart.series.enumerated() {
            if index > 0 { out += "," }
            out += "{\"n\":\(HTMLText.jsonString(series.name)),\"c\":\(HTMLText.jsonString(series.color)),\"p\":["
            let columns = series.data.summaries
            let smoothed = chart.smoothing > 0 ? Smoothing.tensorBoard(columns: columns, weight: chart.smoothing) : []
            // Groups of `size` neighbouring columns, merged.
            let size = max(1, (columns.count + limit - 1) / limit)
            var summaries: [ColumnSummary] = []
            var groupSmoothed: [Double] = []
            var start = 0
            while start < columns.count {
                let end = min(columns.count, start + size)
                var merged = columns[start]
                for column in columns[start + 1 ..< end] { merged.merge(column) }
                summaries.append(merged)
                if !smoothed.isEmpty { groupSmoothed.append(smoothed[end - 1]) }
                start = end
            }
            for (i, summary) in summaries.enumerated() {
                if i > 0 { out += "," }
                let step = summary.finiteCount > 0 ? summary.last.step : summary.firstNonFiniteStep
                let last = summary.finiteCount > 0 ? number(summary.last.value) : "null"
                if summary.count > 1 {
                    let low = summary.finiteCount > 0 ? number(summary.minimum.value) : "null"
                    let high = summary.finiteCount > 0 ? number(summary.maximum.value) : "null"
                    out += "[\(step),\(last),\(low),\(high),\(summary.count)]"
                } else {
                    out += "[\(step),\(last)]"
                }
            }
            out += "]"
            if !groupSmoothed.isEmpty {
                out += ",\"m\":[" + groupSmoothed.map(number).joined(separator: ",") + "]"
            }
            out += "}"
        }
        return out + "]}"
    }

    /// A JSON number with 6 significant digits (null for NaN and infinities).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return NumberFormat.value(value, digits: 6)
    }
}
