import TFRecord
import TFEventsIndex
import TFEventsSystem

/// A finished report.
public struct ReportDocument: Sendable {
    /// The HTML page.
    public var html: String
    /// What it reports on.
    public var subject: ReportSubject
    /// The runs drawn.
    public var runs: [String]
    /// Charts drawn.
    public var chartCount: Int
    /// Scalar points behind the charts.
    public var pointCount: Int
    /// The model directory's facts (nil for a log directory).
    public var facts: ModelDirectoryFacts?
    /// Problems met that did not stop the report (also shown on the page).
    public var warnings: [String]
    /// What bringing the index up to date did.
    public var indexUpdate: IndexUpdateReport
}

/// Makes a report: brings the directory's index up to date, decimates
/// every wanted scalar series chunk by chunk, and lays the page out.
///
/// ```swift
/// var options = ReportOptions()
/// options.goal = .maximize("accuracy")
/// let report = try ReportBuilder.build(directory: "model_dir", options: options)
/// try report.html.write(toFile: "report.html")   // with Foundation
/// ```
public enum ReportBuilder {
    /// The report of `directory`.
    ///
    /// - Parameter progress: index update progress, from worker threads
    ///   (bytes read, bytes to read, files done, files to read).
    /// - Throws: ``ReportError`` when the directory cannot be read, the
    ///   index cannot be written, or there is no event file at all.
    public static func build(directory: String, options: ReportOptions = .init(),
                             progress: (@Sendable (Int, Int, Int, Int) -> Void)? = nil) throws(ReportError) -> ReportDocument {
        let info: FileIdentity
        do { info = try FileIdentity(path: directory) } catch {
            throw ReportError(path: directory, kind: .notADirectory(error))
        }
        guard info.isDirectory else { throw ReportError(path: directory, kind: .notADirectory(nil)) }
        let subject = options.subject ?? ReportSubject.detect(directory: directory)

        let index: LogdirIndex
        let update: IndexUpdateReport
        do {
            index = try LogdirIndex(logdir: directory, indexPath: options.indexPath, options: options.index)
            update = try index.update(progress: progress)
        } catch {
            throw ReportError(path: directory, kind: .index(error))
        }
        if index.files.isEmpty && subject == .logDirectory {
            throw ReportError(path: directory, kind: .noScalars)
        }
        var warnings = update.problems.map { "\($0.path): \($0.message)" }
        for file in index.files where file.corruptRecords > 0 {
            warnings.append("\(FilePaths.join(directory, file.relativePath)): \(file.corruptRecords) corrupt record(s) skipped")
        }

        do {
            switch subject {
            case .modelDirectory:
                return try modelReport(directory: directory, index: index, update: update, options: options,
                                       warnings: warnings)
            case .logDirectory:
                return try runsReport(directory: directory, index: index, update: update, options: options,
                                      warnings: warnings)
            }
        } catch {
            throw ReportError(path: directory, kind: .index(error))
        }
    }

    // MARK: - Model directory

