import LockGraph
import LockReports
import LockTrace
import TraceAnalysis
import XCTest

/// Overlapping cycles and overlapping irq conflicts spread over several
/// traces: `lockcheck analyze` must report the same lock-order and irq
/// inversions (and everything else) for every order of the files and every
/// grouping of the traces into saved graphs (issue 6).
final class OrderIndependenceTests: XCTestCase {
    /// One step of a test process: take `locks` nested in this order, then
    /// release them, in process context with irqs on, in a hardirq handler,
    /// or with irqs off.
    private enum Step {
        case nest([String])
        case inHardirq([String])
        case irqsOff([String])
    }

    /// A trace of one thread running `steps`. Classes whose name starts with
    /// "irq." are raw spinlocks (they may be taken in a handler), others mutexes.
    private func trace(_ thread: String, _ steps: [Step]) -> String {
        var names: [String] = []
        for case .nest(let l) in steps { names += l }
        for case .inHardirq(let l) in steps { names += l }
        for case .irqsOff(let l) in steps { names += l }
        var ids: [String: Int] = [:]
        var out = "lockcheck-trace 1\nthread 1 \(thread)\n"
        for n in names where ids[n] == nil {
            ids[n] = ids.count + 1
            out += "class \(ids[n]!) \(n.hasPrefix("irq.") ? "raw-spinlock" : "mutex") \(n)\nlock \(ids[n]!) \(ids[n]!)\n"
        }
        var seq = 0
        func event(_ s: String) {
            seq += 1
            out += "\(seq) 1 \(s)\n"
        }
        for step in steps {
            switch step {
            case .nest(let l):
                for n in l { event("acquire \(ids[n]!)") }
                for n in l.reversed() { event("release \(ids[n]!)") }
            case .inHardirq(let l):
                event("irqs-off")
                event("hardirq-enter")
                for n in l { event("acquire \(ids[n]!)") }
                for n in l.reversed() { event("release \(ids[n]!)") }
                event("hardirq-exit")
                event("irqs-on")
            case .irqsOff(let l):
                event("irqs-off")
                for n in l { event("acquire \(ids[n]!)") }
                for n in l.reversed() { event("release \(ids[n]!)") }
                event("irqs-on")
            }
        }
        return out
    }

    /// Four processes. Lock order: A -> B -> C -> A, B -> A, A -> C, C -> B,
    /// C -> D -> A: cycles share edges, so which ones the events close first
    /// depends on the order the traces are read in. Irq: irq.s1 and irq.s2
    /// are used in a handler, irq.u1 and irq.u2 taken with irqs on, and
    /// irq.s1 -> irq.u1 -> irq.u2, irq.s2 -> irq.u2, irq.s1 -> irq.s2 are
    /// taken with irqs off.
    private lazy var traces: [String] = [
        trace("p0", [.nest(["A", "B"]), .nest(["B", "C"]), .inHardirq(["irq.s1"]), .irqsOff(["irq.s1", "irq.u1"])]),
        trace("p1", [.nest(["C", "A"]), .nest(["B", "A"]), .nest(["irq.u2"]), .irqsOff(["irq.u1", "irq.u2"])]),
        trace("p2", [.nest(["A", "C"]), .nest(["C", "B"]), .inHardirq(["irq.s2"]), .irqsOff(["irq.s2", "irq.u2"])]),
        trace("p3", [.nest(["C", "D"]), .nest(["D", "A"]), .nest(["irq.u1"]), .irqsOff(["irq.s1", "irq.s2"])]),
    ]

    private func fingerprints(_ violations: [Violation]) -> Set<String> {
        Set(violations.map { "\($0.rule.rawValue) \($0.classNames.joined(separator: ",")) \($0.fingerprint)" })
    }

    private func reader(_ i: Int) -> TraceReader {
        TraceReader(name: "p\(i).log", bytes: Array(traces[i].utf8))
    }

    /// The traces analysed together, in this order.
    private func together(_ order: [Int], inversions: TraceAnalyzer.InversionReporting = .wholeGraph) throws -> Set<String> {
        var options = TraceAnalyzer.Options()
        options.inversions = inversions
        let c = Collected()
        let a = TraceAnalyzer(options: options) { c.add($0) }
        for i in order { try a.analyze(reader(i)) }
        a.finish()
        return fingerprints(c.all)
    }

