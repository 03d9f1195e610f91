import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// ``EventEncoder`` reproduces TensorFlow's bytes.
///
/// The FORMAT §1.4 payloads come from real writers. The other expected payloads
/// were produced once by the reference serializer (google.protobuf 7.36.2
/// serializing TensorBoard's compiled `event.proto`), and are pasted here so
/// the tests need no Python.
@Suite("EventEncoder")
struct EventEncoderTests {
    // MARK: FORMAT §1.4

    @Test("R1: file_version event, integer-second wall time")
    func r1() {
        let event = EventRecord.fileVersion(wallTime: 1_599_759_586.0)
        #expect(hexString(EventEncoder.encoded(event)) == hexString(SpecRecords.payload(of: SpecRecords.r1)))
    }

    @Test("R4: file_version event at 1600000000.0")
    func r4() {
        #expect(EventEncoder.encoded(.fileVersion(wallTime: 1_600_000_000.0)) == SpecRecords.r4Payload)
    }

    @Test("R2: TF2 tf.summary.scalar — tag (1), tensor (8), metadata (9)")
    func r2() {
        let expected = SpecRecords.payload(of: SpecRecords.r2)
        let event = EventRecord.scalars(wallTime: 1_599_759_606.859727, step: 77, [("accuracy", 0.99)], style: .tf2Tensor)
        #expect(hexString(EventEncoder.encoded(event)) == hexString(expected))

        var encoder = EventEncoder()
        encoder.encodeScalars(wallTime: 1_599_759_606.859727, step: 77, [(tag: "accuracy", value: Float(0.99), style: .tf2Tensor)])
        #expect(encoder.bytes == expected)
    }

    @Test("R3: TF1 Estimator eval event with two simple values")
    func r3() {
        let expected = SpecRecords.payload(of: SpecRecords.r3)
        let event = EventRecord.scalars(wallTime: 1_600_000_000.5, step: 1000, [("loss", 0.25), ("accuracy", 0.75)],
                                        style: .simpleValue)
        #expect(hexString(EventEncoder.encoded(event)) == hexString(expected))

        var encoder = EventEncoder()
        encoder.encodeScalars(wallTime: 1_600_000_000.5, step: 1000, [
            (tag: "loss", value: Float(0.25), style: .simpleValue),
            (tag: "accuracy", value: Float(0.75), style: .simpleValue),
        ])
        #expect(encoder.bytes == expected)
    }

    // MARK: Every member, against the reference serializer

