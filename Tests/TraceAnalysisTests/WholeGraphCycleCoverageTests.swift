import LockGraph
import LockTrace
import TraceAnalysis
import XCTest

/// The whole-graph rule of `lockcheck analyze`: for every dependency on a
/// cycle, the shortest cycle through it is reported (one report per set of
/// classes). Checked on the graph of Helgrind differential seed
/// 4896394141878732280, where m4 -> m3 was once seen on no reported cycle,
/// and against a naive reference on random graphs of plain mutexes.
final class WholeGraphCycleCoverageTests: XCTestCase {
    /// One thread taking each pair nested (`a` then `b`), in this order.
    private func trace(_ pairs: [(String, String)]) -> String {
        var ids: [String: Int] = [:]
        var out = "lockcheck-trace 1\nthread 1 t\n"
        for (a, b) in pairs {
            for n in [a, b] where ids[n] == nil {
                ids[n] = ids.count + 1
                out += "class \(ids[n]!) mutex \(n)\nlock \(ids[n]!) \(ids[n]!)\n"
            }
        }
        var seq = 0
        for (a, b) in pairs {
            for s in ["acquire \(ids[a]!)", "acquire \(ids[b]!)", "release \(ids[b]!)", "release \(ids[a]!)"] {
                seq += 1
                out += "\(seq) 1 \(s)\n"
            }
        }
        return out
    }

    private func inversions(_ pairs: [(String, String)],
                            _ reporting: TraceAnalyzer.InversionReporting = .wholeGraph) throws -> [Violation] {
        var options = TraceAnalyzer.Options()
        options.inversions = reporting
        let c = Collected()
        let a = TraceAnalyzer(options: options) { c.add($0) }
        try a.analyze(TraceReader(name: "t.log", bytes: Array(trace(pairs).utf8)))
        a.finish()
        return c.all.filter { $0.rule == .lockOrderInversion }
    }

    /// The dependencies of seed 4896394141878732280, in the order its run
    /// first took them: m3 -> m2 -> m4 -> m3 is a cycle, closed last.
    private let seed = [("m4", "m1"), ("m1", "m3"), ("m2", "m3"), ("m1", "m2"),
                        ("m2", "m4"), ("m3", "m1"), ("m3", "m2"), ("m4", "m3")]

    func test_helgrind_seed_every_dependency_is_on_a_reported_cycle_whatever_the_order() throws {
        var orders = [seed, seed.reversed()]
        for k in 1..<seed.count { orders.append(Array(seed[k...] + seed[..<k])) }
        for order in orders {
            let v = try inversions(order)
            // Shortest cycles, ties by name: m1->m2 via m3, m2->m4 via m1, m4->m3 via m2.
            XCTAssertEqual(Set(v.map(\.classNames)),
                           [["m1", "m2", "m3"], ["m1", "m3"], ["m2", "m3"], ["m1", "m2", "m4"], ["m2", "m3", "m4"]],
                           "\(order)")
            let covered = Set(v.flatMap { $0.chain.map { "\($0.from)->\($0.to)" } })
            XCTAssertEqual(covered, Set(seed.map { "\($0.0)->\($0.1)" }), "\(order)")
        }
        // As the events arrive, in the run's order, m4 -> m3 closes {m2, m3, m4} too.
        XCTAssertTrue(try inversions(seed, .asFound).contains { $0.classNames == ["m2", "m3", "m4"] })
    }

    /// Random graphs of plain mutexes: for every dependency u -> v on a cycle,
    /// some report names u and v and has as many classes as the shortest
    /// cycle through u -> v (the one reported, or another over the same
    /// classes); every report's chain is a cycle of the graph.
    func test_random_graphs_against_a_naive_reference() throws {
        var rng = SplitMix64(state: 0x5EED_C0DE)
        for round in 0..<150 {
            let n = 3 + rng.below(5)
            let names = (0..<n).map { "c\($0)" }
            var edges: [(String, String)] = []
            for _ in 0..<(n + rng.below(2 * n)) {
                let a = rng.below(n), b = rng.below(n)
                if a != b && !edges.contains(where: { $0 == (names[a], names[b]) }) { edges.append((names[a], names[b])) }
            }
            let v = try inversions(edges)
            let sets = v.map { Set($0.classNames) }
            let graph = Set(edges.map { "\($0.0)->\($0.1)" })
            for r in v {
                let chain = r.chain.map { "\($0.from)->\($0.to)" }
                XCTAssertTrue(Set(chain).isSubset(of: graph), "round \(round): \(chain)")
                XCTAssertEqual(r.chain.first?.from, r.chain.last?.to, "round \(round): \(chain)")
            }
            for (u, w) in edges {
                // Shortest path w -> … -> u (breadth-first), plus u -> w.
                var distance = [w: 0], frontier = [w]
                while !frontier.isEmpty, distance[u] == nil {
                    var next: [String] = []
                    for x in frontier {
                        for (a, b) in edges where a == x && distance[b] == nil {
                            distance[b] = distance[x]! + 1
                            next.append(b)
                        }
                    }
                    frontier = next
                }
                guard let back = distance[u] else { continue }
                XCTAssertTrue(sets.contains { $0.contains(u) && $0.contains(w) && $0.count == back + 1 },
                              "round \(round): \(u)->\(w) is on a cycle of \(back + 1) classes; reported \(sets); edges \(edges)")
            }
        }
    }
}

