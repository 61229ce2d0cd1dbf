// swift-tools-version:6.1
import PackageDescription

// Benchmarks for lockcheck, kept out of the main package so that building or
// testing lockcheck never builds them. `tracegen` writes synthetic trace
// format v1 programs. It does not depend on the parent package: a generator
// that shared the reader's code could hide a bug both sides agree on.
let package = Package(
    name: "lockcheck-benchmarks",
    dependencies: [
        // Only deferred-free-bench uses it (the queue under test).
        .package(path: "lockcheck"),  // a link to the parent, so the identity is "lockcheck" wherever it is cloned
    ],
    targets: [
        .executableTarget(name: "tracegen"),
        // Issue 5: bulk-array vs linked-list reclaim, deferred vs immediate free enqueue cost.
        .executableTarget(name: "deferred-free-bench", dependencies: [.product(name: "Instrumented", package: "lockcheck")]),
    ]
)
