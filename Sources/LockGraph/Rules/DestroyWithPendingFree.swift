// Rule `destroy-with-pending-free` — seed 003 (kfree_rcu vs kmem_cache_destroy).
//
// Fires on `pool-destroy` while objects of that pool are queued for deferred
// free and not reclaimed, with no `barrier` in between. Proves: the queue will
// free those objects into a pool that no longer exists.

extension Validator {
    func destroyWithPendingFree(_ pool: Pool, pending waiting: [PendingFree], thread t: ThreadState, site: EventSite) {
        let key = violationKey(.destroyWithPendingFree, [pool.name])
        if alreadyReported(key) { return }
        // The first queued, in the engine's own order: a live `seq` orders
        // only its thread's events unless a trace is recorded.
        let first = waiting.min { $0.order < $1.order }!
        var v = Violation(
            rule: .destroyWithPendingFree,
            message: "pool '\(pool.name)' is destroyed while \(waiting.count) deferred free\(waiting.count == 1 ? "" : "s") of its objects \(waiting.count == 1 ? "is" : "are") pending on '\(first.queue.name)'",
            explanation: "Pool '\(pool.name)' is destroyed while objects from it still wait for their grace period; the queue will later free them into a pool that no longer exists.",
            classes: [Violation.ClassInfo(name: pool.name, kind: "pool")],
            event: eventInfo(t, site, what: "pool-destroy \(pool.name)"),
            trying: nil,
            held: heldInfo(t),
            hint: "Call barrier() on the queue (kvfree_rcu_barrier) before destroying the pool, so every pending free has run.",
            key: key)
        v.related = [Violation.RelatedEvent(label: "still pending: queued at", thread: first.thread, site: siteInfo(first.site))]
        report(v)
    }
}
