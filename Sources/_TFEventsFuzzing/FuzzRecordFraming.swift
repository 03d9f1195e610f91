import TFRecord
import TFEventsSystem
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// ``FuzzTarget/recordFraming``: the first byte picks the reader options,
/// the rest is the file.
enum FuzzRecordFraming {
    /// What a reader reported, comparable between readers.
    enum Item: Equatable {
        case record(offset: Int, length: Int, checksum: UInt32)
        case error(kind: ReadRecordError.Kind, offset: Int, skipped: Int, found: Bool, resumable: Bool)

        /// What `record` is: where, how long, its payload's checksum.
        init(_ record: RecordView) {
            self = .record(offset: record.offset, length: record.payloadLength,
                           checksum: MaskedCRC.compute(record.payload).rawValue)
        }

        /// What `error` says.
        init(_ error: ReadRecordError) {
            self = .error(kind: error.kind, offset: error.offset, skipped: error.skippedBytes,
                          found: error.foundNextHeader, resumable: error.isResumable)
        }
    }

    static func options(_ selector: UInt8) -> RecordReaderOptions {
        var options = RecordReaderOptions()
        options.verifyPayloadChecksums = selector & 1 == 0
        options.onPayloadMismatch = selector & 2 == 0 ? .skipRecord : .stop
        options.onLengthMismatch = selector & 4 == 0 ? .resynchronize : .stop
        // A small limit makes "too large" reachable with small inputs.
        if selector & 8 != 0 { options.maxRecordLength = 64 }
        options.readAhead = .never
        return options
    }

    static func run(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let bytes = Array(data.dropFirst())
        let input = bytes
        let options = options(selector)

        var array = RecordReader(bytes: bytes, options: options)
        let expected = read(&array, input: input, checkPayloads: true)

        // Runs of buffered records between calls of next(): the same items.
        var buffered = RecordReader(bytes: bytes, options: options)
        let runs = readBuffered(&buffered, input: input, refusingEvery: 1 + Int(selector >> 4))
        precondition(runs.items == expected.items && runs.end == expected.end,
                     "buffered runs disagree: \(runs) vs array \(expected)")

        let window = 16 + Int(selector >> 4) * 8
        var stream = RecordReader(stream: FuzzPieceStream(bytes, seed: UInt64(selector) &* 0x9E37_79B9 &+ UInt64(bytes.count) /* a hash: wraps by design */),
                                  path: "<fuzz>", windowCapacity: window, options: options)
        let streamed = read(&stream, input: input, checkPayloads: false)
        precondition(streamed.items == expected.items && streamed.end == expected.end,
                     "stream reader disagrees: \(streamed) vs array \(expected)")

        if let file = FuzzScratchFile(input, name: "records") {
            let fd = open(file.path, O_RDONLY | O_CLOEXEC)
            if fd >= 0, let identity = try? FileIdentity(fileDescriptor: fd) {
                // Windows far smaller than the default, but not so small
                // that every few bytes cost an mmap.
                let mapping = SlidingMapping(fd: fd, path: file.path, identity: identity, windowSize: window * 4)
                var mapped = RecordReader(mapping: mapping, startOffset: 0, options: options)
                let outcome = read(&mapped, input: input, checkPayloads: false)
                precondition(outcome.items == expected.items && outcome.end == expected.end,
                             "sliding mapping reader disagrees: \(outcome) vs array \(expected)")
            } else if fd >= 0 {
                close(fd)
            }
        }
    }

    /// Reads to the end, checking offsets, payloads and progress.
    /// With `bounded` false, `input` is not known (only progress is checked).
    static func read(_ reader: inout RecordReader, input: [UInt8],
                     checkPayloads: Bool, bounded: Bool = true) -> (items: [Item], end: RecordReader.EndState) {
        var items: [Item] = []
        var lastEnd = 0
        let count = bounded ? input.count : Int.max / 2
        // Every step consumes at least one byte, or ends.
        for _ in 0 ... (bounded ? input.count + 2 : Int.max - 1) {
            let before = reader.offset
            do {
                guard let record = try reader.next() else {
                    if bounded { check(reader.endState, count: count) }
                    return (items, reader.endState)
                }
                precondition(record.offset >= lastEnd && record.endOffset <= count,
                             "record \(record.offset)..<\(record.endOffset) outside the input of \(count)")
                lastEnd = record.endOffset
                if checkPayloads && bounded {
                    let original = input.rawSpan.extracting(record.payloadOffset ..< record.payloadOffset + record.payloadLength)
                    precondition(record.payload.bytesEqual(original), "payload differs from the input bytes")
                }
                items.append(Item(record))
            } catch {
                precondition(error.offset >= 0 && error.offset <= count,
                             "error offset \(error.offset) outside the input of \(count)")
                items.append(Item(error))
                if !error.isResumable {
                    var returnedAnother = false
                    if case .some(.some) = try? reader.next() { returnedAnother = true }
                    precondition(!returnedAnother, "a stopped reader returned a record")
                    if bounded { check(reader.endState, count: count) }
                    return (items, reader.endState)
                }
            }
            precondition(reader.offset > before, "no progress at offset \(before)")
        }
        preconditionFailure("reader did not finish")
    }

    /// Reads to the end as ``read(_:input:checkPayloads:bounded:)`` does,
    /// taking the records ``RecordReader/forEachBufferedRecord(before:_:)``
    /// serves before each call of `next()`, with a limit that varies from
    /// call to call and every `refusingEvery`-th record refused (left to
    /// `next()`); a record handed out at or past the limit, or outside the
    /// input, is a finding.
    static func readBuffered(_ reader: inout RecordReader, input: [UInt8],
                             refusingEvery: Int) -> (items: [Item], end: RecordReader.EndState) {
        var items: [Item] = []
        var handed = 0
        let aheads = [0, 1, 40, 300, Int.max / 2]
        for step in 0 ... input.count + 2 {
            let stop = reader.offset &+ aheads[step % aheads.count]
            reader.forEachBufferedRecord(before: stop) { record in
                handed += 1
                if handed % refusingEvery == 0 { return false }
                precondition(record.offset < stop, "a buffered record at \(record.offset), past the limit \(stop)")
                precondition(record.offset >= 0 && record.endOffset <= input.count,
                             "buffered record \(record.offset)..<\(record.endOffset) outside the input of \(input.count)")
                let original = input.rawSpan.extracting(record.payloadOffset ..< record.payloadOffset + record.payloadLength)
                precondition(record.payload.bytesEqual(original), "buffered payload differs from the input bytes")
                items.append(Item(record))
                return true
            }
            let before = reader.offset
            do {
                guard let record = try reader.next() else { return (items, reader.endState) }
                items.append(Item(record))
            } catch {
                items.append(Item(error))
                if !error.isResumable { return (items, reader.endState) }
            }
            precondition(reader.offset > before, "no progress at offset \(before)")
        }
        preconditionFailure("buffered reader did not finish")
    }

    static func check(_ end: RecordReader.EndState, count: Int) {
        switch end {
        case .reading: preconditionFailure("ended while still reading")
        case .clean(let offset): precondition(offset == count, "clean end at \(offset) of \(count)")
        case let .truncated(validEnd, trailing):
            precondition(validEnd >= 0 && trailing > 0 && validEnd + trailing == count,
                         "truncated tail \(validEnd)+\(trailing) of \(count)")
        case .stopped(let at): precondition(at >= 0 && at <= count, "stopped at \(at) of \(count)")
        }
    }
}