    /// The saved graph (text) of the traces of `group` analysed together.
    private func savedGraph(_ group: [Int]) throws -> String {
        let a = TraceAnalyzer { _ in }
        for i in group { try a.analyze(reader(i)) }
        a.finish()
        return a.graphFile().serialized()
    }

    /// Each group saved as a graph, the graphs merged in this order.
    private func merged(_ groups: [[Int]]) throws -> Set<String> {
        let c = Collected()
        let a = TraceAnalyzer { c.add($0) }
        for (n, g) in groups.enumerated() { a.merge(try GraphFile(parsing: try savedGraph(g)), name: "g\(n).lcg") }
        a.finish()
        return fingerprints(c.all)
    }

    private func permutations(_ items: [Int]) -> [[Int]] {
        if items.count <= 1 { return [items] }
        return items.indices.flatMap { i in
            permutations(Array(items[..<i] + items[(i + 1)...])).map { [items[i]] + $0 }
        }
    }

    /// The reference: what must be reported, whatever the order.
    private func reference() throws -> Set<String> { try together([0, 1, 2, 3]) }

    func test_overlap_is_real_reports_as_found_depend_on_the_order() throws {
        // The test below would pass vacuously if streaming detection were already order-independent here.
        let asFound = Set(try permutations([0, 1, 2, 3]).map { try together($0, inversions: .asFound) })
        XCTAssertGreaterThan(asFound.count, 1, "reporting inversions as found gives the same set for every order: no overlap")
    }

    func test_overlapping_cycles_every_file_order_reports_the_same_violations() throws {
        let expected = try reference()
        let rules = Set(expected.map { $0.split(separator: " ")[0] })
        XCTAssertTrue(rules.isSuperset(of: ["lock-order-inversion", "irq-lock-inversion"]), "\(expected)")
        print("OrderIndependenceTests reference: \(expected.sorted())")
        for order in permutations([0, 1, 2, 3]) {
            XCTAssertEqual(try together(order), expected, "traces in order \(order)")
        }
    }

    func test_overlapping_cycles_every_graph_order_reports_what_the_traces_report() throws {
        let expected = try reference()
        for order in permutations([0, 1, 2, 3]) {
            XCTAssertEqual(try merged(order.map { [$0] }), expected, "one graph per trace, merged in order \(order)")
        }
    }

    func test_overlapping_cycles_every_grouping_into_graphs_reports_the_same() throws {
        let expected = try reference()
        let groupings: [[[Int]]] = [
            [[0, 1, 2, 3]], [[0, 1], [2, 3]], [[2, 3], [0, 1]], [[0, 2], [1, 3]], [[3, 1], [2, 0]],
            [[0], [1, 2, 3]], [[1, 2, 3], [0]], [[2], [3, 0, 1]], [[0, 3], [1], [2]], [[1], [3], [0, 2]],
        ]
        for g in groupings {
            XCTAssertEqual(try merged(g), expected, "grouping \(g)")
        }
    }

    func test_graphs_of_graphs_and_traces_beside_graphs_report_the_same() throws {
        let expected = try reference()
        // ((p0 + p1) + p2) saved, then merged with p3's trace read directly.
        let a = TraceAnalyzer { _ in }
        a.merge(try GraphFile(parsing: try savedGraph([0, 1])), name: "g01.lcg")
        try a.analyze(reader(2))
        a.finish()
        let g012 = a.graphFile().serialized()
        for graphFirst in [true, false] {
            let c = Collected()
            let b = TraceAnalyzer { c.add($0) }
            if graphFirst { b.merge(try GraphFile(parsing: g012), name: "g012.lcg") }
            try b.analyze(reader(3))
            if !graphFirst { b.merge(try GraphFile(parsing: g012), name: "g012.lcg") }
            b.finish()
            XCTAssertEqual(fingerprints(c.all), expected, "graph first: \(graphFirst)")
        }
    }

