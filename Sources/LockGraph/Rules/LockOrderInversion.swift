// Rule `lock-order-inversion` — lockdep: "possible circular locking
// dependency detected".
//
// Fires when a new dependency prev -> next closes a cycle in the class graph:
// a strong path next -> … -> prev already exists. The two halves need never
// have raced. Reader/writer holds follow lockdep's dependency types and
// strong-path rule (see DependencyTypes), so read-read cycles that cannot
// deadlock are not reported. Proves: threads following the edges of the cycle
// concurrently can each hold one lock and wait for the next, forever.
//
// Two ways to report it: as the events arrive (live), the cycle each new
// dependency closes; at the end of an offline analysis (`lockcheck analyze`),
// the shortest cycle through every dependency on a cycle of the final graph
// (wholeGraphCycles), which does not depend on the order of the inputs.

extension Validator {
    /// lockdep's check_prevs_add: adds a dependency from each held lock in the
    /// current context to the new top, down to the first non-trylock.
    func addDependencies(thread t: ThreadState, into found: inout [Violation]) {
        let top = t.held.count - 1
        var i = top - 1
        while i >= 0 {
            let prev = t.held[i]
            if prev.irqContext != t.held[top].irqContext { break }
            addDependency(prevIndex: i, thread: t, into: &found)
            // Non-trylock entries already link to everything below them.
            if !prev.isTry { break }
            i -= 1
        }
    }

    /// lockdep's check_prev_add: proves prev -> next closes no cycle and
    /// breaks no irq rule, then records it.
    private func addDependency(prevIndex: Int, thread t: ThreadState, into found: inout [Violation]) {
        let prev = t.held[prevIndex]
        let next = t.held[t.held.count - 1]
        if classes.isOverflow(prev.lockClass) { return }
        let types = DependencyTypes.of(prev: prev.mode, next: next.mode)
        if let e = graph.edge(from: prev.lockClass, to: next.lockClass), graph.edges[e].types.isSuperset(of: types) {
            return  // Already proven when it was added; later cycles are found by their closing edge.
        }
        if graph.count >= configuration.limits.dependencies && graph.edge(from: prev.lockClass, to: next.lockClass) == nil {
            warnOnce("dependencies", "more than \(configuration.limits.dependencies) dependencies: new ones are no longer recorded")
            return
        }
        // Capture the stack once per new dependency, never per acquire.
        resolveStack(&t.held[t.held.count - 1].site)
        var top = next
        top.site = t.held[t.held.count - 1].site
        checkAndAddDependency(prev: prev, next: top, thread: t, into: &found)
    }

    /// Proves that the dependency `prev -> next` (first seen at `next.site`)
    /// closes no cycle, then checks its irq usage, then records it. A cycle
    /// is reported and the dependency is still recorded, so the graph stays
    /// complete. Call under the graph lock.
    func checkAndAddDependency(prev: HeldLock, next: HeldLock, thread t: ThreadState, into found: inout [Violation]) {
        let target = prev.lockClass
        let prevExclusive = prev.mode == .exclusive
        // A cycle needs a path next -> … -> prev: none when nothing leaves next
        // or nothing enters prev. O(1), and it spares the search (lockdep's
        // check_noncircular, over everything reachable from next) for a class
        // met for the first time: without it, N classes nested in reverse
        // order cost O(N²) (found by fuzzing with large inputs).
        // Then the topological order (Pearce–Kelly, see TopologicalOrder):
        // O(1) when prev already comes before next, a search of the region
        // between them otherwise; a "no" proves there is no path at all, so
        // the strong-path search would find nothing either.
        let mayClose = target != next.lockClass
            ? !graph.outgoing(next.lockClass).isEmpty && !graph.incoming(target).isEmpty
                && graph.order.mayReach(from: next.lockClass, to: target, in: graph)
            : true
        if mayClose, let hit = search.first(in: graph, from: next.lockClass, rootOnlyRecursive: next.mode == .recursiveShared,
                                            direction: .forward, where: { node in
                                                node.lockClass == target && (prevExclusive || !node.onlyRecursive)
                                            }) {
            let path = search.path(to: hit, in: graph, direction: .forward)
            found.append(lockOrderInversion(prev: prev, next: next, nextSite: next.site, path: path, thread: t))
        } else {
            checkIrqUsage(prev: prev, next: next, thread: t, into: &found)
        }
        graph.add(from: prev.lockClass, to: next.lockClass, types: DependencyTypes.of(prev: prev.mode, next: next.mode),
                  site: next.site, thread: t.name, fromSite: prev.site)
    }

