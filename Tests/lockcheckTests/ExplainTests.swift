import Foundation
import XCTest

/// `lockcheck explain`: every rule id has an explanation whose example trace
/// fires exactly that rule.
final class ExplainTests: XCTestCase {
    func test_list_names_every_rule() throws {
        let r = try Lockcheck.run(["explain"])
        XCTAssertEqual(r.status, 0)
        let listed = r.stdout.split(separator: "\n").dropFirst().compactMap { $0.split(separator: " ").first.map(String.init) }
        XCTAssertEqual(listed, SARIFOutputTests.ruleIDs)
    }

    func test_every_rule_is_explained_in_four_parts() throws {
        for id in SARIFOutputTests.ruleIDs {
            let r = try Lockcheck.run(["explain", id])
            XCTAssertEqual(r.status, 0, id)
            XCTAssertTrue(r.stdout.hasPrefix("\(id): "), r.stdout)
            let live = !SARIFOutputTests.traceRuleIDs.contains(id)
            let example = live ? ["Example: a program (live only"] : ["Example: a minimal trace", "    lockcheck-trace 1"]
            for part in ["When it fires"] + example + ["Why it is a bug", "How to fix or annotate", "Reference"] {
                XCTAssertTrue(r.stdout.contains(part), "\(id) lacks \(part):\n\(r.stdout)")
            }
            let reference = r.stdout.components(separatedBy: "Reference\n").last ?? ""
            XCTAssertTrue(reference.contains("lockdep") || reference.contains("seed") || reference.contains("might_sleep"),
                          "\(id): the reference names lockdep or a seed:\n\(reference)")
        }
    }

    func test_every_example_fires_exactly_its_rule() throws {
        for id in SARIFOutputTests.traceRuleIDs {
            let example = try Lockcheck.run(["explain", "--example", id])
            XCTAssertEqual(example.status, 0)
            XCTAssertTrue(example.stdout.hasPrefix("lockcheck-trace 1\n"), example.stdout)
            let r = try Lockcheck.run(["analyze", "--format", "json", "-"], stdin: Data(example.stdout.utf8))
            XCTAssertEqual(r.status, 1, "\(id): \(r.stderr)")
            XCTAssertEqual(try r.rules(), [id], "\(id)'s example:\n\(example.stdout)")
        }
    }

    /// The DocC article "Every rule" has one section per rule id, in rules.md's order,
    /// each with an example, why it is a bug, and a fix.
    func test_the_every_rule_article_has_a_section_per_rule() throws {
        let text = try String(contentsOfFile: Lockcheck.path("Sources/LockGraph/LockGraph.docc/EveryRule.md"), encoding: .utf8)
        let sections = text.components(separatedBy: "\n### `").dropFirst()
        XCTAssertEqual(sections.compactMap { $0.split(separator: "`").first.map(String.init) }, SARIFOutputTests.ruleIDs)
        for section in sections {
            for part in ["**Fires**", "**Why**", "**Fix**"] {
                XCTAssertTrue(section.contains(part), "\(section.prefix(40)) lacks \(part)")
            }
        }
    }

    func test_unknown_rule_exits_2() throws {
        for args in [["explain", "no-such-rule"], ["explain", "--example", "lock-order"], ["explain", "--example"]] {
            let r = try Lockcheck.run(args)
            XCTAssertEqual(r.status, 2, "\(args)")
            XCTAssertTrue(r.stderr.contains("Error:"), r.stderr)
        }
        let live = try Lockcheck.run(["explain", "deadlock"])
        XCTAssertTrue(live.stdout.contains("live only"), live.stdout)
        let r = try Lockcheck.run(["explain", "no-such-rule"])
        XCTAssertTrue(r.stderr.contains("Unknown rule 'no-such-rule'") && r.stderr.contains("lock-order-inversion"), r.stderr)
    }
}

extension ExplainTests {
    func test_explain_the_task_lock_class() throws {
        let r = try Lockcheck.run(["explain", "swift-task-status"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("swift-task-status: the Swift runtime's task status lock"), r.stdout)
        XCTAssertTrue(r.stdout.contains("swift-nio#2558"), r.stdout)
        let help = try Lockcheck.run(["explain", "--help"])
        XCTAssertTrue(help.stdout.contains("swift-task-status"), help.stdout)
    }

    func test_explain_example_of_the_task_lock_class_exits_2() throws {
        let r = try Lockcheck.run(["explain", "--example", "swift-task-status"])
        XCTAssertEqual(r.status, 2)
    }
}
