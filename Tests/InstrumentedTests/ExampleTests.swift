import Foundation
import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// Examples/bank-transfer prints one lock-order-inversion live, and its
/// recorded trace analyses to the same report.
final class ExampleTests: XCTestCase {
    func test_bank_transfer_reports_one_inversion_live_and_offline() throws {
        let trace = NSTemporaryDirectory() + "lockcheck-bank-\(getpid()).log"
        defer { unlink(trace) }
        let r = try runExample("bank-transfer", environment: ["LOCKCHECK": "report", "LOCKCHECK_TRACE": trace])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stdout, "alice: 80, bob: 120, ledger: 2 entries\n")
        XCTAssertEqual(r.headlines, ["lockcheck: [lock-order-inversion] possible circular locking dependency detected"], r.stderr)
        XCTAssertTrue(r.stderr.contains("thread 'teller-2' at seq"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Bank.transfer"), "symbolicated, demangled stack:\n\(r.stderr)")

        let found = try analyzeTrace(trace)
        XCTAssertEqual(found.map(\.rule), [.lockOrderInversion])
        XCTAssertEqual(found.first?.classNames, ["Account.alice", "Account.bob"])
        XCTAssertEqual(found.first?.event.thread, "teller-2")
    }

    func test_bank_transfer_with_validation_off_is_silent() throws {
        let r = try runExample("bank-transfer", environment: ["LOCKCHECK": "off"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(r.stderr, "")
    }

    func test_bank_transfer_trap_stops_after_flushing_the_trace() throws {
        let trace = NSTemporaryDirectory() + "lockcheck-bank-trap-\(getpid()).log"
        defer { unlink(trace) }
        let r = try runExample("bank-transfer", environment: ["LOCKCHECK": "trap", "LOCKCHECK_TRACE": trace])
        XCTAssertNotEqual(r.status, 0, "stopped at the violation")
        XCTAssertEqual(r.stdout, "", "stopped before the summary line")
        XCTAssertTrue(r.stderr.contains("lockcheck: stopping at violation [lock-order-inversion]"), r.stderr)
        XCTAssertEqual(try analyzeTrace(trace).map(\.rule), [.lockOrderInversion], "the violating event was flushed before the trap")
    }
}
