// Rule `irq-lock-inversion` — lockdep: "HARDIRQ-safe -> HARDIRQ-unsafe lock
// order detected" (on a new dependency) and "possible irq lock inversion
// dependency detected" (on a new usage).
//
// Fires when a class used in hardirq (softirq) context — irq-safe — reaches
// along a strong dependency path a class taken with hardirqs (softirqs)
// enabled — irq-unsafe. Proves: a thread holding the unsafe lock with
// interrupts on can be interrupted by a handler that waits for the safe lock,
// while another thread holds the safe lock and waits for the unsafe one.
//
// Live, each new dependency and usage is checked as it arrives; at the end of
// an offline analysis every irq-safe usage is checked against the final graph
// (wholeGraphIrqInversions), which does not depend on the order of the inputs.

extension Validator {
    /// lockdep's check_irq_usage for a new dependency prev -> next. Call under the graph lock.
    func checkIrqUsage(prev: HeldLock, next: HeldLock, thread t: ThreadState, into found: inout [Violation]) {
        // 0. Nothing that reaches prev (prev included) was ever used in irq
        // context: step 1 would find no irq-safe usage. lockdep runs it
        // anyway, a backward search over everything that reaches prev on
        // every new dependency, which made a program quadratic in its
        // dependencies: without interrupts (found by fuzzing with large
        // inputs), and with one irq-safe class anywhere else (FUZZING.md's
        // irq shape). The graph keeps, per class, the irq-safe usages of
        // everything that reaches it (UpstreamUsage: a superset of what step
        // 1 collects), so this is one load. A class that becomes irq-safe
        // later is checked then, against the whole graph (checkUsageAlongGraph).
        guard !usesUpstreamUsage || !graph.upstreamUsage.mask(of: prev.lockClass).isEmpty else { return }
        guard classes.someClassUsedInIrq else { return }
        // 1. Usage of everything that reaches prev (prev included).
        var reaching: UsageMask = []
        _ = search.first(in: graph, from: prev.lockClass, rootOnlyRecursive: prev.mode.isShared,
                         direction: .backward, where: { node in
                             let u = classes.usageMask(node.lockClass)
                             reaching.formUnion(node.onlyRecursive ? u.intersection(.irqWrite) : u)
                             return false
                         })
        let usedIn = reaching.intersection(.usedInAll)
        if usedIn.isEmpty { return }
        // 2. Something reachable from next with an exclusive ENABLED usage?
        let forwardMask = usedIn.exclusiveAcrossPath
        guard let unsafeNode = search.first(in: graph, from: next.lockClass, rootOnlyRecursive: next.mode == .recursiveShared,
                                            direction: .forward, where: { usageMatches($0, forwardMask) }) else { return }
        let forwardPath = search.path(to: unsafeNode, in: graph, direction: .forward)
        // 3. The irq-safe class behind prev that conflicts with it.
        let backwardMask = classes.usageMask(unsafeNode.lockClass).intersection(.enabledAll).exclusiveAcrossPath
        guard let safeNode = search.first(in: graph, from: prev.lockClass, rootOnlyRecursive: prev.mode.isShared,
                                          direction: .backward, where: { usageMatches($0, backwardMask) }) else { return }
        let backwardPath = search.path(to: safeNode, in: graph, direction: .backward)

        var chain: [Violation.DependencyInfo] = backwardPath.map(dependencyInfo)
        chain.append(Violation.DependencyInfo(from: name(prev.lockClass), to: name(next.lockClass),
                                              types: DependencyTypes.of(prev: prev.mode, next: next.mode).notation,
                                              thread: t.name, site: siteInfo(next.site), fromSite: siteInfo(prev.site), isNew: true))
        chain += forwardPath.map(dependencyInfo)
        found.append(irqInversion(safe: safeNode.lockClass, unsafe: unsafeNode.lockClass, chain: chain,
                                  thread: t, site: next.site, trying: lockInfo(next), heldExcludingTop: true))
    }

