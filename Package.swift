// swift-tools-version: 6.2
//
// swift-tfevents: reads TensorFlow event files fast, verifies every byte, and
// recovers the best evaluation of a training run.
//
// The library is a stack of modules; each depends only on the ones below it,
// so the compiler rejects an arrow that points up (docs/ARCHITECTURE.md):
//
//     TFEventsSystem  the system interface: files, directories, locks, processes, clock
//     TFRecord        bytes in: CRC32C, byte sources, decompression, framing
//     TFEventsCore    meaning: protobuf cursor, Event/Summary views, scalars, scanning
//     TFEventsIndex   the persistent index, discovery, queries, the rule for "best"
//     TFEventsExport  evaluations, checkpoints, exporters, retention, locks, manifests
//     TFEventsReport  the HTML report
//     TFEventsArrow   the Apache Arrow IPC stream writer (no dependencies: encoding only)
//     TFEvents        umbrella: re-exports them all (`import TFEvents`)
//
// Beside TFRecord, a product of its own: TFEventsRemote, gs:// and s3://
// paths for every layer above (AsyncHTTPClient, swift-crypto).
//
// Beside the stack: TFEventsSynthetic (deterministic logs for the CLI's
// `generate`, tests and benchmarks), _TFEventsFuzzing (libFuzzer
// harnesses) and _TFEventsBenchmarking (the loops the benchmarks time over
// package-only types: tag interning, varints, CSV rows); neither of the
// last two is part of the TFEvents product. Benchmarks and fuzzers are
// nested packages, so `swift test` never builds them.

import PackageDescription

/// Settings of every library module. Views that borrow bytes (records,
/// events, summary values) are non-escapable: the `Lifetimes` feature lets
/// their producers state what they borrow. Strict memory safety makes every
/// use of an unsafe construct carry the word `unsafe`, and it is an error to
/// leave it out.
let librarySettings: [SwiftSetting] = [
    .enableExperimentalFeature("Lifetimes"),
    .strictMemorySafety(),
    .treatWarning("StrictMemorySafety", as: .error),
]

