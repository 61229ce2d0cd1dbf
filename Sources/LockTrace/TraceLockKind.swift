/// The kind of a lock class, as spelled in a `class <cid> <kind> <name…>` line.
///
/// The kind fixes the class's place in lockdep's wait-type lattice (see the
/// trace format's "Lock kinds" table); the reader only needs it to check that
/// `r` / `rr` acquisitions are made on reader/writer locks.
public enum TraceLockKind: String, Sendable, CaseIterable {
    /// `raw-spinlock`: spins, never sleeps, even with `preempt-rt=on`.
    case rawSpinlock = "raw-spinlock"
    /// `spinlock`: spins, but sleeps when `preempt-rt=on`.
    case spinlock
    /// `rwlock`: spinning reader/writer lock.
    case rwlock
    /// `mutex`: sleeping lock.
    case mutex
    /// `rt-mutex`: priority-inheriting sleeping lock.
    case rtMutex = "rt-mutex"
    /// `recursive-mutex`: sleeping lock its owner may re-acquire.
    case recursiveMutex = "recursive-mutex"
    /// `rwsem`: sleeping reader/writer lock.
    case rwsem

    /// Whether shared (`r`) and recursive shared (`rr`) acquisitions are
    /// allowed on locks of this kind: true for `rwlock` and `rwsem`.
    ///
    /// - Complexity: O(1).
    public var isReaderWriter: Bool {
        self == .rwlock || self == .rwsem
    }
}