    /// lockdep's check_usage_forwards / check_usage_backwards for a class that
    /// just gained a usage bit. Call under the graph lock.
    func checkUsageAlongGraph(_ cls: LockClassID, mode: AcquireMode, state: IrqState, enabled: Bool, skipRoot: Bool,
                              thread t: ThreadState, site: EventSite, into found: inout [Violation]) {
        guard let hit = usageConflict(cls, rootOnlyRecursive: enabled ? mode.isShared : mode == .recursiveShared,
                                      state: state, enabled: enabled, skipRoot: skipRoot) else { return }
        found.append(irqInversion(safe: hit.safe, unsafe: hit.unsafe, chain: hit.path.map(dependencyInfo),
                                  thread: t, site: site, trying: nil, heldExcludingTop: false))
    }

    /// The search behind ``checkUsageAlongGraph``: for a new irq-unsafe
    /// (`enabled`) usage of `cls`, the nearest irq-safe class behind it; for a
    /// new irq-safe one, the nearest irq-unsafe class after it. Follows
    /// `adjacency` when given. Call under the graph lock.
    /// - Returns: The two classes and the dependency path from the safe one to the unsafe one.
    func usageConflict(_ cls: LockClassID, rootOnlyRecursive: Bool, state: IrqState, enabled: Bool, skipRoot: Bool,
                       adjacency: GraphSearch.Adjacency? = nil) -> (safe: LockClassID, unsafe: LockClassID, path: [Int])? {
        let wanted: UsageMask = [.bit(state, enabled: !enabled, read: false), .bit(state, enabled: !enabled, read: true)]
        // A new irq-unsafe usage looks backward for an irq-safe class: none
        // reaches cls when its upstream mask has no such bit (see checkIrqUsage).
        if enabled && adjacency == nil && usesUpstreamUsage
            && graph.upstreamUsage.mask(of: cls).isDisjoint(with: wanted) { return nil }
        let matches = { (node: GraphSearch.Node) in !(skipRoot && node.lockClass == cls) && self.usageMatches(node, wanted) }
        // New irq-unsafe usage: is an irq-safe class behind it? New irq-safe usage: an irq-unsafe one after it?
        let direction: GraphSearch.Direction = enabled ? .backward : .forward
        guard let hit = search.first(in: graph, from: cls, rootOnlyRecursive: rootOnlyRecursive, direction: direction,
                                     adjacency: adjacency, where: matches) else { return nil }
        let path = search.path(to: hit, in: graph, direction: direction)
        return enabled ? (hit.lockClass, cls, path) : (cls, hit.lockClass, path)
    }

    /// lockdep's usage_match: read usages do not count at the end of an only-recursive path.
    private func usageMatches(_ node: GraphSearch.Node, _ mask: UsageMask) -> Bool {
        let u = classes.usageMask(node.lockClass)
        return !(node.onlyRecursive ? u.intersection(.irqWrite) : u).isDisjoint(with: mask)
    }

    func dependencyInfo(_ e: Int) -> Violation.DependencyInfo {
        let edge = graph.edges[e]
        return Violation.DependencyInfo(from: name(edge.from), to: name(edge.to), types: edge.types.notation,
                                        thread: edge.thread, site: siteInfo(edge.site), fromSite: siteInfo(edge.fromSite), isNew: false)
    }

    /// The state a report names for the pair: hardirq when both classes
    /// conflict in it, softirq otherwise.
    private func irqInversionState(safe: LockClassID, unsafe: LockClassID) -> IrqState {
        let safeUsage = classes.usageMask(safe).intersection(.usedInAll)
        let unsafeUsage = classes.usageMask(unsafe).intersection(.enabledAll)
        return !safeUsage.intersection([.usedInHardirq, .usedInHardirqRead]).isEmpty
            && !unsafeUsage.intersection([.enabledHardirq, .enabledHardirqRead]).isEmpty ? .hardirq : .softirq
    }

    /// The dedup key of an irq inversion between these classes.
    private func irqInversionKey(safe: LockClassID, unsafe: LockClassID) -> String {
        violationKey(.irqLockInversion, [name(safe), name(unsafe)], detail: irqInversionState(safe: safe, unsafe: unsafe).name)
    }

