// swift-tools-version: 6.1
//
// libFuzzer targets for swift-tfevents, one executable per parser. Kept out
// of the root package: they only link with -sanitize=fuzzer. Build and run
// with Fuzz/run.sh (see Fuzz/README.md).

import PackageDescription

let targets = [
    "record_framing", "event_walk", "scalar_extraction", "gzip", "zlib", "zstd", "index_file", "checkpoint",
]

let package = Package(
    name: "swift-tfevents-fuzz",
    dependencies: [
        .package(name: "swift-tfevents", path: ".."),
    ],
    targets: targets.map { name in
        .executableTarget(
            name: "fuzz_\(name)",
            dependencies: [.product(name: "_TFEventsFuzzing", package: "swift-tfevents")],
            path: "Targets/\(name)",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    }
)
