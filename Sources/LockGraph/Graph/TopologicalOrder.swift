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
///    `rank[x]`, and backward from `x`, visiting only classes ranked above
///    `rank[y]` (the affected region), one class of each in turn; either
///    search meeting the other end means the edge closes a cycle. The first
///    search to finish without meeting it has found its whole side of the
///    region (the two-way search of Haeupler, Kavitha, Mathew, Sen and
///    Tarjan, ACM TALG 8, 2012), so a step costs the smaller side.
/// 3. Move that side: the classes found forward to right after `x`, or
///    those found backward to right before `y`, each keeping its relative
///    order. No other class moves. Ranks are the labels of an
///    order-maintenance list (``OrderList``), so a class can go between any
///    two in amortized O(log n).
///
/// Pearce–Kelly reassigns both sides' ranks among themselves instead, which
/// costs the larger side: FUZZING.md's hub shape (each class first taken
/// under a hub, then the chain learned back to front) made every new
/// dependency reorder the whole chain that way, quadratic in all; the
/// backward side there is one class.
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
/// bounded searches of step 2 find it. A path through unordered edges
/// leaves `y` by an ordered path to the start `u` of its first unordered edge
/// (`rank[u] ≥ rank[y]`) and reaches `x` from the end `v` of its last one
/// (`rank[v] ≤ rank[x]`); if no unordered edge has such a start, or none such
/// an end, there is none. The answer errs only towards "may": the strong-path
/// search (``GraphSearch``) still decides, and finds exactly what it found
/// without the order, because a strong path is a plain path.
///
/// Fresh classes are ranked on their first edge, a start at the front of
/// the order and an end at its back, so a chain learned front to back or
/// back to front never reorders.
///
/// Not thread-safe: the ``DependencyGraph`` that owns it is called under the
/// validator's graph lock. Searches are iterative, with scratch buffers owned
/// by the order.
final class TopologicalOrder {
    /// The order; a class's rank is its label there (``OrderList/unlabeled``
    /// for a class with no edge yet).
    @exclusivity(unchecked) private var list = OrderList()
    /// Per edge: in the order (true) or closing a cycle of it (false).
    @exclusivity(unchecked) private var ordered: [Bool] = []
    /// The edges that closed a cycle when added, kept out of the order.
    @exclusivity(unchecked) private(set) var unorderedEdges: [Int32] = []

    @exclusivity(unchecked) private var generation: UInt32 = 0
    @exclusivity(unchecked) private var stampForward: [UInt32] = []
    @exclusivity(unchecked) private var stampBackward: [UInt32] = []
    @exclusivity(unchecked) private var stackForward: [Int32] = []
    @exclusivity(unchecked) private var stackBackward: [Int32] = []
    /// The side of the region the last search finished (step 3 moves it).
    @exclusivity(unchecked) private var region: [Int32] = []

    /// What the two-way search of step 2 found.
    private enum Outcome {
        /// A path `y ⇝ x`: the edge closes a cycle.
        case reached
        /// No path; `region` holds every class the forward search can reach.
        case forwardSide
        /// No path; `region` holds every class the backward search can reach.
        case backwardSide
    }

    /// The last search (step 2), reused by ``insert`` when the graph has not
    /// changed since: `(x, y, edge count, outcome)`.
    @exclusivity(unchecked) private var lastSearch: (x: Int32, y: Int32, edges: Int, outcome: Outcome)?

    /// Classes visited by the order's searches so far (their work, for tests and benchmarks).
    @exclusivity(unchecked) private(set) var classesVisited = 0
    /// Ranks the order-maintenance list gave anew so far (for tests and benchmarks).
    var classesRelabelled: Int { list.relabelled }

    private func rank(_ c: LockClassID) -> Int { list.label[c.index] }

    private func grow(to slots: Int) {
        list.grow(to: slots)
        if stampForward.count < slots {
            stampForward.append(contentsOf: repeatElement(0, count: slots - stampForward.count))
            stampBackward.append(contentsOf: repeatElement(0, count: slots - stampBackward.count))
        }
    }

    private func nextGeneration() {
        generation &+= 1
        if generation == 0 {
            for i in stampForward.indices { stampForward[i] = 0; stampBackward[i] = 0 }
            generation = 1
        }
    }

    /// Whether the edge `e` is part of the order (false: it closed a cycle).
    func isOrdered(_ e: Int) -> Bool { e < ordered.count && ordered[e] }

    /// Whether a path `y ⇝ x` (plain reachability, any dependency types) may
    /// exist in `graph`: false proves there is none. Exact while no edge has
    /// closed a cycle.
    /// - Complexity: O(1) when the order agrees with `x -> y`; otherwise the
    ///   smaller side of the region between the two, twice, with its edges.
    ///   Plus O(u) for the u unordered edges.
    func mayReach(from y: LockClassID, to x: LockClassID, in graph: DependencyGraph) -> Bool {
        if x == y { return true }
        grow(to: max(x.index, y.index) + 1)
        let rx = rank(x), ry = rank(y)
        // A class without an edge reaches nothing and is reached by nothing.
        if rx == OrderList.unlabeled || ry == OrderList.unlabeled { return false }
        if ry < rx {
            if search(from: y, to: x, in: graph) == .reached { return true }
        }
        return unorderedMayBridge(from: ry, to: rx, in: graph)
    }

