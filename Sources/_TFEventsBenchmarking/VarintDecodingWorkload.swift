import TFEventsCore
import TFEventsSystem

/// Decoding protobuf varints with ``ProtoReader/readVarint()``, the reader
/// every event, summary and index decoder goes through.
///
/// Not API: reached with `@_spi(Benchmarking) import _TFEventsBenchmarking`
/// by the `Varint` suite of the nested `Benchmarks/` package. The loop
/// lives here, in the package that owns `ProtoReader`, so that what is
/// measured is the decoder and not a call across packages.
///
/// ```swift
/// let (count, sum) = VarintDecodingWorkload.run(bytes)
/// ```
@_spi(Benchmarking)
public enum VarintDecodingWorkload {
    /// Decodes the varints laid end to end in `bytes`, up to the end or to
    /// the first malformed or truncated one. Allocates nothing.
    ///
    /// The loop asks only for the next value: the read past the last one
    /// reports `truncated` at the end, which ends it. (Asking `isAtEnd`
    /// first made the caller copy the reader for each call across the
    /// module boundary, which cost more than the decoding.)
    ///
    /// - Returns: how many were decoded, and the wrapping sum of their
    ///   values; `count` is short of the number in `bytes` when one is
    ///   malformed or cut off.
    public static func run(_ bytes: [UInt8]) -> (count: Int, sum: UInt64) {
        var reader = ProtoReader(bytes.rawSpan)
        var count = 0
        var sum: UInt64 = 0
        while true {
            do { sum &+= try reader.readVarint() } catch { break }
            count &+= 1
        }
        return (count, sum)
    }
}
