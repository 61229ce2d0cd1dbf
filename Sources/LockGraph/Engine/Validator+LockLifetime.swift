import CLockGraphAtomics

/// `lock-init` and `lock-free`: the memory of a lock instance begins or ends.
extension Validator {
    /// The lock's memory is (re)initialised: it may be used again. Reports
    /// `held-lock-freed` if some thread holds it.
    /// - Complexity: O(1), one lifetime-lock round trip.
    public func lockInit(_ lock: LockInstance, thread t: ThreadState, site: EventSite) {
        if lock.holderCount > 0 { heldLockFreed(lock, reinitialised: true, thread: t, site: site) }
        lifetimeLock.withLock {
            lock.freedAt = nil
            lock.setFreed(false)
        }
    }

    /// The lock's memory is freed (pthread_mutex_destroy, deinit). Reports
    /// `held-lock-freed` if some thread holds it; acquiring it before a
    /// `lockInit` reports `use-after-destroy`.
    public func lockFree(_ lock: LockInstance, thread t: ThreadState, site: EventSite) {
        if lock.holderCount > 0 { heldLockFreed(lock, reinitialised: false, thread: t, site: site) }
        lifetimeLock.withLock {
            lock.freedAt = site
            lock.setFreed(true)
        }
    }
}
