import Testing
@testable import TFEventsArrow

/// The framing of the IPC stream, checked byte by byte (pyarrow reads the
/// streams in python/tests; these tests pin what it relies on).
@Suite("Arrow IPC stream framing")
struct ArrowStreamFramingTests {
    /// Splits a stream into (metadata, body) messages, checking each
    /// prefix, length and alignment on the way; the end marker last.
    static func messages(_ bytes: [UInt8]) throws -> [(metadata: [UInt8], bodyLength: Int64)] {
        var offset = 0
        var found: [(metadata: [UInt8], bodyLength: Int64)] = []
        func int32(at position: Int) -> Int32 {
            Int32(bitPattern: UInt32(bytes[position]) | UInt32(bytes[position + 1]) << 8
                  | UInt32(bytes[position + 2]) << 16 | UInt32(bytes[position + 3]) << 24)
        }
        func int64(at position: Int, in data: [UInt8]) -> Int64 {
            (0 ..< 8).reduce(Int64(0)) { $0 | Int64(data[position + $1]) << (8 * Int64($1)) }
        }
        while true {
            #expect(int32(at: offset) == -1, "continuation marker at \(offset)")
            let length = Int(int32(at: offset + 4))
            offset += 8
            if length == 0 { break }
            #expect(length % 8 == 0, "metadata padded to 8")
            let metadata = Array(bytes[offset ..< offset + length])
            // Message table: root offset, vtable; bodyLength is slot 3 (8 bytes).
            let table = Int(UInt32(metadata[0]) | UInt32(metadata[1]) << 8)
            let vtable = table - Int(Int32(bitPattern: UInt32(metadata[table]) | UInt32(metadata[table + 1]) << 8
                                           | UInt32(metadata[table + 2]) << 16 | UInt32(metadata[table + 3]) << 24))
            let slot = Int(UInt16(metadata[vtable + 4 + 2 * 3]) | UInt16(metadata[vtable + 5 + 2 * 3]) << 8)
            let bodyLength = slot == 0 ? 0 : int64(at: table + slot, in: metadata)
            #expect((table + slot) % 8 == 0, "bodyLength aligned")
            #expect(bodyLength % 8 == 0)
            offset += length + Int(bodyLength)
            found.append((metadata, bodyLength))
        }
        #expect(offset == bytes.count, "nothing after the end marker")
        return found
    }

    @Test("schema, dictionaries, batches and the end marker; every body a multiple of 8 bytes")
    func scalarStream() throws {
        var bytes: [UInt8] = []
        var writer = ArrowScalarWriter(batchRows: 3) { bytes += $0.bytes }
        let run = writer.id(run: "train"), loss = writer.id(tag: "loss"), acc = writer.id(tag: "accuracy")
        for step in 0 ..< 7 {
            writer.append(run: run, tag: step % 2 == 0 ? loss : acc, step: Int64(step), wallTime: 1.5, value: .nan)
        }
        writer.finish()
        let messages = try Self.messages(bytes)
        // Schema; batch 1: two dictionaries and a batch; batches 2 and 3 add nothing new.
        #expect(messages.count == 1 + 3 + 1 + 1)
        #expect(messages[0].bodyLength == 0)
        // 3 rows: run and tag indices (4 bytes each, padded to 8 → 16), steps, times, values (24 each).
        #expect(messages[3].bodyLength == 16 + 16 + 24 + 24 + 24)
    }

    @Test("an empty result is a schema and the end marker")
    func emptyStream() throws {
        var bytes: [UInt8] = []
        var writer = ArrowScalarWriter(includingPath: true) { bytes += $0.bytes }
        writer.finish()
        #expect(try Self.messages(bytes).count == 1)
    }

    @Test("flatbuffer tables place 8-byte fields on 8 and offsets point forward")
    func flatBufferLayout() {
        let buffer = FlatBufferBuilder.build(.table([.int16(4), .uint8(3), .node(.string("é")), .int64(-2)]))
        #expect(buffer.count % 8 == 0)
        let table = Int(buffer[0])
        #expect(table % 8 == 0)
        let vtable = table - Int(buffer[table])
        let int64Slot = Int(buffer[vtable + 4 + 2 * 3])
        #expect((table + int64Slot) % 8 == 0)
        #expect(Array(buffer[(table + int64Slot) ..< (table + int64Slot + 8)]) == [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        let stringSlot = Int(buffer[vtable + 4 + 2 * 2])
        let stringField = table + stringSlot
        let string = stringField + Int(buffer[stringField])
        #expect(string > stringField)
        #expect(Array(buffer[string ..< string + 7]) == [2, 0, 0, 0, 0xC3, 0xA9, 0])
    }
}
