import Foundation
import LockGraph
import XCTest
@testable import Instrumented

/// The live hang rules on real processes: Examples/deadlock-abba,
/// deadlock-ring and lock-wait-timeout, each with its `--fixed` twin.
/// Each run is bounded by `timeout(1)`: a hang that lockcheck missed fails
/// the test (status 124) instead of stalling CI.
final class HangExampleTests: XCTestCase {
    private func example(_ name: String) throws -> URL {
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let url = exe.deletingLastPathComponent().appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw XCTSkip("\(name) is not built next to \(exe.path); run `swift build` first")
        }
        return url
    }

    private struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        /// The `lockcheck: [rule]` headlines, in order.
        var rules: [String] {
            stderr.split(separator: "\n").compactMap { line in
                guard line.hasPrefix("lockcheck: ["), let end = line.firstIndex(of: "]") else { return nil }
                return String(line[line.index(line.startIndex, offsetBy: 12)..<end])
            }
        }
    }

    private func run(_ name: String, _ arguments: [String] = [], environment: [String: String]) throws -> Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["60", try example(name).path] + arguments
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("LOCKCHECK") { env[key] = nil }
        env["SWIFT_BACKTRACE"] = "enable=no"
        // Under `--sanitize=thread` the examples are TSan builds: its own
        // lock-order check would report the deadlocks first; data races stay on.
        env["TSAN_OPTIONS"] = "detect_deadlocks=0"
        env.merge(environment) { $1 }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let run = Run(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
        XCTAssertFalse(run.stderr.contains("ThreadSanitizer"), "a data race in \(name):\n\(run.stderr)")
        return run
    }

    // MARK: deadlock

    func test_abba_deadlock_traps_with_one_report_naming_both_threads_and_locks() throws {
        let r = try run("deadlock-abba", environment: ["LOCKCHECK": "trap"])
        XCTAssertNotEqual(r.status, 0, r.stderr)
        XCTAssertNotEqual(r.status, 124, "timed out: the deadlock was not reported\n\(r.stderr)")
        XCTAssertEqual(r.rules, ["deadlock"], r.stderr)
        XCTAssertTrue(r.stderr.contains("'teller-1' waits for Account #2 held by 'teller-2'; 'teller-2' waits for Account #1 held by 'teller-1'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("stopping at violation [deadlock]"), r.stderr)
        XCTAssertTrue(r.stderr.contains("deadlock_abba.transfer"), "each blocked stack, symbolicated:\n\(r.stderr)")
        XCTAssertEqual(r.stdout, "")
    }

    func test_abba_deadlock_under_report_is_reported_once() throws {
        // report mode keeps running: the threads stay blocked, so the run
        // ends by timeout; the report must still be there, once.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["-s", "KILL", "3", try example("deadlock-abba").path]
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("LOCKCHECK") { env[key] = nil }
        env["LOCKCHECK"] = "report"
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(text.components(separatedBy: "lockcheck: [deadlock]").count - 1, 1, text)
    }

    func test_abba_fixed_stays_silent() throws {
        let r = try run("deadlock-abba", ["--fixed"], environment: ["LOCKCHECK": "trap"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.rules, [])
        XCTAssertEqual(r.stdout, "alice: 80, bob: 120\n")
    }

    func test_three_thread_ring_traps_with_every_thread_in_the_cycle() throws {
        let r = try run("deadlock-ring", environment: ["LOCKCHECK": "trap"])
        XCTAssertNotEqual(r.status, 0, r.stderr)
        XCTAssertNotEqual(r.status, 124, "timed out: the deadlock was not reported\n\(r.stderr)")
        XCTAssertEqual(r.rules, ["deadlock"], r.stderr)
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
        XCTAssertEqual(r.stdout, "read: answer = 42\n")
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
