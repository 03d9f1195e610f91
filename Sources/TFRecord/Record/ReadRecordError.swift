import TFEventsSystem

/// A record could not be read. Carries the file and the byte offset.
///
/// Whether reading can go on is told by ``isResumable``: after a payload
/// checksum mismatch the length was verified, so the next record is found;
/// after a bad length the reader either resynchronised (``skippedBytes``
/// says how far) or stopped, depending on its options.
public struct ReadRecordError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    ///
    /// Non-exhaustive (SE-0487): cases may be added, so a `switch` outside
    /// this package needs `@unknown default`.
    @nonexhaustive
    public enum Kind: Sendable, Equatable {
        /// The 8 length bytes do not match their masked CRC. The length cannot
        /// be trusted, so the position of the next record is unknown.
        /// Resumable by default (the reader resynchronised on the next
        /// verifying header); fatal with ``RecordReaderOptions/LengthMismatchPolicy/stop``.
        case corruptLength(stored: MaskedCRC, computed: MaskedCRC)
        /// The payload does not match its masked CRC. The length was verified:
        /// the next record starts right after this one. Resumable by
        /// default; fatal with ``RecordReaderOptions/PayloadMismatchPolicy/stop``.
        case corruptPayload(stored: MaskedCRC, computed: MaskedCRC)
        /// A verified length larger than the configured limit. As
        /// ``corruptLength(stored:computed:)``: resumable by default.
        case tooLarge(length: UInt64, limit: Int)
        /// Reading the underlying file or stream failed. Fatal: reading stops.
        case io(SystemError)
        /// The file was truncated while it was being read; the records before
        /// `offset` were complete and verified. Fatal: reading stops.
        case truncatedWhileReading
        /// The compressed stream is damaged. `compressedOffset` is the input
        /// position where the decoder failed, when it knows it; the error's
        /// ``ReadRecordError/offset`` is the uncompressed offset reached
        /// (every byte before it was decoded), and the reader stops at the
        /// start of the record it was reading. Fatal: reading stops.
        case corruptCompressedData(message: String, compressedOffset: Int?)
    }

    /// What went wrong.
    public let kind: Kind
    /// The file (or `-` for standard input).
    public let path: String
    /// Offset of the bad record's first byte in the (uncompressed) stream.
    public let offset: Int
    /// Bytes skipped after this error to reach the next verified header, when
    /// the reader resynchronised; 0 otherwise.
    public internal(set) var skippedBytes: Int = 0
    /// After resynchronising: whether a verifying header was found (false
    /// when the data ended first).
    public internal(set) var foundNextHeader = false
    /// Whether the reader can return more records after this error.
    public internal(set) var isResumable: Bool

    /// A short name of the kind, used in JSON output: `corrupt_length`,
    /// `corrupt_payload`, `too_large`, `io`, `corrupt_compressed_data`.
    public var kindName: String {
        switch kind {
        case .corruptLength: return "corrupt_length"
        case .corruptPayload: return "corrupt_payload"
        case .tooLarge: return "too_large"
        case .io: return "io"
        case .corruptCompressedData: return "corrupt_compressed_data"
        case .truncatedWhileReading: return "truncated_while_reading"
        }
    }

    /// A sentence without the path: what is wrong and where.
    public var message: String {
        var text: String
        switch kind {
        case let .corruptLength(stored, computed):
            text = "length checksum mismatch at offset \(offset) (stored \(stored), computed \(computed))"
        case let .corruptPayload(stored, computed):
            text = "payload checksum mismatch in record at offset \(offset) (stored \(stored), computed \(computed))"
        case let .tooLarge(length, limit):
            text = "record at offset \(offset) claims \(length) payload bytes, more than the limit of \(limit)"
        case let .io(error):
            text = "read error at offset \(offset): \(error)"
        case .truncatedWhileReading:
            text = "the file was truncated while being read, at offset \(offset) or before"
        case let .corruptCompressedData(message, compressedOffset):
            text = "corrupt compressed data at uncompressed offset \(offset)"
            if let compressedOffset { text += ", compressed offset \(compressedOffset)" }
            text += ": \(message)"
        }
        if skippedBytes > 0 {
            text += foundNextHeader
                ? "; skipped \(skippedBytes) bytes to the next valid record header"
                : "; skipped \(skippedBytes) bytes, no valid record header follows"
        }
        return text
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}

extension ReadRecordError {
    /// An error of `kind` at `offset` of `path`, for layers above that
    /// report record-level failures of their own.
    package init(kind: Kind, path: String, offset: Int, resumable: Bool) {
        self.init(kind: kind, path: path, offset: offset, isResumable: resumable)
    }
}
