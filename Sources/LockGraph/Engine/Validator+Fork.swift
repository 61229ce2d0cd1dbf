/// `fork()`: the engine's locks are taken before the fork and released after
/// it on both sides, so the child never inherits a lock held by a thread it
/// does not have (a thread of the parent in the middle of a new chain, a
/// report or a class registration would otherwise leave the child's first
/// new dependency waiting forever).
///
/// The order is the engine's nesting order, outermost first (the graph lock
/// is taken before the class table's and the stack store's, never after), so
/// taking them all cannot deadlock with a thread that nests them.
extension Validator {
    /// Takes every lock of the engine: the graph, lifetime and report locks,
    /// then the class table's, the stack store's and the task holds'. Call from a
    /// `pthread_atfork` prepare handler; pair with ``unlockAfterFork()``.
    /// - Complexity: Six lock acquisitions; waits for any thread inside the engine's slow path.
    public func lockForFork() {
        graphLock.lockForFork()
        lifetimeLock.lockForFork()
        reportLock.lockForFork()
        classes.lockForFork()
        stacks.lockForFork()
        taskHolds.lockForFork()
    }

    /// Releases what ``lockForFork()`` took, in the reverse order. Call from
    /// the parent and the child handlers of `pthread_atfork`.
    public func unlockAfterFork() {
        taskHolds.unlockAfterFork()
        stacks.unlockAfterFork()
        classes.unlockAfterFork()
        reportLock.unlockAfterFork()
        lifetimeLock.unlockAfterFork()
        graphLock.unlockAfterFork()
    }
}