    private func lockOrderInversion(prev: HeldLock, next: HeldLock, nextSite: EventSite, path: [Int],
                                    thread t: ThreadState) -> Violation {
        let p = name(prev.lockClass), n = name(next.lockClass)
        let closing = Violation.DependencyInfo(from: p, to: n, types: DependencyTypes.of(prev: prev.mode, next: next.mode).notation,
                                               thread: t.name, site: siteInfo(nextSite), fromSite: siteInfo(prev.site), isNew: true)
        return lockOrderInversion(
            from: prev.lockClass, to: next.lockClass, closing: closing, path: path,
            message: "thread '\(t.name)' is trying to acquire lock \(n) while holding \(p), but the reverse order \(n) -> … -> \(p) was already seen",
            event: eventInfo(t, nextSite, what: "acquire \(n)"), trying: lockInfo(next), held: heldInfo(t, excludingTop: true))
    }

    /// The report of a cycle found in the whole graph (``wholeGraphCycles``):
    /// `closing` plays the new dependency, its thread and site the event, and
    /// the lock it was taken under the held stack (all the graph keeps).
    func lockOrderInversion(closing e: Int, path: [Int]) -> Violation {
        let edge = graph.edges[e]
        let p = name(edge.from), n = name(edge.to)
        var closing = dependencyInfo(e)
        closing.isNew = true
        let prevMode: AcquireMode = edge.types.isDisjoint(with: [.en, .er]) ? .shared : .exclusive
        let held = Violation.LockInfo(className: p, kind: classes[edge.from].kind.spelling, mode: prevMode.spelling,
                                      instance: 0, isTry: false, site: siteInfo(edge.fromSite))
        return lockOrderInversion(
            from: edge.from, to: edge.to, closing: closing, path: path,
            message: "thread '\(edge.thread)' acquired lock \(n) while holding \(p), and the reverse order \(n) -> … -> \(p) was seen too",
            event: eventInfo(ThreadState(name: edge.thread), edge.site, what: "acquire \(n)"), trying: nil, held: [held])
    }

    private func lockOrderInversion(from prev: LockClassID, to next: LockClassID, closing: Violation.DependencyInfo, path: [Int],
                                    message: String, event: Violation.EventInfo, trying: Violation.LockInfo?,
                                    held: [Violation.LockInfo]) -> Violation {
        let p = name(prev), n = name(next)
        var chain = [closing]
        var ids = [prev, next]
        for e in path {
            ids.append(graph.edges[e].to)
            chain.append(dependencyInfo(e))
        }
        let names = Array(Set(ids.map(name))).sorted()
        let explanation = names.count == 2
            ? "'\(n)' and '\(p)' are taken in opposite orders; two threads doing so can deadlock."
            : "The locks \(names.map { "'\($0)'" }.joined(separator: ", ")) are taken in an order that forms a cycle; threads following it can deadlock."
        // lockdep's print_circular_lock_scenario: the target of the last existing edge.
        let parent = path.last.map { name(graph.edges[$0].from) } ?? n
        let scenario = path.count <= 1
            ? Violation.Scenario(cpu0: ["lock(\(p));", "", "lock(\(n));", ""], cpu1: ["", "lock(\(n));", "", "lock(\(p));"])
            : Violation.Scenario(cpu0: ["lock(\(p));", "", "", "lock(\(n));"], cpu1: ["", "lock(\(parent));", "lock(\(p));", ""])
        return Violation(
            rule: .lockOrderInversion,
            message: message,
            explanation: explanation,
            classes: classList(ids),
            event: event,
            trying: trying,
            held: held,
            chain: chain,
            scenario: scenario,
            hint: "Pick one global order for these locks and take them in it everywhere (see the chain for where each order was first seen). If two of them can never be held by two threads at once, give one a subclass (sub=) to tell the validator.",
            key: violationKey(.lockOrderInversion, names))
    }
}

