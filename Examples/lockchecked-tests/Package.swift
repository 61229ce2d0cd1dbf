// swift-tools-version:6.1
import PackageDescription

// A package that uses lockcheck as an application would: its library takes
// instrumented locks, its tests use LockCheckTesting. Two tests in each test
// target take two locks in both orders and must fail (one on the test's own
// thread, one on a plain Thread); every other test must pass.
//
//   cd Examples/lockchecked-tests && swift test
//
// What `swift test` reports (checked by Tests/lockcheckTests/LockCheckTestingEndToEndTests):
//   Swift Testing: LedgerTests/inversionOnTheTestTask() and
//     LedgerTests/inversionOnAPlainThread() fail, each with the
//     lock-order-inversion report, located at Ledger.swift's second lock;
//     LedgerTests/transfersInOneOrder() passes.
//   XCTest: LedgerXCTests.testInversionOnTheTestThread and
//     LedgerXCTests.testInversionOnAPlainThread fail likewise;
//     LedgerXCTests.testTransfersInOneOrder passes; the class's tearDown,
//     after every test, raises one more: printed, and the XCTest process
//     exits with status 1 ("raised while no lock-checked test was running").
//   DeadlockTests/tellersDeadlock() is skipped unless LEDGER_DEADLOCK=1; then
//     two threads deadlock, and the test process prints the deadlock report
//     and "lockcheck: deadlock in lock-checked test tellersDeadlock(): …",
//     and exits with status 1 within seconds instead of hanging.
let package = Package(
    name: "lockchecked-tests",
    dependencies: [
        .package(name: "lockcheck", path: "../.."),
    ],
    targets: [
        .target(name: "Ledger", dependencies: [.product(name: "Instrumented", package: "lockcheck")]),
        .testTarget(name: "LedgerSwiftTestingTests", dependencies: [
            "Ledger", .product(name: "LockCheckTesting", package: "lockcheck"),
        ]),
        .testTarget(name: "LedgerXCTests", dependencies: [
            "Ledger", .product(name: "LockCheckTesting", package: "lockcheck"),
        ]),
    ]
)