    private func irqInversion(safe: LockClassID, unsafe: LockClassID, chain: [Violation.DependencyInfo],
                              thread t: ThreadState, site: EventSite, trying: Violation.LockInfo?,
                              heldExcludingTop: Bool, what: String? = nil) -> Violation {
        let s = name(safe), u = name(unsafe)
        let safeUsage = classes.usageMask(safe).intersection(.usedInAll)
        let unsafeUsage = classes.usageMask(unsafe).intersection(.enabledAll)
        let state = irqInversionState(safe: safe, unsafe: unsafe)
        let irq = state.name.lowercased()
        var v = Violation(
            rule: .irqLockInversion,
            message: "\(state.name)-safe lock \(s) -> \(state.name)-unsafe lock \(u) order detected",
            explanation: "'\(s)' is used in \(irq) context and '\(u)' is taken with \(irq)s enabled, yet '\(u)' is acquired while '\(s)' is held; an interrupt can then deadlock the two.",
            classes: classList(safe == unsafe ? [safe] : [safe, unsafe]),
            event: eventInfo(t, site, what: what ?? trying.map { "acquire \($0.className)" } ?? "usage change"),
            trying: trying,
            held: heldInfo(t, excludingTop: heldExcludingTop),
            chain: chain,
            hint: "Take '\(u)' with \(irq)s disabled everywhere (it then becomes \(irq)-safe), or do not take '\(u)' while holding '\(s)'.",
            key: irqInversionKey(safe: safe, unsafe: unsafe))
        for (label, cls, mask) in [("\(state.name)-safe usage of \(s) was first seen at", safe, safeUsage),
                                   ("\(state.name)-unsafe usage of \(u) was first seen at", unsafe, unsafeUsage)] {
            let bit = UsageMask(rawValue: 1 << UInt32(mask.rawValue.trailingZeroBitCount))
            if let us = usageSite(cls, bit) {
                v.related.append(Violation.RelatedEvent(label: label, thread: us.thread, site: siteInfo(us.site)))
            }
        }
        v.scenario = Violation.Scenario(cpu0: ["lock(\(u));", "", "", "<Interrupt>", "  lock(\(s));"],
                                        cpu1: ["", "local_irq_disable();", "lock(\(s));", "lock(\(u));", ""])
        return v
    }
}

// MARK: The whole graph

/// An irq inversion of the final graph and usages: the usage bit it was
/// searched for, and what the search found.
struct GraphIrqInversion {
    var lockClass: LockClassID
    var bit: UsageMask
    var safe: LockClassID
    var unsafe: LockClassID
    var path: [Int]
    /// The violation's dedup key (rule + sorted class names + state).
    var key: String
}

