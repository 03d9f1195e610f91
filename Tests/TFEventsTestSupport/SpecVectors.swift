@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport
@testable import TFEventsSystem

/// The complete records of FORMAT §1.4, as hex, with their documented parts.
package enum SpecRecords {
    /// R1: `Event{wall_time=1599759586.0, file_version="brain.Event:2"}`, from
    /// TensorBoard's `tf_record.rs` tests.
    package static let r1 = hexBytes("""
        18 00 00 00 00 00 00 00  a3 7f 4b 22
        09 00 00 80 38 99 d6 d7 41 1a 0d 62 72 61 69 6e 2e 45 76 65 6e 74 3a 32
        12 4b 36 ab
        """)

    /// R2: TF2 `tf.summary.scalar("accuracy", 0.99, step=77)`.
    package static let r2 = hexBytes("""
        3200000000000000 241956ec
        09c405b73d99d6d741 104d 2a25 0a23 0a08 6163637572616379
          420a 0801 1200 2204 a4707d3f 4a0b 0a09 0a07 7363616c617273
        a55b6433
        """)

    /// R3: TF1 Estimator-style eval event, loss=0.25, accuracy=0.75 at step 1000.
    package static let r3 = hexBytes("""
        2c00000000000000 f4aecc45
        090000200084d7d741 10e807 2a1e
          0a0b 0a04 6c6f7373 15 0000803e
          0a0f 0a08 6163637572616379 15 0000403f
        ba4c6578
        """)

    /// R4's payload: `Event{wall_time=1600000000.0, file_version="brain.Event:2"}`.
    package static let r4Payload = hexBytes("090000000084d7d7411a0d627261696e2e4576656e743a32")
    /// R4's length CRC and payload CRC (masked), as documented.
    package static let r4LengthCRC: UInt32 = 0x224B_7FA3
    package static let r4PayloadCRC: UInt32 = 0xD071_3C25

    /// The payload of a whole record (bytes 12 ..< count - 4).
    package static func payload(of record: [UInt8]) -> [UInt8] {
        Array(record[12 ..< record.count - 4])
    }
}
