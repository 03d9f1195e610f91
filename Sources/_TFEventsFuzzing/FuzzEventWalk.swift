import TFEventsCore

/// ``FuzzTarget/eventWalk`` and ``FuzzTarget/scalarExtraction``.
enum FuzzEventWalk {
    /// The input is an `Event` payload: decode it, walk every member, and
    /// compare the short-form decoders with the general ones.
    static func run(_ payload: UnsafeRawBufferPointer) {
        let event: EventView
        do { event = try EventView(payload: payload, recordOffset: 0) } catch {
            precondition(error.offset >= 0 && error.offset <= payload.count, "event error offset \(error.offset)")
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
        precondition(general.memberBytes.baseAddress == event.memberBytes.baseAddress
                     && general.memberBytes.count == event.memberBytes.count, "event member differs")
        precondition(payload.fuzzContains(event.memberBytes), "event member outside the payload")

        _ = event.fileVersion
        _ = try? event.sessionLog()
        event.withMemberBytes { generalWalk($0, depth: 0) }
        walkValues(event)
    }

    /// Walks the summary values with the iterator and, independently, with
    /// the general decoder: the same values must come out.
    static func walkValues(_ event: EventView) {
        let summary = event.kind == .summary ? event.memberBytes : UnsafeRawBufferPointer(start: nil, count: 0)
        var reference: [SummaryValueView] = []
        var referenceError = false
        var reader = ProtoReader(summary)
        do {
            while !reader.isAtEnd, reference.count <= SummaryValues.maxValuesPerEvent {
                let key = try reader.readRawKey()
                if key == 0x0A {
                    reference.append(try SummaryValueView(decodingGeneral: try reader.readLengthDelimited()))
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
                check(value, equals: reference[index], within: summary)
                index += 1
                inspect(value)
            }
            precondition(!referenceError && index == reference.count, "iterator ended early or missed an error")
        } catch {
            precondition(referenceError && index == reference.count,
                         "iterator failed (\(error)) where the general walk did not, at value \(index)")
            precondition(error.offset >= 0 && error.offset <= summary.count, "summary error offset \(error.offset)")
        }
    }

    static func check(_ value: SummaryValueView, equals reference: SummaryValueView, within bytes: UnsafeRawBufferPointer) {
        func same(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
            a.count == b.count && (a.isEmpty || a.baseAddress == b.baseAddress)
        }
        precondition(value.kind == reference.kind && value.simpleValueBits == reference.simpleValueBits
                     && value.hasMetadata == reference.hasMetadata, "value short form differs")
        precondition(same(value.tagBytes, reference.tagBytes) && same(value.memberBytes, reference.memberBytes)
                     && same(value.metadataBytes, reference.metadataBytes), "value short form bytes differ")
        precondition(bytes.fuzzContains(value.tagBytes) && bytes.fuzzContains(value.memberBytes)
                     && bytes.fuzzContains(value.metadataBytes), "value bytes outside the summary")
    }

    /// Everything a reader may ask of a value.
    static func inspect(_ value: SummaryValueView) {
        _ = value.tag
        _ = value.tagEquals("loss")
        _ = try? value.metadata()
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
        value.withMemberBytes { generalWalk($0, depth: 0) }
    }

    /// Treats `bytes` as a message of unknown type: reads every field,
    /// descending into length-delimited ones that parse as messages.
    static func generalWalk(_ bytes: UnsafeRawBufferPointer, depth: Int) {
        guard depth < 8 else { return }
        var reader = ProtoReader(bytes)
        while !reader.isAtEnd {
            let before = reader.offset
            do {
                let key = try reader.readKey()
                if key.wireType == .lengthDelimited {
                    let field = try reader.readLengthDelimited()
                    precondition(bytes.fuzzContains(field), "field outside its message")
                    generalWalk(field, depth: depth + 1)
                } else {
                    try reader.skipField(key)
                }
            } catch {
                precondition(error.offset >= 0 && error.offset <= bytes.count, "proto error offset \(error.offset)")
                return
            }
            precondition(reader.offset > before && reader.offset <= bytes.count, "proto reader made no progress")
        }
    }

    /// The input is one `Summary.Value` (first byte even) or one
    /// `TensorProto` (odd).
    static func runScalar(_ data: UnsafeRawBufferPointer) {
        guard let selector = data.first else { return }
        let bytes = UnsafeRawBufferPointer(rebasing: data[1...])
        if selector & 1 == 0 {
            let value: SummaryValueView
            do { value = try SummaryValueView(decoding: bytes) } catch {
                precondition(error.offset >= 0 && error.offset <= bytes.count, "value error offset \(error.offset)")
                return
            }
            let reference: SummaryValueView
            do { reference = try SummaryValueView(decodingGeneral: bytes) } catch {
                preconditionFailure("short form accepted a value the general decoder rejects")
            }
            check(value, equals: reference, within: bytes)
            inspect(value)
        } else {
            for strict in [false, true] {
                do {
                    if let scalar = try TensorScalar.decode(bytes, requireRankZero: strict) {
                        _ = scalar.encoding.description
                    }
                } catch {
                    precondition(error.offset >= 0 && error.offset <= bytes.count, "tensor error offset \(error.offset)")
                }
            }
        }
    }
}
