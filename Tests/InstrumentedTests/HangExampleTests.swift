import Foundation
import LockGraph
import XCTest
@testable import Instrumented

/// The live hang rules on real processes: Examples/deadlock-abba,
/// deadlock-ring and lock-wait-timeout, each with its `--fixed` twin.
/// Each run is bounded by `timeout(1)`: a hang that lockcheck missed fails
/// the test (status 124) instead of stalling CI.
final class HangExampleTests: XCTestCase {
    /// Runs the example under `timeout 60`; fails the test on a data race
    /// ThreadSanitizer reports.
    private func run(_ name: String, _ arguments: [String] = [], environment: [String: String]) throws -> ExampleRun {
        // Under `--sanitize=thread` the examples are TSan builds: its own
        // lock-order check would report the deadlocks first; data races stay on.
        let run = try runExample(name, arguments, environment: ["TSAN_OPTIONS": "detect_deadlocks=0"].merging(environment) { $1 },
                                 timeout: ["60"])
        XCTAssertFalse(run.stderr.contains("ThreadSanitizer"), "a data race in \(name):\n\(run.stderr)")
        return run
    }

    // MARK: deadlock

    /// The run stopped (not by the timeout) with exactly one `deadlock` report.
    private func assertTrappedOnOneDeadlock(_ r: ExampleRun, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(r.status, 0, r.stderr, file: file, line: line)
        XCTAssertNotEqual(r.status, 124, "timed out: the deadlock was not reported\n\(r.stderr)", file: file, line: line)
        XCTAssertEqual(r.rules, ["deadlock"], r.stderr, file: file, line: line)
    }

    func test_abba_deadlock_traps_with_one_report_naming_both_threads_and_locks() throws {
        let r = try run("deadlock-abba", environment: ["LOCKCHECK": "trap"])
        assertTrappedOnOneDeadlock(r)
        XCTAssertTrue(r.stderr.contains("'teller-1' waits for Account #2 held by 'teller-2'; 'teller-2' waits for Account #1 held by 'teller-1'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("stopping at violation [deadlock]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("deadlock_abba.transfer"), "each blocked stack, symbolicated:\n\(r.stderr)")
        // Two blocked stacks pass through transfer's outer withLock (line 41); the
        // class's first acquisition, a held lock, kept its stack: a third.
        XCTAssertGreaterThanOrEqual(r.stderr.components(separatedBy: "deadlock-abba/main.swift:41)").count - 1, 3,
                                    "the held lock taken first shows where:\n\(r.stderr)")
        // Each held lock names the line that took it (the lock keeps its
        // holder's #fileID:#line): the first thread's in "already holds",
        // the second's in its own section; no class-first-taken stand-in.
        XCTAssertTrue(r.stderr.contains("but already holds 1 lock:\n  #0: Account (mutex) [w], taken at seq "), r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: ", deadlock_abba/main.swift:41\n").count - 1, 1,
                       "the first thread's held lock, with its line:\n\(r.stderr)")
        XCTAssertTrue(r.stderr.contains(" holds Account #"), r.stderr)
        XCTAssertEqual(r.stderr.components(separatedBy: ", deadlock_abba/main.swift:41 by thread 'teller-").count - 1, 1,
                       "the second thread's held lock, with its line:\n\(r.stderr)")
        XCTAssertFalse(r.stderr.contains("first taken at"), r.stderr)
        XCTAssertEqual(r.stdout, "")
    }

    func test_abba_deadlock_under_report_is_reported_once() throws {
        // report mode keeps running: the threads stay blocked, so the run
        // ends by timeout; the report must still be there, once.
        let r = try runExample("deadlock-abba", environment: ["LOCKCHECK": "report"], timeout: ["-s", "KILL", "3"])
        XCTAssertEqual(r.stderr.components(separatedBy: "lockcheck: [deadlock]").count - 1, 1, r.stderr)
    }

