// swift-tools-version: 6.1
//
// Benchmarks for swift-tfevents, kept out of the root package so that
// `swift test` never builds package-benchmark.
//
//     cd Benchmarks
//     swift package benchmark --target Decompress

import PackageDescription

let package = Package(
    name: "swift-tfevents-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "swift-tfevents", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "Decompress",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "TFEvents", package: "swift-tfevents"),
            ],
            path: "Benchmarks/Decompress",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