    private func unorderedMayBridge(from ry: Int, to rx: Int, in graph: DependencyGraph) -> Bool {
        var leaves = false, arrives = false
        for e in unorderedEdges {
            let edge = graph.edges[Int(e)]
            if rank(edge.from) >= ry { leaves = true }
            if rank(edge.to) <= rx { arrives = true }
            if leaves && arrives { return true }
        }
        return false
    }

    /// Step 2 for `x -> y` (`rank[y] < rank[x]`): forward from `y` over
    /// ordered edges to classes ranked below `rank[x]`, backward from `x` to
    /// classes ranked above `rank[y]`, one class of each in turn.
    private func search(from y: LockClassID, to x: LockClassID, in graph: DependencyGraph) -> Outcome {
        let xi = Int32(x.index), yi = Int32(y.index)
        if let last = lastSearch, last.x == xi, last.y == yi, last.edges == graph.count { return last.outcome }
        let rx = rank(x), ry = rank(y)
        nextGeneration()
        stackForward.removeAll(keepingCapacity: true)
        stackBackward.removeAll(keepingCapacity: true)
        var forwardSeen: [Int32] = [], backwardSeen: [Int32] = []
        stampForward[y.index] = generation
        stackForward.append(yi)
        stampBackward[x.index] = generation
        stackBackward.append(xi)
        let outcome: Outcome
        search: while true {
            guard let c = stackForward.popLast() else { outcome = .forwardSide; region = forwardSeen; break }
            forwardSeen.append(c)
            classesVisited &+= 1
            for e in graph.outgoing(LockClassID(rawValue: UInt32(c))) where ordered[Int(e)] {
                let w = graph.edges[Int(e)].to
                if w == x { outcome = .reached; break search }
                if stampForward[w.index] != generation && rank(w) < rx {
                    stampForward[w.index] = generation
                    stackForward.append(Int32(w.index))
                }
            }
            guard let b = stackBackward.popLast() else { outcome = .backwardSide; region = backwardSeen; break }
            backwardSeen.append(b)
            classesVisited &+= 1
            for e in graph.incoming(LockClassID(rawValue: UInt32(b))) where ordered[Int(e)] {
                let w = graph.edges[Int(e)].from
                if w == y { outcome = .reached; break search }
                if stampBackward[w.index] != generation && rank(w) > ry {
                    stampBackward[w.index] = generation
                    stackBackward.append(Int32(w.index))
                }
            }
        }
        lastSearch = (xi, yi, graph.count, outcome)
        return outcome
    }

    /// Places the new edge `e` (just appended to `graph`) in the order, or
    /// lists it as unordered when it closes a cycle of the order.
    /// - Complexity: O(1) when the order agrees; otherwise the smaller side
    ///   of the affected region, O(k log k + k log n) for its k classes.
    func insert(edge e: Int, in graph: DependencyGraph) {
        let edge = graph.edges[e]
        let x = edge.from, y = edge.to
        grow(to: max(x.index, y.index) + 1)
        while ordered.count <= e { ordered.append(false) }
        if x == y {
            unorderedEdges.append(Int32(e))
            lastSearch = nil
            return
        }
        if rank(x) == OrderList.unlabeled { list.insert(Int32(x.index), after: OrderList.none) }
        if rank(y) == OrderList.unlabeled { list.insert(Int32(y.index), after: list.last) }
        if rank(x) < rank(y) {
            ordered[e] = true
            lastSearch = nil
            return
        }
        // The search of mayReach, if it was for this edge, saw the graph
        // without it, which changes neither side: the edge leaves x and
        // enters y, the two classes the searches start from and stop at.
        if let last = lastSearch, last.edges == graph.count - 1 { lastSearch?.edges = graph.count }
        let outcome = search(from: y, to: x, in: graph)
        lastSearch = nil
        if outcome == .reached {
            unorderedEdges.append(Int32(e))
            return
        }
        // Step 3.
        region.sort { rank(LockClassID(rawValue: UInt32($0))) < rank(LockClassID(rawValue: UInt32($1))) }
        for c in region { list.remove(c) }
        var after = outcome == .forwardSide ? Int32(x.index) : list.predecessor(Int32(y.index))
        for c in region {
            list.insert(c, after: after)
            after = c
        }
        ordered[e] = true
    }

    /// Checks the order's invariants (tests only): the list's labels rise
    /// along it, every ordered edge climbs and every unordered edge runs
    /// against the order.
    /// - Returns: The first broken invariant, or nil.
    func brokenInvariant(in graph: DependencyGraph) -> String? {
        if let broken = list.brokenInvariant() { return "order list: \(broken)" }
        for (i, edge) in graph.edges.enumerated() {
            let rf = rank(edge.from), rt = rank(edge.to)
            if isOrdered(i) ? !(rf < rt) : !(rt <= rf) {
                return "edge \(i) \(edge.from) -> \(edge.to) ranks \(rf) -> \(rt), ordered \(isOrdered(i))"
            }
        }
        return nil
    }
}
