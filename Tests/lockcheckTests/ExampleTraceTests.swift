import Foundation
import XCTest

/// The example traces of Examples/traces, analysed by the built binary:
/// each reports exactly the rules its README line promises, with exit 1, and
/// the clean and fixed ones exit 0.
final class ExampleTraceTests: XCTestCase {
    private func analyze(_ files: [String], _ extra: [String] = []) throws -> CommandResult {
        try Lockcheck.run(["analyze", "--format", "json"] + extra + files.map { "Examples/traces/\($0)" })
    }

    private func expect(_ files: [String], rules: [String], classes: [String]? = nil,
                        file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try analyze(files)
        XCTAssertEqual(r.status, rules.isEmpty ? 0 : 1, r.stderr, file: file, line: line)
        XCTAssertEqual(try r.rules(), rules, r.stdout, file: file, line: line)
        if let classes {
            let v = try XCTUnwrap((try r.json()["violations"] as? [[String: Any]])?.first, file: file, line: line)
            XCTAssertEqual(v["classes"] as? [String], classes, file: file, line: line)
        }
    }

    func test_seed_002_alloc_under_raw_lock() throws {
        try expect(["seed-002-alloc-under-raw-lock.log"], rules: ["alloc-under-raw-lock"], classes: ["krc.lock"])
    }

    func test_seed_002_stays_silent_without_raw_nesting() throws {
        let r = try analyze(["seed-002-alloc-under-raw-lock.log"], ["--raw-nesting", "off"])
        XCTAssertEqual(r.status, 0, r.stdout)
        XCTAssertEqual(try r.rules(), [])
    }

    func test_seed_000_headless_free_in_irq() throws {
        try expect(["seed-000-headless-free-in-irq.log"], rules: ["sleep-in-atomic"])
    }

    func test_seed_001_double_deferred_free() throws {
        try expect(["seed-001-double-deferred-free.log"], rules: ["double-deferred-free"])
    }

    func test_seed_003_destroy_with_pending_free() throws {
        try expect(["seed-003-destroy-with-pending-free.log"], rules: ["destroy-with-pending-free"])
    }

    func test_seed_003_fixed_with_barrier_is_clean() throws {
        try expect(["seed-003-fixed.log"], rules: [])
    }

    func test_seed_004_use_after_destroy() throws {
        try expect(["seed-004-use-after-destroy.log"], rules: ["use-after-destroy"])
    }

    func test_ABBA_bank_transfer() throws {
        try expect(["abba-bank-transfer.log"], rules: ["lock-order-inversion"], classes: ["Account.alice", "Account.bob"])
    }

    func test_clean_program() throws {
        try expect(["clean.log"], rules: [])
    }

    func test_split_inversion_each_half_alone_is_clean() throws {
        try expect(["split-inversion-a.log"], rules: [])
        try expect(["split-inversion-b.log"], rules: [])
    }

    func test_split_inversion_found_across_two_processes() throws {
        try expect(["split-inversion-a.log", "split-inversion-b.log"], rules: ["lock-order-inversion"],
                   classes: ["cache.mutex", "zone.lock"])
        // The order of the files does not matter.
        try expect(["split-inversion-b.log", "split-inversion-a.log"], rules: ["lock-order-inversion"],
                   classes: ["cache.mutex", "zone.lock"])
    }

    func test_json_has_the_rules_md_schema() throws {
        let r = try analyze(["split-inversion-a.log", "split-inversion-b.log"])
        let doc = try r.json()
        XCTAssertEqual(doc["version"] as? Int, 1)
        let v = try XCTUnwrap((doc["violations"] as? [[String: Any]])?.first)
        for key in ["rule", "message", "classes", "thread", "seq", "file", "line", "stacks"] {
            XCTAssertNotNil(v[key], "violation lacks \(key)")
        }
        XCTAssertEqual(v["file"] as? String, "Examples/traces/split-inversion-b.log")
        XCTAssertFalse((v["stacks"] as? [[String]] ?? []).isEmpty)
        let chain = try XCTUnwrap(v["chain"] as? [[String: Any]])
        XCTAssertEqual(chain.count, 2)
        XCTAssertEqual(chain.filter { $0["new"] as? Bool == true }.count, 1)
        let summary = try XCTUnwrap(doc["summary"] as? [String: Any])
        for key in ["events", "threads", "classes", "dependencies", "violations"] {
            XCTAssertNotNil(summary[key] as? Int, "summary lacks \(key)")
        }
        XCTAssertEqual(summary["violations"] as? Int, 1)
        XCTAssertEqual(summary["threads"] as? Int, 3)
    }

