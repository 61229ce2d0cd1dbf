// Rule `use-after-destroy` — seed 004 (zs_destroy_pool vs migration); TSan
// "use of a destroyed mutex".
//
// Fires on any event naming a pool after its `pool-destroy` (an allocation, a
// free, a deferred free, a reclaim into it, a second destroy), and on acquiring
// a lock after its `lock-free` and before a `lock-init`. Proves: the memory
// behind the pool or lock is gone.

extension Validator {
    /// Reports if `pool` was destroyed before this event.
    func checkPoolAlive(_ pool: Pool, use describe: @autoclosure () -> String, thread t: ThreadState, site: EventSite) {
        guard let destroyed = lifetimeLock.withLock({ pool.destroyed }) else { return }
        let use = describe()
        let key = violationKey(.useAfterDestroy, [pool.name], detail: "pool")
        if alreadyReported(key) { return }
        var v = Violation(
            rule: .useAfterDestroy,
            message: "\(use) after the pool was destroyed",
            explanation: "Pool '\(pool.name)' is used after it was destroyed: work still reached it after its final flush.",
            classes: [Violation.ClassInfo(name: pool.name, kind: "pool")],
            event: eventInfo(t, site, what: use),
            trying: nil,
            held: heldInfo(t),
            hint: "Stop and wait for every user of the pool (workers, migration, deferred frees) before destroying it, or take a reference that destroy waits for.",
            key: key)
        v.related = [Violation.RelatedEvent(label: "destroyed at", thread: destroyed.thread, site: siteInfo(destroyed.site))]
        report(v)
    }

    /// Reports an acquisition of a freed lock.
    func useAfterDestroy(lock: LockInstance, thread t: ThreadState, site: EventSite) {
        let n = name(lock.lockClass)
        let key = violationKey(.useAfterDestroy, [n], detail: "lock")
        if alreadyReported(key) { return }
        let freedAt = lifetimeLock.withLock { lock.freedAt }
        var v = Violation(
            rule: .useAfterDestroy,
            message: "thread '\(t.name)' acquires lock \(n) after its memory was freed",
            explanation: "Lock '\(n)' is acquired after it was destroyed (lock-free) and before it was initialised again.",
            classes: classList([lock.lockClass]),
            event: eventInfo(t, site, what: "acquire \(n)"),
            trying: lockInfo(lock, lockClass: lock.lockClass, mode: .exclusive, site: site),
            held: heldInfo(t),
            hint: "Keep the lock alive while anyone can reach it; destroy it only after its last user is gone.",
            key: key)
        if let freedAt { v.related = [Violation.RelatedEvent(label: "freed at", thread: "?", site: siteInfo(freedAt))] }
        report(v)
    }
}
