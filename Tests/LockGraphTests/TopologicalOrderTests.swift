import Foundation
@testable import LockGraph
import XCTest

/// The dependency graph's topological order (Pearce–Kelly, `TopologicalOrder`)
/// against the transitive-closure reference of `DifferentialTests`, on random
/// graphs that grow cycles, and through the engine: a new dependency that
/// agrees with the order is proven cycle-free without a graph search.
///
/// The seed is printed; set LOCKGRAPH_TEST_SEED to replay a run.
final class TopologicalOrderTests: XCTestCase {
    private func add(_ graph: DependencyGraph, _ from: Int, _ to: Int) {
        graph.add(from: LockClassID(rawValue: UInt32(from)), to: LockClassID(rawValue: UInt32(to)), types: [.en],
                  site: EventSite(seq: 0), thread: "t", fromSite: EventSite(seq: 0))
    }

    /// Random edges over 12 classes, 60 per graph, 400 graphs: before each
    /// edge `a -> b`, whether `b` may reach `a` is never "no" when the
    /// reference has a path (or `a == b`), and is exact while no edge has
    /// closed a cycle; after it, every rank is distinct, every ordered edge
    /// climbs and every cycle-closing edge runs against the order.
    func test_randomGraphs_orderAgreesWithTransitiveClosure_cyclesIncluded() {
        let seed = testSeed("TopologicalOrderTests")
        var rng = SplitMix64(state: seed)
        let n = 12
        var provedAbsentWithCycles = 0, unorderedEdges = 0, reorders = 0
        for g in 0..<400 {
            let graph = DependencyGraph()
            var reference = DifferentialTests.ReferenceGraph(classes: n)
            // Half the graphs favour low -> high edges, so that long acyclic stretches come first.
            let biased = g % 2 == 0
            for step in 0..<60 {
                var a = Int(rng.next() % UInt64(n)), b = Int(rng.next() % UInt64(n))
                if biased && a > b && rng.next() % 8 != 0 { swap(&a, &b) }
                let path = a == b || reference.reach[b][a]
                let visitedBefore = graph.order.classesVisited
                let may = graph.order.mayReach(from: LockClassID(rawValue: UInt32(b)), to: LockClassID(rawValue: UInt32(a)), in: graph)
                if path { XCTAssertTrue(may, "seed \(seed) graph \(g) step \(step): \(b) reaches \(a) but the order says no") }
                if graph.order.unorderedEdges.isEmpty {
                    XCTAssertEqual(may, path, "seed \(seed) graph \(g) step \(step): exact while acyclic")
                } else if !may {
                    provedAbsentWithCycles += 1
                }
                if graph.order.classesVisited != visitedBefore { reorders += 1 }
                let known = graph.edge(from: LockClassID(rawValue: UInt32(a)), to: LockClassID(rawValue: UInt32(b))) != nil
                add(graph, a, b)
                _ = reference.add(a, b)
                if !known, let e = graph.edge(from: LockClassID(rawValue: UInt32(a)), to: LockClassID(rawValue: UInt32(b))),
                   !graph.order.isOrdered(e) {
                    unorderedEdges += 1
                    XCTAssertTrue(path, "seed \(seed) graph \(g) step \(step): \(a) -> \(b) kept out of the order without closing a cycle")
                }
                if let broken = graph.order.brokenInvariant(in: graph) {
                    XCTFail("seed \(seed) graph \(g) step \(step): \(broken)")
                    return
                }
            }
        }
        print("TopologicalOrderTests: \(unorderedEdges) cycle-closing edges, \(provedAbsentWithCycles) paths ruled out beside them, \(reorders) searched")
        // A run that never builds a cycle, never rules out a path beside one
        // or never reorders says nothing about those cases.
        XCTAssertGreaterThan(unorderedEdges, 100, "seed \(seed)")
        XCTAssertGreaterThan(provedAbsentWithCycles, 100, "seed \(seed)")
        XCTAssertGreaterThan(reorders, 100, "seed \(seed)")
    }

