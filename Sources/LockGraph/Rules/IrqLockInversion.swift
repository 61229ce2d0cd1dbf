// Rule `irq-lock-inversion` — lockdep: "HARDIRQ-safe -> HARDIRQ-unsafe lock
// order detected" (on a new dependency) and "possible irq lock inversion
// dependency detected" (on a new usage).
//
// Fires when a class used in hardirq (softirq) context — irq-safe — reaches
// along a strong dependency path a class taken with hardirqs (softirqs)
// enabled — irq-unsafe. Proves: a thread holding the unsafe lock with
// interrupts on can be interrupted by a handler that waits for the safe lock,
// while another thread holds the safe lock and waits for the unsafe one.

extension Validator {
    /// lockdep's check_irq_usage for a new dependency prev -> next. Call under the graph lock.
    func checkIrqUsage(prev: HeldLock, next: HeldLock, thread t: ThreadState, into found: inout [Violation]) {
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
        let wanted: UsageMask = [.bit(state, enabled: !enabled, read: false), .bit(state, enabled: !enabled, read: true)]
        let matches = { (node: GraphSearch.Node) in !(skipRoot && node.lockClass == cls) && self.usageMatches(node, wanted) }
        if enabled {
            // New irq-unsafe usage: is an irq-safe class behind it?
            guard let hit = search.first(in: graph, from: cls, rootOnlyRecursive: mode.isShared,
                                         direction: .backward, where: matches) else { return }
            let path = search.path(to: hit, in: graph, direction: .backward)
            found.append(irqInversion(safe: hit.lockClass, unsafe: cls, chain: path.map(dependencyInfo),
                                      thread: t, site: site, trying: nil, heldExcludingTop: false))
        } else {
            // New irq-safe usage: is an irq-unsafe class after it?
            guard let hit = search.first(in: graph, from: cls, rootOnlyRecursive: mode == .recursiveShared,
                                         direction: .forward, where: matches) else { return }
            let path = search.path(to: hit, in: graph, direction: .forward)
            found.append(irqInversion(safe: cls, unsafe: hit.lockClass, chain: path.map(dependencyInfo),
                                      thread: t, site: site, trying: nil, heldExcludingTop: false))
        }
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

    private func irqInversion(safe: LockClassID, unsafe: LockClassID, chain: [Violation.DependencyInfo],
                              thread t: ThreadState, site: EventSite, trying: Violation.LockInfo?,
                              heldExcludingTop: Bool) -> Violation {
        let s = name(safe), u = name(unsafe)
        let safeUsage = classes.usageMask(safe).intersection(.usedInAll)
        let unsafeUsage = classes.usageMask(unsafe).intersection(.enabledAll)
        let state: IrqState = !safeUsage.intersection([.usedInHardirq, .usedInHardirqRead]).isEmpty
            && !unsafeUsage.intersection([.enabledHardirq, .enabledHardirqRead]).isEmpty ? .hardirq : .softirq
        let irq = state.name.lowercased()
        var v = Violation(
            rule: .irqLockInversion,
            message: "\(state.name)-safe lock \(s) -> \(state.name)-unsafe lock \(u) order detected",
            explanation: "'\(s)' is used in \(irq) context and '\(u)' is taken with \(irq)s enabled, yet '\(u)' is acquired while '\(s)' is held; an interrupt can then deadlock the two.",
            classes: classList(safe == unsafe ? [safe] : [safe, unsafe]),
            event: eventInfo(t, site, what: trying.map { "acquire \($0.className)" } ?? "usage change"),
            trying: trying,
            held: heldInfo(t, excludingTop: heldExcludingTop),
            chain: chain,
            hint: "Take '\(u)' with \(irq)s disabled everywhere (it then becomes \(irq)-safe), or do not take '\(u)' while holding '\(s)'.",
            key: violationKey(.irqLockInversion, [s, u], detail: state.name))
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