extension Validator {
    /// The irq inversions of the whole graph, from its content alone (what
    /// `lockcheck analyze` reports, whatever the order of its inputs): for
    /// every irq-safe class, in name order, and each of its USED_IN usages,
    /// the nearest irq-unsafe class it reaches — lockdep's mark_lock_irq
    /// check of a new irq-safe usage (check_usage_forwards), run against the
    /// final graph, whose dependencies and usages are both unions and so do
    /// not depend on the order they were learned in. Ties are broken by name;
    /// one report per pair and state.
    ///
    /// As the events arrive, an irq-unsafe usage or a new dependency can also
    /// report a pair, naming whichever class it reaches first; which pairs
    /// come out then depends on the order. Reporting, besides, every
    /// irq-unsafe class an irq-safe one reaches would be canonical too, but
    /// one irq-safe -> irq-unsafe dependency makes every class below it such a
    /// class (most classes are taken with irqs on), and each would be
    /// reported. So each irq-safe class that can deadlock against an
    /// interrupt is reported once, with the path to its nearest irq-unsafe
    /// class; fixing that path shows the next one.
    ///
    /// Stops once the searches have examined `budget` edges. Call under the graph lock.
    /// - Complexity: O(classes + edges) to find, per state, which classes
    ///   reach an irq-unsafe one; then one breadth-first search per USED_IN
    ///   usage of such a class, at most `budget` edges examined in all.
    /// - Returns: The inversions, and how many usages were left unchecked.
    func wholeGraphIrqInversions(_ view: CanonicalGraph, budget: Int) -> (found: [GraphIrqInversion], unchecked: Int) {
        // Which classes can reach an irq-unsafe class at all, per state,
        // ignoring dependency types: a cheap superset that spares the search
        // everywhere else.
        var upstreamOfUnsafe: [[Bool]] = []
        for state in IrqState.allCases {
            let enabled: UsageMask = [.bit(state, enabled: true, read: false), .bit(state, enabled: true, read: true)]
            upstreamOfUnsafe.append(reachable(view, .backward) { !self.classes.usageMask($0).isDisjoint(with: enabled) })
        }
        var seen: Set<String> = []
        var out: [GraphIrqInversion] = []
        let start = search.edgesScanned
        var pending = 0
        for cls in view.ranked {
            let usage = classes.usageMask(cls)
            // The USED_IN bits, in lockdep's mark_usage order.
            for bitNumber in [0, 1, 4, 5] {
                let bit = UsageMask(rawValue: 1 << UInt32(bitNumber))
                guard usage.contains(bit) else { continue }
                let state: IrqState = bitNumber >= 4 ? .softirq : .hardirq
                let read = bitNumber & 1 != 0
                guard upstreamOfUnsafe[Int(state.rawValue)][cls.index] else { continue }
                if search.edgesScanned - start >= budget {
                    pending += 1
                    continue
                }
                // As markUsage: a class in conflict with itself (inconsistent
                // lock state) is not matched against its own usage again.
                var conflicting: UsageMask = .bit(state, enabled: true, read: false)
                if !read { conflicting.formUnion(.bit(state, enabled: true, read: true)) }
                let skipRoot = !usage.isDisjoint(with: conflicting)
                // A read usage came from a shared acquisition; a shared rwlock
                // acquisition in irq context is a recursive read (Validator.acquire).
                let rootOnlyRecursive = read && classes[cls].kind == .rwlock
                guard let hit = usageConflict(cls, rootOnlyRecursive: rootOnlyRecursive, state: state, enabled: false,
                                              skipRoot: skipRoot, adjacency: view.all) else { continue }
                let key = irqInversionKey(safe: hit.safe, unsafe: hit.unsafe)
                if seen.insert(key).inserted {
                    out.append(GraphIrqInversion(lockClass: cls, bit: bit, safe: hit.safe, unsafe: hit.unsafe,
                                                 path: hit.path, key: key))
                }
            }
        }
        return (out, pending)
    }

    /// The report of an irq inversion found in the whole graph: the event is
    /// where the irq-safe usage it was searched for was first seen.
    func irqInversion(_ found: GraphIrqInversion) -> Violation {
        let first = usageSite(found.lockClass, found.bit)
        let state = found.bit.isDisjoint(with: [.usedInSoftirq, .usedInSoftirqRead]) ? "hardirq" : "softirq"
        let what = "acquire \(name(found.lockClass)) in \(state) context"
        return irqInversion(safe: found.safe, unsafe: found.unsafe, chain: found.path.map(dependencyInfo),
                            thread: ThreadState(name: first?.thread ?? "?"), site: first?.site ?? EventSite(seq: 0),
                            trying: nil, heldExcludingTop: false, what: what)
    }

    /// The classes reachable from (forward) or reaching (backward) a class
    /// that `isSource` accepts, sources included, along any dependency.
    /// - Complexity: O(classes + edges).
    private func reachable(_ view: CanonicalGraph, _ direction: GraphSearch.Direction,
                           from isSource: (LockClassID) -> Bool) -> [Bool] {
        var mark = [Bool](repeating: false, count: view.all.forward.count)
        var queue: [LockClassID] = []
        for c in view.ranked where isSource(c) {
            mark[c.index] = true
            queue.append(c)
        }
        var head = 0
        while head < queue.count {
            let c = queue[head]
            head += 1
            for e in view.all.edges(c, direction) {
                let edge = graph.edges[Int(e)]
                let next = direction == .forward ? edge.to : edge.from
                if !mark[next.index] {
                    mark[next.index] = true
                    queue.append(next)
                }
            }
        }
        return mark
    }
}