    /// H -> C0 … C40, each Ci -> Z, then C0 -> C1 -> … -> C40 in order: every
    /// class of a new dependency already has edges both ways (the O(1) check
    /// of nothing leaving next / entering prev does not apply), but each one
    /// agrees with the order, so none is searched: silent, zero edges scanned.
    func test_dependencies_agreeing_with_the_order_stay_silent_without_a_search() {
        let s = hubAndSink(40)
        let before = s.validator.search.edgesScanned
        for i in 0..<40 { s.lockUnlock2("C\(i)", "C\(i + 1)") }
        XCTAssertEqual(s.violations.count, 0)
        XCTAssertEqual(s.validator.search.edgesScanned, before, "no cycle search for a dependency that agrees with the order")
    }

    /// The same graph closed by C40 -> C0: the order cannot place it, the
    /// search runs and the inversion through all 41 classes fires.
    func test_dependency_against_the_order_closing_a_cycle_fires() {
        let s = hubAndSink(40)
        for i in 0..<40 { s.lockUnlock2("C\(i)", "C\(i + 1)") }
        s.lockUnlock2("C40", "C0")
        XCTAssertEqual(s.violations.map(\.rule), [.lockOrderInversion])
        XCTAssertEqual(s.violations.first?.chain.count, 41, "the closing dependency and the 40 of the chain")
        // The edge that closed the cycle stays in the graph, out of the order;
        // a later dependency beside it is still checked correctly.
        s.lockUnlock2("C20", "C5")
        XCTAssertEqual(s.violations.map(\.rule), [.lockOrderInversion, .lockOrderInversion])
        XCTAssertNil(s.validator.graph.order.brokenInvariant(in: s.validator.graph))
    }

    /// A dependency that goes against the order without closing a cycle
    /// (C5 -> C2 where only H reaches both) reorders: silent.
    func test_dependency_against_the_order_without_a_cycle_reorders_and_stays_silent() {
        let s = hubAndSink(10)
        s.lockUnlock2("C5", "C2")
        s.lockUnlock2("C2", "C1")
        XCTAssertEqual(s.violations.count, 0)
        XCTAssertNil(s.validator.graph.order.brokenInvariant(in: s.validator.graph))
        s.lockUnlock2("C1", "C5")
        XCTAssertEqual(s.violations.map(\.rule), [.lockOrderInversion])
    }

    /// FUZZING.md's hub shape over 400 classes: each Ci first taken under a
    /// hub H, then Ci -> Ci+1, learned back to front. Each new Ci -> Ci+1
    /// goes against the order; the backward side of the region is Ci alone,
    /// which the two-way search finds first and moves before Ci+1, so the
    /// searches visit a few classes per dependency, not the chain behind it
    /// (Pearce–Kelly's reassignment visited it all: 80,000 classes here).
    /// Silent.
    func test_hub_shape_moves_the_smaller_side_and_stays_silent() {
        let (s, visited) = hubShape(400)
        XCTAssertLessThan(visited, 4 * 400, "classes visited by the order's searches")
        s.expectSilent()
        XCTAssertNil(s.validator.graph.order.brokenInvariant(in: s.validator.graph))
    }

    /// Its twin: the chain's end taken before its head closes the cycle
    /// through all 400: it fires, with the whole chain.
    func test_hub_shape_closed_by_the_chains_end_fires() {
        let (s, _) = hubShape(400)
        s.lockUnlock2("C399", "C0")
        XCTAssertEqual(s.violations.map(\.rule), [.lockOrderInversion])
        XCTAssertEqual(s.violations.first?.chain.count, 400)
    }

    /// The hub shape; returns the classes the order's searches visited.
    private func hubShape(_ n: Int) -> (Scenario, visited: Int) {
        let s = Scenario(rawNesting: false)
        s.declare(.mutex, "H")
        for i in 0..<n { s.declare(.mutex, "C\(i)") }
        let before = s.validator.graph.order.classesVisited
        s.lockUnlock2("H", "C\(n - 1)")
        for i in stride(from: n - 2, through: 0, by: -1) {
            s.lockUnlock2("H", "C\(i)")
            s.lockUnlock2("C\(i)", "C\(i + 1)")
        }
        return (s, s.validator.graph.order.classesVisited - before)
    }

    private func hubAndSink(_ n: Int) -> Scenario {
        let s = Scenario(rawNesting: false)
        let names = (0...n).map { "C\($0)" }
        s.declare(.mutex, "H")
        s.declare(.mutex, "Z")
        for c in names { s.declare(.mutex, c) }
        for c in names { s.lockUnlock2("H", c) }
        for c in names { s.lockUnlock2(c, "Z") }
        return s
    }
}
