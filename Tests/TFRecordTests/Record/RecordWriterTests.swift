import Foundation
import Testing
@testable import TFRecord
import TFEventsSynthetic
import TFEventsTestSupport
@testable import TFEventsSystem

/// Framing: FORMAT §1.4's complete records, byte for byte, in memory and
/// through a file descriptor, and the writer's error reporting.
@Suite("RecordWriter")
struct RecordWriterTests {
    static let specRecords: [(name: String, record: [UInt8])] = [
        ("R1", SpecRecords.r1), ("R2", SpecRecords.r2), ("R3", SpecRecords.r3),
    ]

    @Test("R1, R2, R3 are framed exactly as TensorFlow wrote them", arguments: [0, 1, 2])
    func specRecord(index: Int) {
        let (_, record) = Self.specRecords[index]
        #expect(hexString(RecordWriter.framed(SpecRecords.payload(of: record))) == hexString(record))
    }

    @Test("R4: documented length CRC 0x224B7FA3 and payload CRC 0xD0713C25")
    func r4() {
        let framed = RecordWriter.framed(SpecRecords.r4Payload)
        #expect(Array(framed[0 ..< 8]) == littleEndianBytes(UInt64(24)))
        #expect(Array(framed[8 ..< 12]) == littleEndianBytes(SpecRecords.r4LengthCRC))
        #expect(Array(framed[12 ..< 36]) == SpecRecords.r4Payload)
        #expect(Array(framed[36...]) == littleEndianBytes(SpecRecords.r4PayloadCRC))
    }

