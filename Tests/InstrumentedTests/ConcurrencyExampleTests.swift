import Foundation
import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// Examples/resume-under-lock, Examples/semaphore-wait-in-task and
/// Examples/lock-across-await report what their headers say, live and from their recorded traces, and nothing with `--fixed`.
extension ExampleTests {
    /// Runs example `name` (with `arguments`), recording a trace; returns the
    /// live headlines, the offline rules and stdout.
    private func check(_ name: String, _ arguments: [String] = []) throws -> (live: [String], offline: [RuleID], stdout: String) {
        let trace = NSTemporaryDirectory() + "lockcheck-\(name)-\(getpid())\(arguments.joined()).log"
        defer { unlink(trace) }
        let r = try runExample(name, arguments, environment: ["LOCKCHECK": "report", "LOCKCHECK_TRACE": trace])
        XCTAssertEqual(r.status, 0)
        return (r.headlines, try analyzeTrace(trace).map(\.rule), r.stdout)
    }

    func test_resume_under_lock_reports_the_task_lock_inversion() throws {
        let r = try check("resume-under-lock")
        XCTAssertEqual(r.live, ["lockcheck: [lock-order-inversion] possible circular locking dependency detected"])
        XCTAssertEqual(r.offline, [.lockOrderInversion])
        XCTAssertEqual(r.stdout, "received 42 after one cancelled receive\n")
    }

    func test_resume_under_lock_fixed_is_clean() throws {
        let r = try check("resume-under-lock", ["--fixed"])
        XCTAssertEqual(r.live, [])
        XCTAssertEqual(r.offline, [])
        XCTAssertEqual(r.stdout, "received 42 after one cancelled receive\n")
    }

    func test_semaphore_wait_in_task_reports_the_blocking_wait() throws {
        let r = try check("semaphore-wait-in-task")
        XCTAssertEqual(r.live, ["lockcheck: [blocking-in-async-context] blocking call in an async context"])
        XCTAssertEqual(r.offline, [.blockingInAsyncContext])
        XCTAssertEqual(r.stdout, "size 4096\n")
    }

    func test_semaphore_wait_in_task_fixed_is_clean() throws {
        let r = try check("semaphore-wait-in-task", ["--fixed"])
        XCTAssertEqual(r.live, [])
        XCTAssertEqual(r.offline, [])
        XCTAssertEqual(r.stdout, "size 4096\n")
    }

    func test_lock_across_await_reports_the_lock_held_across_the_suspension() throws {
        let r = try check("lock-across-await")
        XCTAssertEqual(r.live, ["lockcheck: [lock-held-across-suspension] lock held when the task suspended"])
        XCTAssertEqual(r.offline, [.lockHeldAcrossSuspension])
        XCTAssertEqual(r.stdout, "every connection flushed\n")
    }

    func test_lock_across_await_fixed_is_clean() throws {
        let r = try check("lock-across-await", ["--fixed"])
        XCTAssertEqual(r.live, [])
        XCTAssertEqual(r.offline, [])
        XCTAssertEqual(r.stdout, "every connection flushed\n")
    }
}
