// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "lockcheck",
    products: [
        .library(name: "LockGraph", targets: ["LockGraph"]),
        .library(name: "LockTrace", targets: ["LockTrace"]),
        .library(name: "TraceAnalysis", targets: ["TraceAnalysis"]),
        .library(name: "Instrumented", targets: ["Instrumented"]),
        .executable(name: "lockcheck", targets: ["lockcheck"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Atomic loads and stores on raw memory, for the engine's lock-free chain cache.
        .target(name: "CLockGraphAtomics"),
        // The engine: lock classes, held stacks, the dependency graph, every rule, reports.
        .target(name: "LockGraph", dependencies: ["CLockGraphAtomics"]),
        // Trace format version 1: a strict streaming reader and a writer. No engine dependency.
        .target(name: "LockTrace"),
        // Replays traces into the engine: per-file id spaces, seq ordering, class matching across files.
        .target(name: "TraceAnalysis", dependencies: ["LockGraph", "LockTrace"]),
        // What applications link: instrumented locks, contexts, allocation entry points.
        .target(name: "Instrumented", dependencies: ["LockGraph", "LockTrace"]),
        // The Instrumented runtime's C half: the per-thread slot (a `__thread` pointer), the
        // global seq counter, and the spinning locks' atomics. `static inline`, ~free from Swift.
        // libunwind (`libunwind-dev`, installed by scripts/setup): stack capture for live reports.
        // Example: an ABBA between two bank transfers that never overlap (one lock-order-inversion).
        .executableTarget(
            name: "lockcheck",
            dependencies: [
                "LockGraph", "LockTrace", "TraceAnalysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "LockGraphTests", dependencies: ["LockGraph"]),
        .testTarget(name: "LockTraceTests", dependencies: ["LockTrace"]),
        .testTarget(name: "TraceAnalysisTests", dependencies: ["TraceAnalysis", "LockGraph", "LockTrace"]),
        .testTarget(name: "lockcheckTests", dependencies: ["lockcheck"], exclude: ["Fixtures"]),
    ]
)
