import TFRecord
import TFEventsCore

/// ``FuzzTarget/eventWalk`` and ``FuzzTarget/scalarExtraction``.
enum FuzzEventWalk {
    /// The input is an `Event` payload: decode it, walk every member, and
    /// compare the short-form decoders with the general ones.
    static func run(_ input: [UInt8]) {
        let payload = input.rawSpan
        let event: EventView
        do { event = try EventView(payload: payload, recordOffset: 0) } catch {
            precondition(error.offset >= 0 && error.offset <= payload.byteCount, "event error offset \(error.offset)")
            generalWalk(payload, depth: 0)
            return
        }
        // The short form, when it applied, must equal the general decoder.
        var general = event
        do { try general.decodeGeneral(payload) } catch {
            preconditionFailure("short form accepted an event the general decoder rejects: \(error)")
        }
        precondition(general.wallTime.bitPattern == event.wallTime.bitPattern && general.step == event.step
                     && general.kind == event.kind, "event short form differs")
        let member = payload.byteOffsets(of: event.memberBytes)
        precondition(member != nil || event.memberBytes.byteCount == 0, "event member outside the payload")
        precondition(event.memberBytes.byteCount == 0 || payload.byteOffsets(of: general.memberBytes) == member,
                     "event member differs")

        _ = event.fileVersion
        _ = try? event.sessionLog()
        generalWalk(event.memberBytes, depth: 0)
        walkValues(event)
    }

    /// Where a value's parts lie in its summary, to compare two decodings.
    struct Layout: Equatable {
        var kind: SummaryValueView.Kind
        var simpleValueBits: UInt32
        var hasMetadata: Bool
        var tag: Range<Int>?
        var member: Range<Int>?
        var metadata: Range<Int>?

        /// The layout of `value` in `bytes`; every non-empty part must lie
        /// inside them.
        init(_ value: SummaryValueView, in bytes: RawSpan) {
            kind = value.kind
            simpleValueBits = value.simpleValueBits
            hasMetadata = value.hasMetadata
            func place(_ part: RawSpan) -> Range<Int>? {
                guard part.byteCount > 0 else { return nil }
                let range = bytes.byteOffsets(of: part)
                precondition(range != nil, "value bytes outside the summary")
                return range
            }
            tag = place(value.tagBytes)
            member = place(value.memberBytes)
            metadata = place(value.metadataBytes)
        }
    }

    /// Walks the summary values with the iterator and, independently, with
    /// the general decoder: the same values must come out.
    static func walkValues(_ event: EventView) {
        let summary = event.kind == .summary ? event.memberBytes : event.memberBytes.extracting(first: 0)
        var reference: [Layout] = []
        var referenceError = false
        var reader = ProtoReader(summary)
        do {
            while !reader.isAtEnd, reference.count <= SummaryValues.maxValuesPerEvent {
                let key = try reader.readRawKey()
                if key == 0x0A {
                    let value = try SummaryValueView(decodingGeneral: try reader.readLengthDelimited())
                    reference.append(Layout(value, in: summary))
                } else {
                    try reader.skipField(raw: key)
                }
            }
        } catch {
            referenceError = true
        }
        if reference.count > SummaryValues.maxValuesPerEvent {
            // The iterator stops at the limit with an error.
            referenceError = true
            reference.removeLast(reference.count - SummaryValues.maxValuesPerEvent)
        }

        var values = event.summaryValues()
        var value = SummaryValueView()
        var index = 0
        do {
            while try values.next(into: &value) {
                precondition(index < reference.count, "iterator returned more values than the general walk")
                precondition(Layout(value, in: summary) == reference[index], "value short form differs")
                index += 1
                inspect(value)
            }
            precondition(!referenceError && index == reference.count, "iterator ended early or missed an error")
        } catch {
            precondition(referenceError && index == reference.count,
                         "iterator failed (\(error)) where the general walk did not, at value \(index)")
            precondition(error.offset >= 0 && error.offset <= summary.byteCount, "summary error offset \(error.offset)")
        }
    }

    /// Everything a reader may ask of a value.
    static func inspect(_ value: SummaryValueView) {
        _ = value.tag
        _ = value.tagEquals("loss")
        _ = try? value.metadata()
        // The HParams decoder on the metadata, and on arbitrary bytes.
        _ = try? HParamsPluginData(metadata: value)
        _ = try? HParamsPluginData(content: value.memberBytes)
        let loose = try? value.scalar()
        let strict = try? value.scalar(requireRankZero: true)
        if let strict, let loose {
            precondition(strict.value.bitPattern == loose.value.bitPattern, "strict and loose scalars differ")
        }
        if value.kind == .tensor {
            // The one-float fast path must agree with the full decoder.
            let full = try? TensorScalar.decode(value.memberBytes, requireRankZero: false)
            precondition(full?.value.bitPattern == loose?.value.bitPattern, "tensor fast path differs")
        }
        generalWalk(value.memberBytes, depth: 0)
    }

    /// Treats `bytes` as a message of unknown type: reads every field,
    /// descending into length-delimited ones that parse as messages.
    static func generalWalk(_ bytes: RawSpan, depth: Int) {
        guard depth < 8 else { return }
        var reader = ProtoReader(bytes)
        while !reader.isAtEnd {
            let before = reader.offset
            do {
                let key = try reader.readKey()
                if key.wireType == .lengthDelimited {
                    let field = try reader.readLengthDelimited()
                    precondition(field.byteCount == 0 || bytes.byteOffsets(of: field) != nil, "field outside its message")
                    generalWalk(field, depth: depth + 1)
                } else {
                    try reader.skipField(key)
                }
            } catch {
                precondition(error.offset >= 0 && error.offset <= bytes.byteCount, "proto error offset \(error.offset)")
                return
            }
            precondition(reader.offset > before && reader.offset <= bytes.byteCount, "proto reader made no progress")
        }
    }

    /// The input is one `Summary.Value` (first byte even) or one
    /// `TensorProto` (odd).
    static func runScalar(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let rest = Array(input.dropFirst())
        let bytes = rest.rawSpan
        if selector & 1 == 0 {
            let value: SummaryValueView
            do { value = try SummaryValueView(decoding: bytes) } catch {
                precondition(error.offset >= 0 && error.offset <= bytes.byteCount, "value error offset \(error.offset)")
                return
            }
            let reference: SummaryValueView
            do { reference = try SummaryValueView(decodingGeneral: bytes) } catch {
                preconditionFailure("short form accepted a value the general decoder rejects")
            }
            precondition(Layout(value, in: bytes) == Layout(reference, in: bytes), "value short form differs")
            inspect(value)
        } else {
            for strict in [false, true] {
                do {
                    if let scalar = try TensorScalar.decode(bytes, requireRankZero: strict) {
                        _ = scalar.encoding.description
                    }
                } catch {
                    precondition(error.offset >= 0 && error.offset <= bytes.byteCount, "tensor error offset \(error.offset)")
                }
            }
        }
    }
}
