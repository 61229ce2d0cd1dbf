import Foundation
import XCTest

/// `lockcheck baseline` and `analyze --baseline / --suppressions`: a team
/// turns lockcheck on with today's violations accepted and fails only on new
/// ones.
final class BaselineTests: XCTestCase {
    private let abba = "Examples/traces/abba-bank-transfer.log"
    private let seed0 = "Examples/traces/seed-000-headless-free-in-irq.log"
    private let seed2 = "Examples/traces/seed-002-alloc-under-raw-lock.log"

    private func baseline(_ traces: [String], in dir: TempDir) throws -> String {
        let r = try Lockcheck.run(["baseline"] + traces)
        XCTAssertEqual(r.status, 0, r.stderr)
        return dir.file("lockcheck-baseline.json", r.stdout)
    }

    func test_baseline_file_is_versioned_and_keyed_by_fingerprint() throws {
        let r = try Lockcheck.run(["baseline", abba, seed0])
        XCTAssertEqual(r.status, 0, "a baseline is written whatever it holds")
        let doc = try r.json()
        XCTAssertEqual(doc["format"] as? String, "lockcheck-baseline")
        XCTAssertEqual(doc["version"] as? Int, 1)
        let entries = try XCTUnwrap(doc["violations"] as? [[String: Any]])
        XCTAssertEqual(entries.compactMap { $0["rule"] as? String }, ["lock-order-inversion", "sleep-in-atomic"])
        XCTAssertEqual(entries.first?["classes"] as? [String], ["Account.alice", "Account.bob"])
        for e in entries {
            XCTAssertEqual((e["fingerprint"] as? String)?.count, 16)
            XCTAssertFalse((e["message"] as? String ?? "").isEmpty)
        }
        XCTAssertFalse(r.stdout.contains("6051"), "no seq numbers in the baseline")
        XCTAssertTrue(r.stderr.contains("baseline of 2 violations"), r.stderr)
        // The same traces in another order give the same file.
        XCTAssertEqual(try Lockcheck.run(["baseline", seed0, abba]).stdout, r.stdout)
    }

