import Foundation
import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// Examples/resume-under-lock and Examples/semaphore-wait-in-task report what
/// their headers say, live and from their recorded traces, and nothing with `--fixed`.
extension ExampleTests {
    /// Runs example `name` (with `arguments`), recording a trace; returns the
    /// live headlines, the offline rules and stdout.
    private func check(_ name: String, _ arguments: [String] = []) throws -> (live: [String], offline: [RuleID], stdout: String) {
        let trace = NSTemporaryDirectory() + "lockcheck-\(name)-\(getpid())\(arguments.joined()).log"
        defer { unlink(trace) }
        let p = Process()
        p.executableURL = try example(name)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("LOCKCHECK") { env[key] = nil }
        env["LOCKCHECK"] = "report"
        env["LOCKCHECK_TRACE"] = trace
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let live = String(decoding: errData, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("lockcheck: [") }.map(String.init)
        final class Found: @unchecked Sendable { var items: [Violation] = [] }
        let found = Found()
        let analyzer = TraceAnalyzer { found.items.append($0) }
        try analyzer.analyze(TraceReader(path: trace))
        analyzer.finish()
        return (live, found.items.map(\.rule), String(decoding: outData, as: UTF8.self))
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
}