let package = Package(
    name: "swift-tfevents",
    products: [
        .library(name: "TFEvents", targets: ["TFEvents"]),
        // gs:// and s3:// paths (SwiftNIO, swift-crypto): a product of its
        // own, so that the rest of the library does not pull in a network stack.
        .library(name: "TFEventsRemote", targets: ["TFEventsRemote"]),
        .library(name: "TFEventsSynthetic", targets: ["TFEventsSynthetic"]),
        // Harnesses for the nested Fuzz/ package; no API promise.
        .library(name: "_TFEventsFuzzing", targets: ["_TFEventsFuzzing"]),
        // Workloads for the nested Benchmarks/ package; no API promise.
        .library(name: "_TFEventsBenchmarking", targets: ["_TFEventsBenchmarking"]),
        .executable(name: "tfevents", targets: ["TFEventsCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Object storage: HTTP on SwiftNIO, and the hashes and signatures of
        // AWS Signature Version 4 and Google service-account tokens.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3" ..< "5.0.0"),
    ],
    targets: [
        // CPU CRC32C instructions and CPU feature probes only. Kernels use
        // __attribute__((target(...))) instead of unsafe compiler flags.
        .target(
            name: "CTFEventsCRC",
            cSettings: [.define("_GNU_SOURCE")]
        ),
        // The SIGBUS guard of mapped files: a signal handler must be
        // async-signal-safe, which Swift code cannot promise.
        .target(name: "CTFEventsMappingGuard"),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]
        ),

        // MARK: The layers, lowest first

        .target(
            name: "TFEventsSystem",
            swiftSettings: librarySettings
        ),
        .target(
            name: "TFRecord",
            dependencies: ["TFEventsSystem", "CTFEventsCRC", "CTFEventsMappingGuard", "CZlib", "CZstd"],
            swiftSettings: librarySettings
        ),
        .target(
            name: "TFEventsCore",
            dependencies: ["TFRecord", "TFEventsSystem"],
            swiftSettings: librarySettings
        ),
        .target(
            name: "TFEventsIndex",
            dependencies: ["TFEventsCore", "TFRecord", "TFEventsSystem"],
            swiftSettings: librarySettings
        ),
        .target(
            name: "TFEventsExport",
            dependencies: ["TFEventsIndex", "TFEventsCore", "TFRecord", "TFEventsSystem"],
            swiftSettings: librarySettings
        ),
        .target(
            name: "TFEventsReport",
            dependencies: ["TFEventsExport", "TFEventsIndex", "TFEventsCore", "TFRecord", "TFEventsSystem"],
            swiftSettings: librarySettings
        ),
        // Beside TFRecord: gs:// and s3:// byte sources, plugged in under
        // the paths every layer already takes (ObjectStores in TFEventsSystem).
        .target(
            name: "TFEventsRemote",
            dependencies: [
                "TFRecord", "TFEventsSystem",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: librarySettings
        ),
        // Output: Arrow IPC streams, written by hand (no Arrow library for
        // Swift in the package mirror): FlatBuffers metadata and 8-byte
        // aligned bodies.
        .target(
            name: "TFEventsArrow",
            swiftSettings: librarySettings
        ),
        .target(
            name: "TFEvents",
            dependencies: ["TFEventsSystem", "TFRecord", "TFEventsCore", "TFEventsIndex", "TFEventsExport", "TFEventsReport",
                           "TFEventsArrow"],
            swiftSettings: librarySettings
        ),

        // MARK: Beside the stack

        .target(
            name: "TFEventsSynthetic",
            dependencies: ["TFEventsCore", "TFRecord", "TFEventsSystem"],
            swiftSettings: librarySettings
        ),
        .target(
            name: "_TFEventsFuzzing",
            dependencies: ["TFEventsExport", "TFEventsIndex", "TFEventsCore", "TFRecord", "TFEventsSystem"],
            swiftSettings: librarySettings
        ),
        .target(
            name: "_TFEventsBenchmarking",
            dependencies: ["TFEventsReport", "TFEventsCore", "TFRecord", "TFEventsSystem"],
            swiftSettings: librarySettings
        ),
        .executableTarget(
            name: "TFEventsCLI",
            dependencies: [
                "TFEvents",
                "TFEventsRemote",
                "TFEventsSynthetic",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: [.enableExperimentalFeature("Lifetimes")]
        ),

        // MARK: Tests, one target per module

        .target(
            name: "TFEventsTestSupport",
            dependencies: ["TFEvents", "TFEventsRemote", "TFEventsSynthetic"],
            path: "Tests/TFEventsTestSupport",
            swiftSettings: [.enableExperimentalFeature("Lifetimes")]
        ),
        .testTarget(
            name: "TFEventsSystemTests",
            dependencies: ["TFEventsSystem", "TFEventsTestSupport"],
            swiftSettings: [.enableExperimentalFeature("Lifetimes")]
        ),
        .testTarget(
            name: "TFRecordTests",
            dependencies: ["TFRecord", "TFEventsTestSupport", "TFEventsSynthetic"],
            swiftSettings: [.enableExperimentalFeature("Lifetimes")]
        ),
        .testTarget(
            name: "TFEventsCoreTests",
            dependencies: ["TFEventsCore", "TFEventsTestSupport", "TFEventsSynthetic"],
            swiftSettings: [.enableExperimentalFeature("Lifetimes")]
        ),
        .testTarget(
            name: "TFEventsIndexTests",
            dependencies: ["TFEventsIndex", "TFEventsTestSupport", "TFEventsSynthetic"],
            swiftSettings: [.enableExperimentalFeature("Lifetimes")]
        ),
        .testTarget(
            name: "TFEventsExportTests",
            dependencies: ["TFEventsExport", "TFEventsTestSupport", "TFEventsSynthetic"],
            swiftSettings: [.enableExperimentalFeature("Lifetimes")]
        ),
        .testTarget(
            name: "TFEventsReportTests",
            dependencies: ["TFEventsReport", "TFEventsTestSupport", "TFEventsSynthetic"],
            swiftSettings: [.enableExperimentalFeature("Lifetimes")]
        ),
        .testTarget(
            name: "TFEventsRemoteTests",
            dependencies: ["TFEventsRemote", "TFEvents", "TFEventsTestSupport", "TFEventsSynthetic",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "_CryptoExtras", package: "swift-crypto")],
            swiftSettings: [.enableExperimentalFeature("Lifetimes")]
        ),
        .testTarget(
            name: "TFEventsArrowTests",
            dependencies: ["TFEventsArrow", "TFEventsTestSupport"],
            swiftSettings: [.enableExperimentalFeature("Lifetimes")]
        ),
        .testTarget(
            name: "TFEventsTests",
            dependencies: ["TFEvents", "_TFEventsFuzzing", "TFEventsTestSupport", "TFEventsSynthetic"],
            swiftSettings: [.enableExperimentalFeature("Lifetimes")]
        ),
        .testTarget(
            name: "TFEventsCLITests",
            dependencies: ["TFEvents", "TFEventsRemote", "TFEventsTestSupport", "TFEventsSynthetic"],
            swiftSettings: [.enableExperimentalFeature("Lifetimes")]
        ),
    ]
)
