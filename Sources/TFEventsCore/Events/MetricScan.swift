/// A tag to look for in summaries: its bytes kept for a compare that first
/// checks the length (most tags differ from the metric in length) and then
/// the bytes, without building a `String` per value.
package struct MetricTag: Sendable {
    /// The tag.
    package let name: String
    private var table = TagTable()
    private let length: Int

    /// The tag `name`.
    package init(_ name: String) {
        self.name = name
        length = name.utf8.count
        _ = table.intern(name)
    }

    /// Whether `bytes` are the tag's UTF-8.
    @inline(__always)
    func matches(_ bytes: RawSpan) -> Bool {
        bytes.byteCount == length && table.isTag(0, equalTo: bytes)
    }
}

/// What one pass over a summary's values found, for one metric: the pass a
/// best-model search makes over every evaluation, kept in one module so the
/// value decoder and the scalar decoder inline into one loop.
package struct MetricScan: Sendable {
    /// Values that are scalars (FORMAT §4.2), of the accepted encodings.
    package var scalarCount = 0
    /// Values that claim to be scalars and do not decode (skipped alone).
    package var malformedCount = 0
    /// The metric's value: the last scalar value with the metric's tag, as
    /// a later value of a tag replaces an earlier one.
    package var metricValue: Double?

    /// Nothing found yet.
    package init() {}
}

extension SummaryValues {
    /// Walks the remaining values once and calls `body` with the tag bytes
    /// and value of each scalar (FORMAT §4.2) of an accepted encoding; a
    /// value that claims to be a scalar and does not decode is counted in
    /// `malformed` and skipped alone. The one loop the best-model search,
    /// its tag interning and the reading back of a kept evaluation share.
    ///
    /// - Parameter includeTensorScalars: false to pass only `simple_value`
    ///   scalars (as TensorFlow 1's reader does).
    /// - Throws: ``ProtoDecodingError`` when the summary does not decode;
    ///   the values before it have been passed and counted.
    @inline(__always)
    package mutating func forEachScalar(includeTensorScalars: Bool, malformed: inout Int,
                                        _ body: (RawSpan, ScalarValue) -> Void) throws(ProtoDecodingError) {
        var value = SummaryValueView()
        while try next(into: &value) {
            let scalar: ScalarValue?
            do { scalar = try value.scalar() } catch {
                malformed += 1
                continue
            }
            guard let scalar else { continue }
            if !includeTensorScalars, scalar.encoding != .simpleValue { continue }
            body(value.tagBytes, scalar)
        }
    }
}

extension EventView {
    /// Walks this summary event's values once, counting scalars and
    /// malformed values and keeping the value of `metric`
    /// (``SummaryValues/forEachScalar(includeTensorScalars:malformed:_:)``
    /// in the decoder's module, so that it inlines into one loop).
    ///
    /// - Parameters:
    ///   - metric: the tag whose value is wanted (nil: count only).
    ///   - includeTensorScalars: false to count only `simple_value` scalars
    ///     (as TensorFlow 1's reader does).
    ///   - scan: the counts; values counted before a decoding error stay
    ///     counted.
    /// - Throws: ``ProtoDecodingError`` when the summary does not decode.
    package func scanScalars(metric: MetricTag?, includeTensorScalars: Bool,
                            into scan: inout MetricScan) throws(ProtoDecodingError) {
        var values = summaryValues()
        try values.forEachScalar(includeTensorScalars: includeTensorScalars, malformed: &scan.malformedCount) { tag, scalar in
            if let metric, metric.matches(tag) { scan.metricValue = scalar.value }
            scan.scalarCount += 1
        }
    }
}
