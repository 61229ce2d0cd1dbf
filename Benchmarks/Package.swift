// swift-tools-version:6.1
import PackageDescription

// Benchmarks for lockcheck, kept out of the main package so that building or
// testing lockcheck never builds them. `tracegen` writes synthetic trace
// format v1 programs. It does not depend on the parent package: a generator
// that shared the reader's code could hide a bug both sides agree on.
let package = Package(
    name: "lockcheck-benchmarks",
    targets: [
        .executableTarget(name: "tracegen"),
    ]
)
