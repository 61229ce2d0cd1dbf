import LockGraph
import LockReports
import XCTest

/// `lockcheck graph`'s picture: the dependency snapshot and its DOT, with the
/// edges of violations in red and the others not.
final class DOTReportTests: XCTestCase {
    private func picture(_ s: Scenario) -> DOTReport {
        DOTReport(dependencies: s.validator.dependencySnapshot(), violations: s.violations)
    }

    /// The DOT line of the edge `from -> to`, found by node labels.
    private func edgeLine(_ dot: String, _ from: String, _ to: String) -> String? {
        let lines = dot.split(separator: "\n").map(String.init)
        func id(_ name: String) -> String? {
            lines.first { $0.contains("[label=\"\(name)\\n") }.map { String($0.trimmingPrefix(while: { $0 == " " }).prefix { $0 != " " }) }
        }
        guard let a = id(from), let b = id(to) else { return nil }
        return lines.first { $0.hasPrefix("  \(a) -> \(b) ") }
    }

    func test_dependency_snapshot_lists_each_edge_with_its_types() {
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.declare(.rwsem, "R")
        s.lockUnlock2("A", "B")
        s.lock("R", .shared); s.lock("A"); s.unlock("A"); s.unlock("R")
        let edges = s.validator.dependencySnapshot().map { "\($0.from.name) \($0.types) \($0.to.name)" }
        XCTAssertEqual(edges, ["A -(EN)-> B", "R -(SN)-> A"])
    }

    func test_ABBCCA_cycle_edges_are_red_and_others_are_not() {
        let s = Scenario()
        s.declare(.mutex, "A", "B", "C", "D")
        s.lockUnlock2("A", "B")
        s.lockUnlock2("B", "C")
        s.lockUnlock2("A", "D")  // not on the cycle
        s.lockUnlock2("C", "A")
        s.expect(fires(.lockOrderInversion, "A", "B", "C"))
        let p = picture(s)
        let dot = p.render()
        for (a, b) in [("A", "B"), ("B", "C"), ("C", "A")] {
            let line = edgeLine(dot, a, b)
            XCTAssertNotNil(line, "\(a) -> \(b) missing:\n\(dot)")
            XCTAssertTrue(line?.contains("color=\"#d62728\"") == true && line?.contains("lock-order-inversion") == true, line ?? dot)
        }
        let quiet = edgeLine(dot, "A", "D")
        XCTAssertNotNil(quiet)
        XCTAssertFalse(quiet?.contains("#d62728") ?? true, quiet ?? "")
        XCTAssertEqual(Set(p.highlightedEdges.map { "\($0.from)->\($0.to)" }), ["A->B", "B->C", "C->A"])
        XCTAssertTrue(dot.contains("cluster_legend"))
    }

    func test_ABBA_stays_silent_twin_has_no_red_edge() {
        let s = Scenario()
        s.declare(.mutex, "A", "B")
        s.lockUnlock2("A", "B")
        s.lockUnlock2("A", "B")
        s.expect()
        let p = picture(s)
        XCTAssertTrue(p.highlightedEdges.isEmpty)
        XCTAssertEqual(p.edgeCount, 1)
        XCTAssertFalse(p.render().contains("class=\"violation\""))
    }

    func test_raw_spinlock_under_spinlock_wait_context_edge_is_red_and_kinds_are_styled_apart() {
        let s = Scenario()
        s.declare(.rawSpinlock, "raw")
        s.declare(.spinlock, "spin")
        s.declare(.mutex, "m")
        s.lock("m"); s.lock("raw"); s.lock("spin")
        s.unlock("spin"); s.unlock("raw"); s.unlock("m")
        s.expect(fires(.invalidWaitContext, "raw", "spin"))
        let dot = picture(s).render()
        let line = edgeLine(dot, "raw", "spin")
        XCTAssertTrue(line?.contains("invalid-wait-context") == true, dot)
        XCTAssertFalse(edgeLine(dot, "m", "raw")?.contains("#d62728") ?? true)
        let nodes = dot.split(separator: "\n").filter { $0.contains("[label=\"raw\\n") || $0.contains("[label=\"spin\\n") || $0.contains("[label=\"m\\n") }
        XCTAssertEqual(nodes.count, 3)
        XCTAssertEqual(Set(nodes.map { $0.contains("peripheries=2") ? "raw" : $0.contains("rounded") ? "spin" : "sleep" }), ["raw", "spin", "sleep"])
    }

    func test_names_with_quotes_are_escaped() {
        let s = Scenario()
        s.declare(.mutex, "say \"hi\"", "back\\slash")
        s.lockUnlock2("say \"hi\"", "back\\slash")
        let dot = picture(s).render()
        XCTAssertTrue(dot.contains(#"label="say \"hi\"\nmutex""#), dot)
        XCTAssertTrue(dot.contains(#"label="back\\slash\nmutex""#), dot)
    }
}
