import TFRecord
import TFEventsIndex
import TFEventsSystem

/// The HTML pieces of a report page: chart cards, the model directory's
/// panels (best evaluation, exports, checkpoints), the runs' legend and
/// summary table. Every piece of user data goes through ``HTMLText``.
enum ReportSections {
    typealias E = HTMLText

    // MARK: - Charts

    /// A chart in its card: title, a line of numbers, the SVG.
    static func card(_ chart: Chart, geometry: ChartGeometry, id: Int) -> String {
        var stats: [String] = []
        let points = chart.series.reduce(0) { $0 + $1.data.pointCount }
        if chart.series.count == 1, let data = chart.series.first?.data {
            stats.append(count(points, "point"))
            if let last = data.lastFinite {
                stats.append("last \(value(last.value)) @ \(E.escape(NumberFormat.step(Double(last.step))))")
            }
            if data.pointCount > 1, let low = data.minimum, let high = data.maximum {
                stats.append("min \(value(low.value)) @ \(E.escape(NumberFormat.step(Double(low.step))))")
                stats.append("max \(value(high.value)) @ \(E.escape(NumberFormat.step(Double(high.step))))")
            }
        } else {
            stats.append(count(chart.series.count, "run"))
            stats.append(count(points, "point"))
        }
        let nan = chart.series.reduce(0) { $0 + $1.data.nanCount }
        let infinite = chart.series.reduce(0) { $0 + $1.data.positiveInfinityCount + $1.data.negativeInfinityCount }
        if nan > 0 { stats.append("<span class=\"warn\">\(nan) NaN</span>") }
        if infinite > 0 { stats.append("<span class=\"warn\">\(infinite) ±Inf</span>") }
        if geometry.lines.contains(where: { $0.gaps.contains { $0.kind == .nonPositive } }) {
            stats.append("<span class=\"warn\">values ≤ 0 hidden (log scale)</span>")
        }
        if points > chart.series.reduce(0, { $0 + $1.data.summaries.count }) {
            stats.append("drawn as min/max per pixel column")
        }
        var html = "<figure class=\"card\" id=\"chart-\(id)\"><figcaption><h3>\(E.escape(chart.title))</h3>"
        html += "<span class=\"stats\">\(stats.joined(separator: " · "))</span></figcaption>"
        html += SVGChart.render(chart, geometry: geometry, id: id)
        return html + "</figure>\n"
    }

    /// What the marks on the charts mean.
    static func markLegend(best: Bool, exports: Bool, checkpoints: Bool, smoothing: Double) -> String {
        var keys: [String] = []
        if best { keys.append("<span class=\"key\"><span class=\"sym best\">│</span>best evaluation</span>") }
        if exports { keys.append("<span class=\"key\"><span class=\"sym export\">┆</span>export</span>") }
        if checkpoints { keys.append("<span class=\"key\"><span class=\"sym ckpt\">▲</span>checkpoint on disk</span>") }
        keys.append("<span class=\"key\"><span class=\"sym bad\">◆ ▲ ▼</span>NaN, +Inf, −Inf (gap in the line)</span>")
        if smoothing > 0 {
            keys.append("<span class=\"key\">smoothing \(E.escape(NumberFormat.value(smoothing, digits: 3))) (faint: raw values)</span>")
        }
        return "<div class=\"legend\">" + keys.joined() + "</div>\n"
    }

    // MARK: - Model directory

    /// The three panels at the top of a model directory's report.
    ///
    /// - Parameter exportValues: the metric of the evaluation at each
    ///   export's step (by export path), for exports without a manifest.
    static func modelPanels(_ facts: ModelDirectoryFacts, directory: String, exportValues: [String: Double]) -> String {
        var html = "<section class=\"facts\">\n"
        html += bestPanel(facts, directory: directory)
        html += exportsPanel(facts, exportValues: exportValues)
        html += checkpointsPanel(facts)
        return html + "</section>\n"
    }

