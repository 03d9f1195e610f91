import Testing
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

@Suite("Report: axes and numbers")
struct NiceScaleTests {
    @Test("nice steps are 1, 2 or 5 times a power of ten, at or above the rough step")
    func niceSteps() {
        #expect(NiceScale.niceStep(8) == 10)
        #expect(NiceScale.niceStep(0.165) == 0.2)
        #expect(NiceScale.niceStep(2) == 2)
        #expect(NiceScale.niceStep(3) == 5)
        #expect(NiceScale.niceStep(0.00042) == 0.0005)
        #expect(NiceScale.niceStep(1.2e9) == 2e9)
        #expect(NiceScale.niceStep(0) == 1)
        #expect(NiceScale.niceStep(.nan) == 1)
    }

    @Test("linear ticks: inside the domain, evenly spaced, mapped onto the pixel range")
    func linearTicks() {
        let x = NiceScale.linear(lower: 0, upper: 40, pixels: (58, 544), tickCount: 5)
        #expect(x.domain == 0 ... 40)
        #expect(x.ticks == [0, 10, 20, 30, 40])
        #expect(x.pixel(20) == 301)
        #expect(x.pixel(0) == 58 && x.pixel(40) == 544)

        // A y axis: 5 % padding, pixels upside down.
        let y = NiceScale.linear(lower: 0.25, upper: 1, pixels: (270, 24), tickCount: 5, padding: 0.05)
        #expect(abs(y.domain.lowerBound - 0.2125) < 1e-12 && abs(y.domain.upperBound - 1.0375) < 1e-12)
        #expect(y.tickSpacing == 0.2)
        #expect(y.ticks.map { ($0 * 10).rounded() / 10 } == [0.4, 0.6, 0.8, 1.0])
        #expect(y.ticks.map(y.label) == ["0.4", "0.6", "0.8", "1"])
        #expect(abs(y.pixel(1) - (270 - (1 - 0.2125) / 0.825 * 246)) < 1e-9)
    }

    @Test("a flat series gets a domain around its value; bad bounds fall back to 0...1")
    func degenerateDomains() {
        let flat = NiceScale.linear(lower: 0.53125, upper: 0.53125, pixels: (0, 100))
        #expect(flat.domain.lowerBound < 0.53125 && flat.domain.upperBound > 0.53125)
        #expect(!flat.ticks.isEmpty)
        let zero = NiceScale.linear(lower: 0, upper: 0, pixels: (0, 100))
        #expect(zero.domain == -1 ... 1)
        let bad = NiceScale.linear(lower: .nan, upper: 3, pixels: (0, 100))
        #expect(bad.domain == 0 ... 1)
    }

    @Test("logarithmic ticks: powers of ten over wide ranges, 1-2-5 over narrow ones")
    func logTicks() {
        let wide = NiceScale.logarithmic(lower: 0.003, upper: 700, pixels: (100, 0))
        #expect(wide.domain == 0.001 ... 1000)
        #expect(wide.ticks == [0.001, 0.01, 0.1, 1, 10, 100, 1000])
        #expect(abs(wide.pixel(1) - 50) < 1e-9)
        #expect(wide.pixel(0).isNaN && wide.pixel(-1).isNaN)
        let narrow = NiceScale.logarithmic(lower: 0.25, upper: 0.37, pixels: (100, 0))
        #expect(narrow.ticks.count >= 2)
        #expect(narrow.ticks.map(narrow.label) == ["0.25", "0.3", "0.35", "0.4"])
        #expect(narrow.ticks.allSatisfy { narrow.domain.contains($0) })
    }

    @Test("number formats: short values, step suffixes, tick labels, coordinates")
    func numberFormats() {
        #expect(NumberFormat.value(0.253292977809906, digits: 5) == "0.25329")
        #expect(NumberFormat.value(250) == "250")
        #expect(NumberFormat.value(1.2345e-7, digits: 3) == "1.23e-7")
        #expect(NumberFormat.value(9.9996e-5, digits: 4) == "1e-4")
        #expect(NumberFormat.value(.nan) == "NaN")
        #expect(NumberFormat.value(-.infinity) == "-Inf")
        #expect(NumberFormat.value(-0.5) == "-0.5")
        #expect(NumberFormat.step(950) == "950")
        #expect(NumberFormat.step(12_500) == "12.5k")
        #expect(NumberFormat.step(3_000_000) == "3M")
        #expect(NumberFormat.tick(0.30000000000000004, spacing: 0.1) == "0.3")
        #expect(NumberFormat.tick(2e-6, spacing: 1e-6) == "2e-6")
        #expect(NumberFormat.coordinate(35.18181818) == "35.18")
        #expect(NumberFormat.coordinate(301) == "301")
        #expect(SVGChart.short(-0.04) == "0" && SVGChart.short(-0.5) == "-0.5" && SVGChart.short(12.34) == "12.3")
        #expect(NumberFormat.bytes(1536) == "1.5 KiB")
    }

    @Test("user text is escaped for HTML, SVG and inline JSON")
    func escaping() {
        #expect(HTMLText.escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;")
        #expect(HTMLText.escape("loss/val") == "loss/val")
        #expect(HTMLText.escape("bell\u{7}") == "bell\u{FFFD}")
        #expect(HTMLText.jsonString("</script><b>&") == "\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026\"")
        #expect(HTMLText.jsonString("a\"\\\n") == "\"a\\\"\\\\\\n\"")
    }
}
