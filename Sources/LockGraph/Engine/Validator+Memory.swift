/// Allocation, free, deferred free, reclaim, barrier and pool destroy events.
/// Pool and queue state is cross-thread: these calls take the lifetime lock,
/// and callers deliver them in `seq` order (offline analysis sorts by seq).
extension Validator {
    /// An allocation of `bytes` with `flags`, optionally from `pool`.
    /// - Complexity: O(1) plus a lifetime-lock round trip when `pool` is given.
    public func allocate(flags: AllocFlags, bytes: UInt64, pointer: UInt64 = 0, pool: Pool? = nil,
                         thread t: ThreadState, site: EventSite) {
        if flags == .mayBlock { sleepPoint("alloc may-block \(bytes)", thread: t, site: site) }
        checkAllocUnderRawLock(flags: flags, bytes: bytes, thread: t, site: site)
        if let pool { checkPoolAlive(pool, use: "alloc from pool '\(pool.name)'", thread: t, site: site) }
    }

    /// An immediate free of `pointer`, optionally into `pool`.
    public func free(pointer: UInt64, pool: Pool? = nil, thread t: ThreadState, site: EventSite) {
        if let pool { checkPoolAlive(pool, use: "free into pool '\(pool.name)'", thread: t, site: site) }
    }

    /// Queues `pointer` on `queue` to be freed after a grace period (kvfree_rcu).
    /// A `headless` object may make the call wait for a grace period itself: a sleep point.
    /// - Complexity: O(1) expected, one lifetime-lock round trip.
    public func deferFree(queue: DeferredQueue, pointer: UInt64, headless: Bool = false, pool: Pool? = nil,
                          thread t: ThreadState, site: EventSite) {
        if headless { sleepPoint("defer-free headless (may wait for a grace period)", thread: t, site: site) }
        if let pool { checkPoolAlive(pool, use: "deferred free into pool '\(pool.name)'", thread: t, site: site) }
        let key = PointerKey(source: queue.source, pointer: pointer)
        let earlier: PendingFree? = lifetimeLock.withLock {
            if let e = pending[key] { return e }
            pendingOrder &+= 1
            pending[key] = PendingFree(queue: queue, pool: pool, site: site, thread: t.name, order: pendingOrder)
            queue.pending.insert(pointer)
            return nil
        }
        if let earlier { doubleDeferredFree(pointer: pointer, earlier: earlier, queue: queue, thread: t, site: site) }
    }

    /// The queue freed `pointer` after its grace period.
    public func reclaimed(queue: DeferredQueue, pointer: UInt64, thread t: ThreadState, site: EventSite) {
        let entry: PendingFree? = lifetimeLock.withLock {
            queue.pending.remove(pointer)
            return pending.removeValue(forKey: PointerKey(source: queue.source, pointer: pointer))
        }
        if let pool = entry?.pool {
            checkPoolAlive(pool, use: "reclaim of 0x\(String(pointer, radix: 16)) into pool '\(pool.name)'", thread: t, site: site)
        }
    }

    /// Waits until everything queued on `queue` before it is reclaimed
    /// (kvfree_rcu_barrier). A sleep point; afterwards nothing queued before
    /// it is pending.
    public func barrier(queue: DeferredQueue, thread t: ThreadState, site: EventSite) {
        sleepPoint("barrier on queue '\(queue.name)'", thread: t, site: site)
        lifetimeLock.withLock {
            for p in queue.pending { pending.removeValue(forKey: PointerKey(source: queue.source, pointer: p)) }
            queue.pending.removeAll()
        }
    }

    /// Destroys `pool` (kmem_cache_destroy). Reports pending deferred frees of
    /// its objects, and a second destroy.
    /// - Complexity: O(pending deferred frees) under the lifetime lock.
    public func destroyPool(_ pool: Pool, thread t: ThreadState, site: EventSite) {
        checkPoolAlive(pool, use: "destroy of pool '\(pool.name)'", thread: t, site: site)
        let waiting: [PendingFree] = lifetimeLock.withLock {
            if pool.destroyed == nil { pool.destroyed = (site, t.name) }
            return pending.values.filter { $0.pool === pool }
        }
        if !waiting.isEmpty { destroyWithPendingFree(pool, pending: waiting, thread: t, site: site) }
    }
}
