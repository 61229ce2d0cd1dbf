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
    public let lockIdentity: LockIdentity?
    /// `lockIdentity`, unmanaged: read on every operation without reference counting.
    private let identity: Unmanaged<LockIdentity>?
    private let word: UnsafeMutablePointer<Int32>

    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        lockIdentity = LockIdentity.make(kind: .rawSpinlock, name: name, fileID: fileID, line: line)
        identity = lockIdentity.map(Unmanaged.passUnretained)
        word = .allocate(capacity: 1)
        word.initialize(to: 0)
    }

    deinit {
        lockIdentity?.free()
        if lc_load_relaxed_i32(word) == 0 { word.deallocate() }
    }

    public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) {
        identity?._withUnsafeGuaranteedRef { $0.acquire(subclass: subclass, nest: nestLock?.lockIdentity) }
        lc_spin_lock(word)
    }

    public func tryLock() -> Bool {
        guard lc_spin_trylock(word) else { return false }
        identity?._withUnsafeGuaranteedRef { $0.acquire(isTry: true) }
        return true
    }

    public func unlock() {
        lc_spin_unlock(word)
        identity?._withUnsafeGuaranteedRef { $0.release() }
    }
}

/// A spinning lock that sleeps on PREEMPT_RT: lock kind `spinlock`
/// (spinlock_t). Atomic context like ``RawSpinLock``, but with raw nesting
/// on (the default) taking it under a raw spinlock or in a non-threaded
/// hardirq handler is `invalid-wait-context`.
public final class SpinLock: CheckedExclusiveLock {
    public let lockIdentity: LockIdentity?
    /// `lockIdentity`, unmanaged: read on every operation without reference counting.
    private let identity: Unmanaged<LockIdentity>?
    private let word: UnsafeMutablePointer<Int32>

    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        lockIdentity = LockIdentity.make(kind: .spinlock, name: name, fileID: fileID, line: line)
        identity = lockIdentity.map(Unmanaged.passUnretained)
        word = .allocate(capacity: 1)
        word.initialize(to: 0)
    }

    deinit {
        lockIdentity?.free()
        if lc_load_relaxed_i32(word) == 0 { word.deallocate() }
    }

    public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) {
        identity?._withUnsafeGuaranteedRef { $0.acquire(subclass: subclass, nest: nestLock?.lockIdentity) }
        lc_spin_lock(word)
    }

    public func tryLock() -> Bool {
        guard lc_spin_trylock(word) else { return false }
        identity?._withUnsafeGuaranteedRef { $0.acquire(isTry: true) }
        return true
    }

    public func unlock() {
        lc_spin_unlock(word)
        identity?._withUnsafeGuaranteedRef { $0.release() }
    }
}

/// A spinning reader/writer lock: lock kind `rwlock` (rwlock_t). Readers in
/// a hardirq/softirq-like context are recursive readers, as with the
/// kernel's queued rwlocks. Readers are preferred (writers may starve).
public final class SpinRWLock: CheckedReaderWriterLock {
    public let lockIdentity: LockIdentity?
    /// `lockIdentity`, unmanaged: read on every operation without reference counting.
    private let identity: Unmanaged<LockIdentity>?
    private let word: UnsafeMutablePointer<Int32>

    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        lockIdentity = LockIdentity.make(kind: .rwlock, name: name, fileID: fileID, line: line)
        identity = lockIdentity.map(Unmanaged.passUnretained)
        word = .allocate(capacity: 1)
        word.initialize(to: 0)
    }

    deinit {
        lockIdentity?.free()
        if lc_load_relaxed_i32(word) == 0 { word.deallocate() }
    }

    public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) {
        identity?._withUnsafeGuaranteedRef { $0.acquire(subclass: subclass, nest: nestLock?.lockIdentity) }
        lc_rwspin_write(word)
    }

    public func readLock(subclass: UInt32, nestLock: (any InstrumentedLock)?) {
        identity?._withUnsafeGuaranteedRef { $0.acquire(.shared, subclass: subclass, nest: nestLock?.lockIdentity) }
        lc_rwspin_read(word)
    }

    public func tryLock() -> Bool {
        guard lc_rwspin_trywrite(word) else { return false }
        identity?._withUnsafeGuaranteedRef { $0.acquire(isTry: true) }
        return true
    }

    public func tryReadLock() -> Bool {
        guard lc_rwspin_tryread(word) else { return false }
        identity?._withUnsafeGuaranteedRef { $0.acquire(.shared, isTry: true) }
        return true
    }

    public func unlock() {
        lc_rwspin_unlock(word)
        identity?._withUnsafeGuaranteedRef { $0.release() }
    }
}

// Sendable: the lock word is only touched with atomics, the identity is
// immutable or atomic.
extension RawSpinLock: @unchecked Sendable {}
extension SpinLock: @unchecked Sendable {}
extension SpinRWLock: @unchecked Sendable {}
