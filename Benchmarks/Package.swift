// swift-tools-version:6.1
import PackageDescription

// Benchmarks for lockcheck, kept out of the main package so that building or
// testing lockcheck never builds them. `tracegen` writes synthetic trace
// format v1 programs. It does not depend on the parent package: a generator
// that shared the reader's code could hide a bug both sides agree on.
let package = Package(
    name: "lockcheck-benchmarks",
    dependencies: [
        // deferred-free-bench (the queue under test) and lock-bench (the instrumented locks).
        .package(path: "lockcheck"),  // a link to the parent, so the identity is "lockcheck" wherever it is cloned
    ],
    targets: [
        .executableTarget(name: "tracegen"),
        // Issue 5: bulk-array vs linked-list reclaim, deferred vs immediate free enqueue cost.
        .executableTarget(name: "deferred-free-bench", dependencies: [.product(name: "Instrumented", package: "lockcheck")]),
        // Issue 4: instrumented locks against plain pthread mutexes (validated, off, two threads,
        // new dependencies, trace recording). Peers (TSan, Helgrind) are run by lock-bench.sh.
        .executableTarget(name: "lock-bench", dependencies: [
            .product(name: "Instrumented", package: "lockcheck"), "CUnwindProbe", "CMachineControl", "BenchSupport",
        ]),
        // Issue 7's load test: 2× cores threads, tens of millions of validated, recorded lock operations;
        // no validator deadlock, no false positive, no lost trace event.
        .executableTarget(name: "load-test", dependencies: [
            .product(name: "Instrumented", package: "lockcheck"), .product(name: "TraceAnalysis", package: "lockcheck"),
            .product(name: "LockTrace", package: "lockcheck"), .product(name: "LockGraph", package: "lockcheck"),
        ]),
        // Issue 14: what the Swift-runtime hooks (resume, cancel) cost, under callgrind-task-hooks.sh.
        .executableTarget(name: "task-hooks-bench", dependencies: [.product(name: "Instrumented", package: "lockcheck")]),
        // Issue 18: the first lock's cost (validator start-up) against LOCKCHECK=off, in one run.
        .executableTarget(name: "startup-bench", dependencies: [.product(name: "Instrumented", package: "lockcheck"), "BenchSupport"]),
        // Issue 18: a signal handler's hardirq scope, queued in the thread's ring, and its later validation.
        .executableTarget(name: "handler-bench", dependencies: [.product(name: "Instrumented", package: "lockcheck"), "BenchSupport"]),
        // Issue 19: the cost of a new dependency as an acyclic class graph grows (1 k to 200 k dependencies).
        .executableTarget(name: "graph-growth-bench", dependencies: [.product(name: "LockGraph", package: "lockcheck")]),
        // lock-bench's direct stack-capture probe: unw_backtrace, the call UnwindStackCapture makes.
        .target(name: "CUnwindProbe", linkerSettings: [.linkedLibrary("unwind")]),
        // lock-bench's controls: a compute-bound loop and a spinner for the other CPU (what the machine gives).
        .target(name: "CMachineControl"),
        .target(name: "BenchSupport"),
    ]
)
