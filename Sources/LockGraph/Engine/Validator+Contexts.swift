/// Interrupt-like, preemption and RCU contexts of a thread. Each costs O(1)
/// unless it enables interrupts with locks held, which marks those locks'
/// usage (lockdep's mark_held_locks).
extension Validator {
    /// Enters a hard-interrupt-like handler (a signal handler, a real-time
    /// callback). Producers disable interrupts first, as the kernel's entry does.
    /// - Parameter threaded: The handler runs in a thread of its own (forced
    ///   irq threading): its wait context is config, not spin.
    public func hardirqEnter(threaded: Bool = false, thread t: ThreadState, site: EventSite) {
        defer { t.updateContext() }
        t.hardirqDepth += 1
        t.hardirqThreaded.append(threaded)
        if threaded { t.threadedHardirqDepth += 1 }
        if t.hardirqDepth == 1 { t.hardirqSite = site }
    }

    /// Leaves the innermost hardirq handler.
    public func hardirqExit(thread t: ThreadState, site: EventSite) {
        defer { t.updateContext() }
        guard t.hardirqDepth > 0 else { return }
        t.hardirqDepth -= 1
        if t.hardirqThreaded.removeLast() { t.threadedHardirqDepth -= 1 }
    }

    /// Enters a softirq-like (deferred interrupt) context.
    public func softirqEnter(thread t: ThreadState, site: EventSite) {
        defer { t.updateContext() }
        t.softirqDepth += 1
        if t.softirqDepth == 1 { t.softirqSite = site }
    }

    /// Leaves the softirq-like context.
    public func softirqExit(thread t: ThreadState, site: EventSite) {
        defer { t.updateContext() }
        if t.softirqDepth > 0 { t.softirqDepth -= 1 }
    }

    /// Disables interrupts on the thread (a state; does not nest).
    public func irqsOff(thread t: ThreadState, site: EventSite) {
        defer { t.updateContext() }
        if !t.irqsOff { t.irqsOffSite = site }
        t.irqsOff = true
    }

    /// Enables interrupts: every held lock is now taken with hardirqs enabled.
    public func irqsOn(thread t: ThreadState, site: EventSite) {
        defer { t.updateContext() }
        guard t.irqsOff else { return }
        t.irqsOff = false
        markHeldLocks(thread: t, site: site)
    }

    /// Disables softirqs (nests: local_bh_disable).
    public func softirqsOff(thread t: ThreadState, site: EventSite) {
        defer { t.updateContext() }
        if t.softirqsOffCount == 0 { t.softirqsOffSite = site }
        t.softirqsOffCount += 1
    }

    /// Re-enables softirqs once every `softirqsOff` is matched.
    public func softirqsOn(thread t: ThreadState, site: EventSite) {
        defer { t.updateContext() }
        guard t.softirqsOffCount > 0 else { return }
        t.softirqsOffCount -= 1
        if t.softirqsOffCount == 0 { markHeldLocks(thread: t, site: site) }
    }

    /// Disables preemption (nests).
    public func preemptOff(thread t: ThreadState, site: EventSite) {
        defer { t.updateContext() }
        if t.preemptCount == 0 { t.preemptOffSite = site }
        t.preemptCount += 1
    }

    /// Re-enables preemption once every `preemptOff` is matched.
    public func preemptOn(thread t: ThreadState, site: EventSite) {
        defer { t.updateContext() }
        if t.preemptCount > 0 { t.preemptCount -= 1 }
    }

    /// Enters an RCU read-side section of `flavor`.
    public func rcuReadLock(_ flavor: RCUFlavor = .plain, thread t: ThreadState, site: EventSite) {
        defer { t.updateContext() }
        t.rcuSections.append(ThreadState.RCUSection(flavor: flavor, site: site, irqContext: t.irqContext))
        switch flavor {
        case .plain: break
        case .bh: softirqsOff(thread: t, site: site)
        case .sched: preemptOff(thread: t, site: site)
        }
    }

    /// Leaves the innermost RCU read-side section of `flavor`; with none open,
    /// reports `unlock-unheld`.
    public func rcuReadUnlock(_ flavor: RCUFlavor = .plain, thread t: ThreadState, site: EventSite) {
        defer { t.updateContext() }
        guard let i = t.rcuSections.lastIndex(where: { $0.flavor == flavor }) else {
            rcuUnlockUnheld(flavor, thread: t, site: site)
            return
        }
        t.rcuSections.remove(at: i)
        switch flavor {
        case .plain: break
        case .bh: softirqsOn(thread: t, site: site)
        case .sched: preemptOn(thread: t, site: site)
        }
    }

    /// Marks every held lock with the usage that the current interrupt state
    /// implies (lockdep's mark_held_locks after enabling irqs or softirqs).
    private func markHeldLocks(thread t: ThreadState, site: EventSite) {
        guard !t.held.isEmpty else { return }
        for h in t.held {
            var bits: UsageMask = []
            if !t.hardirqsOff {
                bits.insert(.bit(.hardirq, enabled: true, read: h.mode.isShared))
                if t.softirqsEnabled { bits.insert(.bit(.softirq, enabled: true, read: h.mode.isShared)) }
            }
            if !bits.isEmpty && !classes.usageMask(h.lockClass).isSuperset(of: bits) {
                markUsage(bits, lockClass: h.lockClass, mode: h.mode, thread: t, site: site)
            }
        }
    }
}
