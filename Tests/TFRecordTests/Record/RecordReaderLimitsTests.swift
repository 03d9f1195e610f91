import Foundation
import Testing
@testable import TFRecord
import TFEventsTestSupport

/// Option ranges and hostile lengths: the reader never forms a sum that can
/// wrap, whatever the caller sets and whatever the input claims.
@Suite("RecordReader limits")
struct RecordReaderLimitsTests {
    /// A 12-byte header claiming `length` bytes (its length CRC valid when
    /// `validCRC`), then 36 bytes of filler: 48 bytes in all.
    static func hostileInput(length: UInt64, validCRC: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: length >> UInt64(shift))) }
        let crc = validCRC ? MaskedCRC.compute(bytes).rawValue : 0x1234_5678
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        return bytes + [UInt8](repeating: 0xAB, count: 36)
    }

    @Test("maxRecordLength is clamped to 0 ... 2^48")
    func clamped() {
        var options = RecordReaderOptions()
        options.maxRecordLength = Int.max
        #expect(options.maxRecordLength == RecordReaderOptions.largestMaxRecordLength)
        options.maxRecordLength = -5
        #expect(options.maxRecordLength == 0)
        options.maxRecordLength = 1000
        #expect(options.maxRecordLength == 1000)
    }

    @Test("Int.max as the limit, a length near 2^63: an error, never a read past the input",
          arguments: [true, false], [UInt64(Int.max) - 8, UInt64(Int.max), UInt64.max, UInt64(1 << 48) + 1])
    func hostileLength(verify: Bool, length: UInt64) throws {
        var options = RecordReaderOptions()
        options.maxRecordLength = Int.max
        options.verifyPayloadChecksums = verify
        for validCRC in [true, false] {
            let input = Self.hostileInput(length: length, validCRC: validCRC)
            #expect(input.count == 48)
            // An array, a stream in small pieces, and a mapped file.
            var array = RecordReader(bytes: input, options: options)
            let fromArray = ReadOutcome(reading: &array)
            var stream = RecordReader(stream: ChunkedByteStream(input, maxChunk: 7, seed: 1), path: "<pipe>",
                                      windowCapacity: 16, options: options)
            let fromStream = ReadOutcome(reading: &stream)
            let path = try TestFiles.scratchDirectory() + "/hostile"
            try Data(input).write(to: URL(fileURLWithPath: path))
            var mapped = try RecordReader(path: path, options: options)
            let fromFile = ReadOutcome(reading: &mapped)
            for outcome in [fromArray, fromStream, fromFile] {
                #expect(outcome.records.isEmpty, "no record can come out of 48 bytes claiming \(length)")
                let first = try #require(outcome.errors.first)
                #expect(first.offset == 0)
                if validCRC {
                    #expect(first.kind == .tooLarge(length: length, limit: RecordReaderOptions.largestMaxRecordLength))
                } else if case .corruptLength = first.kind {} else {
                    Issue.record("a bad length CRC reported as \(first.kind)")
                }
            }
            #expect(fromStream == fromArray)
            #expect(fromFile == fromArray)
        }
    }
}
