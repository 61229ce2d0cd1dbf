import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest

/// `lockcheck analyze --format junit`: well-formed XML, one test case per
/// rule, failed (with the text reports) exactly for the rules that fail the run.
final class JUnitOutputTests: XCTestCase {
    private struct Suite {
        var attributes: [String: String]
        /// name -> (failure body, failure message, system-out)
        var cases: [String: (failure: String?, message: String?, out: String?)]
        var caseOrder: [String]
    }

    private func junit(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (CommandResult, Suite) {
        let r = try Lockcheck.run(["analyze", "--format", "junit"] + args)
        XCTAssertTrue(r.status == 0 || r.status == 1, r.stderr, file: file, line: line)
        let doc = try XMLDocument(data: Data(r.stdout.utf8), options: [])
        let root = try XCTUnwrap(doc.rootElement(), file: file, line: line)
        XCTAssertEqual(root.name, "testsuites", file: file, line: line)
        let suites = root.elements(forName: "testsuite")
        XCTAssertEqual(suites.count, 1, file: file, line: line)
        let suite = try XCTUnwrap(suites.first, file: file, line: line)
        var attributes: [String: String] = [:]
        for a in suite.attributes ?? [] { attributes[a.name ?? ""] = a.stringValue }
        for key in ["tests", "failures", "errors", "skipped", "time"] {
            XCTAssertEqual(root.attribute(forName: key)?.stringValue, attributes[key], "testsuites and testsuite agree on \(key)", file: file, line: line)
        }
        var cases: [String: (String?, String?, String?)] = [:]
        var order: [String] = []
        for c in suite.elements(forName: "testcase") {
            XCTAssertEqual(c.attribute(forName: "classname")?.stringValue, "lockcheck", file: file, line: line)
            let name = c.attribute(forName: "name")?.stringValue ?? ""
            let failure = c.elements(forName: "failure").first
            cases[name] = (failure?.stringValue, failure?.attribute(forName: "message")?.stringValue,
                           c.elements(forName: "system-out").first?.stringValue)
            order.append(name)
        }
        return (r, Suite(attributes: attributes, cases: cases, caseOrder: order))
    }

    func test_ABBA_and_seed_000_fail_two_test_cases_with_their_reports() throws {
        let (r, suite) = try junit(["Examples/traces/abba-bank-transfer.log", "Examples/traces/seed-000-headless-free-in-irq.log"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(suite.caseOrder, SARIFOutputTests.ruleIDs, "one test case per rule id")
        XCTAssertEqual(suite.attributes["tests"], String(SARIFOutputTests.ruleIDs.count))
        XCTAssertEqual(suite.attributes["failures"], "2")
        XCTAssertEqual(suite.attributes["errors"], "0")
        XCTAssertEqual(suite.attributes["skipped"], "0")
        XCTAssertNotNil(Double(suite.attributes["time"] ?? ""))
        let failed = suite.cases.filter { $0.value.failure != nil }.keys.sorted()
        XCTAssertEqual(failed, ["lock-order-inversion", "sleep-in-atomic"])
        let body = suite.cases["lock-order-inversion"]?.failure ?? ""
        for part in ["[lock-order-inversion]", "which closes this cycle", "'teller-2'", "Bank.transfer(from:to:amount:) (Bank.swift:43)", "-> #0 Account.bob -(EN)-> Account.alice"] {
            XCTAssertTrue(body.contains(part), "failure body lacks \(part):\n\(body)")
        }
        XCTAssertEqual(suite.cases["lock-order-inversion"]?.message, "1 violation: possible circular locking dependency detected")
    }

    func test_clean_trace_passes_every_test_case() throws {
        let (r, suite) = try junit(["Examples/traces/clean.log"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(suite.attributes["tests"], String(SARIFOutputTests.ruleIDs.count))
        XCTAssertEqual(suite.attributes["failures"], "0")
        XCTAssertTrue(suite.cases.values.allSatisfy { $0.failure == nil })
    }

    func test_rules_outside_fail_on_are_listed_but_do_not_fail() throws {
        let (r, suite) = try junit(["--fail-on", "lock-order-inversion", "Examples/traces/seed-000-headless-free-in-irq.log"])
        XCTAssertEqual(r.status, 0)
        XCTAssertEqual(suite.attributes["failures"], "0")
        XCTAssertNil(suite.cases["sleep-in-atomic"]?.failure)
        XCTAssertTrue(suite.cases["sleep-in-atomic"]?.out?.contains("not failing") == true, "\(suite.cases["sleep-in-atomic"] as Any)")
    }

    func test_baselined_violations_do_not_fail_their_test_case() throws {
        let dir = try TempDir()
        let abba = "Examples/traces/abba-bank-transfer.log"
        let baseline = dir.file("b.json", try Lockcheck.run(["baseline", abba]).stdout)
        let (r, suite) = try junit(["--baseline", baseline, abba, "Examples/traces/seed-002-alloc-under-raw-lock.log"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(suite.attributes["failures"], "1")
        XCTAssertNotNil(suite.cases["alloc-under-raw-lock"]?.failure)
        XCTAssertNil(suite.cases["lock-order-inversion"]?.failure)
        XCTAssertTrue(suite.cases["lock-order-inversion"]?.out?.hasPrefix("baselined") == true)
    }

    func test_names_with_markup_stay_well_formed() throws {
        let dir = try TempDir()
        let trace = dir.file("markup.log", """
            lockcheck-trace 1
            thread 1 <main> & "co"
            class 1 mutex Map<K, V>.lock & 'x'
            lock 1 1
            lock 2 1
            1 1 acquire 1
            2 1 acquire 2

            """)
        let (r, suite) = try junit([trace])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(suite.cases["recursive-lock"]?.failure?.contains("Map<K, V>.lock & 'x'") == true)
    }
}
