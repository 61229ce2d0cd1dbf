/// A topological order of the dependency graph, kept up to date as
/// dependencies are added, so that most new dependencies are proven
/// cycle-free without a graph search.
///
/// The algorithm is Pearce & Kelly's dynamic topological sort ("A Dynamic
/// Topological Sort Algorithm for Directed Acyclic Graphs", ACM JEA 11,
/// 2006), as Abseil's `absl/synchronization/internal/graphcycles.cc` uses it
/// for absl::Mutex deadlock detection. Every class with a dependency has a
/// rank; every edge of the order runs from a lower rank to a higher one. On
/// a new edge `x -> y`:
///
/// 1. If `rank[x] < rank[y]` the order already agrees: done, O(1).
/// 2. Otherwise search forward from `y`, visiting only classes ranked below
///    `rank[x]` (the affected region); reaching `x` means the edge closes a
///    cycle. If not, search backward from `x`, visiting only classes ranked
///    above `rank[y]`.
/// 3. Give the classes found backward the lowest of the two regions' ranks
///    and those found forward the rest, each region keeping its own relative
///    order. No other class moves.
///
/// Where we depart from graphcycles: it refuses an edge that closes a cycle,
/// but lockdep's graph keeps it (a reported inversion is still a
/// dependency). Such an edge is kept *out of the order* ("unordered") and
/// listed; the ordered edges stay acyclic. Every unordered edge `u -> v` runs
/// against the order (`rank[v] < rank[u]`, as the ordered path `v ⇝ u` that
/// made it unordered keeps them so).
///
/// What it answers (``mayReach(from:to:)``): whether a path `y ⇝ x` may
/// exist, plain reachability over every edge. A path made of ordered edges
/// only climbs in rank, so it exists only when `rank[y] < rank[x]` and the
/// bounded forward search of step 2 finds it. A path through unordered edges
/// leaves `y` by an ordered path to the start `u` of its first unordered edge
/// (`rank[u] ≥ rank[y]`) and reaches `x` from the end `v` of its last one
/// (`rank[v] ≤ rank[x]`); if no unordered edge has such a start, or none such
/// an end, there is none. The answer errs only towards "may": the strong-path
/// search (``GraphSearch``) still decides, and finds exactly what it found
/// without the order, because a strong path is a plain path.
///
/// Fresh classes are ranked on their first edge, a start below every rank
/// and an end above every rank, so a chain learned front to back or back to
/// front never reorders.
///
/// Not thread-safe: the ``DependencyGraph`` that owns it is called under the
/// validator's graph lock. Searches are iterative, with scratch buffers owned
/// by the order.
final class TopologicalOrder {
    /// Rank per class; `unranked` for a class with no edge yet.
    @exclusivity(unchecked) private var rank: [Int] = []
    @exclusivity(unchecked) private var lowest = 0
    @exclusivity(unchecked) private var highest = 0
    /// Per edge: in the order (true) or closing a cycle of it (false).
    @exclusivity(unchecked) private var ordered: [Bool] = []
    /// The edges that closed a cycle when added, kept out of the order.
    @exclusivity(unchecked) private(set) var unorderedEdges: [Int32] = []

    @exclusivity(unchecked) private var generation: UInt32 = 0
    @exclusivity(unchecked) private var stamp: [UInt32] = []
    @exclusivity(unchecked) private var stack: [Int32] = []
    @exclusivity(unchecked) private var deltaForward: [Int32] = []
    @exclusivity(unchecked) private var deltaBackward: [Int32] = []
    @exclusivity(unchecked) private var pool: [Int] = []
    /// The last forward search (step 2), reused by ``insert`` when the graph
    /// has not changed since: `(x, y, edge count, reached x)`.
    @exclusivity(unchecked) private var lastForward: (x: Int32, y: Int32, edges: Int, reached: Bool)?

    /// Classes visited by the order's searches so far (their work, for tests and benchmarks).
    @exclusivity(unchecked) private(set) var classesVisited = 0

    private static let unranked = Int.min

    private func grow(to slots: Int) {
        if rank.count < slots {
            rank.append(contentsOf: repeatElement(Self.unranked, count: slots - rank.count))
            stamp.append(contentsOf: repeatElement(0, count: slots - stamp.count))
        }
    }

    private func nextGeneration() {
        generation &+= 1
        if generation == 0 {
            for i in stamp.indices { stamp[i] = 0 }
            generation = 1
        }
    }

    /// Whether the edge `e` is part of the order (false: it closed a cycle).
    func isOrdered(_ e: Int) -> Bool { e < ordered.count && ordered[e] }

    /// Whether a path `y ⇝ x` (plain reachability, any dependency types) may
    /// exist in `graph`: false proves there is none. Exact while no edge has
    /// closed a cycle.
    /// - Complexity: O(1) when the order agrees with `x -> y`; otherwise the
    ///   classes ranked between the two and their edges. Plus O(u) for the u
    ///   unordered edges.
    func mayReach(from y: LockClassID, to x: LockClassID, in graph: DependencyGraph) -> Bool {
        if x == y { return true }
        grow(to: max(x.index, y.index) + 1)
        let rx = rank[x.index], ry = rank[y.index]
        // A class without an edge reaches nothing and is reached by nothing.
        if rx == Self.unranked || ry == Self.unranked { return false }
        if ry < rx {
            if forwardSearch(from: y, bound: rx, target: x, in: graph) { return true }
        }
        return unorderedMayBridge(from: ry, to: rx, in: graph)
    }