    @Test("an empty payload: masked length CRC 0x07980329, masked data CRC 0xA282EAD8")
    func emptyPayload() {
        #expect(RecordWriter.framed([]) == [UInt8](repeating: 0, count: 8) + littleEndianBytes(UInt32(0x0798_0329))
            + littleEndianBytes(UInt32(0xA282_EAD8)))
    }

    @Test("frame(appendingTo:) appends after existing content")
    func appendFraming() {
        var output: [UInt8] = [0xEE]
        RecordWriter.frame(SpecRecords.r4Payload, appendingTo: &output)
        RecordWriter.frame(SpecRecords.payload(of: SpecRecords.r3), appendingTo: &output)
        #expect(output == [0xEE] + RecordWriter.framed(SpecRecords.r4Payload) + SpecRecords.r3)
    }

    // MARK: Files

    static func temporaryPath(_ name: String) -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tfevents-writer-\(getpid())")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent(name).path
    }

    /// Removes a test file, and the per-process directory once it is empty.
    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if (try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static func contents(_ path: String) -> [UInt8] {
        (try? Array(Data(contentsOf: URL(fileURLWithPath: path)))) ?? []
    }

    /// Payloads of 0 bytes to 3 MiB: some fit any buffer, some are written
    /// around it.
    static let payloads: [[UInt8]] = [
        SpecRecords.payload(of: SpecRecords.r1), [], SpecRecords.payload(of: SpecRecords.r2),
        payloadBytes(1000, seed: 1), SpecRecords.payload(of: SpecRecords.r3), payloadBytes(3 << 20, seed: 2),
        payloadBytes(17, seed: 3),
    ]

    @Test("records written through a file equal the in-memory framing, for any buffer size",
          arguments: [16, 17, 64, 1000, 1 << 20])
    func writesFile(bufferCapacity: Int) throws {
        let path = Self.temporaryPath("buffer-\(bufferCapacity)")
        defer { Self.remove(path) }
        let writer = try RecordWriter(path: path, bufferCapacity: bufferCapacity)
        var expected: [UInt8] = []
        for payload in Self.payloads {
            #expect(writer.offset == expected.count)
            try writer.write(payload)
            RecordWriter.frame(payload, appendingTo: &expected)
        }
        #expect(writer.offset == expected.count)
        try writer.close()
        #expect(Self.contents(path) == expected)
    }

    @Test("nothing reaches the file before flush() while the buffer has room")
    func flushIsExplicit() throws {
        let path = Self.temporaryPath("flush")
        defer { Self.remove(path) }
        let writer = try RecordWriter(path: path)
        try writer.write(SpecRecords.r4Payload)
        #expect(Self.contents(path).isEmpty)
        #expect(writer.flushedOffset == 0 && writer.offset == 40)
        try writer.flush()
        #expect(Self.contents(path) == RecordWriter.framed(SpecRecords.r4Payload))
        #expect(writer.flushedOffset == 40)
        try writer.close()
        try writer.close()  // a second close does nothing
        #expect(throws: WriteRecordError(kind: .closed, path: path, offset: 40)) {
            try writer.write([1, 2, 3])
        }
    }

    @Test("append mode starts at the end of the file; createNew refuses an existing file")
    func openModes() throws {
        let path = Self.temporaryPath("modes")
        defer { Self.remove(path) }
        let first = try RecordWriter(path: path)
        try first.write(SpecRecords.r4Payload)
        try first.close()
        let second = try RecordWriter(path: path, mode: .append)
        #expect(second.offset == 40)
        try second.write(SpecRecords.payload(of: SpecRecords.r3))
        try second.close()
        #expect(Self.contents(path) == RecordWriter.framed(SpecRecords.r4Payload) + SpecRecords.r3)

        #expect(throws: WriteRecordError(kind: .open(SystemError(code: EEXIST)), path: path, offset: 0)) {
            _ = try RecordWriter(path: path, mode: .createNew)
        }
        let missing = Self.temporaryPath("no/such/dir/file")
        #expect(throws: WriteRecordError(kind: .open(SystemError(code: ENOENT)), path: missing, offset: 0)) {
            _ = try RecordWriter(path: missing)
        }
    }

    @Test("a full disk is reported with the path and the offset, and the bytes stay buffered")
    func diskFull() throws {
        // /dev/full fails every write with ENOSPC.
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let writer = try RecordWriter(path: "/dev/full", mode: .append, bufferCapacity: 64)
        try writer.write(SpecRecords.r4Payload)  // 40 bytes: buffered
        #expect(throws: WriteRecordError(kind: .write(SystemError(code: ENOSPC)), path: "/dev/full", offset: 0)) {
            try writer.write(SpecRecords.r4Payload)  // needs a flush first
        }
        #expect(writer.offset == 40 && writer.flushedOffset == 0)
        #expect(throws: WriteRecordError(kind: .write(SystemError(code: ENOSPC)), path: "/dev/full", offset: 0)) {
            try writer.close()
        }
        // A payload larger than the buffer goes straight to write(2).
        let direct = try RecordWriter(path: "/dev/full", mode: .append, bufferCapacity: 16)
        #expect(throws: WriteRecordError(kind: .write(SystemError(code: ENOSPC)), path: "/dev/full", offset: 0)) {
            try direct.write(payloadBytes(100, seed: 9))
        }
    }

    @Test("a descriptor opened read-only fails with EBADF at the right offset")
    func badDescriptor() throws {
        let fd = open("/dev/null", O_RDONLY)
        #expect(fd >= 0)
        let writer = RecordWriter(fileDescriptor: fd, path: "/dev/null", closeOnDeinit: true, startOffset: 1000,
                                  bufferCapacity: 64)
        try writer.write([])
        #expect(throws: WriteRecordError(kind: .write(SystemError(code: EBADF)), path: "/dev/null", offset: 1000)) {
            try writer.flush()
        }
    }

    @Test("a 3 MiB record through a pipe arrives whole while a reader drains it")
    func pipe() throws {
        var fds: [Int32] = [0, 0]
        #expect(Glibc.pipe(&fds) == 0)
        let payload = payloadBytes(3 << 20, seed: 11)
        let expected = RecordWriter.framed(payload) + RecordWriter.framed([7])
        let received = ReceivedBytes()
        let readEnd = fds[0]
        let reader = Thread {
            let stream = FileDescriptorStream(fileDescriptor: readEnd, closeOnDeinit: true)
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = (try? buffer.withUnsafeMutableBytes { try stream.read(into: $0) }) ?? 0
                if count == 0 { break }
                received.append(buffer[0 ..< count])
            }
            received.finish()
        }
        reader.start()
        let writer = RecordWriter(fileDescriptor: fds[1], path: "<pipe>", closeOnDeinit: true, bufferCapacity: 4096)
        try writer.write(payload)
        try writer.write([7])
        try writer.close()
        #expect(received.wait() == expected)
    }
}

/// Bytes collected by a reader thread.
final class ReceivedBytes: @unchecked Sendable {
    private let condition = NSCondition()
    private var bytes: [UInt8] = []
    private var done = false

    func append(_ chunk: ArraySlice<UInt8>) {
        condition.lock()
        bytes.append(contentsOf: chunk)
        condition.unlock()
    }

    func finish() {
        condition.lock()
        done = true
        condition.signal()
        condition.unlock()
    }

    func wait() -> [UInt8] {
        condition.lock()
        while !done { condition.wait() }
        defer { condition.unlock() }
        return bytes
    }
}