    @Test("histogram with full metadata (plugin content, display name, description, data class)")
    func histogram() {
        let value = EventRecord.Value(
            tag: "weights",
            metadata: .init(pluginData: .init(name: "histograms", content: [0x08, 0x01]), displayName: "W",
                            summaryDescription: "desc", dataClass: .tensor),
            value: .histogram(.init(min: -1, max: 2, num: 3, sum: 1, sumSquares: 5, bucketLimits: [0, 2], buckets: [1, 2])))
        let event = EventRecord(wallTime: 1_600_000_001.25, step: 5, what: .summary([value]))
        #expect(hexString(EventEncoder.encoded(event)) == """
            090000500084d7d74110052a7d0a7b0a07776569676874732a5109000000000000f0bf110000000000000040190000000000\
            00084021000000000000f03f2900000000000014403210000000000000000000000000000000403a10000000000000f03f00\
            000000000000404a1d0a100a0a686973746f6772616d73120208011201571a04646573632002
            """)
    }

    @Test("image, simple_value 0 (still written), audio")
    func imageAudio() {
        let event = EventRecord(wallTime: 1_600_000_002, step: 6, what: .summary([
            .init(tag: "img", value: .image(.init(height: 2, width: 3, colorspace: 3, encoded: Array("\u{89}PNG".unicodeScalars.map { UInt8($0.value) })))),
            .init(tag: "zero", value: .simpleValue(0)),
            .init(tag: "aud", value: .audio(.init(sampleRate: 44100, channelCount: 2, frameCount: 10,
                                                  encoded: Array("RIFF".utf8), contentType: "audio/wav"))),
        ]))
        #expect(hexString(EventEncoder.encoded(event)) == """
            090000800084d7d74110062a450a130a03696d67220c080210031803220489504e470a0b0a047a65726f15000000000a210a\
            03617564321a0d00442c471002180a2204524946462a09617564696f2f776176
            """)
    }

    @Test("Estimator's checkpoint_path: node_name (7) between the tag and the tensor (8)")
    func checkpointPath() {
        let event = EventRecord(wallTime: 1_600_000_003.5, step: 100, what: .summary([
            .init(tag: "checkpoint_path", nodeName: "checkpoint_path",
                  value: .tensor(.init(dtype: .string, content: .stringValues([Array("/m/model.ckpt-100".utf8)])))),
        ]))
        #expect(hexString(EventEncoder.encoded(event)) == """
            090000e00084d7d74110642a3d0a3b0a0f636865636b706f696e745f706174683a0f636865636b706f696e745f7061746842\
            170807120042112f6d2f6d6f64656c2e636b70742d313030
            """)
    }

    @Test("tensors of every typed list, named and unknown dimensions, unknown rank, negative step")
    func tensors() {
        typealias Tensor = EventRecord.Tensor
        let event = EventRecord(wallTime: 1, step: -1, what: .summary([
            .init(tag: "t", value: .tensor(Tensor(
                dtype: .int32, shape: .init(dimensions: [.init(size: 2, name: "rows"), .init(size: -1)]),
                versionNumber: 1, content: .int32Values([-1, 5])))),
            .init(tag: "u", value: .tensor(Tensor(dtype: .int64, shape: .init(unknownRank: true),
                                                  content: .int64Values([-2, 1 << 40])))),
            .init(tag: "b", value: .tensor(Tensor(dtype: .bool, shape: nil, content: .boolValues([true, false])))),
            .init(tag: "h", value: .tensor(Tensor(dtype: .half, shape: nil, content: .halfValues([0x3C00, 0xFC00])))),
            .init(tag: "d", value: .tensor(Tensor(dtype: .double, content: .doubleValues([0.99])))),
            .init(tag: "u32", value: .tensor(Tensor(dtype: .uint32, shape: nil, content: .uint32Values([4_000_000_000])))),
            .init(tag: "u64", value: .tensor(Tensor(dtype: .uint64, shape: nil, content: .uint64Values([.max])))),
            .init(tag: "c", value: .tensor(Tensor(dtype: .complex64, shape: nil, content: .complex64Values([1, -1])))),
            .init(tag: "z", value: .tensor(Tensor(dtype: .complex128, shape: nil, content: .complex128Values([2, 0.5])))),
            // PyTorch new_style: float_val, no tensor_shape.
            .init(tag: "pt", metadata: .tf2Scalars, value: .tensor(Tensor(dtype: .float, shape: nil, content: .floatValues([0.5])))),
        ]))
        #expect(hexString(EventEncoder.encoded(event)) == """
            09000000000000f03f10ffffffffffffffffff012af8010a2f0a0174422a08031217120808021204726f7773120b08ffffff\
            ffffffffffff0118013a0bffffffffffffffffff01050a1d0a017542180809120218015210feffffffffffffffff01808080\
            8080200a0b0a01624206080a5a0201000a0e0a0168420908136a05807880f8030a130a0164420e080212003208ae47e17a14\
            aeef3f0a110a03753332420a081682010580d0acf30e0a160a03753634420f08178a010affffffffffffffffff010a110a01\
            63420c08084a080000803f000080bf0a190a017a4214081262100000000000000040000000000000e03f0a1b0a0270744208\
            08012a040000003f4a0b0a090a077363616c617273
            """)
    }

    @Test("session_log, log_message, tagged_run_metadata, source_metadata, graph and meta graph",
          arguments: [
            (EventRecord(wallTime: 1_600_000_004, step: 7,
                         what: .sessionLog(status: .checkpoint, checkpointPath: "/m/model.ckpt-7", message: "saved")),
             "090000000184d7d74110073a1a0803120f2f6d2f6d6f64656c2e636b70742d371a057361766564"),
            (EventRecord(wallTime: 1_600_000_004, what: .sessionLog(status: .start)),
             "090000000184d7d7413a020801"),
            (EventRecord(wallTime: 1_600_000_005, step: 8, what: .logMessage(level: 30, message: "careful")),
             "090000400184d7d7411008320b081e12076361726566756c"),
            (EventRecord(wallTime: 1_600_000_006, step: 9, what: .taggedRunMetadata(tag: "step9", runMetadata: [1, 2])),
             "090000800184d7d7411009420b0a05737465703912020102"),
            (EventRecord(wallTime: 1_600_000_007, what: .fileVersion("brain.Event:2"),
                         sourceWriter: "tensorboard.summary.writer.event_file_writer"),
             "090000c00184d7d7411a0d627261696e2e4576656e743a32522e0a2c74656e736f72626f6172642e73756d6d6172792e7772"
                + "697465722e6576656e745f66696c655f777269746572"),
            (EventRecord(wallTime: 1_600_000_008, what: .graphDef([0x0A, 0x03, 0x61, 0x62, 0x63])),
             "090000000284d7d74122050a03616263"),
            (EventRecord(wallTime: 1_600_000_008, step: 3, what: .metaGraphDef([])),
             "090000000284d7d74110034a00"),
            (EventRecord(wallTime: 1_600_000_009, step: 10, what: .summary([])),
             "090000400284d7d741100a2a00"),
            (EventRecord(wallTime: 0, what: nil), ""),
            (EventRecord(wallTime: -0.0, what: nil), "090000000000000080"),
          ])
    func otherMembers(event: EventRecord, hex: String) {
        #expect(hexString(EventEncoder.encoded(event)) == hex)
    }

    @Test("NaN, -Inf, empty tag omitted, metadata with empty plugin_data, obsolete histogram")
    func edgeValues() {
        let event = EventRecord(wallTime: 1_600_000_010, step: 11, what: .summary([
            .init(tag: "nan", value: .simpleValue(.nan)),
            .init(tag: "", value: .simpleValue(-.infinity)),
            .init(tag: "meta_only", metadata: .init(pluginData: .init(name: "")), value: .none),
            .init(tag: "old", value: .obsoleteHistogram([0])),
        ]))
        #expect(hexString(EventEncoder.encoded(event)) == """
            090000800284d7d741100b2a2e0a0a0a036e616e150000c07f0a0515000080ff0a0f0a096d6574615f6f6e6c794a020a000a\
            080a036f6c641a0100
            """)
    }

    @Test("a summary over 127 bytes gets a two-byte length")
    func bigSummary() {
        let points = (0 ..< 20).map { (tag: "metric/\($0 < 10 ? "0" : "")\($0)", value: Float($0) * 0.5) }
        let event = EventRecord.scalars(wallTime: 1_600_000_011, step: 12, points, style: .simpleValue)
        let encoded = EventEncoder.encoded(event)
        #expect(hexString(encoded.prefix(16)) == "090000c00284d7d741100c2ae8020a10")
        #expect(encoded.count == 9 + 2 + 3 + 360)
        #expect(hexString(encoded.suffix(18)) == "0a100a096d65747269632f31391500001841")
    }

    // MARK: Fast path and round trips

    @Test("encodeScalars, field by field or from templates, produces the bytes of encode(.scalars(...))",
          arguments: EventRecord.ScalarStyle.allCases)
    func fastPathMatches(style: EventRecord.ScalarStyle) {
        var rng = SplitMix64(seed: 5)
        var fast = EventEncoder(capacity: 16)
        var templated = EventEncoder(capacity: 16)
        var general = EventEncoder(capacity: 16)
        // Tags of 0 to 200 bytes: values and summaries cross the 128-byte length boundary.
        let tags = (0 ..< 12).map { String(repeating: "t", count: $0 * 17 % 201) }
        let templates = EventEncoder.ScalarTemplates(tags.map { (tag: $0, style: style) })
        for round in 0 ..< 200 {
            let count = Int.random(in: 0 ... 12, using: &rng)
            let points = (0 ..< count).map { _ in
                (tag: Int.random(in: 0 ..< tags.count, using: &rng), value: Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())))
            }
            let step = Int64(bitPattern: rng.next()) >> Int64.random(in: 0 ... 63, using: &rng)
            let wallTime = round == 0 ? 0 : Double(bitPattern: rng.next())
            fast.encodeScalars(wallTime: wallTime, step: step, points.map { (tag: tags[$0.tag], value: $0.value, style: style) })
            templated.encodeScalars(wallTime: wallTime, step: step, templates: templates,
                                    points.map { (template: $0.tag, value: $0.value) })
            general.encode(.scalars(wallTime: wallTime, step: step, points.map { (tags[$0.tag], $0.value) }, style: style))
            #expect(fast.bytes == general.bytes)
            #expect(templated.bytes == general.bytes)
        }
    }

    @Test("scalar templates: R2's and R3's values, patched into templates")
    func templatesReproduceSpecRecords() {
        let templates = EventEncoder.ScalarTemplates([
            (tag: "loss", style: .simpleValue), (tag: "accuracy", style: .simpleValue), (tag: "accuracy", style: .tf2Tensor),
        ])
        #expect(templates.count == 3)
        var encoder = EventEncoder()
        encoder.encodeScalars(wallTime: 1_600_000_000.5, step: 1000, templates: templates,
                              [(template: 0, value: 0.25), (template: 1, value: 0.75)])
        #expect(encoder.bytes == SpecRecords.payload(of: SpecRecords.r3))
        encoder.encodeScalars(wallTime: 1_599_759_606.859727, step: 77, templates: templates, [(template: 2, value: 0.99)])
        #expect(encoder.bytes == SpecRecords.payload(of: SpecRecords.r2))
    }

    @Test("what the encoder writes, the package's decoder reads back",
          arguments: EventRecord.ScalarStyle.allCases)
    func decodesBack(style: EventRecord.ScalarStyle) throws {
        let values: [Float] = [0, -0.0, 0.99, -2.5, .infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        let points = values.enumerated().map { (tag: "tag\($0.offset)", value: $0.element) }
        let payload = EventEncoder.encoded(.scalars(wallTime: 1_600_000_000.25, step: -3, points, style: style))
        do {
            let event = try EventView(payload: payload.rawSpan, recordOffset: 0)
            #expect(event.wallTime == 1_600_000_000.25)
            #expect(event.step == -3)
            #expect(event.kind == .summary)
            var decoded = event.summaryValues()
            var index = 0
            while let value = try decoded.next() {
                #expect(value.tag == "tag\(index)")
                let scalar = try #require(try value.scalar(requireRankZero: true))
                let expected = Double(values[index])
                #expect(scalar.value.bitPattern == expected.bitPattern || (scalar.value.isNaN && expected.isNaN))
                switch style {
                case .simpleValue:
                    #expect(scalar.encoding == .simpleValue)
                    let check242 = !value.hasMetadata
                    #expect(check242)
                case .tf2Tensor:
                    #expect(scalar.encoding == .tensor(.float, fromContent: true))
                    #expect(try value.metadata().pluginName == "scalars")
                case .floatValueTensor:
                    #expect(scalar.encoding == .tensor(.float, fromContent: false))
                    #expect(try value.metadata().pluginName == "scalars")
                }
                index += 1
            }
            #expect(index == values.count)
        }
    }

    @Test("session logs decode back")
    func sessionLogDecodesBack() throws {
        let payload = EventEncoder.encoded(EventRecord(
            wallTime: 2, step: 4, what: .sessionLog(status: .checkpoint, checkpointPath: "ckpt-4", message: "m")))
        do {
            let event = try EventView(payload: payload.rawSpan, recordOffset: 0)
            let log = try #require(try event.sessionLog())
            #expect(log.status == .checkpoint && log.checkpointPath == "ckpt-4" && log.message == "m")
        }
    }

    @Test("a reused encoder does not reallocate its buffer")
    func reuse() {
        var encoder = EventEncoder(capacity: 4096)
        var bases: Set<UInt> = []
        for step in 1 ... 100 {
            encoder.encode(.scalars(wallTime: 1_600_000_000 + Double(step), step: Int64(step),
                                    [("loss", 1 / Float(step)), ("accuracy", 0.5)], style: .tf2Tensor))
            bases.insert(encoder.span.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) })
        }
        #expect(bases.count == 1)
    }
}