    static func bestPanel(_ facts: ModelDirectoryFacts, directory: String) -> String {
        var html = "<div class=\"panel\"><h2>Best evaluation</h2>"
        guard let best = facts.best else {
            html += "<p class=\"warn\">No evaluation with a usable “\(E.escape(facts.metric))” in "
            html += "\(E.escape(facts.evalRun))/ (\(count(facts.evaluations, "evaluation")) read).</p></div>\n"
            return html
        }
        let metricValue = best.metrics[facts.metric].map { NumberFormat.value($0, digits: 6) } ?? "?"
        html += "<div class=\"headline\">step \(best.globalStep) · <span class=\"metric\">\(E.escape(facts.metric)) "
        html += "\(E.escape(metricValue))</span></div>"
        var notes = ["\(E.escape(facts.comparison)) over \(count(facts.evaluations, "evaluation")) in \(E.escape(facts.evalRun))/"]
        let skipped = facts.skippedMissingMetric + facts.skippedNaN
        if skipped > 0 { notes.append("\(skipped) skipped (\(facts.skippedMissingMetric) without the metric, \(facts.skippedNaN) NaN)") }
        html += "<p class=\"note\">" + notes.joined(separator: "; ") + "</p><p>"
        if let checkpoint = facts.bestCheckpoint {
            html += "checkpoint <span class=\"tag\">\(E.escape(FilePaths.basename(checkpoint.prefix)))</span> on disk"
        } else {
            html += "checkpoint of step \(best.globalStep) <span class=\"badge gone\">not on disk</span>"
        }
        let exports = facts.bestExports
        if !exports.isEmpty {
            let names = exports.map { E.escape($0.exporter + "/" + $0.version) }.joined(separator: ", ")
            html += "<br>exported as <span class=\"tag\">\(names)</span>"
        }
        html += "</p><table><tr><th>metric</th><th class=\"num\">value</th></tr>"
        for (name, value) in best.sortedMetrics {
            let row = name == facts.metric ? " class=\"hl\"" : ""
            html += "<tr\(row)><td class=\"tag\">\(E.escape(name))</td><td class=\"num\">\(E.escape(NumberFormat.value(value, digits: 6)))</td></tr>"
        }
        return html + "</table></div>\n"
    }

    static func exportsPanel(_ facts: ModelDirectoryFacts, exportValues: [String: Double]) -> String {
        var html = "<div class=\"panel\"><h2>Exports</h2>"
        guard !facts.exports.isEmpty else { return html + "<p class=\"note\">No export under export/.</p></div>\n" }
        html += "<table><tr><th>directory</th><th class=\"num\">step</th><th class=\"num\">\(E.escape(facts.metric))</th></tr>"
        let bestStep: Int64? = facts.best?.globalStep
        var unknown = 0, fromSavedModel = 0, fromEvaluation = 0
        for export in facts.exports {
            let step: Int64? = export.globalStep
            if step == nil { unknown += 1 }
            if export.stepSource == .savedModel { fromSavedModel += 1 }
            var value: Double?
            var valueFromEvaluation = false
            if let manifest = export.manifest {
                value = manifest.evalResult.metrics[facts.metric]
            } else if let looked = exportValues[export.path] {
                value = looked
                valueFromEvaluation = true
                fromEvaluation += 1
            }
            html += exportRow(export, step: step, isBest: step != nil && step == bestStep, value: value,
                              valueFromEvaluation: valueFromEvaluation)
        }
        html += "</table>"
        var notes: [String] = []
        if fromSavedModel > 0 {
            notes.append("† step read from the SavedModel's <code>global_step</code> variable (no export_manifest: "
                         + "written by TensorFlow)")
        }
        if fromEvaluation > 0 {
            notes.append("* \(E.escape(facts.metric)) of the evaluation at that step in \(E.escape(facts.evalRun))/")
        }
        if unknown > 0 {
            notes.append("? step unknown: no export_manifest and no readable <code>global_step</code>; "
                         + "not marked on the charts")
        }
        if !notes.isEmpty { html += "<p class=\"note\">" + notes.joined(separator: "<br>") + "</p>" }
        return html + "</div>\n"
    }

    /// One row of the exports table.
    static func exportRow(_ export: ExportEntry, step: Int64?, isBest: Bool, value: Double?,
                          valueFromEvaluation: Bool) -> String {
        var html = isBest ? "<tr class=\"hl\">" : "<tr>"
        html += "<td><span class=\"tag\">" + E.escape(export.exporter + "/" + export.version) + "</span>"
        if isBest { html += " <span class=\"badge\">best</span>" }
        if let manifest = export.manifest, manifest.isFinalExport { html += " <span class=\"badge export\">final</span>" }
        if let seconds = export.seconds {
            html += "<br><span class=\"note\">" + E.escape(ReportDate.utc(seconds: seconds)) + "</span>"
        }
        html += "</td>"
        guard let step else { return html + "<td class=\"num\">?</td><td class=\"num\">?</td></tr>" }
        html += "<td class=\"num\">" + String(step) + (export.stepSource == .savedModel ? " †" : "") + "</td>"
        html += "<td class=\"num\">"
        if let value {
            html += E.escape(NumberFormat.value(value, digits: 6)) + (valueFromEvaluation ? " *" : "")
        } else {
            html += "–"
        }
        return html + "</td></tr>"
    }