    private static func modelReport(directory: String, index: LogdirIndex, update: IndexUpdateReport,
                                    options: ReportOptions, warnings: [String]) throws(IndexError) -> ReportDocument {
        var warnings = warnings
        let facts = try ModelDirectoryFacts.gather(directory: directory, index: index, options: options)
        warnings += facts.problems
        let runs = orderedModelRuns(index.runs, evalRun: facts.evalRun)
        let decimated = try index.decimatedScalars(runs: runs, maxColumns: options.layout.columns,
                                                   jobs: options.index.jobs, include: tagFilter(options))

        var markers: [ChartMarker] = []
        for checkpoint in facts.checkpoints {
            guard let step = checkpoint.globalStep else { continue }
            markers.append(ChartMarker(kind: .checkpoint, step: step,
                                       label: "checkpoint \(FilePaths.basename(checkpoint.prefix)) (step \(step))"))
        }
        // The metric at each manifest-less export's step, when the eval
        // series holds exactly one point at that step.
        var exportValues: [String: Double] = [:]
        let evalMetric = decimated.first { $0.run == facts.evalRun }?.tags[facts.metric]
            .flatMap { merge($0, columns: options.layout.columns) }
        for export in facts.exports {
            guard let step = export.globalStep else { continue }
            var label = "export \(export.exporter)/\(export.version): step \(step)"
            if export.stepSource == .savedModel { label += " (from the SavedModel's global_step)" }
            if let value = export.manifest?.evalResult.metrics[facts.metric] {
                label += ", \(facts.metric) = \(NumberFormat.value(value, digits: 6))"
            } else if export.manifest == nil, let evalMetric, let value = Self.value(at: step, in: evalMetric) {
                exportValues[export.path] = value
                label += ", \(facts.metric) = \(NumberFormat.value(value, digits: 6))"
            }
            markers.append(ChartMarker(kind: .export, step: step, label: label))
        }

        var body = header(title: options.title ?? FilePaths.basename(absolute(directory)), kind: "Model directory",
                          directory: directory)
        body += ReportSections.modelPanels(facts, directory: directory, exportValues: exportValues)
        var charts: [(Chart, ChartGeometry)] = []
        var pointCount = 0
        let columns = chartColumns(series: decimated.reduce(0) { $0 + $1.tags.count }, options: options)
        let hasExportMarks = markers.contains { $0.kind == .export }
        var legendShown = false
        for (position, run) in decimated.enumerated() where !run.tags.isEmpty {
            let color = RunColors.sections[position % RunColors.sections.count]
            let (title, subtitle) = sectionTitle(run: run.run, evalRun: facts.evalRun)
            body += "<h2>\(HTMLText.escape(title))<span class=\"sub\">\(HTMLText.escape(subtitle))</span></h2>\n"
            if !legendShown {
                body += ReportSections.markLegend(best: facts.best != nil, exports: hasExportMarks,
                                                  checkpoints: !facts.checkpoints.isEmpty, smoothing: options.smoothing)
                legendShown = true
            }
            body += "<div class=\"charts\">\n"
            for tag in sortedTags(run.tagOrder, first: facts.metric) {
                guard let parts = run.tags[tag], let data = merge(parts, columns: columns) else { continue }
                var chartMarkers = markers
                if let best = facts.best {
                    let value = run.run == facts.evalRun ? best.metrics[tag] : nil
                    var label = "best evaluation: step \(best.globalStep), \(facts.metric) = "
                        + (best.metrics[facts.metric].map { NumberFormat.value($0, digits: 6) } ?? "?")
                    if let value, tag != facts.metric { label += "; \(tag) = \(NumberFormat.value(value, digits: 6))" }
                    chartMarkers.append(ChartMarker(kind: .best, step: best.globalStep, label: label, value: value))
                }
                let chart = Chart(title: tag, series: [ChartSeries(name: run.run == "." ? "training" : run.run,
                                                                   color: color, data: data)],
                                  markers: chartMarkers, logScale: options.logScale, smoothing: options.smoothing)
                let geometry = ChartGeometry(chart: chart, layout: options.layout)
                body += ReportSections.card(chart, geometry: geometry, id: charts.count)
                charts.append((chart, geometry))
                pointCount += data.pointCount
            }
            body += "</div>\n"
        }
        if charts.isEmpty { body += "<p class=\"note\">No scalar summary matches in this directory.</p>\n" }
        body += footer(index: index, update: update, warnings: warnings, generatedAt: options.generatedAt)
        let title = (options.title ?? FilePaths.basename(absolute(directory))) + " — tfevents report"
        let hover = HoverData.json(charts, budget: options.hoverBudget)
        return ReportDocument(html: ReportPage.document(title: title, body: body, chartData: hover),
                              subject: .modelDirectory, runs: decimated.map(\.run), chartCount: charts.count,
                              pointCount: pointCount, facts: facts, warnings: warnings, indexUpdate: update)
    }

