/// The kind of a lock, which fixes its wait type (lockdep's wait-type lattice).
///
/// The raw values are the trace format's spelling.
public enum LockKind: String, Sendable, CaseIterable, Hashable {
    /// Pure spinning; never sleeps. The only lock allowed in hard-interrupt-like
    /// context and under another raw lock.
    case rawSpinlock = "raw-spinlock"
    /// Spins, but sleeps on PREEMPT_RT: counts as "may sleep" under raw nesting.
    case spinlock
    /// Spinning reader/writer lock.
    case rwlock
    /// Sleeping mutex.
    case mutex
    /// Priority-inheriting sleeping mutex; same rules as `mutex`.
    case rtMutex = "rt-mutex"
    /// Sleeping mutex whose owner may re-acquire it (pthread recursive mutex).
    case recursiveMutex = "recursive-mutex"
    /// Sleeping reader/writer lock.
    case rwsem

    /// The lock's wait type before `raw-nesting` is applied.
    @inline(__always) public var waitType: WaitType {
        switch self {
        case .rawSpinlock: return .spin
        case .spinlock, .rwlock: return .config
        case .mutex, .rtMutex, .recursiveMutex, .rwsem: return .sleep
        }
    }

    /// Whether shared (`r`, `rr`) acquisitions are meaningful for this kind.
    @inline(__always) public var isReaderWriter: Bool { self == .rwlock || self == .rwsem }

    /// A spinning lock: holding one makes the context atomic.
    @inline(__always) public var spins: Bool { waitType != .sleep }
}

/// Lockdep's wait types, ordered: a lock may be taken only in a context whose
/// wait type is at least the lock's.
public enum WaitType: UInt8, Sendable, Comparable {
    /// Never sleeps (raw spinlocks, hard-interrupt context).
    case spin = 1
    /// Sleeps only on PREEMPT_RT (spinlock_t, rwlock_t, softirq and threaded irq context).
    case config = 2
    /// May sleep (mutexes, rw semaphores, process context).
    case sleep = 3
    /// No constraint (plain process context with nothing held).
    case any = 4

    public static func < (a: WaitType, b: WaitType) -> Bool { a.rawValue < b.rawValue }

    /// lockdep's name: LD_WAIT_SPIN, LD_WAIT_CONFIG, LD_WAIT_SLEEP.
    public var name: String {
        switch self {
        case .spin: return "spin"
        case .config: return "config"
        case .sleep: return "sleep"
        case .any: return "any"
        }
    }
}

/// How a lock is acquired: lockdep's `read` argument (0, 1, 2).
public enum AcquireMode: UInt8, Sendable, Hashable {
    /// Exclusive (writer); the trace's `w`.
    case exclusive = 0
    /// Shared, non-recursive reader; the trace's `r`.
    case shared = 1
    /// Recursive reader (may nest over another reader of the class); the trace's `rr`.
    case recursiveShared = 2

    /// Whether any reader mode.
    @inlinable public var isShared: Bool { self != .exclusive }

    /// The trace spelling.
    public var token: String {
        switch self {
        case .exclusive: return "w"
        case .shared: return "r"
        case .recursiveShared: return "rr"
        }
    }
}
