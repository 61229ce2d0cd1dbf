// swift-tools-version:6.0
import PackageDescription

// The libFuzzer harness over `lockcheck analyze`'s code path (trace reader,
// graph-file reader, replay, engine, every report renderer). Kept out of the
// main package: it only links with `--sanitize=fuzzer`, which brings
// libFuzzer's own `main`. Build and run it with `scripts/fuzz` (see README.md).
let package = Package(
    name: "lockcheck-fuzz",
    dependencies: [
        .package(path: "lockcheck"),  // a link to the parent, so the identity is "lockcheck" wherever it is cloned
    ],
    targets: [
        // `LLVMFuzzerTestOneInput` and the pipeline it runs. FuzzPipeline.swift is
        // also compiled into TraceAnalysisTests, which replays the regression corpus.
        .executableTarget(
            name: "lockcheck-fuzz",
            dependencies: [
                .product(name: "TraceAnalysis", package: "lockcheck"),
                .product(name: "LockGraph", package: "lockcheck"),
                .product(name: "LockTextReport", package: "lockcheck"),
                .product(name: "LockReports", package: "lockcheck"),
                .product(name: "LockTrace", package: "lockcheck"),
            ]
        ),
    ]
)
