#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFEventsSystem

/// How the bytes of an event file are stored, detected from its content
/// (never from its name), per FORMAT §2.2.
public enum CompressionFormat: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Plain TFRecords.
    case none
    /// RFC 1952 gzip (a whole-file `gzip`, or TensorFlow's `GZIP` option).
    case gzip
    /// RFC 1950 zlib (TensorFlow's `ZLIB` option).
    case zlib
    /// Zstandard frames (including skippable frames).
    case zstd

    /// `none`, `gzip`, `zlib`, `zstd`.
    public var description: String { rawValue }

    /// Bytes of prefix ``detect(prefix:)`` looks at.
    public static let sniffLength = TFRecordLayout.headerLength

    /// Decides the format from the first bytes of a file.
    ///
    /// Order matters: a verifying TFRecord header comes first (an
    /// uncompressed record of length 0x8B1F starts with `1F 8B`), then the
    /// gzip magic `1F 8B 08`, the zlib header check, and the zstd magics
    /// (frame `28 B5 2F FD`, skippable `5? 2A 4D 18`). Anything else, and an
    /// empty or short prefix, is treated as plain TFRecords: the record
    /// reader then reports exactly what is wrong, with its offset.
    public static func detect(prefix: RawSpan) -> CompressionFormat {
        let count = prefix.byteCount
        if count >= TFRecordLayout.headerLength,
           unsafe prefix.withUnsafeBytes({ unsafe TFRecordLayout.headerVerifies($0.baseAddress!, backend: .active) }) {
            return .none
        }
        guard count >= 4 else { return .none }
        let b0 = unsafe prefix.unsafeLoad(fromByteOffset: 0, as: UInt8.self), b1 = unsafe prefix.unsafeLoad(fromByteOffset: 1, as: UInt8.self)
        let b2 = unsafe prefix.unsafeLoad(fromByteOffset: 2, as: UInt8.self), b3 = unsafe prefix.unsafeLoad(fromByteOffset: 3, as: UInt8.self)
        if b0 == 0x1F && b1 == 0x8B && b2 == 0x08 { return .gzip }
        if b0 == 0x28 && b1 == 0xB5 && b2 == 0x2F && b3 == 0xFD { return .zstd }
        if b0 & 0xF0 == 0x50 && b1 == 0x2A && b2 == 0x4D && b3 == 0x18 { return .zstd }
        if b0 & 0x0F == 8 && b0 >> 4 <= 7 && (UInt16(b0) << 8 | UInt16(b1)) % 31 == 0 { return .zlib }
        return .none
    }

    /// Reads the first ``sniffLength`` bytes of an open file (with `pread`,
    /// so the file position is unchanged) and detects its format.
    static func detect(fileDescriptor fd: Int32) -> CompressionFormat {
        var prefix = [UInt8](repeating: 0, count: sniffLength)
        let count = unsafe prefix.withUnsafeMutableBytes { buffer in
            retryingOnInterrupt { unsafe pread(fd, buffer.baseAddress, buffer.count, 0) }
        }
        return detect(prefix: Array(prefix.prefix(max(0, count))))
    }

    /// Convenience for arrays.
    public static func detect(prefix: [UInt8]) -> CompressionFormat {
        detect(prefix: prefix.rawSpan)
    }
}