    /// The value at `step` when the series holds exactly one point there
    /// (its column holds that point alone), else nil.
    static func value(at step: Int64, in series: DecimatedSeries) -> Double? {
        let column = series.grid.column(of: step)
        guard let index = series.columns.firstIndex(of: column) else { return nil }
        let summary = series.summaries[index]
        guard summary.count == 1, summary.finiteCount == 1, summary.first.step == step else { return nil }
        return summary.first.value
    }

    /// The chosen eval run first, other eval runs, training (`.`), the rest.
    static func orderedModelRuns(_ runs: [String], evalRun: String) -> [String] {
        func rank(_ run: String) -> Int {
            if run == evalRun { return 0 }
            if run == "eval" || run.hasPrefix("eval_") { return 1 }
            if run == "." { return 2 }
            return 3
        }
        return runs.sorted { (rank($0), $0) < (rank($1), $1) }
    }

    static func sectionTitle(run: String, evalRun: String) -> (String, String) {
        switch run {
        case ".": return ("Training", "event files at the top of the model directory")
        case "eval": return ("Evaluation", "eval/" + (run == evalRun ? " · the best evaluation is chosen here" : ""))
        case _ where run.hasPrefix("eval_"):
            return ("Evaluation “\(run.dropFirst(5))”", run + "/" + (run == evalRun ? " · the best evaluation is chosen here" : ""))
        default: return (run, "")
        }
    }

    // MARK: - Log directory

    private static func runsReport(directory: String, index: LogdirIndex, update: IndexUpdateReport,
                                   options: ReportOptions, warnings: [String]) throws(IndexError) -> ReportDocument {
        let runs = index.runs
        let decimated = try index.decimatedScalars(runs: runs, maxColumns: options.layout.columns,
                                                   jobs: options.index.jobs, include: tagFilter(options))
        let present = decimated.filter { !$0.tags.isEmpty }
        var allTags = Set<String>()
        for run in present { allTags.formUnion(run.tags.keys) }
        let tags = sortedTags(Array(allTags), first: options.goal?.metric)

        // The step range of each tag over the runs, so every run of a chart
        // shares its grid.
        var merged: [String: [String: DecimatedSeries]] = [:]
        let seriesCount = tags.reduce(0) { count, tag in count + present.filter { $0.tags[tag] != nil }.count }
        let columns = chartColumns(series: seriesCount, options: options)
        for tag in tags {
            let parts = present.compactMap { $0.tags[tag] }.flatMap { $0 }
            guard let lower = parts.map(\.stepRange.lowerBound).min(),
                  let upper = parts.map(\.stepRange.upperBound).max() else { continue }
            let grid = StepGrid(lower: lower, upper: upper, maxColumns: columns)
            for run in present {
                if let runParts = run.tags[tag], let data = DecimatedSeries.merge(runParts, onto: grid) {
                    merged[run.run, default: [:]][tag] = data
                }
            }
        }

        let runNames = present.map(\.run)
        let colors = RunColors.assign(runNames)
        var body = header(title: options.title ?? FilePaths.basename(absolute(directory)), kind: "Log directory",
                          directory: directory)
        // A sweep with HParams sessions: its table and parallel coordinates.
        let sweep = try index.runTable(goals: options.goal.map { [$0] }) { tag in
            MetricDirection.higherIsBetter(tag: tag, goal: nil) ? .maximize : .minimize
        }
        var sessionColors = colors
        for row in sweep.rows where sessionColors[row.name] == nil { sessionColors[row.name] = RunColors.color(for: row.name) }
        body += HParamsSection.html(sweep, colors: sessionColors)
        let warnings = warnings + sweep.problems.map(\.description)
        body += "<h2>Runs<span class=\"sub\">\(ReportSections.count(runNames.count, "run")) · "
        body += "best value of each tag (↑ largest, ↓ smallest; hover a cell for the last value)</span></h2>\n"
        body += ReportSections.runLegend(runNames.map { ($0, colors[$0] ?? "#888") })
        body += ReportSections.summaryTable(runs: runNames, tags: tags, series: merged, colors: colors, options: options)
        body += "<h2>Scalars<span class=\"sub\">\(ReportSections.count(tags.count, "tag"))</span></h2>\n"
        body += ReportSections.markLegend(best: false, exports: false, checkpoints: false, smoothing: options.smoothing)
        body += "<div class=\"charts\">\n"
        var charts: [(Chart, ChartGeometry)] = []
        var pointCount = 0
        for tag in tags {
            let series = runNames.compactMap { run in
                merged[run]?[tag].map { ChartSeries(name: run, color: colors[run] ?? "#888", data: $0) }
            }
            guard !series.isEmpty else { continue }
            let chart = Chart(title: tag, series: series, logScale: options.logScale, smoothing: options.smoothing)
            let geometry = ChartGeometry(chart: chart, layout: options.layout)
            body += ReportSections.card(chart, geometry: geometry, id: charts.count)
            charts.append((chart, geometry))
            pointCount += series.reduce(0) { $0 + $1.data.pointCount }
        }
        body += "</div>\n"
        if charts.isEmpty { body += "<p class=\"note\">No scalar summary matches in this directory.</p>\n" }
        body += footer(index: index, update: update, warnings: warnings, generatedAt: options.generatedAt)
        let title = (options.title ?? FilePaths.basename(absolute(directory))) + " — tfevents report"
        let hover = HoverData.json(charts, budget: options.hoverBudget)
        return ReportDocument(html: ReportPage.document(title: title, body: body, chartData: hover),
                              subject: .logDirectory, runs: runNames, chartCount: charts.count, pointCount: pointCount,
                              facts: nil, warnings: warnings, indexUpdate: update)
    }

