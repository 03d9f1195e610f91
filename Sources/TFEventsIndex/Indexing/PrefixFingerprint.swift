import TFRecord
import TFEventsSystem

/// What the index remembers of the bytes it has read of a plain file, to
/// notice a file rewritten in place (`cp new.tfevents old.tfevents`: same
/// inode, not smaller) instead of taking it for an append.
///
/// The CRC-32C of the first 4 KiB before `validEnd` (the first records,
/// including the `file_version` event's wall time) and of the 16 bytes
/// ending at `validEnd` (the end of the last record indexed: its payload
/// and masked payload CRC). Two small reads per changed file.
package struct PrefixFingerprint: Sendable, Equatable {
    /// CRC-32C of `[0, min(validEnd, headLength))`.
    package var head: UInt32
    /// CRC-32C of `[max(0, validEnd - tailLength), validEnd)`.
    package var tail: UInt32

    /// Bytes hashed at the start.
    static let headLength = 4096
    /// Bytes hashed before `validEnd`.
    static let tailLength = 16

    /// The fingerprint of the file at `path` up to `validEnd`; nil when it
    /// cannot be read or is shorter than `validEnd`.
    package init?(path: String, validEnd: Int) {
        guard validEnd > 0 else {
            head = 0
            tail = 0
            return
        }
        let headCount = min(validEnd, Self.headLength)
        let tailStart = max(0, validEnd - Self.tailLength)
        // Two small reads: `pread`s of a file, ranged requests of an object.
        guard let first = try? FileOperations.readRange(path, offset: 0, count: headCount), first.count == headCount,
              let last = try? FileOperations.readRange(path, offset: tailStart, count: validEnd - tailStart),
              last.count == validEnd - tailStart else { return nil }
        head = CRC32C.checksum(first)
        tail = CRC32C.checksum(last)
    }

    /// A stored fingerprint.
    package init(head: UInt32, tail: UInt32) {
        self.head = head
        self.tail = tail
    }
}
