import LockGraph
import LockReports
import LockTextReport
import LockTrace
import TraceAnalysis
import XCTest

/// Saved graphs (format 2) carry the violations that cannot be derived again
/// from the graph — the rules about one thread, lock or pool — so that the
/// final CI job reports them without the traces, as analysing the traces
/// would.
final class SavedViolationTests: XCTestCase {
    private let header = "lockcheck-trace 1\n"

    /// One process with a violation of each per-process kind: sleeping under
    /// a spinlock, a recursive lock, a double unlock, a nowait allocation
    /// under a raw lock, a thread exiting with a lock held.
    private var perProcess: String {
        header + """
        thread 1 worker
        thread 2 exiter
        class 1 spinlock S
        class 2 mutex M
        class 3 raw-spinlock R
        lock 1 1
        lock 2 2
        lock 3 3
        stack 9 Worker.run() (Worker.swift:12)\tmain (main.swift:3)
        1 1 acquire 1
        2 1 sleep what=io stack=9
        3 1 release 1
        4 1 acquire 2
        5 1 acquire 2
        6 1 release 2
        7 1 release 2
        8 1 release 2
        9 1 acquire 3
        10 1 alloc nowait 64
        11 1 release 3
        12 2 acquire 2
        13 2 thread-exit

        """
    }

    /// Another process: the other half of an ABBA, and the same sleep under the same spinlock.
    private var other: String {
        header + """
        thread 1 other
        class 1 spinlock S
        class 2 mutex A
        class 3 mutex B
        lock 1 1
        lock 2 2
        lock 3 3
        1 1 acquire 2
        2 1 acquire 3
        3 1 release 3
        4 1 release 2
        5 1 acquire 3
        6 1 acquire 2
        7 1 release 2
        8 1 release 3
        9 1 acquire 1
        10 1 sleep
        11 1 release 1

        """
    }

    private func analyzed(_ traces: [(String, String)]) throws -> (TraceAnalyzer, [Violation]) {
        let c = Collected()
        let a = TraceAnalyzer { c.add($0) }
        for (name, text) in traces { try a.analyze(TraceReader(name: name, bytes: Array(text.utf8))) }
        a.finish()
        return (a, c.all)
    }

    private func merged(_ graphs: [String]) throws -> [Violation] {
        let c = Collected()
        let a = TraceAnalyzer { c.add($0) }
        for (i, g) in graphs.enumerated() { a.merge(try GraphFile(parsing: g), name: "g\(i).lcg") }
        a.finish()
        return c.all
    }

