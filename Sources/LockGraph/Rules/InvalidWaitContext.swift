// Rule `invalid-wait-context` — lockdep: "[ BUG: Invalid wait context ]",
// CONFIG_PROVE_RAW_LOCK_NESTING.
//
// Fires when a lock is acquired whose wait type is higher than the lowest
// wait type of the locks held in the current interrupt context, or than the
// context allows (hardirq: spin; threaded hardirq and softirq: config; sched
// RCU: spin; plain and bh RCU: config). The headline case is a `spinlock`
// under a `raw-spinlock` with raw nesting on: legal on ordinary kernels, a
// sleeping lock under a raw lock on PREEMPT_RT (seed 002). Sleeping locks in
// atomic context report `sleep-in-atomic` instead.

extension Validator {
    /// Decides the rule for an acquisition of `lock` (class `lockClass`,
    /// effective wait type `waitType`) by `t`, and reports it; sleeping
    /// locks are left to `sleep-in-atomic`. Trylocks are not checked.
    /// - Returns: Whether it fired.
    /// - Complexity: O(held locks in the current irq context).
    @inline(__always)
    func checkWaitContext(acquiring lock: LockInstance, lockClass: LockClassID, mode: AcquireMode, waitType: WaitType,
                          thread t: ThreadState, site: EventSite) -> Bool {
        guard lock.kind.waitType != .sleep,
              waitType > t.waitContextBound(irqContext: t.irqContext, configWait: configWait) else { return false }
        invalidWaitContext(acquiring: lock, lockClass: lockClass, mode: mode, thread: t, site: site)
        return true
    }

    func invalidWaitContext(acquiring lock: LockInstance, lockClass: LockClassID, mode: AcquireMode,
                            thread t: ThreadState, site: EventSite) {
        let ctx = t.irqContext
        let bound = t.waitContextBound(irqContext: ctx, configWait: configWait)
        let limiting = t.held.reversed().prefix { $0.irqContext == ctx }.filter { $0.waitType == bound }.map(\.lockClass)
        let n = name(lockClass)
        let ids = [lockClass] + limiting
        let names = Array(Set(ids.map(name)))
        let context = limiting.isEmpty ? (t.hardirqDepth > 0 ? "hardirq" : t.softirqDepth > 0 ? "softirq" : t.rcuSections.last?.flavor.name ?? "context") : ""
        let key = violationKey(.invalidWaitContext, names, detail: context)
        if alreadyReported(key) { return }
        let wait = effectiveWaitType(lock.kind)
        let rtNote = configuration.preemptRT ? " (a sleeping lock on PREEMPT_RT)" : ""
        let holder = limiting.first.map { "'\(name($0))' (\(classes[$0].kind.spelling))" } ?? context
        var v = Violation(
            rule: .invalidWaitContext,
            message: "thread '\(t.name)' is trying to acquire \(n) {\(wait.name)}\(rtNote) in a context that allows only {\(bound.name)}",
            explanation: "'\(n)' is a \(lock.kind.spelling)\(rtNote), taken while \(holder) allows only \(bound.name)-level locks inside; on PREEMPT_RT that lock can sleep where sleeping is forbidden.",
            classes: classList(ids),
            event: eventInfo(t, site, what: "acquire \(n)"),
            trying: lockInfo(lock, lockClass: lockClass, mode: mode, site: site),
            held: heldInfo(t),
            hint: "Make the outer lock a non-raw spinlock, make '\(n)' a raw-spinlock if its sections are short and never sleep, or move the acquisition out of the \(bound.name)-only section.",
            key: key)
        v.contexts = atomicContexts(t)
        report(v)
    }
}

extension ThreadState {
    /// The highest wait type allowed now: the context's (hardirq: spin, or
    /// config when threaded; softirq: config; RCU sections) lowered by every
    /// lock held in the current interrupt context (lockdep's check_wait_context).
    @inline(__always)
    func waitContextBound(irqContext ctx: UInt8, configWait: WaitType) -> WaitType {
        var bound: WaitType = .any
        if hardirqDepth > 0 {
            bound = threadedHardirqDepth >= hardirqDepth ? configWait : .spin
        } else if softirqDepth > 0 {
            bound = configWait
        }
        for s in rcuSections where s.irqContext == ctx {
            bound = min(bound, s.flavor == .sched ? .spin : configWait)
        }
        var i = held.count - 1
        while i >= 0 {
            let h = held[i]
            if h.irqContext != ctx { break }
            bound = min(bound, h.waitType)
            i -= 1
        }
        return bound
    }
}
