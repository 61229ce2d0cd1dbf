// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "lockcheck",
    products: [
        .library(name: "LockVocabulary", targets: ["LockVocabulary"]),
        .library(name: "LockGraph", targets: ["LockGraph"]),
        .library(name: "LockTextReport", targets: ["LockTextReport"]),
        .library(name: "LockReports", targets: ["LockReports"]),
        .library(name: "LockTrace", targets: ["LockTrace"]),
        .library(name: "TraceAnalysis", targets: ["TraceAnalysis"]),
        .library(name: "Instrumented", targets: ["Instrumented"]),
        .library(name: "LockCheckTesting", targets: ["LockCheckTesting"]),
        // Drop-in modules: the original type names, so the swap is one import line.
        .library(name: "LockCheckNIO", targets: ["LockCheckNIO"]),
        .library(name: "LockCheckSynchronization", targets: ["LockCheckSynchronization"]),
        .library(name: "LockCheckFoundation", targets: ["LockCheckFoundation"]),
        .executable(name: "lockcheck", targets: ["lockcheck"]),
        // `lockcheck run`'s LD_PRELOAD library: the pthread lock functions, validated.
        .library(name: "lockcheck-preload", type: .dynamic, targets: ["CLockcheckPreload", "Instrumented"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Atomic loads and stores on raw memory, for the engine's lock-free chain cache.
        .target(name: "CLockGraphAtomics"),
        // The shared vocabulary, a leaf: lock kinds, wait types, acquire modes, allocation flags,
        // RCU flavours, irq states, each one type with its trace spelling. Every module uses it.
        .target(name: "LockVocabulary"),
        // The engine: lock classes, held stacks, the dependency graph, every rule, the violation value.
        // It renders nothing: the report modules above it do. Debug builds check the graph's and the
        // held stacks' invariants wherever a test calls `_checkInvariants()` (the randomised tests do).
        .target(name: "LockGraph", dependencies: ["LockVocabulary", "CLockGraphAtomics"],
                swiftSettings: [.define("LOCKGRAPH_CHECK_INVARIANTS", .when(configuration: .debug))]),
        // A violation as text, in lockdep's layout: the one renderer a live program links (Instrumented).
        .target(name: "LockTextReport", dependencies: ["LockGraph"]),
        // Every other report and what CI keeps: the one JSON schema of a violation and its parser,
        // SARIF, JUnit, DOT, fingerprints, baselines, suppressions, the saved graph's text form.
        .target(name: "LockReports", dependencies: ["LockGraph", "LockTextReport"]),
        // Trace format version 1: a strict streaming reader and a writer. No engine dependency.
        .target(name: "LockTrace", dependencies: ["LockVocabulary"]),
        // Replays traces into the engine: per-file id spaces, seq ordering, class matching across files.
        .target(name: "TraceAnalysis", dependencies: ["LockVocabulary", "LockGraph", "LockTrace"]),
        // What applications link: instrumented locks, contexts, allocation entry points.
        // Live reports are text only: no JSON, SARIF, JUnit, DOT or baseline code in an application.
        .target(name: "Instrumented", dependencies: ["LockVocabulary", "LockGraph", "LockTextReport", "LockTrace",
                                                     "CInstrumented", "CLibunwind"]),
        // For test targets only: a violation fails the test that raised it (a Swift Testing trait,
        // an XCTest base class). Its own target, so that applications never link a test framework.
        .target(name: "LockCheckTesting", dependencies: ["Instrumented", "LockGraph", "LockTextReport", "LockVocabulary"]),
        // Drop-in modules: NIOLock, NIOLockedValueBox, ConditionLock (LockCheckNIO); Mutex
        // (LockCheckSynchronization); NSLock, NSRecursiveLock (LockCheckFoundation).
        .target(name: "LockCheckNIO", dependencies: ["Instrumented"]),
        .target(name: "LockCheckSynchronization", dependencies: ["Instrumented"]),
        .target(name: "LockCheckFoundation", dependencies: ["Instrumented"]),
        // The Instrumented runtime's C half: the per-thread slot (a `__thread` pointer), the
        // global seq counter, and the spinning locks' atomics. `static inline`, ~free from Swift.
        // Also the ring of signal handlers' events (libunwind's local unwinding in a handler).
        .target(name: "CInstrumented", dependencies: ["CLockGraphAtomics"], linkerSettings: [.linkedLibrary("unwind")]),
        // The preload library's C half: pthread_mutex/rwlock/spin/cond definitions that forward
        // to the real ones (dlsym RTLD_NEXT) and call the Instrumented runtime (Preload/).
        .target(name: "CLockcheckPreload", dependencies: ["CInstrumented", "CLockGraphAtomics"],
                linkerSettings: [.linkedLibrary("dl")]),
        // libunwind (`libunwind-dev`, installed by scripts/setup): stack capture for live reports.
        .systemLibrary(name: "CLibunwind", pkgConfig: "libunwind", providers: [.apt(["libunwind-dev"])]),
        // Example: an ABBA between two bank transfers that never overlap (one lock-order-inversion).
        .executableTarget(name: "bank-transfer", dependencies: ["Instrumented"], path: "Examples/bank-transfer"),
        // Examples: the seed bugs through the deferred-free queue and pools (each header says what is reported).
        .executableTarget(name: "seed-002-nowait-under-raw-lock", dependencies: ["Instrumented"], path: "Examples/seed-002-nowait-under-raw-lock"),
        .executableTarget(name: "seed-000-headless-free-in-irq", dependencies: ["Instrumented"], path: "Examples/seed-000-headless-free-in-irq"),
        .executableTarget(name: "seed-003-destroy-with-pending-free", dependencies: ["Instrumented"], path: "Examples/seed-003-destroy-with-pending-free"),
        .executableTarget(name: "seed-004-use-after-destroy", dependencies: ["Instrumented"], path: "Examples/seed-004-use-after-destroy"),
        .executableTarget(name: "sleep-under-spinlock", dependencies: ["Instrumented"], path: "Examples/sleep-under-spinlock"),
        // Example: an unmodified Foundation program (NSLock ABBA) for `lockcheck run`; no lockcheck dependency.
        .executableTarget(name: "preload-nslock-abba", path: "Examples/preload-nslock-abba"),
        // Example: threads racing on fresh generic metadata while creating pthread locks, for `lockcheck run` (issue 18).
        .executableTarget(name: "preload-metadata-stress", path: "Examples/preload-metadata-stress"),
        // Examples: live hangs (a deadlock of two, of three threads; a long wait), each with a --fixed twin.
        .executableTarget(name: "deadlock-abba", dependencies: ["Instrumented"], path: "Examples/deadlock-abba"),
        .executableTarget(name: "deadlock-ring", dependencies: ["Instrumented"], path: "Examples/deadlock-ring"),
        .executableTarget(name: "lock-wait-timeout", dependencies: ["Instrumented"], path: "Examples/lock-wait-timeout"),
        // Examples: Swift concurrency meeting locks (issue 14; each header says what is reported, and --fixed).
        .executableTarget(name: "resume-under-lock", dependencies: ["Instrumented"], path: "Examples/resume-under-lock"),
        .executableTarget(name: "semaphore-wait-in-task", dependencies: ["Instrumented"], path: "Examples/semaphore-wait-in-task"),
        .executableTarget(name: "lock-across-await", dependencies: ["Instrumented"], path: "Examples/lock-across-await"),
        .executableTarget(
            name: "lockcheck",
            dependencies: [
                "LockGraph", "LockTextReport", "LockReports", "LockTrace", "TraceAnalysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "LockVocabularyTests", dependencies: ["LockVocabulary"]),
        .testTarget(name: "LockGraphTests", dependencies: ["LockGraph", "LockTextReport", "LockReports"]),
        .testTarget(name: "LockTraceTests", dependencies: ["LockTrace"]),
        .testTarget(name: "TraceAnalysisTests", dependencies: ["TraceAnalysis", "LockGraph", "LockTextReport", "LockReports", "LockTrace"]),
        .testTarget(name: "InstrumentedTests", dependencies: ["Instrumented", "LockGraph", "LockTextReport", "LockReports", "LockTrace", "TraceAnalysis"]),
        // Files written against the original lock APIs, unchanged but for the swap's import
        // line, built with MemberImportVisibility and InternalImportsByDefault (and @inlinable code).
        .target(
            name: "DropInFixture",
            dependencies: ["LockCheckNIO", "LockCheckSynchronization", "LockCheckFoundation"],
            path: "Tests/DropInFixture",
            swiftSettings: [
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        ),
        .testTarget(name: "DropInTests", dependencies: ["DropInFixture", "Instrumented", "LockGraph"]),
        .testTarget(name: "LockCheckTestingTests", dependencies: ["LockCheckTesting"]),
        .testTarget(name: "lockcheckTests", dependencies: ["lockcheck"], exclude: ["Fixtures"]),
    ]
)