// MARK: The whole graph

/// A cycle of the final class graph: the dependency it was searched for and
/// the strong path back to that dependency's start.
struct GraphCycle {
    /// The edge whose cycle this is; the report's "new" dependency.
    var closing: Int
    /// The edges from the closing edge's end back to its start.
    var path: [Int]
    /// The violation's dedup key (rule + sorted class names).
    var key: String
}

extension Validator {
    /// The lock-order inversions of the whole graph, from its content alone
    /// (what `lockcheck analyze` reports, whatever the order of its inputs):
    /// for every dependency that lies on a cycle, in class-name order, the
    /// shortest strong cycle through it — the search a new dependency gets,
    /// with ties broken by name — one report per set of classes.
    ///
    /// As the events arrive, each dependency that closes a cycle reports the
    /// cycle the graph held at that moment, so overlapping cycles come out
    /// differently for different input orders; the union of dependencies
    /// does not depend on the order, and neither does this. Every dependency
    /// on a strong cycle is in a reported cycle, so every pair of classes
    /// taken in both orders (what Helgrind reports, pair by pair) is in one
    /// report. One inversion can therefore give several reports: a reversed
    /// dependency A -> B puts every other path from B to A on a cycle too, and
    /// each such path with A -> B is reported (all of them name A and B).
    ///
    /// Stops once the searches have examined `budget` edges; the cycles of
    /// the remaining dependencies (in name order) are not reported.
    /// Call under the graph lock.
    /// - Complexity: O(classes + edges) when the graph has no cycle (one pass
    ///   of Tarjan's algorithm in ``CanonicalGraph``); otherwise one or two
    ///   breadth-first searches inside the strongly connected components per
    ///   dependency on a cycle, at most `budget` edges examined in all.
    /// - Returns: The cycles, and how many dependencies on cycles were left unchecked.
    func wholeGraphCycles(_ view: CanonicalGraph, budget: Int) -> (cycles: [GraphCycle], unchecked: Int) {
        var alive = [Bool](repeating: false, count: graph.edges.count)
        let edges = view.edgesInOrder
        for e in edges { alive[Int(e)] = true }
        let onCycles = view.cycles(alive: &alive)
        let cyclic = edges.filter { alive[Int($0)] }
        var seen: Set<String> = []
        var out: [GraphCycle] = []
        let start = search.edgesScanned
        for (checked, e) in cyclic.enumerated() {
            if search.edgesScanned - start >= budget { return (out, cyclic.count - checked) }
            let edge = graph.edges[Int(e)]
            var best: [Int]?
            for (rootOnlyRecursive, prevExclusive) in Self.cycleSearches(edge.types) {
                // As checkAndAddDependency: a strong path from the edge's end back to its start.
                guard let hit = search.first(in: graph, from: edge.to, rootOnlyRecursive: rootOnlyRecursive,
                                             direction: .forward, adjacency: onCycles, where: { node in
                                                 node.lockClass == edge.from && (prevExclusive || !node.onlyRecursive)
                                             }) else { continue }
                let path = search.path(to: hit, in: graph, direction: .forward)
                if best.map({ path.count < $0.count }) ?? true { best = path }
            }
            guard let path = best else { continue }
            let names = Set(([edge.from, edge.to] + path.map { graph.edges[$0].to }).map(name)).sorted()
            let key = violationKey(.lockOrderInversion, names)
            if seen.insert(key).inserted { out.append(GraphCycle(closing: Int(e), path: path, key: key)) }
        }
        return (out, 0)
    }

    /// The searches a dependency of these types needs, as (the search starts
    /// only-recursive, the start was held exclusive): one per acquisition
    /// pair the types record, less those another one dominates (-(EN)->
    /// dominates all; -(SR)-> is dominated by -(SN)-> and -(ER)->).
    static func cycleSearches(_ types: DependencyTypes) -> [(rootOnlyRecursive: Bool, prevExclusive: Bool)] {
        if types.contains(.en) { return [(false, true)] }
        var out: [(Bool, Bool)] = []
        if types.contains(.sn) { out.append((false, false)) }
        if types.contains(.er) { out.append((true, true)) }
        if out.isEmpty && types.contains(.sr) { out.append((true, false)) }
        return out
    }
}
