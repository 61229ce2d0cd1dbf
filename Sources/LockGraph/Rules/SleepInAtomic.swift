// Rule `sleep-in-atomic` — might_sleep: "BUG: sleeping function called from
// invalid context".
//
// Fires at a sleep point in atomic context: a `sleep` event, a sleeping-lock
// (mutex, rt-mutex, recursive-mutex, rwsem) acquisition, a `may-block`
// allocation, a `barrier`, or a `headless` deferred free (which may have to
// wait for a grace period itself: seeds 000 and 001). Atomic means holding a
// spinning lock, or inside hardirq / softirq, irqs-off, softirqs-off,
// preempt-off, or an RCU read-side section. Proves: the thread may block
// where blocking is forbidden (a spinner waits on it, an interrupt is lost, a
// grace period never ends).

extension Validator {
    /// A sleep point of `t` described by `what` (e.g. "sleep what=cond-wait"),
    /// which is only built when a report needs it. Reports when `t` is atomic.
    /// - Complexity: O(1) when not atomic; no allocation.
    @inline(__always)
    public func sleepPoint(_ what: @autoclosure () -> String, thread t: ThreadState, site: EventSite) {
        if t.isAtomic { sleepInAtomic(what: what(), involved: [], thread: t, site: site) }
    }

    /// Decides the rule for an acquisition of `lock` (class `lockClass`) by
    /// `t`: a sleeping lock (mutex, rt-mutex, recursive-mutex, rwsem) taken
    /// in atomic context is a sleep point there. Reports it. Trylocks are not
    /// checked (they never wait).
    /// - Returns: Whether it fired.
    /// - Complexity: O(1) when it does not fire.
    @inline(__always)
    func checkSleepInAtomic(acquiring lock: LockInstance, lockClass: LockClassID, mode: AcquireMode,
                            thread t: ThreadState, site: EventSite) -> Bool {
        guard lock.kind.waitType == .sleep, t.isAtomic else { return false }
        sleepInAtomic(acquiring: lock, lockClass: lockClass, mode: mode, thread: t, site: site)
        return true
    }

    func sleepInAtomic(acquiring lock: LockInstance, lockClass: LockClassID, mode: AcquireMode,
                       thread t: ThreadState, site: EventSite) {
        sleepInAtomic(what: "acquire \(name(lockClass)) (\(lock.kind.spelling))", involved: [lockClass], thread: t, site: site,
                      trying: lockInfo(lock, lockClass: lockClass, mode: mode, site: site))
    }

    func sleepInAtomic(what: String, involved: [LockClassID], thread t: ThreadState, site: EventSite,
                       trying: Violation.LockInfo? = nil) {
        let spinning = t.held.filter { $0.kind.spins }.map(\.lockClass)
        let ids = involved + spinning
        let context = atomicContextName(t)
        let names = Array(Set(ids.map(name)))
        // Sleep points with no lock involved are told apart by what sleeps and where.
        let key = violationKey(.sleepInAtomic, names, detail: names.isEmpty || involved.isEmpty ? "\(context)|\(what.split(separator: " ").first ?? "")" : "")
        if alreadyReported(key) { return }
        var v = Violation(
            rule: .sleepInAtomic,
            message: "sleeping function called from invalid context: \(what) while \(context)",
            explanation: "The thread may block here (\(what)) while \(context), where blocking is forbidden: whatever waits for this context to end can stall or deadlock.",
            classes: classList(ids),
            event: eventInfo(t, site, what: what),
            trying: trying,
            held: heldInfo(t),
            hint: "Move the blocking call out of the atomic section (drop the spinning lock or leave the handler first), use a non-blocking variant (a trylock, an `atomic` or `no-locks` allocation, a deferred free with an embedded head), or use a sleeping lock for the outer section.",
            key: key)
        v.contexts = atomicContexts(t)
        report(v)
    }
}
