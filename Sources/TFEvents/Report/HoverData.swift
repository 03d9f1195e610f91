/// The numbers behind the hover read-out: per chart, its step axis and, per
/// series, one entry per column (`[step, last]`, or `[step, last, min,
/// max, count]` for a column holding several points) and the smoothed
/// values. Embedded once in the page as JSON.
public enum HoverData {
    /// The JSON array for `charts` (in page order), each with its geometry.
    public static func json(_ charts: [(chart: Chart, geometry: ChartGeometry)]) -> String {
        var out = "["
        for (index, entry) in charts.enumerated() {
            if index > 0 { out += "," }
            out += chartJSON(entry.chart, geometry: entry.geometry)
        }
        return out + "]"
    }

    static func chartJSON(_ chart: Chart, geometry: ChartGeometry) -> String {
        let x = geometry.x
        var out = "{\"x\":[\(number(x.range.start)),\(number(x.range.end))],"
        out += "\"d\":[\(number(x.domain.lowerBound)),\(number(x.domain.upperBound))],\"s\":["
        for (index, series) in chart.series.enumerated() {
            if index > 0 { out += "," }
            out += "{\"n\":\(HTMLText.jsonString(series.name)),\"c\":\(HTMLText.jsonString(series.color)),\"p\":["
            let summaries = series.data.summaries
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
            if chart.smoothing > 0 {
                let smoothed = Smoothing.tensorBoard(columns: summaries, weight: chart.smoothing)
                out += ",\"m\":[" + smoothed.map(number).joined(separator: ",") + "]"
            }
            out += "}"
        }
        return out + "]}"
    }

    /// A JSON number with 7 significant digits (null for NaN and infinities).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        let text = NumberFormat.value(value, digits: 7)
        return text
    }
}
