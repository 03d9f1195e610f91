import TFEventsCore
import TFEventsIndex
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The report's section on a sweep with HParams sessions: a table of the
/// sessions sorted by the metric (hyperparameters, best value and step,
/// status) and a parallel-coordinates chart of the hyperparameters against
/// the metric, one line per session. Drawn as SVG in the page; a line's
/// tooltip (its `<title>`) names the session and its values.
enum HParamsSection {
    private typealias E = HTMLText

    /// Columns of metrics in the table (the chart draws the first).
    static let tableMetrics = 4

    /// The section, or "" when `table` has no session.
    static func html(_ table: RunTable, colors: [String: String]) -> String {
        let rows = table.rows.filter { $0.start != nil }
        guard !rows.isEmpty else { return "" }
        let names = table.hparamNames
        let goals = Array(table.goals.prefix(tableMetrics))
        var html = "<h2>Hyperparameters<span class=\"sub\">\(ReportSections.count(rows.count, "session"))"
        if let first = goals.first { html += " · sorted by the best \(E.escape(first.metric)) (\(first.higherIsBetter ? "↑ largest" : "↓ smallest"))" }
        html += table.experimentInferred ? " · experiment inferred from the sessions" : ""
        html += "</span></h2>\n"
        if let goal = goals.first {
            html += parallelCoordinates(rows: rows, hparams: names, experiment: table.experiment, goal: goal, colors: colors)
        }
        html += "<div class=\"scroll\"><table class=\"summary hparams\"><tr><th>session</th><th>status</th>"
        html += names.map { "<th class=\"num\"><span class=\"tag\">\(E.escape($0))</span></th>" }.joined()
        html += goals.map { "<th class=\"num\"><span class=\"tag\">\(E.escape($0.metric))</span> \($0.higherIsBetter ? "↑" : "↓")</th>" }.joined()
        html += "</tr>"
        for (position, row) in rows.enumerated() {
            html += position == 0 && row.metrics.first?.best != nil ? "<tr class=\"hl\">" : "<tr>"
            html += "<td><span class=\"key\" data-series=\"\(E.escape(row.name))\" style=\"--series:\(E.escape(colors[row.name] ?? "#888"))\">"
            html += "<span class=\"swatch\"></span>\(E.escape(row.name))</span></td>"
            html += "<td>\(E.escape(row.status?.description ?? ""))</td>"
            for name in names {
                html += "<td class=\"num\">\(E.escape(row.start?.value(of: name).map(text) ?? "–"))</td>"
            }
            for metric in row.metrics.prefix(tableMetrics) {
                guard let best = metric.best else {
                    html += "<td class=\"num note\">–</td>"
                    continue
                }
                let last = metric.last.map { "last " + NumberFormat.value($0.value, digits: 6) + " @ " + String($0.step) } ?? ""
                html += "<td class=\"num\" title=\"\(E.escape(last))\">\(ReportSections.value(best.value))"
                html += "<br><span class=\"note\">@ \(E.escape(NumberFormat.step(Double(best.step))))</span></td>"
            }
            html += "</tr>"
        }
        return html + "</table></div>\n"
    }

    /// A value as the table and the chart write it.
    static func text(_ value: HParamValue) -> String {
        if case .number(let number) = value { return NumberFormat.value(number, digits: 6) }
        return value.description
    }

    /// One vertical axis: where each session's value sits, from 0 (bottom)
    /// to 1 (top), and the labels to write along it.
    struct Axis {
        var title: String
        var position: [Double?]
        var labels: [(text: String, at: Double)]
    }

    /// A numeric axis (linear from the smallest to the largest value, or
    /// logarithmic when all are positive and span over two decades) or a
    /// categorical one (values evenly spaced, in their domain's order or
    /// sorted).
    static func axis(title: String, values: [HParamValue?], domain: HParamInfo.Domain?) -> Axis {
        let numbers = values.compactMap { $0?.numericValue }.filter(\.isFinite)
        let numeric = values.allSatisfy { $0 == nil || ($0?.numericValue != nil && $0.map { if case .bool = $0 { false } else { true } } == true) }
        if numeric, let low = numbers.min(), let high = numbers.max() {
            let logarithmic = low > 0 && high / low >= 100
            func place(_ x: Double) -> Double {
                guard high > low else { return 0.5 }
                return logarithmic ? (log10(x) - log10(low)) / (log10(high) - log10(low)) : (x - low) / (high - low)
            }
            let positions = values.map { value -> Double? in value?.numericValue.flatMap { $0.isFinite ? place($0) : nil } }
            let labels = high > low
                ? [(NumberFormat.value(low, digits: 4), 0.0), (NumberFormat.value(high, digits: 4), 1.0)]
                : [(NumberFormat.value(low, digits: 4), 0.5)]
            return Axis(title: title + (logarithmic ? " (log)" : ""), position: positions, labels: labels)
        }
        var categories: [String] = []
        if case .discrete(let listed)? = domain { categories = listed.map(text) }
        for value in values.compactMap({ $0 }) where !categories.contains(text(value)) { categories.append(text(value)) }
        if domain == nil { categories.sort() }
        func place(_ index: Int) -> Double { categories.count == 1 ? 0.5 : Double(index) / Double(categories.count - 1) }
        let positions = values.map { value -> Double? in value.flatMap { v in categories.firstIndex(of: text(v)).map(place) } }
        return Axis(title: title, position: positions, labels: categories.enumerated().map { ($0.element, place($0.offset)) })
    }

