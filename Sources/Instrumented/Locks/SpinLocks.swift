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
public final class RawSpinLock: CheckedExclusiveLock {
    public var lockIdentity: LockIdentity? { core.lockIdentity }
    @usableFromInline let core: CheckedCore<SpinWord>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        core = CheckedCore(.rawSpinlock, name: name, fileID: fileID, line: line, SpinWord())
    }

    deinit { core.destroy() }

    @inlinable public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) { core.lock(subclass: subclass, nestLock: nestLock) }
    @inlinable public func tryLock() -> Bool { core.tryLock() }
    @inlinable public func unlock() { core.unlock() }
}

/// A spinning lock that sleeps on PREEMPT_RT: lock kind `spinlock`
/// (spinlock_t). Atomic context like ``RawSpinLock``, but with raw nesting
/// on (the default) taking it under a raw spinlock or in a non-threaded
/// hardirq handler is `invalid-wait-context`.
public final class SpinLock: CheckedExclusiveLock {
    public var lockIdentity: LockIdentity? { core.lockIdentity }
    @usableFromInline let core: CheckedCore<SpinWord>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        core = CheckedCore(.spinlock, name: name, fileID: fileID, line: line, SpinWord())
    }

    deinit { core.destroy() }

    @inlinable public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) { core.lock(subclass: subclass, nestLock: nestLock) }
    @inlinable public func tryLock() -> Bool { core.tryLock() }
    @inlinable public func unlock() { core.unlock() }
}

/// A spinning reader/writer lock: lock kind `rwlock` (rwlock_t). Readers in
/// a hardirq/softirq-like context are recursive readers, as with the
/// kernel's queued rwlocks. Readers are preferred (writers may starve).
public final class SpinRWLock: CheckedReaderWriterLock {
    public var lockIdentity: LockIdentity? { core.lockIdentity }
    @usableFromInline let core: CheckedCore<RWSpinWord>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        core = CheckedCore(.rwlock, name: name, fileID: fileID, line: line, RWSpinWord())
    }

    deinit { core.destroy() }

    @inlinable public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) { core.lock(subclass: subclass, nestLock: nestLock) }
    @inlinable public func readLock(subclass: UInt32, nestLock: (any InstrumentedLock)?) { core.readLock(subclass: subclass, nestLock: nestLock) }
    @inlinable public func tryReadLock() -> Bool { core.tryReadLock() }
    @inlinable public func tryLock() -> Bool { core.tryLock() }
    @inlinable public func unlock() { core.unlock() }
}

// Sendable: the lock word is only touched with atomics, the identity is
// immutable or atomic.
extension RawSpinLock: @unchecked Sendable {}
extension SpinLock: @unchecked Sendable {}
extension SpinRWLock: @unchecked Sendable {}