    static func checkpointsPanel(_ facts: ModelDirectoryFacts) -> String {
        var html = "<div class=\"panel\"><h2>Checkpoints on disk</h2>"
        guard !facts.checkpoints.isEmpty else { return html + "<p class=\"note\">No checkpoint in the directory.</p></div>\n" }
        html += "<table><tr><th>checkpoint</th><th class=\"num\">step</th></tr>"
        for checkpoint in facts.checkpoints {
            let isBest = checkpoint.globalStep != nil && checkpoint.globalStep == facts.best?.globalStep
            html += "<tr\(isBest ? " class=\"hl\"" : "")><td class=\"tag\">\(E.escape(FilePaths.basename(checkpoint.prefix)))"
            if isBest { html += " <span class=\"badge\">best</span>" }
            if checkpoint.prefix == facts.latestCheckpoint { html += " <span class=\"badge gone\">latest</span>" }
            html += "</td><td class=\"num\">\(checkpoint.globalStep.map(String.init) ?? "–")</td></tr>"
        }
        html += "</table>"
        for problem in facts.problems { html += "<p class=\"note warn\">\(E.escape(problem))</p>" }
        return html + "</div>\n"
    }

    // MARK: - Runs

    /// The runs with their colours; hovering a run highlights it.
    static func runLegend(_ runs: [(name: String, color: String)]) -> String {
        var html = "<div class=\"legend\">"
        for run in runs {
            html += "<span class=\"key\" data-series=\"\(E.escape(run.name))\" style=\"--series:\(E.escape(run.color))\">"
            html += "<span class=\"swatch\"></span>\(E.escape(run.name))</span>"
        }
        return html + "</div>\n"
    }

    /// Each run's best value of each tag (↑ largest or ↓ smallest, by
    /// ``MetricDirection``), the best run of each tag in bold. Tags are
    /// rows and runs columns for a few runs; runs are rows for many.
    static func summaryTable(runs: [String], tags: [String], series: [String: [String: DecimatedSeries]],
                             colors: [String: String], options: ReportOptions) -> String {
        let higher = tags.map { MetricDirection.higherIsBetter(tag: $0, goal: options.goal) }
        func best(_ run: String, _ t: Int) -> (point: SeriesPoint, data: DecimatedSeries)? {
            guard let data = series[run]?[tags[t]], let point = higher[t] ? data.maximum : data.minimum else { return nil }
            return (point, data)
        }
        // Best of each tag over the runs.
        var winners: [Double?] = []
        for t in tags.indices {
            var winner: Double?
            for run in runs {
                guard let value = best(run, t)?.point.value else { continue }
                if let current = winner, higher[t] ? value <= current : value >= current { continue }
                winner = value
            }
            winners.append(winner)
        }
        func cell(_ run: String, _ t: Int) -> String {
            guard let (point, data) = best(run, t) else { return "<td class=\"num note\">–</td>" }
            let text = E.escape(NumberFormat.value(point.value, digits: 5))
            let last = data.lastFinite.map { "last " + NumberFormat.value($0.value, digits: 6) + " @ " + String($0.step) } ?? ""
            let isWinner = runs.count > 1 && winners[t] == point.value
            return "<td class=\"num\" title=\"\(E.escape(last))\">" + (isWinner ? "<b>\(text)</b>" : text)
                + "<br><span class=\"note\">@ \(E.escape(NumberFormat.step(Double(point.step))))</span></td>"
        }
        func runLabel(_ run: String) -> String {
            "<span class=\"key\" data-series=\"\(E.escape(run))\" style=\"--series:\(E.escape(colors[run] ?? "#888"))\">"
                + "<span class=\"swatch\"></span>\(E.escape(run))</span>"
        }
        func tagLabel(_ t: Int) -> String { "<span class=\"tag\">\(E.escape(tags[t]))</span> \(higher[t] ? "↑" : "↓")" }

        var html = "<div class=\"scroll\"><table class=\"summary\">"
        if runs.count <= 8 {
            html += "<tr><th>tag</th>" + runs.map { "<th class=\"num\">\(runLabel($0))</th>" }.joined() + "</tr>"
            for t in tags.indices {
                html += "<tr><td>\(tagLabel(t))</td>" + runs.map { cell($0, t) }.joined() + "</tr>"
            }
        } else {
            html += "<tr><th>run</th>" + tags.indices.map { "<th class=\"num\">\(tagLabel($0))</th>" }.joined() + "</tr>"
            for run in runs {
                html += "<tr><td>\(runLabel(run))</td>" + tags.indices.map { cell(run, $0) }.joined() + "</tr>"
            }
        }
        return html + "</table></div>\n"
    }

    // MARK: - Helpers

    static func value(_ x: Double) -> String { E.escape(NumberFormat.value(x, digits: 5)) }

    static func count(_ n: Int, _ noun: String) -> String {
        let digits = String(n)
        var grouped = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 && ch != "-" { grouped += "," }
            grouped.append(ch)
        }
        return grouped + " " + noun + (n == 1 ? "" : "s")
    }
}

/// Dates for people, in UTC (a report is read in any time zone).
package enum ReportDate {
    /// `2026-11-23 16:09:24 UTC`.
    package static func utc(seconds: Int64) -> String {
        guard let parts = SystemClock.utcFields(seconds: seconds) else { return String(seconds) }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.year)-\(two(parts.month))-\(two(parts.day)) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) UTC"
    }
}