    func test_abba_fixed_stays_silent() throws {
        let r = try run("deadlock-abba", ["--fixed"], environment: ["LOCKCHECK": "trap"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.rules, [])
        XCTAssertEqual(r.stdout, "alice: 80, bob: 120\n")
    }

    func test_three_thread_ring_traps_with_every_thread_in_the_cycle() throws {
        let r = try run("deadlock-ring", environment: ["LOCKCHECK": "trap"])
        assertTrappedOnOneDeadlock(r)
        XCTAssertTrue(r.stderr.contains("deadlock: 3 threads wait for each other: 'philosopher-0' waits for Fork #2 held by 'philosopher-1'; 'philosopher-1' waits for Fork #3 held by 'philosopher-2'; 'philosopher-2' waits for Fork #1 held by 'philosopher-0'"), r.stderr)
    }

    func test_contended_ordered_ring_with_long_waits_stays_silent() throws {
        let r = try run("deadlock-ring", ["--fixed"], environment: ["LOCKCHECK": "trap", "LOCKCHECK_WAIT_TIMEOUT": "5"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.rules, [], r.stderr)
        XCTAssertEqual(r.stdout, "meals: 80000\n")
    }

    // MARK: lock-wait-timeout

    func test_long_wait_on_a_held_lock_gives_lock_wait_timeout() throws {
        let r = try run("lock-wait-timeout", environment: ["LOCKCHECK": "report", "LOCKCHECK_WAIT_TIMEOUT": "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.rules, ["lock-wait-timeout"], r.stderr)
        XCTAssertTrue(r.stderr.contains("thread 'reader' has waited 1"), r.stderr)
        XCTAssertTrue(r.stderr.contains("for Config.lock #1, held by 'loader' (tid "), "the holder, from the mutex's owner:\n\(r.stderr)")
        XCTAssertTrue(r.stderr.contains("lock_wait_timeout"), "the waiter's stack:\n\(r.stderr)")
        // Where the holder took the lock: its manual lock() call, line 58,
        // which the lock kept while held (no stack has that line).
        XCTAssertTrue(r.stderr.contains("\nConfig.lock #1 was taken at lock_wait_timeout/main.swift:58 by thread 'loader'\n"),
                      r.stderr)
        XCTAssertFalse(r.stderr.contains("first taken at"), "no stand-in when the line is known:\n\(r.stderr)")
        // The holder's stack, asked of it with a signal: where it sits (slowRead),
        // called from the thread's closure (line 60); lock() is not on it.
        let holder = try XCTUnwrap(section(of: r.stderr, startingWith: "the holder 'loader' (tid "), r.stderr)
        XCTAssertTrue(holder.contains(" into the wait, at:\n"), holder)
        XCTAssertTrue(holder.contains("lock_wait_timeout.slowRead()"), "the function the holder sits in:\n\(holder)")
        XCTAssertTrue(holder.contains("main.swift:60)"), "the holder's call of slowRead:\n\(holder)")
        XCTAssertFalse(holder.contains("main.swift:58)"), holder)
        XCTAssertFalse(holder.contains("unavailable"), holder)
        XCTAssertEqual(r.stdout, "read: answer = 42\n")
    }

    func test_long_wait_whose_holder_blocks_signals_still_reports_without_its_stack() throws {
        let r = try run("lock-wait-timeout", ["--holder-blocks-signals"],
                        environment: ["LOCKCHECK": "report", "LOCKCHECK_WAIT_TIMEOUT": "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.rules, ["lock-wait-timeout"], r.stderr)
        XCTAssertTrue(r.stderr.contains("for Config.lock #1, held by 'loader' (tid "), r.stderr)
        XCTAssertTrue(r.stderr.contains("its current stack is unavailable: it did not answer signal "), r.stderr)
        XCTAssertFalse(r.stderr.contains("lock_wait_timeout.slowRead()"), r.stderr)
        XCTAssertTrue(r.stderr.contains("Config.lock #1 was taken at lock_wait_timeout/main.swift:58 by thread 'loader'"),
                      "where it took the lock needs no signal:\n\(r.stderr)")
        XCTAssertTrue(r.stderr.contains("lock_wait_timeout"), "the waiter's stack:\n\(r.stderr)")
        XCTAssertEqual(r.stdout, "read: answer = 42\n")
    }

    func test_long_wait_with_the_holder_signal_off_says_so() throws {
        let r = try run("lock-wait-timeout", environment: ["LOCKCHECK": "report", "LOCKCHECK_WAIT_TIMEOUT": "1",
                                                           "LOCKCHECK_HOLDER_SIGNAL": "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.rules, ["lock-wait-timeout"], r.stderr)
        XCTAssertTrue(r.stderr.contains("its current stack is unavailable: asking holders is off (LOCKCHECK_HOLDER_SIGNAL=0)"), r.stderr)
    }

    /// The text from the line starting with `prefix` to the next blank line.
    private func section(of text: String, startingWith prefix: String) -> String? {
        guard let start = text.range(of: "\n" + prefix) else { return nil }
        let rest = text[start.lowerBound...].dropFirst()
        return String(rest[..<(rest.range(of: "\n\n")?.lowerBound ?? rest.endIndex)])
    }

    func test_long_wait_with_the_timeout_off_stays_silent() throws {
        let r = try run("lock-wait-timeout", environment: ["LOCKCHECK": "report", "LOCKCHECK_WAIT_TIMEOUT": "0"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.rules, [], r.stderr)
    }

    func test_lock_wait_timeout_fixed_stays_silent() throws {
        let r = try run("lock-wait-timeout", ["--fixed"], environment: ["LOCKCHECK": "trap", "LOCKCHECK_WAIT_TIMEOUT": "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.rules, [], r.stderr)
    }
}
