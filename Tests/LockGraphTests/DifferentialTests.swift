import Foundation
@testable import LockGraph
import XCTest

/// The engine against a tiny, obviously correct reference on random histories
/// of exclusive acquisitions (some of them trylocks) over eight classes.
///
/// The reference keeps an adjacency matrix with an edge `h -> c` for every
/// lock `h` a thread holds when it takes `c` without `try`, recomputes the
/// transitive closure after each new edge (Floyd–Warshall), and notes the
/// first step at which a new edge `h -> c` finds `c` already reaching `h`.
/// The engine must report its first `lock-order-inversion` at that same step
/// (and none if the reference finds no cycle), and every class set it reports
/// must lie on one cycle of the reference graph.
///
/// The seed is printed; set LOCKGRAPH_TEST_SEED to replay a run.
final class DifferentialTests: XCTestCase {

    /// The reference dependency graph.
    struct ReferenceGraph {
        let n: Int
        private(set) var edge: [[Bool]]
        private(set) var reach: [[Bool]]

        init(classes n: Int) {
            self.n = n
            edge = Array(repeating: Array(repeating: false, count: n), count: n)
            reach = edge
        }

        /// Adds `from -> to`; returns whether it closes a cycle.
        mutating func add(_ from: Int, _ to: Int) -> Bool {
            if edge[from][to] { return false }
            let closes = from == to || reach[to][from]
            edge[from][to] = true
            reach = edge
            for k in 0..<n { for i in 0..<n where reach[i][k] { for j in 0..<n where reach[k][j] { reach[i][j] = true } } }
            return closes
        }

        /// Whether every class in `set` reaches every other one (they share a cycle).
        func stronglyConnected(_ set: [Int]) -> Bool {
            for a in set { for b in set where a != b { if !reach[a][b] || !reach[b][a] { return false } } }
            return set.count > 1 || (set.count == 1 && reach[set[0]][set[0]])
        }
    }

    private let classCount = 8
    private let threadCount = 3
    private let histories = 300

    func test_debug_builds_check_the_invariants_the_random_histories_call() {
        #if DEBUG
        XCTAssertTrue(Validator._checksInvariants, "LOCKGRAPH_CHECK_INVARIANTS is defined for debug builds")
        #else
        XCTAssertFalse(Validator._checksInvariants, "release builds leave the checks out")
        #endif
    }

    func test_randomHistories_inversionIffReferenceFindsCycle() {
        let seed = testSeed("DifferentialTests")
        var master = SplitMix64(state: seed)
        var withCycle = 0
        for h in 0..<histories {
            let historySeed = master.next()
            if runHistory(index: h, seed: historySeed, runSeed: seed) { withCycle += 1 }
        }
        print("DifferentialTests: \(histories) histories, \(withCycle) with a cycle")
        // The generator is tuned to produce both outcomes; a run that does not
        // exercise both says nothing.
        XCTAssertGreaterThan(withCycle, histories / 10, "seed \(seed)")
        XCTAssertLessThan(withCycle, histories - histories / 10, "seed \(seed)")
    }

