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

    /// Records example `name` (with `arguments`); returns the live stderr,
    /// the offline reports and the trace's lines.
    private func recordAndAnalyze(_ name: String, _ arguments: [String] = []) throws -> (stderr: String, offline: [Violation], lines: [Substring]) {
        let trace = NSTemporaryDirectory() + "lockcheck-\(name)-\(getpid())\(arguments.joined())-awaits.log"
        defer { unlink(trace) }
        let r = try runExample(name, arguments, environment: ["LOCKCHECK": "report", "LOCKCHECK_TRACE": trace])
        XCTAssertEqual(r.status, 0)
        let lines = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        return (r.stderr, try analyzeTrace(trace), lines)
    }

    /// Revision 1.3: the run's awaits are in its trace, so `lockcheck analyze`
    /// reports at an await, in the same words, as the live run did.
    ///
    /// Several pool threads reach their awaits holding a `Connection.lock` at
    /// once; each is the same violation (one per class), and live reports the
    /// first to reach the validator, offline the first in `seq` order, which
    /// may be another task's await. So the task and `seq`s are compared as
    /// "an await that holds the lock its task took", not as numbers; the
    /// in-process tests (LockHeldAcrossSuspensionTraceTests) compare them
    /// exactly, on one thread.
    func test_lock_across_await_offline_report_is_the_live_report_at_the_await() throws {
        let r = try recordAndAnalyze("lock-across-await")
        XCTAssertEqual(r.offline.map(\.rule), [.lockHeldAcrossSuspension])
        let message = r.offline.first?.message ?? ""
        XCTAssertTrue(message.contains("reaches a suspension point (an actor hop)"), message)
        func anyTask(_ text: String) -> String {
            text.replacingOccurrences(of: "task 0x[0-9a-f]+", with: "task 0x…", options: .regularExpression)
        }
        XCTAssertTrue(anyTask(r.stderr).contains(anyTask(message) + "\n"), "live said:\n\(r.stderr)\noffline: \(message)")
        // At an await of the trace, by the task that took the lock there, on that thread.
        let v = r.offline.first
        let task = message.firstMatch(of: /task 0x([0-9a-f]+)/).flatMap { UInt64($0.1, radix: 16) } ?? 0
        let at = r.lines.first { $0.hasPrefix("\(v?.event.seq ?? 0) ") }
        XCTAssertTrue(at.map { $0.contains(" await task=\(task) what=hop") } ?? false, "\(at ?? "no line") for task \(task)")
        let taken = r.lines.first { $0.hasPrefix("\(v?.related.first?.site.seq ?? 0) ") }
        XCTAssertTrue(taken.map { $0.contains(" acquire ") && $0.contains(" task=\(task)") } ?? false, "\(taken ?? "no line")")
        XCTAssertEqual(v?.related.first?.label, "Connection.lock was taken by task 0x\(String(task, radix: 16)) at")
        let awaits = r.lines.filter { $0.contains(" await ") }
        XCTAssertTrue(awaits.allSatisfy { $0.contains(" task=") && $0.contains(" what=") }, "\(awaits.prefix(3))")
    }

    func test_lock_across_await_fixed_offline_is_clean_and_records_no_await() throws {
        let r = try recordAndAnalyze("lock-across-await", ["--fixed"])
        XCTAssertEqual(r.offline.map(\.rule), [])
        XCTAssertFalse(r.stderr.contains("lockcheck: ["), r.stderr)
        // No task holds a lock at an await: the recorder writes none.
        XCTAssertEqual(r.lines.filter { $0.contains(" await ") }, [])
    }
}

