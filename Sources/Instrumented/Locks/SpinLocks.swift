import CInstrumented
import LockGraph

/// A pure spinning lock that never sleeps: lock kind `raw-spinlock`
/// (raw_spinlock_t). The only lock allowed in a hardirq-like handler and
/// under another raw lock; holding one makes the thread atomic, so sleeping,
/// sleeping locks, `may-block` allocations — and, with raw nesting, spinlocks
/// and `atomic`/`nowait` allocations — are reported under it.
///
/// Spins with a pause, yielding the CPU after a while (user space cannot
/// disable preemption).
public final class RawSpinLock: _CheckedCoreLock {
    public let _core: _CheckedCore<_SpinWord>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        _core = _CheckedCore(.rawSpinlock, name: name, fileID: fileID, line: line, _SpinWord())
    }

    deinit { _core.destroy() }
}

/// A spinning lock that sleeps on PREEMPT_RT: lock kind `spinlock`
/// (spinlock_t). Atomic context like ``RawSpinLock``, but with raw nesting
/// on (the default) taking it under a raw spinlock or in a non-threaded
/// hardirq handler is `invalid-wait-context`.
public final class SpinLock: _CheckedCoreLock {
    public let _core: _CheckedCore<_SpinWord>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        _core = _CheckedCore(.spinlock, name: name, fileID: fileID, line: line, _SpinWord())
    }

    deinit { _core.destroy() }
}

/// A spinning reader/writer lock: lock kind `rwlock` (rwlock_t). Readers in
/// a hardirq/softirq-like context are recursive readers, as with the
/// kernel's queued rwlocks. Readers are preferred (writers may starve).
public final class SpinRWLock: CheckedReaderWriterLock, _CheckedCoreLock {
    public let _core: _CheckedCore<_RWSpinWord>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        _core = _CheckedCore(.rwlock, name: name, fileID: fileID, line: line, _RWSpinWord())
    }

    deinit { _core.destroy() }
}

// Sendable: the lock word is only touched with atomics, the identity is
// immutable or atomic.
extension RawSpinLock: @unchecked Sendable {}
extension SpinLock: @unchecked Sendable {}
extension SpinRWLock: @unchecked Sendable {}
