import Foundation
import Testing
@testable import TFRecord
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// The real event file of `Fixtures/compressed/` and its damaged copies in
/// `Fixtures/corrupt/`, read at the record level by every kind of source:
/// the path opener (sliding mapping), a whole-file ``MappedFile``, a pipe-like
/// stream with a tiny window, and a byte array. All four must agree, and
/// agree with `expected.json`.
@Suite("Record fixtures")
struct RecordFixtureTests {
    static let sourcePath = FixtureLibrary.path("compressed/events.out.tfevents.1795433718.vm")

    /// `source_records`: `[offset, payload_length]` of every record of the undamaged file.
    static let sourceRecords: [(offset: Int, length: Int)] = {
        let object = try? FixtureLibrary.expected("corrupt")
        let list = object?["source_records"] as? [Any] ?? []
        return list.compactMap { entry in
            guard let pair = entry as? [Any], pair.count == 2,
                  let offset = pair[0] as? Int64, let length = pair[1] as? Int64 else { return nil }
            return (Int(offset), Int(length))
        }
    }()

    static func corruptPath(_ name: String) -> String {
        FixtureLibrary.path("corrupt/events.out.tfevents." + name)
    }

    static func contents(_ path: String) -> [UInt8] {
        (try? Array(Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
    }

    /// Reads `path` four ways; records an issue unless all agree. Returns the outcome.
    static func readEveryWay(_ path: String, options: RecordReaderOptions = .init()) throws -> ReadOutcome {
        var byPath = try RecordReader(path: path, format: CompressionFormat.none, options: options)
        let pathOutcome = ReadOutcome(reading: &byPath)

        var mapped = RecordReader(mappedFile: try MappedFile(path: path), options: options)
        let mappedOutcome = ReadOutcome(reading: &mapped)

        let fd = open(path, O_RDONLY)
        var streamed = RecordReader(stream: FileDescriptorStream(fileDescriptor: fd, closeOnDeinit: true), path: path,
                                    windowCapacity: 64, options: options)
        let streamOutcome = ReadOutcome(reading: &streamed)

        let arrayOutcome = ReadOutcome.contiguous(contents(path), options: options)

        #expect(pathOutcome == arrayOutcome, "path opener vs array: \(path)")
        #expect(mappedOutcome == arrayOutcome, "MappedFile vs array: \(path)")
        #expect(streamOutcome == arrayOutcome, "stream vs array: \(path)")
        return arrayOutcome
    }

    @Test("expected.json lists 23 records ending at 12189")
    func sourceRecordTable() {
        #expect(Self.sourceRecords.count == 23)
        #expect(Self.sourceRecords.last.map { $0.offset + $0.length + 16 } == 12189)
    }

    @Test("the undamaged file yields exactly source_records, then a clean end")
    func undamaged() throws {
        let outcome = try Self.readEveryWay(Self.sourcePath)
        #expect(outcome.records.map { ($0.offset) } == Self.sourceRecords.map(\.offset))
        #expect(outcome.records.map(\.payload.count) == Self.sourceRecords.map(\.length))
        #expect(outcome.errors.isEmpty)
        #expect(outcome.endState == .clean(offset: 12189))
    }

    /// Records of the undamaged file that end at or before `offset`.
    static func intactBefore(_ offset: Int) -> [Int] {
        sourceRecords.filter { $0.offset + $0.length + 16 <= offset }.map(\.offset)
    }

    @Test("payload_bitflip: corrupt payload at 6227, every other record read")
    func payloadBitflip() throws {
        let outcome = try Self.readEveryWay(Self.corruptPath("payload_bitflip"))
        #expect(outcome.errors.map(\.offset) == [6227])
        guard case .corruptPayload = outcome.errors.first?.kind else {
            Issue.record("expected a corrupt payload, got \(outcome)")
            return
        }
        #expect(outcome.recordOffsets == Self.sourceRecords.map(\.offset).filter { $0 != 6227 })
        #expect(outcome.endState == .clean(offset: 12189))

        let stopped = try Self.readEveryWay(Self.corruptPath("payload_bitflip"), options: .stopAtFirstError)
        #expect(stopped.recordOffsets == Self.intactBefore(6227))
        #expect(stopped.endState == .stopped(at: 6227))
    }

    @Test("length_bitflip: corrupt length at 6227, resynchronised at the next record (6865)")
    func lengthBitflip() throws {
        let outcome = try Self.readEveryWay(Self.corruptPath("length_bitflip"))
        #expect(outcome.errors.map(\.offset) == [6227])
        #expect(outcome.errors.first?.skippedBytes == 6865 - 6227)
        guard case .corruptLength = outcome.errors.first?.kind else {
            Issue.record("expected a corrupt length, got \(outcome)")
            return
        }
        #expect(outcome.recordOffsets == Self.sourceRecords.map(\.offset).filter { $0 != 6227 })
        #expect(outcome.endState == .clean(offset: 12189))

        let stopped = try Self.readEveryWay(Self.corruptPath("length_bitflip"), options: .stopAtFirstError)
        #expect(stopped.recordOffsets == Self.intactBefore(6227))
        #expect(stopped.endState == .stopped(at: 6227))
    }

    @Test("truncated payload and header: a truncated tail after the record ending at 12158",
          arguments: [("truncated_payload", 12177), ("truncated_header", 12163)])
    func truncated(name: String, size: Int) throws {
        let outcome = try Self.readEveryWay(Self.corruptPath(name))
        #expect(outcome.errors.isEmpty)
        #expect(outcome.recordOffsets == Self.intactBefore(12158))
        #expect(outcome.recordOffsets.count == 22)
        #expect(outcome.endState == .truncated(validEnd: 12158, trailingBytes: size - 12158))
    }

    @Test("garbage_appended: every record, then a corrupt length at 12189")
    func garbageAppended() throws {
        let outcome = try Self.readEveryWay(Self.corruptPath("garbage_appended"), options: .stopAtFirstError)
        #expect(outcome.recordOffsets == Self.sourceRecords.map(\.offset))
        #expect(outcome.errors.map(\.offset) == [12189])
        guard case .corruptLength = outcome.errors.first?.kind else {
            Issue.record("expected a corrupt length, got \(outcome)")
            return
        }
        #expect(outcome.endState == .stopped(at: 12189))

        // Resynchronising finds no header in the 64 garbage bytes.
        let resynced = try Self.readEveryWay(Self.corruptPath("garbage_appended"))
        #expect(resynced.errors.count == 1)
        #expect(resynced.errors.first?.foundNextHeader == false)
        #expect(resynced.recordOffsets.count == 23)
    }

    @Test("empty: a clean end at 0")
    func empty() throws {
        let outcome = try Self.readEveryWay(Self.corruptPath("empty"))
        #expect(outcome.items.isEmpty)
        #expect(outcome.endState == .clean(offset: 0))
    }

    @Test("not_tfrecord: a corrupt length at offset 0")
    func notTFRecord() throws {
        let outcome = try Self.readEveryWay(Self.corruptPath("not_tfrecord"), options: .stopAtFirstError)
        #expect(outcome.records.isEmpty)
        #expect(outcome.errors.map(\.offset) == [0])
        guard case .corruptLength = outcome.errors.first?.kind else {
            Issue.record("expected a corrupt length, got \(outcome)")
            return
        }
        #expect(outcome.endState == .stopped(at: 0))
    }

    @Test("huge_length: too large at 78 (a valid CRC on 2^40), the first record intact")
    func hugeLength() throws {
        let outcome = try Self.readEveryWay(Self.corruptPath("huge_length"), options: .stopAtFirstError)
        #expect(outcome.recordOffsets == [0])
        #expect(outcome.records.first?.payload.count == 62)
        #expect(outcome.errors.count == 1)
        #expect(outcome.errors.first?.offset == 78)
        #expect(outcome.errors.first?.kind == .tooLarge(length: 1 << 40, limit: RecordReaderOptions().maxRecordLength))
        #expect(outcome.endState == .stopped(at: 78))
    }
}
