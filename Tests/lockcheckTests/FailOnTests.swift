import XCTest

/// `--fail-on` values are rule ids (RuleID parses them): a comma-separated
/// list, repeatable, or `all`; an unknown id is refused with the list.
final class FailOnTests: XCTestCase {
    private let abba = "Examples/traces/abba-bank-transfer.log"

    func test_fail_on_a_listed_rule_that_fires_exits_1() throws {
        XCTAssertEqual(try Lockcheck.run(["analyze", "--fail-on", "recursive-lock,lock-order-inversion", abba]).status, 1)
        XCTAssertEqual(try Lockcheck.run(["analyze", "--fail-on", "recursive-lock", "--fail-on", "lock-order-inversion", abba]).status, 1)
        XCTAssertEqual(try Lockcheck.run(["analyze", "--fail-on", "recursive-lock", "--fail-on", "all", abba]).status, 1)
    }

    func test_fail_on_rules_that_stay_silent_exits_0() throws {
        let r = try Lockcheck.run(["analyze", "--fail-on", "recursive-lock,sleep-in-atomic", abba])
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.contains("lock-order-inversion"), "still reported: \(r.stdout)")
    }

    func test_an_unknown_rule_in_a_list_is_refused_naming_it() throws {
        let r = try Lockcheck.run(["analyze", "--fail-on", "recursive-lock,no-such-rule", abba])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("Unknown rule 'no-such-rule'") && r.stderr.contains("use-after-destroy"), r.stderr)
    }
}
