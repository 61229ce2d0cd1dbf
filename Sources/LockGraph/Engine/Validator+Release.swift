extension Validator {
    /// Records that `thread` released `lock` (call after unlocking).
    ///
    /// A release of a lock the thread does not hold reports `unlock-unheld`.
    /// Releasing a lock below the top of the held stack rebuilds the chain
    /// keys of the locks above it (lockdep's reacquire_held_locks) without
    /// re-validating them: their dependencies were added when they were taken.
    /// - Complexity: O(depth of the lock in the held stack); no shared lock;
    ///   one atomic decrement unless the caller clears the holder mark.
    /// - Parameter countsHolder: false when the caller cleared the holder
    ///   mark itself (see ``acquireExclusive(_:countsHolder:thread:site:)``).
    @inlinable
    public func release(_ lock: LockInstance, countsHolder: Bool = true, thread t: ThreadState, site: EventSite) {
        if !releaseIfInnermost(lock, countsHolder: countsHolder, thread: t) {
            releaseInner(lock, countsHolder: countsHolder, thread: t, site: site)
        }
    }

    /// The hot half of ``release(_:countsHolder:thread:site:)``: when `lock`
    /// is the innermost held lock (the usual case), pops it and returns true;
    /// otherwise does nothing and returns false, and the caller must make
    /// the full release. Needs no site: a pop is never reported.
    @inlinable @inline(__always)
    public func releaseIfInnermost(_ lock: LockInstance, countsHolder: Bool, thread t: ThreadState) -> Bool {
        // On an empty stack `top` is the sentinel, whose identity is no lock's.
        let top = t.held.count &- 1
        let h = t.held.base + top
        guard h.pointee.instance == ObjectIdentifier(lock) && h.pointee.recursion == 0 else { return false }
        t.held.dropLast()
        dropHolder(lock, countsHolder: countsHolder, thread: t)
        return true
    }

    /// A release of a lock below the top of the held stack, of a recursive
    /// mutex taken more than once, or of a lock not held.
    @usableFromInline @inline(never)
    func releaseInner(_ lock: LockInstance, countsHolder: Bool, thread t: ThreadState, site: EventSite) {
        guard let i = t.heldIndex(of: lock) else {
            if !releasedAcrossSuspension(lock, countsHolder: countsHolder, thread: t, site: site) {
                unlockUnheld(lock, thread: t, site: site)
            }
            return
        }
        if t.held[i].recursion > 0 {
            t.held[i].recursion -= 1
            return
        }
        _ = t.held.remove(at: i)
        if i < t.heldTasks.count { t.heldTasks.remove(at: i) }
        dropHolder(lock, countsHolder: countsHolder, thread: t)
        if i < t.held.count { rebuildChainKeys(of: t, from: i) }
    }

    @inlinable
    func dropHolder(_ lock: LockInstance, countsHolder: Bool, thread t: ThreadState) {
        let kind = lock.kind
        if kind.spins {
            t.spinningHeld &-= 1
            if kind == .rawSpinlock { t.rawHeld &-= 1 }
            t.spinningHeldChanged()
        }
        if countsHolder { lock.addHolder(-1) }
    }
}

extension Validator {
    /// Recomputes the chain keys and checks of `t`'s held stack from index `start` up.
    func rebuildChainKeys(of t: ThreadState, from start: Int) {
        let held = t.held
        for j in start..<held.count {
            let below = held[j - 1]  // at j = 0 the sentinel below the stack, whose context no lock has
            let (key, check) = chainStep(after: below.chainKey, check: below.chainCheck,
                                         inContext: j > 0 && below.irqContext == held[j].irqContext,
                                         lockClass: held[j].lockClass, mode: held[j].mode, isTry: held[j].isTry,
                                         irqContext: held[j].irqContext)
            held[j].chainKey = key
            held[j].chainCheck = check
        }
    }
}