    // MARK: - Pieces

    /// Columns per line: one per pixel of plot width, fewer when the page
    /// has so many lines that the point budget would be exceeded (never
    /// under 100).
    static func chartColumns(series: Int, options: ReportOptions) -> Int {
        let full = options.layout.columns
        guard series > 0 else { return full }
        return min(full, max(100, options.pointBudget / (4 * series)))
    }

    /// The decimation parts of one series merged onto a grid fitted to them.
    static func merge(_ parts: [DecimatedSeries], columns: Int) -> DecimatedSeries? {
        guard let lower = parts.map(\.stepRange.lowerBound).min(),
              let upper = parts.map(\.stepRange.upperBound).max() else { return nil }
        return DecimatedSeries.merge(parts, onto: StepGrid(lower: lower, upper: upper, maxColumns: columns))
    }

    /// `first` (when present), then the rest by name, case-insensitively.
    static func sortedTags(_ tags: [String], first: String?) -> [String] {
        tags.sorted { a, b in
            if a == first || b == first { return a == first && b != first }
            let (la, lb) = (a.lowercased(), b.lowercased())
            return la != lb ? la < lb : a < b
        }
    }

    private static func tagFilter(_ options: ReportOptions) -> @Sendable (String) -> Bool {
        let patterns = options.tagPatterns
        return { tag in patterns.isEmpty || patterns.contains { FileOperations.textMatches($0, tag) } }
    }

    private static func absolute(_ directory: String) -> String {
        (try? LogdirIndex.absolutePath(of: directory)) ?? directory
    }

    private static func header(title: String, kind: String, directory: String) -> String {
        var html = "<header><h1>\(HTMLText.escape(title))</h1>"
        html += "<div class=\"path\">\(HTMLText.escape(kind)) · \(HTMLText.escape(absolute(directory)))</div></header>\n"
        return html
    }

    private static func footer(index: LogdirIndex, update: IndexUpdateReport, warnings: [String],
                               generatedAt: String?) -> String {
        var html = "<footer>"
        for warning in warnings { html += "<p class=\"warn\">⚠ \(HTMLText.escape(warning))</p>" }
        let bytes = index.files.reduce(0) { $0 + $1.identity.size }
        var line = "Made by tfevents report from \(ReportSections.count(index.files.count, "event file")) "
            + "(\(NumberFormat.bytes(bytes)))"
        if let generatedAt { line += " · \(generatedAt)" }
        html += "<p>\(HTMLText.escape(line)). Steps on the horizontal axes; hover a chart for values.</p>"
        return html + "</footer>\n"
    }
}
