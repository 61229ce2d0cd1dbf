import Foundation
import XCTest

/// LockCheckTesting as a user meets it: `swift test` on the fixture package
/// Examples/lockchecked-tests (which depends on lockcheck by path) fails
/// exactly the tests that raised a violation, in Swift Testing and in XCTest,
/// including a violation raised on a plain thread; points each failure at
/// the acquisition in the fixture's own code; and fails the run for a
/// violation raised after every test finished.
final class LockCheckTestingEndToEndTests: XCTestCase {
    func test_swift_test_fails_exactly_the_tests_that_raised_a_violation() throws {
        let swift = Tool.find("swift") ?? "/opt/swift/usr/bin/swift"
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("LOCKCHECK") { env[key] = nil }
        let fixture = Lockcheck.path("Examples/lockchecked-tests")
        // A fixture built before lockcheck's sources moved keeps a build plan
        // naming the old files ("missing inputs"), and a clang module cache
        // that misses a header added to an umbrella directory: make SwiftPM
        // plan again and clang rebuild its modules (Swift objects are kept).
        let build = URL(fileURLWithPath: fixture).appendingPathComponent(".build")
        for triple in (try? FileManager.default.contentsOfDirectory(atPath: build.path)) ?? [] {
            for stale in ["description.json", "ModuleCache"] {
                try? FileManager.default.removeItem(at: build.appendingPathComponent("\(triple)/debug/\(stale)"))
            }
        }
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
        // After every test: printed, and the run fails for it.
        XCTAssertTrue(output.contains("'xc.after.a' and 'xc.after.b' are taken in opposite orders"), output)
        XCTAssertTrue(output.contains("lockcheck: 1 violation raised while no lock-checked test was running (printed above); failing the test run"), output)
    }
}
