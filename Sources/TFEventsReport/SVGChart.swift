/// Writes a ``ChartGeometry`` as an inline SVG element: no external
/// resources, classes styled by the page's CSS (``ReportPage/css``), every
/// string escaped, native `<title>` tooltips on markers so the chart
/// explains itself without the page's script.
package enum SVGChart {
    /// The `<svg>` element of `chart`.
    ///
    /// - Parameters:
    ///   - id: the chart's number on the page, for the hover script.
    ///   - geometry: `chart` laid out.
    package static func render(_ chart: Chart, geometry: ChartGeometry, id: Int) -> String {
        let layout = geometry.layout
        let c = NumberFormat.coordinate
        let (left, right, top, bottom) = (layout.plotLeft, layout.plotRight, layout.plotTop, layout.plotBottom)
        var svg = "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(c(layout.width)) \(c(layout.height))\""
        svg += " role=\"img\" aria-label=\"\(HTMLText.escape(chart.title))\" data-chart=\"\(id)\">"
        svg += "<rect class=\"plot\" x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(right - left))\" height=\"\(c(bottom - top))\"/>"

        // Grid and tick labels.
        svg += "<g class=\"grid\">"
        for tick in geometry.y.ticks {
            let y = geometry.y.pixel(tick)
            svg += "<line x1=\"\(c(left))\" x2=\"\(c(right))\" y1=\"\(c(y))\" y2=\"\(c(y))\"/>"
        }
        for tick in geometry.x.ticks {
            let x = geometry.x.pixel(tick)
            svg += "<line x1=\"\(c(x))\" x2=\"\(c(x))\" y1=\"\(c(top))\" y2=\"\(c(bottom))\"/>"
        }
        svg += "</g><g class=\"ticks y\">"
        for tick in geometry.y.ticks {
            svg += "<text x=\"\(c(left - 6))\" y=\"\(c(geometry.y.pixel(tick) + 3.5))\">\(HTMLText.escape(geometry.y.label(tick)))</text>"
        }
        svg += "</g><g class=\"ticks x\">"
        for tick in geometry.x.ticks {
            svg += "<text x=\"\(c(geometry.x.pixel(tick)))\" y=\"\(c(bottom + 16))\">\(HTMLText.escape(NumberFormat.step(tick)))</text>"
        }
        svg += "</g>"

        // Markers behind the lines.
        for marker in geometry.markers {
            let x = c(marker.x)
            let title = "<title>\(HTMLText.escape(marker.label))</title>"
            switch marker.kind {
            case .export:
                svg += "<g class=\"marker export\">\(title)<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(c(top))\" y2=\"\(c(bottom))\"/>"
                svg += "<path d=\"M\(x) \(c(top - 7))l4 4-4 4-4-4z\"/></g>"
            case .checkpoint:
                svg += "<g class=\"marker checkpoint\">\(title)<path d=\"M\(x) \(c(bottom - 7))l4 7h-8z\"/></g>"
            case .best:
                svg += "<g class=\"marker best\">\(title)<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(c(top))\" y2=\"\(c(bottom))\"/></g>"
            }
        }

        // Lines.
        let smoothing = chart.smoothing > 0
        for line in geometry.lines {
            let color = HTMLText.escape(line.color)
            svg += "<g class=\"series\" data-series=\"\(HTMLText.escape(line.name))\" style=\"--series:\(color)\">"
            if !line.raw.isEmpty {
                svg += "<path class=\"\(smoothing ? "raw faint" : "raw")\" d=\"\(path(line.raw))\"/>"
            }
            if !line.smoothed.isEmpty {
                svg += "<path class=\"smoothed\" d=\"\(path(line.smoothed))\"/>"
            }
            if !line.dots.isEmpty && !smoothing {
                svg += "<g class=\"dots\">"
                for dot in line.dots { svg += "<circle cx=\"\(c(dot.x))\" cy=\"\(c(dot.y))\" r=\"2.6\"/>" }
                svg += "</g>"
            }
            for gap in line.gaps { svg += gapMark(gap, layout: layout, series: line.name) }
            svg += "</g>"
        }

        // Best markers' labels and dots on top of the lines.
        for marker in geometry.markers where marker.kind == .best {
            let anchorEnd = marker.x > right - 90
            let anchor = anchorEnd ? " text-anchor=\"end\"" : ""
            let dx = anchorEnd ? -5.0 : 5.0
            svg += "<g class=\"marker best label\">"
            svg += "<text x=\"\(c(marker.x + dx))\" y=\"\(c(top - 8))\"\(anchor)>\(HTMLText.escape("best · step " + String(marker.step)))</text>"
            if let valueY = marker.valueY, let value = marker.value {
                svg += "<circle cx=\"\(c(marker.x))\" cy=\"\(c(valueY))\" r=\"4.2\"/>"
                let labelY = valueY < top + 14 ? valueY + 16 : valueY - 8
                svg += "<text class=\"value\" x=\"\(c(marker.x + dx))\" y=\"\(c(labelY))\"\(anchor)>\(HTMLText.escape(NumberFormat.value(value, digits: 5)))</text>"
            }
            svg += "</g>"
        }

        // The hover cursor, moved by the page's script.
        svg += "<line class=\"cursor\" x1=\"0\" x2=\"0\" y1=\"\(c(top))\" y2=\"\(c(bottom))\" visibility=\"hidden\"/>"
        svg += "<rect class=\"hover\" x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(right - left))\" height=\"\(c(bottom - top))\"/>"
        svg += "</svg>"
        return svg
    }

    /// `M x y L x y x y ... M ...`; a one-point piece is a zero-length
    /// segment, which a round line cap draws as a dot.
    static func path(_ pieces: [[ChartGeometry.Point]]) -> String {
        var d = ""
        d.reserveCapacity(pieces.reduce(0) { $0 + $1.count * 12 })
        for piece in pieces {
            guard let first = piece.first else { continue }
            d += "M" + short(first.x) + " " + short(first.y)
            if piece.count == 1 {
                d += "h0"
                continue
            }
            d += "L"
            for (i, point) in piece.dropFirst().enumerated() {
                if i > 0 { d += " " }
                d += short(point.x) + " " + short(point.y)
            }
        }
        return d
    }

    /// A coordinate with one decimal: path data is most of a report's bytes.
    static func short(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        let integer = Int64(tenths)
        let whole = integer / 10, fraction = abs(integer % 10)
        let sign = integer < 0 && whole == 0 ? "-" : ""
        return fraction == 0 ? sign + String(whole) : sign + String(whole) + "." + String(fraction)
    }

    private static func gapMark(_ gap: ChartGeometry.Gap, layout: ChartLayout, series: String) -> String {
        let c = NumberFormat.coordinate
        let x = c(gap.x)
        let what: String
        let shape: String
        switch gap.kind {
        case .nan:
            what = "NaN"
            shape = "<path d=\"M\(x) \(c(layout.plotBottom - 11))l4 4-4 4-4-4z\"/>"
        case .positiveInfinity:
            what = "+Inf"
            shape = "<path d=\"M\(x) \(c(layout.plotTop + 1))l4.5 7h-9z\"/>"
        case .negativeInfinity:
            what = "-Inf"
            shape = "<path d=\"M\(x) \(c(layout.plotBottom - 1))l4.5-7h-9z\"/>"
        case .nonPositive:
            what = "≤ 0 (not shown on a log scale)"
            shape = "<circle cx=\"\(x)\" cy=\"\(c(layout.plotBottom - 5))\" r=\"3.5\"/>"
        }
        let count = gap.count == 1 ? "" : " ×\(gap.count)"
        let title = "\(series): \(what)\(count) at step \(gap.step)"
        return "<g class=\"gap \(gap.kind.rawValue)\"><title>\(HTMLText.escape(title))</title>\(shape)</g>"
    }
}
