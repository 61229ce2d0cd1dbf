extension Validator {
    /// Records that `thread` released `lock` (call after unlocking).
    ///
    /// A release of a lock the thread does not hold reports `unlock-unheld`.
    /// Releasing a lock below the top of the held stack rebuilds the chain
    /// keys of the locks above it (lockdep's reacquire_held_locks) without
    /// re-validating them: their dependencies were added when they were taken.
    /// - Complexity: O(depth of the lock in the held stack); no shared lock;
    ///   one atomic decrement.
    @inline(__always)
    public func release(_ lock: LockInstance, thread t: ThreadState, site: EventSite) {
        guard let i = t.heldIndex(of: lock) else {
            unlockUnheld(lock, thread: t, site: site)
            return
        }
        if t.held[i].recursion > 0 {
            t.held[i].recursion -= 1
            return
        }
        let h = i == t.held.count - 1 ? t.held.removeLast() : t.held.remove(at: i)
        if h.kind.spins {
            t.spinningHeld -= 1
            if h.kind == .rawSpinlock { t.rawHeld -= 1 }
        }
        lock.addHolder(-1)
        if i < t.held.count { t.rebuildChainKeys(from: i) }
    }
}

extension ThreadState {
    /// Recomputes chain keys from held index `start` up.
    func rebuildChainKeys(from start: Int) {
        for j in start..<held.count {
            let sameContext = j > 0 && held[j - 1].irqContext == held[j].irqContext
            let before = sameContext ? held[j - 1].chainKey : UInt64(held[j].irqContext) &+ 1
            held[j].chainKey = ChainCache.extend(before, with: UInt64(held[j].lockClass.rawValue) | UInt64(held[j].mode.rawValue) << 32)
        }
    }
}
