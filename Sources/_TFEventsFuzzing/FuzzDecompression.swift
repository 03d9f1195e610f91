import TFRecord

/// ``FuzzTarget/gzip``, ``FuzzTarget/zlib``, ``FuzzTarget/zstd``: the input
/// is a compressed event file.
enum FuzzDecompression {
    /// Decoded bytes compared per input (a few KiB of zstd can describe
    /// gigabytes; the rest is not read).
    static let outputCap = 4 << 20

    struct Decoded: Equatable {
        var bytes: [UInt8] = []
        var failed = false
        var endedMidStream = false
        var capped = false
    }

    static func decoder(_ format: CompressionFormat, _ input: CompressedInput) -> (any ByteStream)? {
        switch format {
        case .gzip: return try? GzipSource(wrapper: .gzip, input: input)
        case .zlib: return try? GzipSource(wrapper: .zlib, input: input)
        case .zstd: return try? ZstdSource(input: input)
        case .none: return PlainSource(input: input)
        }
    }

    /// Decodes everything, `outputSize(i)` bytes asked for by read `i`.
    static func decode(_ stream: any ByteStream, outputSize: (Int) -> Int) -> Decoded {
        var result = Decoded()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { unsafe buffer.deallocate() }
        var call = 0
        while result.bytes.count < outputCap {
            let size = min(outputSize(call), buffer.count, outputCap - result.bytes.count)
            call += 1
            do throws(ByteStreamError) {
                let n = unsafe try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<size]))
                precondition(n >= 0 && n <= size, "decoder wrote \(n) bytes into a buffer of \(size)")
                if n == 0 { break }
                unsafe result.bytes += UnsafeRawBufferPointer(rebasing: buffer[..<n])
            } catch {
                if case .corrupt(_, let offset?) = error {
                    precondition(offset >= 0, "negative compressed offset")
                }
                result.failed = true
                break
            }
        }
        result.capped = result.bytes.count >= outputCap
        result.endedMidStream = stream.endedMidStream
        return result
    }

    static func run(_ data: [UInt8], format: CompressionFormat) {
        let bytes = data
        // Input in pieces of 1 ... 64 bytes, output in pieces of 1 ... 300.
        guard let small = decoder(format, CompressedInput(stream: FuzzPieceStream(bytes, seed: UInt64(bytes.count)),
                                                          bufferSize: 64)) else { return }
        let pieces = decode(small) { ($0 &* 7919) % 300 + 1 }
        // The whole input as one run, large output buffers.
        guard let whole = decoder(format, CompressedInput(stream: FuzzPieceStream(bytes, seed: 0, maxPiece: Int.max),
                                                          bufferSize: max(bytes.count, 1))) else { return }
        let reference = decode(whole) { _ in 1 << 16 }
        // See below: whether libzstd reports damage depends on how its
        // input arrives.
        let zstdVerdictMayDiffer = format == .zstd
        if !pieces.capped && !reference.capped {
            if pieces.failed || reference.failed {
                // Damage found at a frame's or member's end (a checksum):
                // how much was handed out before depends on the buffer
                // sizes, but never which bytes.
                // libzstd does not decode a damaged frame alike however
                // its input arrives either: a damaged block read straight
                // from the input and one first gathered in its own buffer
                // can give different bytes before the damage is reported
                // (three findings of the CI fuzz step: 268 bytes out, the
                // first 29 equal). No check of zstd's own covers the
                // contents, so the bytes are not compared here; the records
                // over them are still read below (never a trap), and event
                // files carry their own CRCs over every record.
                let shorter = min(pieces.bytes.count, reference.bytes.count)
                precondition(zstdVerdictMayDiffer || pieces.bytes[..<shorter] == reference.bytes[..<shorter],
                             "decoding of damaged input depends on how input and output are split")
                // libzstd is stricter when a whole damaged frame is in its
                // input and the output has room for its declared size: it
                // decodes the frame in one pass and reports the damage (a
                // content size that does not match, say), where fed in
                // pieces it hands out blocks and either waits for more (a
                // truncated tail here) or ends the frame without complaint.
                // gzip and zlib have no such mode.
                precondition(pieces.failed == reference.failed || zstdVerdictMayDiffer,
                             "one decoding of damaged input failed and the other did not")
            } else {
                precondition(pieces == reference, "decoding depends on how input and output are split")
            }
        }

        // The path event files take: the record reader over the decoder.
        guard let stream = decoder(format, CompressedInput(stream: FuzzPieceStream(bytes, seed: 7), bufferSize: 256)) else { return }
        var options = RecordReaderOptions()
        options.readAhead = .never
        var reader = RecordReader(stream: stream, path: "<fuzz>", windowCapacity: 64, compression: format, options: options)
        var array = RecordReader(bytes: reference.bytes, options: options)
        let plain = FuzzRecordFraming.read(&array, input: [], checkPayloads: false, bounded: false)
        var records = 0, readerFailed = false
        for _ in 0 ... reference.bytes.count + 2 {
            do {
                guard let record = try reader.next() else { break }
                records += 1
                // Before a failure, the bytes handed out depend on buffer
                // sizes: bound by the longest decoding seen, unless the
                // input is damaged (this reader's buffers may decode further
                // before zstd notices; the record still passed both CRCs).
                precondition(record.endOffset <= max(reference.bytes.count, pieces.bytes.count)
                             || reference.capped || pieces.capped || reference.failed || pieces.failed,
                             "record past the decoded bytes")
            } catch {
                if case .corruptCompressedData = error.kind {
                    precondition(reference.failed || reference.capped || pieces.failed || zstdVerdictMayDiffer,
                                 "a decoding error the reference did not see")
                    readerFailed = true
                    break
                }
                if !error.isResumable { break }
            }
        }
        if !reference.failed && !reference.capped && !(readerFailed && zstdVerdictMayDiffer) {
            let expected = plain.items.filter { if case .record = $0 { return true } else { return false } }.count
            precondition(records == expected, "records through the decoder: \(records), from its output: \(expected)")
        }
    }
}
