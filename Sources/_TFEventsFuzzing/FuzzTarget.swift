import TFRecord
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The parsers the libFuzzer targets in `Fuzz/` drive, and the entry point
/// the regression tests replay their findings through.
///
/// Not API: reached with `@_spi(Fuzzing) import _TFEventsFuzzing`. Each target runs
/// one input through a parser the way the package uses it, then checks what
/// the parser promised beyond "did not crash": every returned view lies
/// inside its input, every error offset too, reading always makes progress,
/// and where two decoders must agree (array vs stream vs sliding mapping,
/// short form vs general protobuf decoding) they do. A broken promise
/// traps with `precondition`, which libFuzzer reports as a crash.
@_spi(Fuzzing)
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// TFRecord framing: ``RecordReader`` over an array, a chunked stream
    /// and a sliding mapping with tiny windows; all three must agree.
    case recordFraming = "record_framing"
    /// The protobuf wire reader and the Event/Summary walk: every member
    /// of an `Event`, short-form decoders against the general ones.
    case eventWalk = "event_walk"
    /// Scalar extraction from `Summary.Value` and `TensorProto` bytes.
    case scalarExtraction = "scalar_extraction"
    /// The gzip decoder, through the record reader.
    case gzip
    /// The zlib decoder, through the record reader.
    case zlib
    /// The zstd decoder, through the record reader.
    case zstd
    /// The index file loader: raw files, and files whose CRCs are fixed up
    /// so the manifest and chunk decoders see the bytes.
    case indexFile = "index_file"
    /// The `checkpoint` file parser and the export manifest readers
    /// (protobuf text format and binary).
    case checkpoint

    /// Runs one input. Returns normally unless an invariant is broken.
    public func run(_ data: [UInt8]) {
        switch self {
        case .recordFraming: FuzzRecordFraming.run(data)
        case .eventWalk: FuzzEventWalk.run(data)
        case .scalarExtraction: FuzzEventWalk.runScalar(data)
        case .gzip: FuzzDecompression.run(data, format: .gzip)
        case .zlib: FuzzDecompression.run(data, format: .zlib)
        case .zstd: FuzzDecompression.run(data, format: .zstd)
        case .indexFile: FuzzIndexFile.run(data)
        case .checkpoint: FuzzCheckpoint.run(data)
        }
    }

    /// Runs the input libFuzzer lends (copied first: the parsers take
    /// arrays and spans).
    @unsafe
    public func run(_ data: UnsafeRawBufferPointer) {
        run(unsafe Array(data))
    }
}

/// A stream that hands out an input in pieces whose sizes follow a seed,
/// so stream readers see records split at every kind of boundary.
final class FuzzPieceStream: ByteStream {
    private let bytes: [UInt8]
    private var position = 0
    private var state: UInt64
    private let maxPiece: Int

    init(_ bytes: [UInt8], seed: UInt64, maxPiece: Int = 64) {
        self.bytes = bytes
        self.maxPiece = maxPiece
        state = seed | 1
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ByteStreamError) -> Int {
        guard position < bytes.count, let target = buffer.baseAddress, buffer.count > 0 else { return 0 }
        // xorshift: piece sizes of 1 ... maxPiece bytes.
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        let size = maxPiece == Int.max ? maxPiece : Int(state % UInt64(maxPiece)) + 1
        let piece = min(size, buffer.count, bytes.count - position)
        unsafe bytes.withUnsafeBytes { source in
            unsafe target.copyMemory(from: source.baseAddress! + position, byteCount: piece)
        }
        position += piece
        return piece
    }
}

/// A scratch file in memory-backed storage (`/dev/shm` when it exists),
/// for targets that read files; removed when released.
final class FuzzScratchFile {
    let path: String

    init?(_ data: [UInt8], name: String) {
        let directory = unsafe access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        path = "\(directory)/tfevents-fuzz-\(getpid())-\(name)"
        let fd = unsafe open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var done = 0
        while done < data.count {
            let n = unsafe data.withUnsafeBytes { unsafe write(fd, $0.baseAddress! + done, data.count - done) }
            guard n > 0 else { return nil }
            done += n
        }
    }

    deinit { unsafe unlink(path) }
}
