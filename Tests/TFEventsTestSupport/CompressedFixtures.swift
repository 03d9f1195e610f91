import Foundation
@testable import TFEventsSystem
@testable import TFRecord
@testable import TFEventsCore
@testable import TFEventsIndex
@testable import TFEventsExport
@testable import TFEventsReport

/// The real compressed fixtures: one uncompressed original and its
/// variants (TensorFlow's GZIP and ZLIB TFRecord options, whole-file gzip,
/// two gzip members, zstd).
package enum CompressedFixtures {
    package static let base = "compressed/events.out.tfevents.1795433718.vm"
    package static let variants: [(suffix: String, format: CompressionFormat)] = [
        ("", .none), (".gz", .gzip), (".gzip-tfrecord", .gzip), (".multimember.gz", .gzip),
        (".zlib-tfrecord", .zlib), (".zst", .zstd),
    ]
    package static let plainSize = 12189

    package static var recordDigests: [String] {
        (try? FixtureLibrary.expected("compressed"))?["record_sha256"] as? [String] ?? []
    }

    package static func path(_ suffix: String) -> String { FixtureLibrary.path(base + suffix) }

    package static func bytes(_ suffix: String) -> [UInt8] {
        (try? Array(Data(contentsOf: URL(fileURLWithPath: path(suffix))))) ?? []
    }
}