    private func unorderedMayBridge(from ry: Int, to rx: Int, in graph: DependencyGraph) -> Bool {
        var leaves = false, arrives = false
        for e in unorderedEdges {
            let edge = graph.edges[Int(e)]
            if rank[edge.from.index] >= ry { leaves = true }
            if rank[edge.to.index] <= rx { arrives = true }
            if leaves && arrives { return true }
        }
        return false
    }

    /// Step 2, forward: the ordered edges from `y` to classes ranked below
    /// `bound`; whether `target` is reached. Leaves the region in `deltaForward`.
    private func forwardSearch(from y: LockClassID, bound: Int, target: LockClassID, in graph: DependencyGraph) -> Bool {
        if let last = lastForward, last.x == Int32(bitPattern: target.rawValue), last.y == Int32(bitPattern: y.rawValue),
           last.edges == graph.count {
            return last.reached
        }
        nextGeneration()
        deltaForward.removeAll(keepingCapacity: true)
        stack.removeAll(keepingCapacity: true)
        stamp[y.index] = generation
        stack.append(Int32(y.index))
        var reached = false
        search: while let c = stack.popLast() {
            deltaForward.append(c)
            classesVisited &+= 1
            for e in graph.outgoing(LockClassID(rawValue: UInt32(c))) where ordered[Int(e)] {
                let w = graph.edges[Int(e)].to
                if w == target { reached = true; break search }
                if stamp[w.index] != generation && rank[w.index] < bound {
                    stamp[w.index] = generation
                    stack.append(Int32(w.index))
                }
            }
        }
        lastForward = (Int32(bitPattern: target.rawValue), Int32(bitPattern: y.rawValue), graph.count, reached)
        return reached
    }

    /// Step 2, backward: the ordered edges into `x` from classes ranked above `bound`.
    private func backwardSearch(from x: LockClassID, bound: Int, in graph: DependencyGraph) {
        // The forward region's stamps stay: the regions are disjoint when no cycle was found.
        deltaBackward.removeAll(keepingCapacity: true)
        stack.removeAll(keepingCapacity: true)
        stamp[x.index] = generation
        stack.append(Int32(x.index))
        while let c = stack.popLast() {
            deltaBackward.append(c)
            classesVisited &+= 1
            for e in graph.incoming(LockClassID(rawValue: UInt32(c))) where ordered[Int(e)] {
                let w = graph.edges[Int(e)].from
                if stamp[w.index] != generation && rank[w.index] > bound {
                    stamp[w.index] = generation
                    stack.append(Int32(w.index))
                }
            }
        }
    }

    /// Places the new edge `e` (just appended to `graph`) in the order, or
    /// lists it as unordered when it closes a cycle of the order.
    /// - Complexity: O(1) when the order agrees; otherwise the affected
    ///   region, O(k log k) for its k classes.
    func insert(edge e: Int, in graph: DependencyGraph) {
        let edge = graph.edges[e]
        let x = edge.from, y = edge.to
        grow(to: max(x.index, y.index) + 1)
        while ordered.count <= e { ordered.append(false) }
        if x == y {
            unorderedEdges.append(Int32(e))
            lastForward = nil
            return
        }
        if rank[x.index] == Self.unranked { lowest -= 1; rank[x.index] = lowest }
        if rank[y.index] == Self.unranked { highest += 1; rank[y.index] = highest }
        let rx = rank[x.index], ry = rank[y.index]
        if rx < ry {
            ordered[e] = true
            lastForward = nil
            return
        }
        // The search of mayReach, if it was for this edge, saw the graph
        // without it: it is the one step 2 needs.
        var last = lastForward
        if last.map({ $0.edges == graph.count - 1 }) ?? false { last?.edges = graph.count }
        lastForward = last
        let closes = forwardSearch(from: y, bound: rx, target: x, in: graph)
        lastForward = nil
        if closes {
            unorderedEdges.append(Int32(e))
            return
        }
        backwardSearch(from: x, bound: ry, in: graph)
        // Step 3.
        deltaBackward.sort { rank[Int($0)] < rank[Int($1)] }
        deltaForward.sort { rank[Int($0)] < rank[Int($1)] }
        pool.removeAll(keepingCapacity: true)
        for c in deltaBackward { pool.append(rank[Int(c)]) }
        for c in deltaForward { pool.append(rank[Int(c)]) }
        pool.sort()
        var i = 0
        for c in deltaBackward { rank[Int(c)] = pool[i]; i += 1 }
        for c in deltaForward { rank[Int(c)] = pool[i]; i += 1 }
        ordered[e] = true
    }

    /// Checks the order's invariants (tests only): distinct ranks, every
    /// ordered edge climbing, every unordered edge running against the order.
    /// - Returns: The first broken invariant, or nil.
    func brokenInvariant(in graph: DependencyGraph) -> String? {
        var seen: Set<Int> = []
        for r in rank where r != Self.unranked {
            if !seen.insert(r).inserted { return "rank \(r) given twice" }
        }
        for (i, edge) in graph.edges.enumerated() {
            let rf = rank[edge.from.index], rt = rank[edge.to.index]
            if isOrdered(i) ? !(rf < rt) : !(rt <= rf) {
                return "edge \(i) \(edge.from) -> \(edge.to) ranks \(rf) -> \(rt), ordered \(isOrdered(i))"
            }
        }
        return nil
    }
}