    func test_every_dependency_on_a_cycle_is_in_a_reported_cycle() throws {
        let c = Collected()
        let a = TraceAnalyzer { c.add($0) }
        for i in [3, 1, 0, 2] { try a.analyze(reader(i)) }
        a.finish()
        let covered = Set(c.all.filter { $0.rule == .lockOrderInversion }.flatMap { $0.chain.map { "\($0.from)->\($0.to)" } })
        XCTAssertEqual(covered, ["A->B", "B->C", "C->A", "B->A", "A->C", "C->B", "C->D", "D->A"])
    }

    func test_one_reversed_dependency_is_named_by_every_report() throws {
        // A -> B, and A -> P1 -> B … A -> P3 -> B, then B -> A: every path is on a cycle with B -> A.
        var steps: [Step] = [.nest(["A", "B"])]
        for i in 1...3 { steps += [.nest(["A", "P\(i)"]), .nest(["P\(i)", "B"])] }
        let forward = trace("forward", steps)
        let inverted = trace("inverted", [.nest(["B", "A"])])
        for order in [[forward, inverted], [inverted, forward]] {
            let c = Collected()
            let a = TraceAnalyzer { c.add($0) }
            for (i, t) in order.enumerated() { try a.analyze(TraceReader(name: "\(i).log", bytes: Array(t.utf8))) }
            a.finish()
            XCTAssertEqual(Set(c.all.map(\.classNames)), [["A", "B"], ["A", "B", "P1"], ["A", "B", "P2"], ["A", "B", "P3"]])
        }
    }

    func test_a_single_cycle_is_reported_with_the_acquisition_that_closed_it() throws {
        // No overlap: the report is the one streaming detection built (held stack and all).
        let t = trace("solo", [.nest(["X", "Y"]), .nest(["Y", "X"])])
        let c = Collected()
        let a = TraceAnalyzer { c.add($0) }
        try a.analyze(TraceReader(name: "solo.log", bytes: Array(t.utf8)))
        XCTAssertEqual(c.all.count, 0, "inversions wait for finish()")
        a.finish()
        let v = try XCTUnwrap(c.all.first)
        XCTAssertEqual(c.all.count, 1)
        XCTAssertEqual(v.classNames, ["X", "Y"])
        XCTAssertEqual(v.trying?.className, "X")
        XCTAssertEqual(v.held.map(\.className), ["Y"])
        XCTAssertEqual(v.event.line, 12, "the second acquisition of the reverse order")
        XCTAssertEqual(a.violationCounts[.lockOrderInversion], 1)
    }

    func test_a_search_budget_stops_the_whole_graph_checks_with_a_warning() throws {
        let warnings = WarningBox()
        let v = Validator(onViolation: { _ in }, onWarning: { warnings.add($0) })
        let t = v.makeThread(name: "t")
        var locks: [LockInstance] = []
        for name in ["A", "B", "C"] { locks.append(v.makeLock(v.lockClass(kind: .mutex, name: name), id: UInt64(locks.count))) }
        var seq: UInt64 = 0
        for (x, y) in [(0, 1), (1, 2), (2, 0), (1, 0)] {
            for i in [x, y] { seq += 1; v.acquire(locks[i], thread: t, site: EventSite(seq: seq)) }
            for i in [y, x] { seq += 1; v.release(locks[i], thread: t, site: EventSite(seq: seq)) }
        }
        // B -> A and C -> A close cycles; A -> B and B -> C are on them too.
        XCTAssertEqual(v.wholeGraphInversions().map(\.classNames), [["A", "B"], ["A", "B", "C"]])
        XCTAssertEqual(warnings.all, [])
        XCTAssertEqual(v.wholeGraphInversions(budget: 0).count, 0)
        XCTAssertEqual(warnings.all.count, 1)
        XCTAssertTrue(warnings.all.first?.contains("4 dependencies on cycles") ?? false, "\(warnings.all)")
    }
}

private final class WarningBox: @unchecked Sendable {
    private let lock = PlainLock()
    private var items: [String] = []
    func add(_ s: String) { lock.withLock { items.append(s) } }
    var all: [String] { lock.withLock { items } }
}