    private func byKey(_ vs: [Violation]) -> [String: Violation] {
        Dictionary(vs.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func test_a_merged_graph_reports_the_per_process_violations_as_the_trace_did() throws {
        let (a, direct) = try analyzed([("p.log", perProcess)])
        XCTAssertEqual(Set(direct.map(\.rule)), [.sleepInAtomic, .recursiveLock, .unlockUnheld, .allocUnderRawLock, .heldAtExit])
        let graph = a.graphFile().serialized()
        XCTAssertEqual(graph.split(separator: "\n").filter { $0.hasPrefix("violation\t") }.count, direct.count)
        let fromGraph = try merged([graph])
        XCTAssertEqual(fromGraph.count, direct.count)
        // The same reports, field by field: text, JSON and SARIF render them alike.
        let text = TextReport()
        for (key, v) in byKey(direct) {
            let m = try XCTUnwrap(byKey(fromGraph)[key], key)
            XCTAssertEqual(text.render(m), text.render(v))
            XCTAssertEqual(JSONReport.value(m).serialized(), JSONReport.value(v).serialized())
            XCTAssertEqual(m.fingerprint, v.fingerprint)
        }
        let sleep = try XCTUnwrap(fromGraph.first { $0.rule == .sleepInAtomic })
        XCTAssertEqual(sleep.event.file, "p.log", "the report still names the trace and line it came from")
        XCTAssertEqual(sleep.event.line, 12)
        XCTAssertEqual(sleep.event.stack, ["Worker.run() (Worker.swift:12)", "main (main.swift:3)"])
    }

    func test_merging_graphs_reports_what_the_traces_report_together_for_every_rule() throws {
        let traces = [("p.log", perProcess), ("o.log", other)]
        let (_, together) = try analyzed(traces)
        var graphs: [String] = []
        for t in traces { graphs.append(try analyzed([t]).0.graphFile().serialized()) }
        for order in [[0, 1], [1, 0]] {
            let fromGraphs = try merged(order.map { graphs[$0] })
            XCTAssertEqual(Set(fromGraphs.map(\.key)), Set(together.map(\.key)), "order \(order)")
            XCTAssertEqual(Set(fromGraphs.map(\.fingerprint)), Set(together.map(\.fingerprint)), "order \(order)")
        }
        XCTAssertTrue(together.contains { $0.rule == .lockOrderInversion })
    }

    func test_the_same_violation_from_two_graphs_is_reported_once() throws {
        let graph = try analyzed([("p.log", perProcess)]).0.graphFile().serialized()
        let twice = try merged([graph, graph])
        XCTAssertEqual(twice.count, Set(twice.map(\.key)).count)
        XCTAssertEqual(twice.count, try merged([graph]).count)
        // The sleep under S in both processes is one violation (rule + classes), as when analysed together.
        let both = try merged([graph, try analyzed([("o.log", other)]).0.graphFile().serialized()])
        XCTAssertEqual(both.filter { $0.rule == .sleepInAtomic }.count, 1)
    }

    func test_a_saved_violation_round_trips_every_field() throws {
        let (_, direct) = try analyzed([("o.log", other), ("p.log", perProcess)])
        for v in direct {
            let back = try Violation(saved: try JSONReport.parse(v.savedValue.serialized(pretty: false)))
            XCTAssertEqual(back.savedValue.serialized(), v.savedValue.serialized(), v.key)
            XCTAssertEqual(back.key, v.key)
            XCTAssertEqual(TextReport().render(back), TextReport().render(v))
        }
    }

    func test_a_saved_violation_survives_tabs_newlines_and_unicode_in_names() throws {
        var file = GraphFile()
        file.violations = [try Violation(saved: try JSONReport.parse(#"""
            {"rule":"held-at-exit","key":"held-at-exit|\u03a9\u0001|","message":"m\tn","explanation":"e","classes":[{"name":"Ω","kind":"mutex"}],
             "event":{"thread":"t 1","seq":18446744073709551615,"file":null,"line":null,"stack":[],"what":"thread-exit"},
             "trying":null,"held":[],"chain":[],"scenario":null,"contexts":[],
             "related":[{"label":"l","thread":"t","site":{"seq":1,"file":"dir with space/t\u2028.log","line":3,"stack":["f\t(x)","g\n"]}}],
             "hint":"h"}
            """#))]
        let text = file.serialized()
        XCTAssertEqual(text.split(separator: "\n", omittingEmptySubsequences: false).count, 3, "header, one record, end: \(text)")
        let back = try GraphFile(parsing: text)
        XCTAssertEqual(back.violations.first?.savedValue.serialized(), file.violations[0].savedValue.serialized())
        XCTAssertEqual(back.violations.first?.related.first?.site.stack, ["f\t(x)", "g\n"])
    }

    func test_version_1_graphs_are_still_read_and_unknown_versions_refused() throws {
        let v1 = "lockcheck-graph 1\nclass\t0\tmutex\t0\tA\nclass\t1\tmutex\t0\tB\nedge\t0\t1\t8\tt\t1:2:a.log\t0:1:a.log\n"
        let g = try GraphFile(parsing: v1)
        XCTAssertEqual(g.version, 1)
        XCTAssertEqual(g.edges.count, 1)
        XCTAssertTrue(g.serialized().hasPrefix("lockcheck-graph 2\n"), "written in the current version")
        XCTAssertThrowsError(try GraphFile(parsing: "lockcheck-graph 3\n")) { e in
            let f = e as? GraphFile.FormatError
            XCTAssertEqual(f?.line, 1)
            XCTAssertTrue(f?.message.contains("version 3 is not supported") ?? false, "\(e)")
        }
    }

    func test_malformed_violation_records_name_the_line() {
        let cases: [(String, String)] = [
            ("lockcheck-graph 1\nviolation\t{}\n", "unknown record 'violation'"),
            ("lockcheck-graph 2\n\nviolation\t{\"rule\":\n", "bad violation JSON"),
            ("lockcheck-graph 2\n\nviolation\t{\"rule\":\"nope\"}\n", "unknown rule id 'nope'"),
            ("lockcheck-graph 2\n\nviolation\t{\"rule\":\"held-at-exit\"}\n", "violation.event: missing"),
            ("lockcheck-graph 2\n\nviolation\t[1]\n", "expected an object"),
            ("lockcheck-graph 2\n\nviolation\t{}\textra\n", "bad violation line"),
        ]
        for (text, message) in cases {
            XCTAssertThrowsError(try GraphFile(parsing: text)) { e in
                let f = e as? GraphFile.FormatError
                XCTAssertEqual(f?.line, text.hasPrefix("lockcheck-graph 1") ? 2 : 3, text.debugDescription)
                XCTAssertTrue(f?.message.contains(message) ?? false, "\(text.debugDescription): \(e)")
            }
        }
    }
}
