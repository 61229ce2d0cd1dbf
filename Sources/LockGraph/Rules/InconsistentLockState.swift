// Rule `inconsistent-lock-state` — lockdep: "inconsistent lock state",
// "inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage".
//
// Fires when one class is both taken in hardirq (softirq) context and taken
// with hardirqs (softirqs) enabled. Proves: the interrupt can arrive while the
// lock is held with interrupts on, and its handler then spins on the lock the
// interrupted thread holds. Readers: IN-*-R and *-ON-R do not conflict with
// each other (recursive readers), every other pair does (lockdep's valid_state).

extension Validator {
    /// Records new usage bits of `cls` and checks each (lockdep's mark_lock,
    /// mark_lock_irq): against the class's own bits, then along the graph.
    /// Each new bit keeps `site` with its stack (lockdep's usage_traces),
    /// ``UsageMask/used`` too: where the class was first taken.
    /// - Returns: `site`, with its stack captured when a new bit needed it.
    @discardableResult
    func markUsage(_ bits: UsageMask, lockClass cls: LockClassID, mode: AcquireMode,
                   thread t: ThreadState, site: EventSite) -> EventSite {
        var found: [Violation] = []
        var s = site
        graphLock.withLock {
            let old = classes.addUsage(bits, to: cls)
            let added = bits.subtracting(old)
            if added.isEmpty { return }
            graph.upstreamUsage.noteUsage(added, of: cls, in: graph)
            for bit in 0...8 where added.contains(UsageMask(rawValue: 1 << UInt32(bit))) {
                if s.stack == .captureOnDemand { resolveStack(&s) }
                usageSites[UInt64(cls.rawValue) << 8 | UInt64(bit)] = (s, t.name)
            }
            // USED_IN bits before ENABLED ones, as lockdep's mark_usage.
            for bit in [0, 1, 4, 5, 2, 3, 6, 7] where added.contains(UsageMask(rawValue: 1 << UInt32(bit))) {
                let state: IrqState = bit >= 4 ? .softirq : .hardirq
                let enabled = bit & 2 != 0, read = bit & 1 != 0
                // Unlike lockdep, which stops at its first report, both checks run:
                // the class's own usages and the graph can each show a distinct bug.
                // After a conflict within the class, the graph search skips the class
                // itself (it would match its own conflicting usage again).
                let conflict = checkUsageAgainstClass(cls, state: state, enabled: enabled, read: read, thread: t, site: s, into: &found)
                checkUsageAlongGraph(cls, mode: mode, state: state, enabled: enabled, skipRoot: conflict,
                                     thread: t, site: s, into: &found)
            }
        }
        for v in found { report(v) }
        return s
    }

    /// lockdep's valid_state for one new bit; returns whether it found a conflict.
    @discardableResult
    private func checkUsageAgainstClass(_ cls: LockClassID, state: IrqState, enabled: Bool, read: Bool,
                                        thread t: ThreadState, site: EventSite, into found: inout [Violation]) -> Bool {
        let usage = classes.usageMask(cls)
        var conflicting: [UsageMask] = [.bit(state, enabled: !enabled, read: false)]
        if !read { conflicting.append(.bit(state, enabled: !enabled, read: true)) }
        guard let other = conflicting.first(where: { usage.contains($0) }) else { return false }
        let new = UsageMask.bit(state, enabled: enabled, read: read)
        let c = name(cls)
        let otherSite = usageSite(cls, other)
        var v = Violation(
            rule: .inconsistentLockState,
            message: "inconsistent {\(other.names.joined())} -> {\(new.names.joined())} usage of \(c)",
            explanation: "'\(c)' is taken inside a \(state.name.lowercased()) handler and also with \(state.name.lowercased())s enabled; the \(state.name.lowercased()) can interrupt a holder and then wait for the lock forever.",
            classes: classList([cls]),
            event: eventInfo(t, site, what: "acquire \(c)"),
            trying: nil,
            held: heldInfo(t),
            hint: "Take '\(c)' with \(state == .hardirq ? "interrupts disabled (irqs-off / spin_lock_irqsave)" : "softirqs disabled (softirqs-off / spin_lock_bh)") everywhere outside the handler, or stop using it in the handler.",
            key: violationKey(.inconsistentLockState, [c], detail: state.name))
        v.related = [Violation.RelatedEvent(label: "{\(other.names.joined())} state was registered at", thread: otherSite?.thread ?? "?",
                                            site: otherSite.map { siteInfo($0.site) } ?? siteInfo(site))]
        v.scenario = Violation.Scenario(cpu0: ["lock(\(c));", "<Interrupt>", "  lock(\(c));", "", " *** DEADLOCK ***"], cpu1: [])
        v.contexts = atomicContexts(t)
        found.append(v)
        return true
    }

    /// Where a usage bit of `cls` was first seen (``UsageMask/used``: where
    /// the class was first taken). Call under the graph lock.
    func usageSite(_ cls: LockClassID, _ bit: UsageMask) -> (site: EventSite, thread: String)? {
        let index = UInt64(bit.rawValue.trailingZeroBitCount)
        return usageSites[UInt64(cls.rawValue) << 8 | index]
    }
}
