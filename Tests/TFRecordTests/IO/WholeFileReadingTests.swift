import Foundation
import Synchronization
import Testing
@testable import TFRecord
import TFEventsSynthetic
import TFEventsTestSupport

/// Small files are read whole with pread(2) into pooled buffers instead of
/// being mapped: the same records, errors and end, from any start offset,
/// whatever the damage, and as many at once as threads ask for.
@Suite("Small files read whole")
struct WholeFileReadingTests {
    /// A file of `count` records, the offsets of the records, and its path
    /// (written under `scratch`).
    static func file(_ scratch: ScratchDirectory, name: String, count: Int, damage: (inout [UInt8]) -> Void = { _ in })
        throws -> (path: String, bytes: [UInt8], offsets: [Int]) {
        let payloads = (0 ..< count).map { payloadBytes(40 + $0 % 90, seed: UInt64($0)) }
        var (bytes, offsets) = recordFile(payloads)
        damage(&bytes)
        try scratch.write(name, bytes)
        return (scratch.path + "/" + name, bytes, offsets)
    }

    @Test("clean, damaged, cut short and empty files: what the in-memory reader reports, from every start")
    func sameAsInMemory() throws {
        let scratch = ScratchDirectory()
        let cases: [(String, Int, (inout [UInt8]) -> Void)] = [
            ("clean", 600, { _ in }),
            ("flipped-payload", 600, { $0[5_000] ^= 0x10 }),
            ("flipped-length", 600, { $0[3_001] ^= 0x40 }),
            ("cut-mid-record", 600, { $0.removeLast(37) }),
            ("cut-in-header", 600, { $0.removeLast($0.count - 7) }),
            ("empty", 0, { _ in }),
        ]
        for (name, count, damage) in cases {
            let (path, bytes, offsets) = try Self.file(scratch, name: name, count: count, damage: damage)
            #expect(bytes.count <= WholeFileBytes.limit)
            for start in ([0] + offsets.prefix(3) + offsets.dropFirst(400).prefix(1)).filter({ $0 <= bytes.count }) {
                var fromFile = try RecordReader(path: path, startOffset: start)
                let read = ReadOutcome(reading: &fromFile)
                var inMemory = RecordReader(bytes: Array(bytes[start...]), path: path)
                var expected = ReadOutcome(reading: &inMemory)
                // The in-memory reader counts offsets from its first byte.
                expected.items = expected.items.map { item in
                    switch item {
                    case let .record(offset, payload): return .record(offset: offset + start, payload: payload)
                    case .error(var error):
                        error.offset += start
                        return .error(error)
                    }
                }
                switch expected.endState {
                case .clean(let end): expected.endState = .clean(offset: end + start)
                case let .truncated(validEnd, trailing): expected.endState = .truncated(validEnd: validEnd + start, trailingBytes: trailing)
                case .stopped(let at): expected.endState = .stopped(at: at + start)
                case .reading: break
                }
                #expect(read == expected, "\(name) from \(start): \(read) vs \(expected)")
                #expect(fromFile.offset >= start)
            }
        }
    }

    @Test("a start offset past the end of a small file reads nothing and ends there")
    func startPastEnd() throws {
        let scratch = ScratchDirectory()
        let (path, bytes, _) = try Self.file(scratch, name: "short", count: 10)
        var reader = try RecordReader(path: path, startOffset: bytes.count + 100)
        let outcome = ReadOutcome(reading: &reader)
        #expect(outcome.records.isEmpty && outcome.endState == .clean(offset: bytes.count))
    }

    @Test("a small compressed file is still decoded (sniffed from the bytes read whole)")
    func compressed() throws {
        let scratch = ScratchDirectory()
        let payloads = (0 ..< 300).map { payloadBytes(40 + $0 % 90, seed: UInt64($0)) }
        let (bytes, offsets) = recordFile(payloads)
        for format in [CompressionFormat.gzip, .zlib, .zstd] {
            let path = scratch.path + "/small." + format.description
            let writer = try RecordFileWriter(path: path, compression: format)
            for payload in payloads { try writer.write(payload) }
            try writer.close()
            var reader = try RecordReader(path: path)
            let outcome = ReadOutcome(reading: &reader)
            #expect(reader.compression == format)
            #expect(outcome.recordOffsets == offsets && outcome.endState == .clean(offset: bytes.count), "\(format)")
        }
    }

    @Test("more readers open at once than buffers are pooled, on several threads: every one reads its own file")
    func manyAtOnce() throws {
        let scratch = ScratchDirectory()
        let files = try (0 ..< 24).map { try Self.file(scratch, name: "f\($0)", count: 50 + $0 * 7) }
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for round in 0 ..< 20 {
                // Up to 12 readers alive at once on this thread.
                var readers: [OpenReader] = []
                for index in files.indices where (index + round + worker) % 2 == 0 {
                    guard let reader = try? RecordReader(path: files[index].path) else {
                        failures.wrappingAdd(1, ordering: .relaxed)
                        continue
                    }
                    readers.append(OpenReader(index: index, reader: reader))
                }
                for open in readers.reversed() {
                    let outcome = ReadOutcome(reading: &open.reader)
                    if outcome.recordOffsets != files[open.index].offsets
                        || outcome.endState != .clean(offset: files[open.index].bytes.count) {
                        failures.wrappingAdd(1, ordering: .relaxed)
                    }
                }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }

    /// A reader kept open (readers cannot be copied into an array).
    final class OpenReader {
        let index: Int
        var reader: RecordReader

        init(index: Int, reader: consuming RecordReader) {
            self.index = index
            self.reader = reader
        }
    }
}
