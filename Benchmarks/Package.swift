// swift-tools-version: 6.1
//
// Benchmarks for swift-tfevents, kept out of the root package so that
// `swift test` never builds package-benchmark.
//
//     cd Benchmarks
//     swift package benchmark --target CRC32C
//     swift package benchmark --target RecordScan
//     swift package benchmark --target Decompress
//     swift package benchmark --target IndexUpdate
//     swift package benchmark --target TrackerPath
//     swift package benchmark --target TagTable
//     swift package benchmark --target Varint
//     swift package benchmark --target TextFormatter
//
// TagTable, Varint and TextFormatter time package-scoped types (TagTable,
// ProtoReader, ScalarTextRows), which this package cannot see: their loops
// are in the root's _TFEventsBenchmarking library, beside the code they
// call, and reached with `@_spi(Benchmarking) import _TFEventsBenchmarking`.
//
// The malloc counters (`mallocCountTotal`) come from package-benchmark's
// MallocInterposer trait, so jemalloc is not needed.

import PackageDescription

let package = Package(
    name: "swift-tfevents-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "swift-tfevents", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // The yardstick: a plain C loop of the SSE4.2 `crc32` instruction,
        // one quadword per step, compiled at -O3 (allowed here: this package
        // is only ever a root package).
        .target(
            name: "CYardstick",
            cSettings: [.unsafeFlags(["-O3"])]
        ),
        .executableTarget(
            name: "CRC32C",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TFEvents", package: "swift-tfevents"),
                "CYardstick",
            ],
            path: "Benchmarks/CRC32C",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RecordScan",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TFEvents", package: "swift-tfevents"),
                .product(name: "TFEventsSynthetic", package: "swift-tfevents"),
            ],
            path: "Benchmarks/RecordScan",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // The yardstick of Decompress: the system zlib and zstd alone.
        .target(
            name: "CBareDecompressor",
            cSettings: [.unsafeFlags(["-O3"])],
            linkerSettings: [.linkedLibrary("z"), .linkedLibrary("zstd")]
        ),
        .executableTarget(
            name: "Decompress",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                "CBareDecompressor",
                .product(name: "TFEvents", package: "swift-tfevents"),
                .product(name: "TFEventsSynthetic", package: "swift-tfevents"),
            ],
            path: "Benchmarks/Decompress",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "IndexUpdate",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TFEvents", package: "swift-tfevents"),
                .product(name: "TFEventsSynthetic", package: "swift-tfevents"),
            ],
            path: "Benchmarks/IndexUpdate",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TrackerPath",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TFEvents", package: "swift-tfevents"),
                .product(name: "TFEventsSynthetic", package: "swift-tfevents"),
            ],
            path: "Benchmarks/TrackerPath",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TagTable",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "_TFEventsBenchmarking", package: "swift-tfevents"),
                .product(name: "TFEvents", package: "swift-tfevents"),
                .product(name: "TFEventsSynthetic", package: "swift-tfevents"),
            ],
            path: "Benchmarks/TagTable",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Varint",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "_TFEventsBenchmarking", package: "swift-tfevents"),
            ],
            path: "Benchmarks/Varint",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TextFormatter",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "_TFEventsBenchmarking", package: "swift-tfevents"),
                .product(name: "TFEvents", package: "swift-tfevents"),
                .product(name: "TFEventsSynthetic", package: "swift-tfevents"),
            ],
            path: "Benchmarks/TextFormatter",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
