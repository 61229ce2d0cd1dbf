// Rule `unlock-unheld` — lockdep: "WARNING: bad unlock balance detected!".
//
// Fires on a release of a lock the thread does not hold (a double unlock, or
// an unlock on the wrong thread), and on an `rcu-unlock` with no open section
// of that flavour. Proves: the lock's state and its owner's idea of it
// disagree; another thread's critical section may be broken open.

extension Validator {
    func unlockUnheld(_ lock: LockInstance, thread t: ThreadState, site: EventSite) {
        let n = name(lock.lockClass)
        let key = violationKey(.unlockUnheld, [n])
        if alreadyReported(key) { return }
        let elsewhere = lock.holderCount > 0 ? " (another thread holds it)" : ""
        report(Violation(
            rule: .unlockUnheld,
            message: "thread '\(t.name)' is trying to release lock \(n) but holds no such lock\(elsewhere)",
            explanation: "'\(n)' is released by a thread that does not hold it: a double unlock, or an unlock on the wrong thread.",
            classes: classList([lock.lockClass]),
            event: eventInfo(t, site, what: "release \(n)"),
            trying: lockInfo(lock, lockClass: lock.lockClass, mode: .exclusive, site: site),
            held: heldInfo(t),
            hint: "Release each lock exactly once, on the thread that acquired it; prefer scoped `withLock { }` over manual lock()/unlock().",
            key: key))
    }

    func rcuUnlockUnheld(_ flavor: RCUFlavor, thread t: ThreadState, site: EventSite) {
        let key = violationKey(.unlockUnheld, [flavor.name])
        if alreadyReported(key) { return }
        report(Violation(
            rule: .unlockUnheld,
            message: "thread '\(t.name)' leaves an RCU read-side section (\(flavor.name)) it did not enter",
            explanation: "An RCU read-side section of this flavour ends that never began on this thread.",
            classes: [Violation.ClassInfo(name: flavor.name, kind: "rcu")],
            event: eventInfo(t, site, what: "rcu-unlock"),
            trying: nil,
            held: heldInfo(t),
            hint: "Pair every rcu-unlock with an rcu-lock of the same flavour on the same thread.",
            key: key))
    }
}