    /// Runs one random history; returns whether the reference found a cycle.
    @discardableResult
    private func runHistory(index: Int, seed: UInt64, runSeed: UInt64) -> Bool {
        var rng = SplitMix64(state: seed)
        let log = ViolationLog()
        let v = Validator(onViolation: { log.append($0) })
        let classes = (0..<classCount).map { v.lockClass(kind: .mutex, name: "L\($0)") }
        // Two instances per class; an instance is held by at most one thread.
        let instances = (0..<classCount * 2).map { v.makeLock(classes[$0 / 2], id: UInt64($0)) }
        var instanceOwner = Array(repeating: -1, count: instances.count)
        let threads = (0..<threadCount).map { v.makeThread(name: "t\($0)", id: UInt64($0)) }
        var held: [[(instance: Int, isTry: Bool)]] = Array(repeating: [], count: threadCount)

        // Mostly one global order of the classes, broken now and then.
        var order = Array(0..<classCount)
        for i in stride(from: classCount - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
        var rank = Array(repeating: 0, count: classCount)
        for (r, c) in order.enumerated() { rank[c] = r }
        let breakChance = [0.0, 0.01, 0.03, 0.08, 0.2][rng.below(5)]
        let steps = 30 + rng.below(60)

        var reference = ReferenceGraph(classes: classCount)
        var referenceFirst: Int?
        var engineFirst: Int?
        var history: [String] = []
        var seq: UInt64 = 0

        for step in 0..<steps {
            let t = rng.below(threadCount)
            let heldClasses = Set(held[t].map { $0.instance / 2 })
            let free = (0..<instances.count).filter { instanceOwner[$0] < 0 && !heldClasses.contains($0 / 2) }
            let top = held[t].map { rank[$0.instance / 2] }.max() ?? -1
            let inOrder = free.filter { rank[$0 / 2] > top }
            let candidates = rng.chance(breakChance) ? free : inOrder
            let acquire = !candidates.isEmpty && (held[t].isEmpty || (held[t].count < 4 && rng.chance(0.6)))
            if !acquire && held[t].isEmpty { continue }
            seq += 1
            if acquire {
                let i = candidates[rng.below(candidates.count)]
                let isTry = rng.chance(0.15)
                let c = i / 2
                if !isTry {
                    for h in held[t] {
                        let closes = reference.add(h.instance / 2, c)
                        if closes && referenceFirst == nil { referenceFirst = step }
                    }
                }
                history.append("\(step): t\(t) \(isTry ? "trylock" : "lock") L\(c) (#\(i))")
                v.acquire(instances[i], isTry: isTry, thread: threads[t], site: EventSite(seq: seq))
                held[t].append((i, isTry))
                instanceOwner[i] = t
            } else {
                let k = rng.below(held[t].count)
                let i = held[t].remove(at: k).instance
                history.append("\(step): t\(t) unlock L\(i / 2) (#\(i))")
                v.release(instances[i], thread: threads[t], site: EventSite(seq: seq))
                instanceOwner[i] = -1
            }
            v._checkInvariants(threads: threads)
            if engineFirst == nil && log.count > 0 { engineFirst = step }
        }

        let violations = log.all
        let context = "run seed \(runSeed), history \(index) (seed \(seed)):\n" + history.joined(separator: "\n")
        XCTAssertEqual(Set(violations.map(\.rule)).subtracting([.lockOrderInversion]), [], context)
        XCTAssertEqual(engineFirst, referenceFirst, "first inversion step, engine vs reference; " + context)
        for viol in violations where viol.rule == .lockOrderInversion {
            let set = viol.classNames.compactMap { Int($0.dropFirst()) }
            XCTAssertTrue(reference.stronglyConnected(set), "\(viol.classNames) is not a cycle; " + context)
        }
        return referenceFirst != nil
    }

    // MARK: Reader/writer histories against a state-closure reference

    /// One dependency type, spelled out: is the held lock shared (S, else E),
    /// is the new one a recursive read (R, else N)?
    struct DepType: Hashable {
        let fromShared: Bool
        let toRecursive: Bool
    }

    /// A reference for lockdep's strong-path rule: a path is strong unless an
    /// edge into a recursive read (-(*R)->) is followed by one out of a shared
    /// hold (-(S*)->). It computes, by naive fixpoint, every (class, "last edge
    /// ends in R") state reachable from `next`, and asks whether `prev` is
    /// reached in a state that may continue with the new edge.
    struct ReferenceTypedGraph {
        let n: Int
        var types: [[Set<DepType>]]

        init(classes n: Int) {
            self.n = n
            types = Array(repeating: Array(repeating: [], count: n), count: n)
        }

        func closesStrongCycle(prev: Int, next: Int, new: DepType) -> Bool {
            struct State: Hashable { let node: Int; let endsR: Bool }
            var reached = Set<State>()
            for w in 0..<n { for t in types[next][w] where !(new.toRecursive && t.fromShared) {
                reached.insert(State(node: w, endsR: t.toRecursive))
            } }
            var changed = true
            while changed {
                changed = false
                for st in reached { for w in 0..<n { for t in types[st.node][w] where !(st.endsR && t.fromShared) {
                    if reached.insert(State(node: w, endsR: t.toRecursive)).inserted { changed = true }
                } } }
            }
            return reached.contains { $0.node == prev && !($0.endsR && new.fromShared) }
        }
    }

    func test_randomReaderWriterHistories_inversionIffStrongCycle() {
        let seed = testSeed("DifferentialTests (reader/writer)")
        var master = SplitMix64(state: seed)
        var withCycle = 0
        for h in 0..<histories {
            if runReaderWriterHistory(index: h, seed: master.next(), runSeed: seed) { withCycle += 1 }
        }
        print("DifferentialTests (reader/writer): \(histories) histories, \(withCycle) with a strong cycle")
        XCTAssertGreaterThan(withCycle, histories / 10, "seed \(seed)")
        XCTAssertLessThan(withCycle, histories - histories / 10, "seed \(seed)")
    }

    /// Runs one random history of rwlock w / r / rr acquisitions, some of
    /// them trylocks (process context only); returns whether the reference
    /// found a strong cycle. As lockdep's check_prevs_add, a blocking
    /// acquisition depends on each held lock from the top down to the first
    /// one not taken by trylock; a trylock depends on nothing. The reference
    /// keeps no chain cache, so it also checks that the engine's never skips
    /// a chain whose dependencies differ (TrylockChainTests).
    private func runReaderWriterHistory(index: Int, seed: UInt64, runSeed: UInt64) -> Bool {
        let classCount = 5
        var rng = SplitMix64(state: seed)
        let log = ViolationLog()
        let v = Validator(onViolation: { log.append($0) })
        let classes = (0..<classCount).map { v.lockClass(kind: .rwlock, name: "L\($0)") }
        let instances = (0..<classCount * 2).map { v.makeLock(classes[$0 / 2], id: UInt64($0)) }
        var instanceOwner = Array(repeating: -1, count: instances.count)
        let threads = (0..<threadCount).map { v.makeThread(name: "t\($0)", id: UInt64($0)) }
        var held: [[(instance: Int, mode: AcquireMode, isTry: Bool)]] = Array(repeating: [], count: threadCount)

        var order = Array(0..<classCount)
        for i in stride(from: classCount - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
        var rank = Array(repeating: 0, count: classCount)
        for (r, c) in order.enumerated() { rank[c] = r }
        let breakChance = [0.0, 0.05, 0.15, 0.3][rng.below(4)]
        let tryChance = [0.0, 0.15, 0.4][rng.below(3)]
        let modes: [AcquireMode] = [.exclusive, .shared, .recursiveShared]
        let steps = 20 + rng.below(50)

        var reference = ReferenceTypedGraph(classes: classCount)
        var referenceFirst: Int?
        var engineFirst: Int?
        var history: [String] = []
        var seq: UInt64 = 0

        for step in 0..<steps {
            let t = rng.below(threadCount)
            let heldClasses = Set(held[t].map { $0.instance / 2 })
            let free = (0..<instances.count).filter { instanceOwner[$0] < 0 && !heldClasses.contains($0 / 2) }
            let top = held[t].map { rank[$0.instance / 2] }.max() ?? -1
            let inOrder = free.filter { rank[$0 / 2] > top }
            let candidates = rng.chance(breakChance) ? free : inOrder
            let acquire = !candidates.isEmpty && (held[t].isEmpty || (held[t].count < 3 && rng.chance(0.6)))
            if !acquire && held[t].isEmpty { continue }
            seq += 1
            if acquire {
                let i = candidates[rng.below(candidates.count)]
                let mode = modes[rng.below(modes.count)]
                let isTry = rng.chance(tryChance)
                let c = i / 2
                var newDeps: [(p: Int, dep: DepType)] = []
                for h in held[t].reversed() where !isTry {
                    newDeps.append((h.instance / 2, DepType(fromShared: h.mode != .exclusive, toRecursive: mode == .recursiveShared)))
                    if !h.isTry { break }
                }
                for (p, dep) in newDeps where !reference.types[p][c].contains(dep) {
                    if reference.closesStrongCycle(prev: p, next: c, new: dep) && referenceFirst == nil {
                        referenceFirst = step
                    }
                    reference.types[p][c].insert(dep)
                }
                history.append("\(step): t\(t) \(isTry ? "trylock" : "lock") L\(c) \(mode.spelling) (#\(i))")
                v.acquire(instances[i], mode: mode, isTry: isTry, thread: threads[t], site: EventSite(seq: seq))
                held[t].append((i, mode, isTry))
                instanceOwner[i] = t
            } else {
                let k = rng.below(held[t].count)
                let i = held[t].remove(at: k).instance
                history.append("\(step): t\(t) unlock L\(i / 2) (#\(i))")
                v.release(instances[i], thread: threads[t], site: EventSite(seq: seq))
                instanceOwner[i] = -1
            }
            v._checkInvariants(threads: threads)
            if engineFirst == nil && log.count > 0 { engineFirst = step }
        }

        let context = "run seed \(runSeed), reader/writer history \(index) (seed \(seed)):\n" + history.joined(separator: "\n")
        XCTAssertEqual(Set(log.all.map(\.rule)).subtracting([.lockOrderInversion]), [], context)
        XCTAssertEqual(engineFirst, referenceFirst, "first inversion step, engine vs reference; " + context)
        return referenceFirst != nil
    }
}
