// Rule `held-lock-freed` — lockdep: "held lock freed!"
// (debug_check_no_locks_freed).
//
// Fires on `lock-free` or `lock-init` of a lock that some thread holds.
// Proves: the holder will unlock memory that is gone or reset, and waiters
// may wake on garbage.

extension Validator {
    func heldLockFreed(_ lock: LockInstance, reinitialised: Bool, thread t: ThreadState, site: EventSite) {
        let n = name(lock.lockClass)
        let key = violationKey(.heldLockFreed, [n])
        if alreadyReported(key) { return }
        let byItself = t.heldIndex(of: lock) != nil
        report(Violation(
            rule: .heldLockFreed,
            message: "thread '\(t.name)' \(reinitialised ? "re-initialises" : "frees") lock \(n) while \(byItself ? "it holds it" : "another thread holds it")",
            explanation: "The memory of lock '\(n)' is \(reinitialised ? "re-initialised" : "freed") while the lock is held; its holder will later unlock memory that is gone.",
            classes: classList([lock.lockClass]),
            event: eventInfo(t, site, what: reinitialised ? "lock-init \(n)" : "lock-free \(n)"),
            trying: lockInfo(lock, lockClass: lock.lockClass, mode: .exclusive, site: site),
            held: heldInfo(t),
            hint: "Make sure every holder has released the lock (and no one can still reach it) before destroying or re-initialising it.",
            key: key))
    }
}
