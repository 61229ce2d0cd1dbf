/// The kind of a lock, which fixes its wait type (lockdep's wait-type lattice).
///
/// One type for the engine, the trace format and the instrumented locks; its
/// trace spelling (`class <cid> <kind> <name…>`) is ``spelling``.
public enum LockKind: TraceSpelled, Sendable, Hashable {
    /// `raw-spinlock`: pure spinning; never sleeps, even with `preempt-rt=on`.
    /// The only lock allowed in hard-interrupt-like context and under another
    /// raw lock.
    case rawSpinlock
    /// `spinlock`: spins, but sleeps on PREEMPT_RT: counts as "may sleep"
    /// under raw nesting.
    case spinlock
    /// `rwlock`: spinning reader/writer lock.
    case rwlock
    /// `mutex`: sleeping lock.
    case mutex
    /// `rt-mutex`: priority-inheriting sleeping lock; same rules as `mutex`.
    case rtMutex
    /// `recursive-mutex`: sleeping lock its owner may re-acquire (pthread
    /// recursive mutex).
    case recursiveMutex
    /// `rwsem`: sleeping reader/writer lock.
    case rwsem

    /// The kind as written in a trace's `class` line and in reports.
    ///
    /// - Complexity: O(1).
    public var spelling: String {
        switch self {
        case .rawSpinlock: "raw-spinlock"
        case .spinlock: "spinlock"
        case .rwlock: "rwlock"
        case .mutex: "mutex"
        case .rtMutex: "rt-mutex"
        case .recursiveMutex: "recursive-mutex"
        case .rwsem: "rwsem"
        }
    }

    /// The lock's wait type before `raw-nesting` is applied.
    ///
    /// - Complexity: O(1).
    @inline(__always) public var waitType: WaitType {
        switch self {
        case .rawSpinlock: .spin
        case .spinlock, .rwlock: .config
        case .mutex, .rtMutex, .recursiveMutex, .rwsem: .sleep
        }
    }

    /// Whether shared (`r`) and recursive shared (`rr`) acquisitions are
    /// allowed on locks of this kind: true for `rwlock` and `rwsem`.
    ///
    /// - Complexity: O(1).
    @inline(__always) public var isReaderWriter: Bool { self == .rwlock || self == .rwsem }

    /// A spinning lock: holding one makes the context atomic.
    ///
    /// - Complexity: O(1).
    @inline(__always) public var spins: Bool { waitType != .sleep }
}
