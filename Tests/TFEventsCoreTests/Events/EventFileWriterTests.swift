import Foundation
import Testing
@testable import TFRecord
@testable import TFEventsCore
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Event files as TensorFlow names and starts them, in every format.
@Suite("Event file writer")
struct EventFileWriterTests {
    static func options(_ format: CompressionFormat = .none, level: Int? = nil,
                        suffix: String = "", seconds: Int = 1_600_000_000) -> EventFileWriter.Options {
        var options = EventFileWriter.Options(compression: format, level: level)
        options.hostname = "host.example.com"
        options.filenameSuffix = suffix
        options.creationTime = seconds
        return options
    }

    @Test("names: 10-digit seconds, hostname (dots kept), suffix")
    func names() throws {
        #expect(EventFileWriter.fileName(seconds: 1_600_000_000, hostname: "vm") == "events.out.tfevents.1600000000.vm")
        #expect(EventFileWriter.fileName(seconds: 42, hostname: "a.b.c", suffix: ".v2")
            == "events.out.tfevents.0000000042.a.b.c.v2")
        #expect(!EventFileWriter.currentHostname.isEmpty)

        let directory = try TestFiles.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try EventFileWriter(directory: directory, options: Self.options(suffix: ".v2", seconds: 42))
        try writer.close()
        #expect(writer.path == directory + "/events.out.tfevents.0000000042.host.example.com.v2")
        #expect(EventFileDiscovery.expand([directory]).files == [writer.path])
    }

    @Test("the first record is TensorFlow's file_version event (FORMAT §1.4 R4), flushed at once")
    func firstRecord() throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try EventFileWriter(directory: directory, options: Self.options())
        // Not closed: the first record must already be on disk.
        let bytes = try TestFiles.contents(writer.path)
        let payload = hexBytes("090000000084d7d7411a0d627261696e2e4576656e743a32")
        #expect(bytes == RecordWriter.framed(payload))
        #expect(Array(bytes[8 ..< 12]) == [0xA3, 0x7F, 0x4B, 0x22])      // length CRC 0x224B7FA3
        #expect(Array(bytes[36 ..< 40]) == [0x25, 0x3C, 0x71, 0xD0])     // data CRC 0xD0713C25
        try writer.close()
        #expect(writer.eventCount == 1)
    }

    @Test("an existing file is never overwritten")
    func noOverwrite() throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try EventFileWriter(directory: directory, options: Self.options()).close()
        do {
            _ = try EventFileWriter(directory: directory, options: Self.options())
            Issue.record("a second writer with the same name must fail")
        } catch {
            #expect(error.kind == .open(SystemError(code: EEXIST)))
        }
    }

    @Test("scalars (TF1 and TF2 forms), other events and raw payloads read back in every format",
          arguments: [(CompressionFormat.none, Int?.none), (.gzip, nil), (.gzip, 9), (.zlib, 1), (.zstd, nil), (.zstd, 12)])
    func roundTrip(format: CompressionFormat, level: Int?) throws {
        let directory = try TestFiles.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try EventFileWriter(directory: directory, options: Self.options(format, level: level))
        var expected: [String: [ExactPoint]] = [:]
        var rng = SplitMix64(seed: 3)
        let raw = EventEncoder.encoded(EventRecord(wallTime: 1.5, step: 7, what: .graphDef(
            (0 ..< 300_000).map { _ in UInt8.random(in: 0 ... 3, using: &rng) })))
        for step in Int64(1) ... 500 {
            let wallTime = 1_600_000_000 + Double(step) / 8
            let loss = Float(1) / Float(step), accuracy = Float(step) / 500
            let style: EventRecord.ScalarStyle = step % 2 == 0 ? .simpleValue : .tf2Tensor
            try writer.writeScalars(step: step, wallTime: wallTime, [("loss", loss), ("accuracy", accuracy)], style: style)
            expected["loss", default: []].append(ExactPoint(step: step, wallTime: wallTime, value: Double(loss)))
            expected["accuracy", default: []].append(ExactPoint(step: step, wallTime: wallTime, value: Double(accuracy)))
            if step % 100 == 0 {
                try writer.write(EventRecord(wallTime: wallTime, step: step, what: .sessionLog(status: .checkpoint)))
                try writer.write(payload: raw)
                try writer.flush()
            }
        }
        try writer.writeScalar("lr", 0.5, step: 501, wallTime: 2, style: .floatValueTensor)
        expected["lr"] = [ExactPoint(step: 501, wallTime: 2, value: 0.5)]
        try writer.close()
        #expect(writer.eventCount == 1 + 500 + 10 + 1)

        let observed = try ObservedFile(path: writer.path)
        #expect(observed.errors.isEmpty)
        #expect(observed.kinds.count == writer.eventCount)
        #expect(observed.kinds.first == "file_version")
        #expect(observed.kinds.filter { $0 == "graph_def" }.count == 5)
        #expect(observed.scalars == expected)
        #expect(observed.encodings["loss"] == ["simple_value", "tensor:DT_FLOAT+content"])
        #expect(observed.encodings["lr"] == ["tensor:DT_FLOAT"])  // float_val, not tensor_content
        let summary = FileScanner().scan(path: writer.path)
        #expect(summary.compression == format)
    }
}