    func test_baseline_output_option_writes_the_file() throws {
        let dir = try TempDir()
        let path = dir.path("out.json")
        let r = try Lockcheck.run(["baseline", "-o", path, abba])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), try Lockcheck.run(["baseline", abba]).stdout)
    }

    func test_same_traces_against_their_baseline_exit_0() throws {
        let dir = try TempDir()
        let file = try baseline([abba, seed0], in: dir)
        let r = try Lockcheck.run(["analyze", "--baseline", file, abba, seed0])
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertFalse(r.stdout.contains("possible unsafe locking scenario"), "baselined reports are not printed in full")
        XCTAssertTrue(r.stdout.contains("baselined (known, not failing): 2"), r.stdout)
        XCTAssertTrue(r.stdout.contains("[lock-order-inversion] Account.alice, Account.bob"), r.stdout)
        XCTAssertTrue(r.stdout.contains("no new violations, 2 baselined, 0 suppressed"), r.stdout)
    }

    func test_one_new_violation_exits_1_naming_it() throws {
        let dir = try TempDir()
        let file = try baseline([abba], in: dir)
        let r = try Lockcheck.run(["analyze", "--baseline", file, abba, seed2])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("lockcheck: [alloc-under-raw-lock]"), "the new one is reported in full:\n\(r.stdout)")
        XCTAssertFalse(r.stdout.contains("lockcheck: [lock-order-inversion]"), r.stdout)
        XCTAssertTrue(r.stdout.contains("1 new violation (alloc-under-raw-lock: 1), 1 baselined"), r.stdout)
        let json = try Lockcheck.run(["analyze", "--format", "json", "--baseline", file, abba, seed2])
        XCTAssertEqual(json.status, 1)
        let violations = try XCTUnwrap(try json.json()["violations"] as? [[String: Any]])
        // Inversions come last: they are derived from the whole graph once every input is read.
        XCTAssertEqual(violations.map { "\($0["rule"] ?? "") \($0["status"] ?? "")" },
                       ["alloc-under-raw-lock new", "lock-order-inversion baselined"])
        let summary = try XCTUnwrap(try json.json()["summary"] as? [String: Any])
        XCTAssertEqual(summary["new"] as? Int, 1)
        XCTAssertEqual(summary["baselined"] as? Int, 1)
    }

    func test_fixed_violations_are_listed_as_no_longer_found() throws {
        let dir = try TempDir()
        let file = try baseline([abba, seed0], in: dir)
        let r = try Lockcheck.run(["analyze", "--baseline", file, abba])
        XCTAssertEqual(r.status, 0, "a violation that disappeared does not fail the run")
        XCTAssertTrue(r.stdout.contains("no longer found"), r.stdout)
        XCTAssertTrue(r.stdout.contains("[sleep-in-atomic]"), r.stdout)
        let json = try Lockcheck.run(["analyze", "--format", "json", "--baseline", file, abba]).json()
        let absent = (json["summary"] as? [String: Any])?["absentFromBaseline"] as? [[String: Any]]
        XCTAssertEqual(absent?.compactMap { $0["rule"] as? String }, ["sleep-in-atomic"])
    }

    func test_bad_baseline_files_exit_2() throws {
        let dir = try TempDir()
        for (name, text, phrase) in [("notjson.json", "{ nope", "not valid JSON"),
                                     ("other.json", #"{"version": 1, "violations": []}"#, "not a lockcheck baseline"),
                                     ("future.json", #"{"format": "lockcheck-baseline", "version": 9, "violations": []}"#, "version 9")] {
            let path = dir.file(name, text)
            let r = try Lockcheck.run(["analyze", "--baseline", path, abba])
            XCTAssertEqual(r.status, 2, name)
            XCTAssertTrue(r.stderr.contains(path) && r.stderr.contains(phrase), "\(name): \(r.stderr)")
        }
        let missing = try Lockcheck.run(["analyze", "--baseline", dir.path("missing.json"), abba])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("missing.json"), missing.stderr)
    }

    // MARK: Suppressions

    func test_suppressed_violation_does_not_fail_and_is_listed_with_its_reason() throws {
        let dir = try TempDir()
        let file = dir.file("suppressions.json", """
            { "version": 1, "suppressions": [
              { "rule": "alloc-under-raw-lock", "classes": ["krc.lock"], "reason": "kvfree_rcu page refill; fixed by __GFP_NO_LOCKS upstream" } ] }
            """)
        let r = try Lockcheck.run(["analyze", "--suppressions", file, seed2])
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertTrue(r.stdout.contains("suppressed (not failing): 1"), r.stdout)
        XCTAssertTrue(r.stdout.contains("reason: kvfree_rcu page refill"), r.stdout)
        XCTAssertTrue(r.stdout.contains("no new violations, 0 baselined, 1 suppressed"), r.stdout)
        // Another rule still fails.
        let r2 = try Lockcheck.run(["analyze", "--suppressions", file, seed2, abba])
        XCTAssertEqual(r2.status, 1)
    }

    func test_suppression_for_other_classes_does_not_apply() throws {
        let dir = try TempDir()
        let file = dir.file("s.json", #"[{"rule": "alloc-under-raw-lock", "classes": ["other.lock"], "reason": "not this one"}]"#)
        let r = try Lockcheck.run(["analyze", "--suppressions", file, seed2])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("suppression 1 ([alloc-under-raw-lock] other.lock) matched no violation"), r.stderr)
    }

    func test_suppression_without_reason_exits_2() throws {
        let dir = try TempDir()
        let file = dir.file("s.json", #"[{"rule": "alloc-under-raw-lock", "classes": ["krc.lock"]}]"#)
        let r = try Lockcheck.run(["analyze", "--suppressions", file, seed2])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains(file) && r.stderr.contains("\"reason\" is required"), r.stderr)
        XCTAssertEqual(r.stdout, "", "nothing is analysed with unusable suppressions")
    }

    func test_bad_suppression_files_exit_2() throws {
        let dir = try TempDir()
        for (text, phrase) in [(#"[{"rule": "no-such-rule", "reason": "x"}]"#, "unknown rule \"no-such-rule\""),
                               (#"[{"rule": "recursive-lock", "reason": "x", "clases": ["A"]}]"#, "unknown member \"clases\""),
                               (#"[{"rule": "recursive-lock", "reason": "x"},]"#, "not valid JSON")] {
            let file = dir.file("s.json", text)
            let r = try Lockcheck.run(["analyze", "--suppressions", file, abba])
            XCTAssertEqual(r.status, 2, text)
            XCTAssertTrue(r.stderr.contains(phrase), "\(text): \(r.stderr)")
        }
    }

    func test_baseline_and_suppressions_together() throws {
        let dir = try TempDir()
        let file = try baseline([abba], in: dir)
        let s = dir.file("s.json", #"[{"rule": "sleep-in-atomic", "reason": "legacy irq path, rewrite planned"}]"#)
        let r = try Lockcheck.run(["analyze", "--baseline", file, "--suppressions", s, abba, seed0])
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertTrue(r.stdout.contains("no new violations, 1 baselined, 1 suppressed"), r.stdout)
    }
}
