// swift-tools-version: 6.1
//
// swift-tfevents: reads TensorFlow event files fast, verifies every byte, and
// recovers the best evaluation of a training run.
//
// The root package is kept lean (library, CLI, tests). Benchmarks live in
// their own package under Benchmarks/ so that `swift test` never builds them.

import PackageDescription

let package = Package(
    name: "swift-tfevents",
    products: [
        .library(name: "TFEvents", targets: ["TFEvents"]),
        .executable(name: "tfevents", targets: ["TFEventsCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // CPU CRC32C instructions and CPU feature probes only. Kernels use
        // __attribute__((target(...))) instead of unsafe compiler flags.
        .target(
            name: "CTFEventsCRC",
            cSettings: [.define("_GNU_SOURCE")]
        ),
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
        .target(
            name: "TFEvents",
            dependencies: ["CTFEventsCRC", "CZlib", "CZstd"]
        ),
        .executableTarget(
            name: "TFEventsCLI",
            dependencies: [
                "TFEvents",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "TFEventsTests",
            dependencies: ["TFEvents"],
            resources: []
        ),
        .testTarget(
            name: "TFEventsCLITests",
            dependencies: ["TFEvents"]
        ),
    ]
)