    /// The chart: an axis per hyperparameter and one for the metric's best
    /// value; a line per session, the best session drawn last and thick.
    static func parallelCoordinates(rows: [RunTable.Row], hparams: [String], experiment: HParamsExperiment,
                                    goal: MetricGoal, colors: [String: String]) -> String {
        var axes = hparams.map { name in
            axis(title: name, values: rows.map { $0.start?.value(of: name) },
                 domain: experiment.hparams.first { $0.name == name }?.domain)
        }
        axes.append(axis(title: goal.metric + (goal.higherIsBetter ? " ↑" : " ↓"),
                         values: rows.map { $0.metrics.first?.best.map { HParamValue.number($0.value) } },
                         domain: nil))
        let (width, height, top, bottom, side) = (960.0, 360.0, 34.0, 26.0, 70.0)
        let step = axes.count > 1 ? (width - 2 * side) / Double(axes.count - 1) : 0
        func x(_ axis: Int) -> Double { axes.count > 1 ? side + Double(axis) * step : width / 2 }
        func y(_ position: Double) -> Double { top + (1 - position) * (height - top - bottom) }
        func f(_ v: Double) -> String { SVGChart.short(v) }

        var svg = "<figure class=\"card pc\"><svg class=\"parallel\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" "
        svg += "aria-label=\"parallel coordinates of the hyperparameters and \(E.escape(goal.metric))\">"
        svg += "<g class=\"lines\">"
        // Worst first, so the best lines are on top.
        for (index, row) in rows.enumerated().reversed() {
            var points: [String] = []
            for (a, axis) in axes.enumerated() {
                guard let position = axis.position[index] else { continue }
                points.append(f(x(a)) + "," + f(y(position)))
            }
            guard points.count > 1 else { continue }
            var title = row.name
            for name in hparams { title += "\n\(name) = " + (row.start?.value(of: name).map(text) ?? "–") }
            title += "\n\(goal.metric) = " + (row.metrics.first?.best.map { NumberFormat.value($0.value, digits: 6) + " @ step \($0.step)" } ?? "–")
            let best = index == 0 && row.metrics.first?.best != nil
            svg += "<polyline class=\"\(best ? "best" : "run")\" data-series=\"\(E.escape(row.name))\" "
            svg += "style=\"--series:\(E.escape(colors[row.name] ?? "#888"))\" points=\"\(points.joined(separator: " "))\">"
            svg += "<title>\(E.escape(title))</title></polyline>"
        }
        svg += "</g><g class=\"axes\">"
        for (a, axis) in axes.enumerated() {
            svg += "<line x1=\"\(f(x(a)))\" y1=\"\(f(y(1)))\" x2=\"\(f(x(a)))\" y2=\"\(f(y(0)))\"/>"
            // The outer titles lean inwards, so that long names stay in the box.
            let anchor = axes.count > 1 && a == 0 ? "start" : axes.count > 1 && a == axes.count - 1 ? "end" : "middle"
            svg += "<text class=\"title\" text-anchor=\"\(anchor)\" x=\"\(f(x(a)))\" y=\"\(f(top - 14))\">\(E.escape(axis.title))</text>"
            for label in axis.labels {
                svg += "<text x=\"\(f(x(a) + 6))\" y=\"\(f(y(label.at) + 4))\">\(E.escape(label.text))</text>"
            }
        }
        svg += "</g></svg><figcaption class=\"stats\">One line per session, through its hyperparameters to its best "
        svg += "\(E.escape(goal.metric)); the best session is drawn thick. Hover a line for its values.</figcaption></figure>\n"
        return svg
    }
}
