// Rule `lock-order-inversion` — lockdep: "possible circular locking
// dependency detected".
//
// Fires when a new dependency prev -> next closes a cycle in the class graph:
// a strong path next -> … -> prev already exists. The two halves need never
// have raced. Reader/writer holds follow lockdep's dependency types and
// strong-path rule (see DependencyTypes), so read-read cycles that cannot
// deadlock are not reported. Proves: threads following the edges of the cycle
// concurrently can each hold one lock and wait for the next, forever.

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
        if let hit = search.first(in: graph, from: next.lockClass, rootOnlyRecursive: next.mode == .recursiveShared,
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
        var chain = [Violation.DependencyInfo(from: p, to: n, types: DependencyTypes.of(prev: prev.mode, next: next.mode).notation,
                                              thread: t.name, site: siteInfo(nextSite), fromSite: siteInfo(prev.site), isNew: true)]
        var ids = [prev.lockClass, next.lockClass]
        for e in path {
            let edge = graph.edges[e]
            ids.append(edge.to)
            chain.append(Violation.DependencyInfo(from: name(edge.from), to: name(edge.to), types: edge.types.notation,
                                                  thread: edge.thread, site: siteInfo(edge.site),
                                                  fromSite: siteInfo(edge.fromSite), isNew: false))
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
            message: "thread '\(t.name)' is trying to acquire lock \(n) while holding \(p), but the reverse order \(n) -> … -> \(p) was already seen",
            explanation: explanation,
            classes: classList(ids),
            event: eventInfo(t, nextSite, what: "acquire \(n)"),
            trying: lockInfo(next),
            held: heldInfo(t, excludingTop: true),
            chain: chain,
            scenario: scenario,
            hint: "Pick one global order for these locks and take them in it everywhere (see the chain for where each order was first seen). If two of them can never be held by two threads at once, give one a subclass (sub=) to tell the validator.",
            key: violationKey(.lockOrderInversion, names))
    }
}