    func test_text_report_has_lockdep_layout() throws {
        let r = try Lockcheck.run(["analyze", "Examples/traces/abba-bank-transfer.log"])
        XCTAssertEqual(r.status, 1)
        for part in ["[lock-order-inversion]", "taken in opposite orders; two threads doing so can deadlock",
                     "is trying to acquire:", "but already holds", "which closes this cycle", "(new: this acquisition)",
                     "possible unsafe locking scenario:", "CPU0", "CPU1", "*** DEADLOCK ***", "hint:",
                     "Bank.transfer(from:to:amount:) (Bank.swift:42)", "abba-bank-transfer.log:",
                     "lockcheck: ", "1 violation (lock-order-inversion: 1)"] {
            XCTAssertTrue(r.stdout.contains(part), "text report lacks \(part):\n\(r.stdout)")
        }
        XCTAssertFalse(r.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
    }

    func test_fail_on_selects_the_rules_that_fail_the_run() throws {
        let files = ["Examples/traces/seed-000-headless-free-in-irq.log"]
        let r = try Lockcheck.run(["analyze", "--fail-on", "lock-order-inversion"] + files)
        XCTAssertEqual(r.status, 0, "sleep-in-atomic is reported but does not fail the run")
        XCTAssertTrue(r.stdout.contains("[sleep-in-atomic]"))
        let r2 = try Lockcheck.run(["analyze", "--fail-on", "sleep-in-atomic,lock-order-inversion"] + files)
        XCTAssertEqual(r2.status, 1)
    }

    func test_standard_input() throws {
        let data = try Data(contentsOf: Lockcheck.root.appendingPathComponent("Examples/traces/abba-bank-transfer.log"))
        let r = try Lockcheck.run(["analyze", "--format", "json", "-"], stdin: data)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try r.rules(), ["lock-order-inversion"])
    }

    func test_every_example_trace_analyses_without_crashing() throws {
        let dir = Lockcheck.root.appendingPathComponent("Examples/traces")
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".log") {
            let r = try Lockcheck.run(["analyze", "Examples/traces/\(name)"])
            XCTAssertTrue(r.status == 0 || r.status == 1, "\(name): exit \(r.status)\n\(r.stderr)")
        }
    }
}

/// `--save-graph` and graph inputs, through the binary.
final class SavedGraphTests: XCTestCase {
    func test_graphs_saved_by_two_jobs_find_the_split_inversion() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lockcheck-graphs-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var graphs: [String] = []
        for half in ["a", "b"] {
            let g = dir.appendingPathComponent("\(half).graph").path
            let r = try Lockcheck.run(["analyze", "--save-graph", g, "Examples/traces/split-inversion-\(half).log"])
            XCTAssertEqual(r.status, 0, r.stderr)
            graphs.append(g)
        }
        let r = try Lockcheck.run(["analyze", "--format", "json"] + graphs)
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertEqual(try r.rules(), ["lock-order-inversion"])
        let mixed = try Lockcheck.run(["analyze", "--format", "json", graphs[0], "Examples/traces/split-inversion-b.log"])
        XCTAssertEqual(try mixed.rules(), ["lock-order-inversion"], "graphs and traces mix")
    }

    /// The fingerprints of a JSON run's violations.
    private func fingerprints(_ r: CommandResult) throws -> Set<String> {
        let violations = try XCTUnwrap(try r.json()["violations"] as? [[String: Any]], r.stderr)
        return Set(violations.compactMap { $0["fingerprint"] as? String })
    }

    private static let traces = ["split-inversion-a.log", "split-inversion-b.log", "abba-bank-transfer.log",
                                 "seed-002-alloc-under-raw-lock.log", "seed-004-use-after-destroy.log"].map { "Examples/traces/\($0)" }

    func test_every_order_of_the_inputs_reports_the_same_violations() throws {
        let reference = try fingerprints(try Lockcheck.run(["analyze", "--format", "json"] + Self.traces))
        XCTAssertGreaterThanOrEqual(reference.count, 4)
        for order in [[4, 3, 2, 1, 0], [1, 0, 3, 2, 4], [2, 4, 0, 3, 1]] {
            let r = try Lockcheck.run(["analyze", "--format", "json"] + order.map { Self.traces[$0] })
            XCTAssertEqual(r.status, 1, r.stderr)
            XCTAssertEqual(try fingerprints(r), reference, "order \(order)")
        }
    }

    func test_merged_graphs_report_every_rule_the_traces_report() throws {
        let dir = try TempDir()
        var graphs: [String] = []
        for (i, trace) in Self.traces.enumerated() {
            let g = dir.path("job-\(i).lcg")
            let r = try Lockcheck.run(["analyze", "--save-graph", g, trace])
            XCTAssertLessThanOrEqual(r.status, 1, r.stderr)
            graphs.append(g)
        }
        let together = try Lockcheck.run(["analyze", "--format", "json"] + Self.traces)
        let merged = try Lockcheck.run(["analyze", "--format", "json"] + graphs.reversed())
        XCTAssertEqual(merged.status, 1, merged.stderr)
        XCTAssertEqual(try merged.rules().sorted(), try together.rules().sorted())
        XCTAssertTrue(try merged.rules().contains("alloc-under-raw-lock"), "a per-process rule, carried by the graph")
        XCTAssertEqual(try fingerprints(merged), try fingerprints(together))
        // The text report of a carried violation is the one the job printed.
        let job = try Lockcheck.run(["analyze", Self.traces[3]])
        let fromGraph = try Lockcheck.run(["analyze", graphs[3]])
        XCTAssertEqual(job.stdout.split(separator: "\n").dropLast(), fromGraph.stdout.split(separator: "\n").dropLast(),
                       "all but the summary line")
        XCTAssertTrue(fromGraph.stdout.contains("seed-002-alloc-under-raw-lock.log:"), fromGraph.stdout)
    }

    func test_malformed_graph_file_is_exit_2_with_file_and_line() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(getpid()).graph").path
        try "lockcheck-graph 1\nedge\t0\t1\t8\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let r = try Lockcheck.run(["analyze", path])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("\(path):2:"), r.stderr)
    }
}
