import CTFEventsCRC

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension CRC32C {
    /// An implementation of CRC-32C.
    ///
    /// Every backend computes the same function; they differ only in speed.
    /// ``active`` is chosen once per process: the CPU's CRC instructions when
    /// present, unless the environment variable `TFEVENTS_CRC32C=portable`
    /// forces the table-driven path (tests and benchmarks use it to measure
    /// and check both).
    public enum Backend: String, Sendable, CaseIterable, CustomStringConvertible {
        /// Table-driven, slicing by 16 bytes; runs on every CPU.
        case portable
        /// x86-64 SSE4.2 `crc32`, three interleaved streams on long buffers.
        case sse42
        /// aarch64 CRC32 extension, three interleaved streams on long buffers.
        case arm64

        /// The backend every ``CRC32C/checksum(_:)`` call uses, probed once.
        public static let active: Backend = {
            if let forced = unsafe getenv("TFEVENTS_CRC32C"), unsafe String(cString: forced) == "portable" {
                return .portable
            }
            return available.last ?? .portable
        }()

        /// Backends this CPU can run, the portable one first.
        public static let available: [Backend] = {
            var result: [Backend] = [.portable]
            if tfe_cpu_has_sse42() != 0 { result.append(.sse42) }
            if tfe_cpu_has_arm64_crc() != 0 { result.append(.arm64) }
            return result
        }()

        /// Continues the finished CRC `crc` over `bytes` with this backend.
        ///
        /// - Precondition: the backend is in ``available``.
        @inlinable
        public func extend(_ crc: UInt32, _ bytes: RawSpan) -> UInt32 {
            unsafe bytes.withUnsafeBytes { unsafe extend(crc, unsafeBytes: $0) }
        }

        /// Continues `crc` over the bytes a pointer lends.
        ///
        /// - Precondition: the backend is in ``available``; `bytes` is valid.
        @unsafe
        @inlinable
        package func extend(_ crc: UInt32, unsafeBytes bytes: UnsafeRawBufferPointer) -> UInt32 {
            switch self {
            case .sse42:
                return unsafe CRC32C.extendSSE42(crc, bytes)
            case .arm64:
                return unsafe CRC32C.extendARM64(crc, bytes)
            case .portable:
                return unsafe CRC32C.extendPortable(crc, bytes)
            }
        }

        /// The backend's name, as accepted by `TFEVENTS_CRC32C`.
        public var description: String { rawValue }
    }
}
