import Foundation
import XCTest

/// LockCheckTesting as a user meets it: `swift test` on the fixture package
/// Examples/lockchecked-tests (which depends on lockcheck by path) fails
/// exactly the tests that raised a violation, in Swift Testing and in XCTest,
/// including a violation raised on a plain thread; points each failure at
/// the acquisition in the fixture's own code; and fails the run for a
/// violation raised after every test finished.
final class LockCheckTestingEndToEndTests: XCTestCase {
    let swift = Tool.find("swift") ?? "/opt/swift/usr/bin/swift"
    let fixture = Lockcheck.path("Examples/lockchecked-tests")

    /// The environment without any LOCKCHECK setting, plus `extra`.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("LOCKCHECK") || key.hasPrefix("LEDGER_") { env[key] = nil }
        return env.merging(extra) { $1 }
    }

    // A fixture built before lockcheck's sources moved keeps a build plan
    // naming the old files ("missing inputs"), and a clang module cache
    // that misses a header added to an umbrella directory: make SwiftPM
    // plan again and clang rebuild its modules (Swift objects are kept).
    func removeStaleBuildPlan() {
        let build = URL(fileURLWithPath: fixture).appendingPathComponent(".build")
        for triple in (try? FileManager.default.contentsOfDirectory(atPath: build.path)) ?? [] {
            for stale in ["description.json", "ModuleCache"] {
                try? FileManager.default.removeItem(at: build.appendingPathComponent("\(triple)/debug/\(stale)"))
            }
        }
    }

    func test_swift_test_fails_exactly_the_tests_that_raised_a_violation() throws {
        removeStaleBuildPlan()
        let env = environment()
        let r = try Tool.run(swift, ["test", "--package-path", fixture], environment: env)
        let output = r.stdout + "\n" + r.stderr
        XCTAssertNotEqual(r.status, 0, "the run fails:\n\(output)")
        XCTAssertFalse(output.contains("error: compile") || output.contains("error: fatalError"), output)

        // XCTest: "Test Case 'LedgerXCTests.testX' passed|failed (…)"
        var xctest: [String: String] = [:]
        // Swift Testing: "✔ Test name() passed after …" / "✘ Test name() failed after …"
        var swiftTesting: [String: String] = [:]
        for line in output.split(separator: "\n").map(String.init) {
            if line.hasPrefix("Test Case '"), let end = line.dropFirst(11).firstIndex(of: "'") {
                let name = String(line[line.index(line.startIndex, offsetBy: 11)..<end])
                if line.contains("' passed (") { xctest[name] = "passed" }
                if line.contains("' failed (") { xctest[name] = "failed" }
            }
            for (mark, result) in [("✔ Test ", "passed"), ("✘ Test ", "failed")] where line.hasPrefix(mark) {
                let rest = line.dropFirst(mark.count)
                if let paren = rest.range(of: "() ") , rest[paren.upperBound...].hasPrefix(result) {
                    swiftTesting[String(rest[..<paren.lowerBound])] = result
                }
            }
        }
        XCTAssertEqual(xctest, ["LedgerXCTests.testTransfersInOneOrder": "passed",
                                "LedgerXCTests.testInversionOnTheTestThread": "failed",
                                "LedgerXCTests.testInversionOnAPlainThread": "failed"], output)
        XCTAssertEqual(swiftTesting, ["transfersInOneOrder": "passed",
                                      "inversionOnTheTestTask": "failed",
                                      "inversionOnAPlainThread": "failed"], output)
        // Each failure carries the report and points at the fixture's second lock.
        let line = try XCTUnwrap(try String(contentsOfFile: Lockcheck.path("Examples/lockchecked-tests/Sources/Ledger/Ledger.swift"), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("the second lock") }) + 1
        XCTAssertEqual(output.components(separatedBy: "Ledger.swift:\(line): error: LedgerXCTests.").count - 1, 2, output)
        XCTAssertEqual(output.components(separatedBy: "recorded an issue at Ledger.swift:\(line):").count - 1, 2, output)
        for classes in ["xc.main", "xc.thread", "st.task", "st.thread"] {
            XCTAssertTrue(output.contains("'\(classes).a' and '\(classes).b' are taken in opposite orders"), "\(classes):\n\(output)")
        }
        XCTAssertFalse(output.contains("ordered.a' and"), "the passing tests raised nothing")
        // The deadlocking test stays out of the default run (LEDGER_DEADLOCK unset).
        XCTAssertTrue(output.contains("tellersDeadlock() skipped"), output)
        XCTAssertFalse(output.contains("[deadlock]") || output.contains("lockcheck: deadlock in"), output)
        // After every test: printed, and the run fails for it.
        XCTAssertTrue(output.contains("'xc.after.a' and 'xc.after.b' are taken in opposite orders"), output)
        XCTAssertTrue(output.contains("lockcheck: 1 violation raised while no lock-checked test was running (printed above); failing the test run"), output)
    }

    /// A real deadlock in a lock-checked test (the fixture's DeadlockTests,
    /// enabled by LEDGER_DEADLOCK=1) ends the test process in seconds with a
    /// non-zero status and a line naming the test, instead of hanging until
    /// CI's time limit. `timeout 60` bounds the run (status 124 if it hung).
    func test_deadlock_in_a_lock_checked_test_exits_the_run_naming_the_test() throws {
        removeStaleBuildPlan()
        let build = try Tool.run(swift, ["build", "--build-tests", "--package-path", fixture], environment: environment())
        XCTAssertEqual(build.status, 0, build.stdout + build.stderr)
        let r = try Tool.run("timeout", ["-k", "5", "60", swift, "test", "--skip-build", "--package-path", fixture,
                                         "--filter", "DeadlockTests"],
                             environment: environment(["LEDGER_DEADLOCK": "1"]))
        let output = r.stdout + "\n" + r.stderr
        XCTAssertNotEqual(r.status, 0, output)
        XCTAssertNotEqual(r.status, 124, "the run hung until the bound:\n\(output)")
        XCTAssertNotEqual(r.status, 137, "the run hung until the bound:\n\(output)")
        XCTAssertTrue(output.contains("lockcheck: [deadlock]"), output)
        XCTAssertTrue(output.contains("lockcheck: deadlock in lock-checked test tellersDeadlock(): the process cannot continue because its threads are deadlocked"), output)
        XCTAssertFalse(output.contains("lock-order-inversion"), "one class, subclass 1: only the deadlock:\n\(output)")
        XCTAssertFalse(output.contains("no deadlock happened"), output)
    }
}
