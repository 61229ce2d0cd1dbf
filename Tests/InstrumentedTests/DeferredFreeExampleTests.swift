import Foundation
import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// Each deferred-free / pool example prints exactly the rules its header
/// promises, live on stderr, and its recorded trace analyses to the same
/// rule ids.
final class DeferredFreeExampleTests: XCTestCase {
    /// Runs the example with a trace; checks exit status 0, the live rule
    /// headlines, and the rules the trace analyses to.
    private func check(_ name: String, arguments: [String] = [], rules expected: [String],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let trace = NSTemporaryDirectory() + "lockcheck-\(name)-\(getpid())-\(arguments.count).log"
        defer { unlink(trace) }
        let r = try runExample(name, arguments, environment: ["LOCKCHECK": "report", "LOCKCHECK_TRACE": trace])
        XCTAssertEqual(r.status, 0, r.stderr, file: file, line: line)
        XCTAssertEqual(r.rules.sorted(), expected.sorted(), "live:\n\(r.stderr)", file: file, line: line)
        XCTAssertEqual(try analyzeTrace(trace).map(\.rule.rawValue).sorted(), expected.sorted(), "offline", file: file, line: line)
    }

    func test_seed_002_nowait_page_under_raw_lock_fires() throws {
        try check("seed-002-nowait-under-raw-lock", rules: ["alloc-under-raw-lock"])
    }

    func test_seed_002_fixed_no_locks_is_clean() throws {
        try check("seed-002-nowait-under-raw-lock", arguments: ["--fixed"], rules: [])
    }

    func test_seed_000_headless_free_in_hardirq_fires() throws {
        try check("seed-000-headless-free-in-irq", rules: ["sleep-in-atomic"])
    }

    func test_seed_003_destroy_with_pending_free_fires() throws {
        try check("seed-003-destroy-with-pending-free", rules: ["destroy-with-pending-free", "use-after-destroy"])
    }

    func test_seed_003_fixed_barrier_first_is_clean() throws {
        try check("seed-003-destroy-with-pending-free", arguments: ["--fixed"], rules: [])
    }

    func test_seed_004_late_worker_use_after_destroy_fires() throws {
        try check("seed-004-use-after-destroy", rules: ["use-after-destroy"])
    }

    func test_blocking_call_and_may_block_alloc_under_spinlock_fire() throws {
        try check("sleep-under-spinlock", rules: ["sleep-in-atomic", "sleep-in-atomic"])
    }
}
