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
    /// of every value and its scalar (FORMAT §4.2), nil when it is not one;
    /// a value that claims to be a scalar and does not decode is counted in
    /// `malformed` and passed with nil. The one loop that scanning, the
    /// best-model search, its tag interning and the reading back of a kept
    /// evaluation share.
    ///
    /// - Parameter requireRankZero: accept only rank-0 tensors as scalars.
    /// - Throws: ``ProtoDecodingError`` when the summary does not decode;
    ///   the values before it have been passed and counted.
    @inline(__always)
    package mutating func forEachValue(requireRankZero: Bool, malformed: inout Int,
                                       _ body: (RawSpan, ScalarValue?) -> Void) throws(ProtoDecodingError) {
        var value = SummaryValueView()
        while true {
            // Plain simple values and TF2 float tensors, in a loop of their
            // own (exactly what the short form below makes of them).
            returned &+= reader.skimPlainScalars(limit: Self.maxValuesPerEvent &- returned, tensors: true) { tag, bits, isTensor in
                body(tag, ScalarValue(value: Double(Float(bitPattern: bits)),
                                      encoding: isTensor ? .tensor(.float, fromContent: true) : .simpleValue))
            }  // <= maxValuesPerEvent
            // Most summaries end here: no value view to fill and destroy.
            if reader.isAtEnd { return }
            // The usual value, in short form: a simple_value or a TF2
            // float scalar is passed straight from its parsed parts,
            // without filling a view.
            if returned < Self.maxValuesPerEvent, let parts = reader.readShortSummaryValue() {
                returned &+= 1  // < maxValuesPerEvent
                let spans = reader.spans(of: parts)
                if parts.kind == 2 {
                    body(spans.tag, ScalarValue(value: Double(Float(bitPattern: parts.simpleValueBits)),
                                                encoding: .simpleValue))
                    continue
                }
                if parts.kind == 8, let scalar = SummaryValueView.plainFloatTensor(spans.member) {
                    body(spans.tag, scalar)
                    continue
                }
                value.assign(parts, spans: spans)
            } else if try !next(into: &value) {
                return
            }
            let scalar: ScalarValue?
            do { scalar = try value.scalar(requireRankZero: requireRankZero) } catch {
                malformed += 1
                body(value.tagBytes, nil)
                continue
            }
            body(value.tagBytes, scalar)
        }
    }

    /// ``forEachValue(requireRankZero:malformed:_:)`` for the scalars of an
    /// accepted encoding only.
    ///
    /// - Parameter includeTensorScalars: false to pass only `simple_value`
    ///   scalars (as TensorFlow 1's reader does).
    @inline(__always)
    package mutating func forEachScalar(includeTensorScalars: Bool, malformed: inout Int,
                                        _ body: (RawSpan, ScalarValue) -> Void) throws(ProtoDecodingError) {
        try forEachValue(requireRankZero: false, malformed: &malformed) { tag, scalar in
            guard let scalar else { return }
            if !includeTensorScalars, scalar.encoding != .simpleValue { return }
            body(tag, scalar)
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
    @inline(__always)
    package func scanScalars(metric: TagKey?, includeTensorScalars: Bool,
                            into scan: inout MetricScan) throws(ProtoDecodingError) {
        var values = summaryValues()
        // Plain simple values and TF2 float tensors first, with only the
        // metric's test per value (what the loop below makes of them, with less
        // bookkeeping); then the rest.
        var counted = 0
        let skimmed = values.reader.skimPlainScalars(limit: SummaryValues.maxValuesPerEvent &- values.returned,
                                                     tensors: true) { tag, bits, isTensor in
            if isTensor && !includeTensorScalars { return }
            counted &+= 1
            if let metric, metric.matches(tag) { scan.metricValue = Double(Float(bitPattern: bits)) }
        }
        values.returned &+= skimmed  // <= maxValuesPerEvent
        scan.scalarCount &+= counted
        if values.reader.isAtEnd { return }
        try values.forEachScalar(includeTensorScalars: includeTensorScalars, malformed: &scan.malformedCount) { tag, scalar in
            if let metric, metric.matches(tag) { scan.metricValue = scalar.value }
            scan.scalarCount += 1
        }
    }
}
