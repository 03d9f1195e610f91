import TFRecord
import TFEventsCore

/// A source of synthetic events: something that can encode "the next event".
///
/// Generators (``EvalLogGenerator`` today; a mixed training log with
/// histograms and images could be another) conform to this and are driven by
/// ``SyntheticLog`` into a file or a byte array. A source keeps its own
/// statistics (what a reader should find), since only it knows the values.
public protocol SyntheticEventSource {
    /// Encodes the next event into `encoder`, replacing its previous payload.
    /// Sources never run out.
    mutating func encodeNextEvent(into encoder: inout EventEncoder)
}

/// Drives a ``SyntheticEventSource`` into TFRecord files or byte arrays.
public enum SyntheticLog {
    /// When to stop.
    public enum Limit: Hashable, Sendable {
        /// Stop at the first record boundary at or after this many bytes.
        case bytes(Int)
        /// Write exactly this many events (records).
        case events(Int)
    }

    /// What was written.
    public struct Written: Hashable, Sendable {
        /// Records written; one per event.
        public var records: Int
        /// Bytes written, framing included.
        public var bytes: Int
    }

    /// Writes events of `source` as records to `writer` until `limit`, then
    /// flushes. Reuses one encoder: no allocation per event.
    ///
    /// - Throws: ``WriteRecordError`` when the file cannot be written.
    public static func write<Source: SyntheticEventSource>(
        _ source: inout Source, to writer: RecordWriter, limit: Limit
    ) throws(WriteRecordError) -> Written {
        var encoder = EventEncoder(capacity: 4096)
        var written = Written(records: 0, bytes: 0)
        while !isReached(limit, written) {
            source.encodeNextEvent(into: &encoder)
            try writer.write(encoder.span)
            written.records += 1
            written.bytes += encoder.writer.count + TFRecordLayout.framingOverhead
        }
        try writer.flush()
        return written
    }

    /// The framed records of `source` until `limit`, in memory.
    public static func bytes<Source: SyntheticEventSource>(_ source: inout Source, limit: Limit) -> [UInt8] {
        var encoder = EventEncoder(capacity: 4096)
        var output: [UInt8] = []
        if case .bytes(let target) = limit { output.reserveCapacity(target + 4096) }
        var written = Written(records: 0, bytes: 0)
        while !isReached(limit, written) {
            source.encodeNextEvent(into: &encoder)
            RecordWriter.frame(encoder.span, appendingTo: &output)
            written.records += 1
            written.bytes = output.count
        }
        return output
    }

    private static func isReached(_ limit: Limit, _ written: Written) -> Bool {
        switch limit {
        case .bytes(let target): return written.bytes >= target
        case .events(let count): return written.records >= count
        }
    }
}
