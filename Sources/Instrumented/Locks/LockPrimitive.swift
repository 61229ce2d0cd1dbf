#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented

/// The real lock under an instrumented one: what it does, with no validation.
///
/// Public and underscored for inlining only (see ``_CheckedCoreLock``).
public protocol _LockPrimitive {
    func lock()
    func tryLock() -> Bool
    func unlock()
    /// Takes the lock, blocking at most `nanoseconds`: the contended path,
    /// in slices, so a waiter can look for a deadlock between them.
    /// - Returns: false when the lock is still taken by another thread.
    func lock(within nanoseconds: Int64) -> Bool
    /// The kernel id of the thread holding the lock exclusively, when the
    /// primitive records it (glibc's mutex owner and rwlock writer); 0 when
    /// free or unknown. A racy hint for reports.
    var exclusiveOwner: Int32 { get }
    /// Frees the primitive, unless it is still locked (a lock freed while
    /// held, which the validator reports): then it is left allocated.
    func destroy()
}

/// A primitive with a shared (read) side.
public protocol _SharedLockPrimitive: _LockPrimitive {
    func readLock()
    func tryReadLock() -> Bool
    /// Takes the read side, blocking at most `nanoseconds` (see ``_LockPrimitive/lock(within:)``).
    func readLock(within nanoseconds: Int64) -> Bool
}

/// A pthread mutex, normal or recursive.
public struct _PthreadMutex: _LockPrimitive {
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    init(recursive: Bool) { mutex = SystemLock.makeMutex(recursive: recursive) }
    @inlinable @inline(__always) public func lock() { SystemLock.lock(mutex) }
    @inlinable @inline(__always) public func tryLock() -> Bool { SystemLock.tryLock(mutex) }
    @inlinable @inline(__always) public func unlock() { SystemLock.unlock(mutex) }
    public func lock(within nanoseconds: Int64) -> Bool { SystemLock.lock(mutex, within: nanoseconds) }
    public var exclusiveOwner: Int32 { lc_mutex_owner(mutex) }
    public func destroy() { SystemLock.destroy(mutex) }
}

/// A pthread rwlock: `lock` is the write side.
public struct _PthreadRWLock: _SharedLockPrimitive {
    @usableFromInline let rwlock: UnsafeMutablePointer<pthread_rwlock_t>
    init() { rwlock = SystemLock.makeRWLock() }
    @inlinable @inline(__always) public func lock() { SystemLock.writeLock(rwlock) }
    @inlinable @inline(__always) public func tryLock() -> Bool { SystemLock.tryWriteLock(rwlock) }
    @inlinable @inline(__always) public func readLock() { SystemLock.readLock(rwlock) }
    @inlinable @inline(__always) public func tryReadLock() -> Bool { SystemLock.tryReadLock(rwlock) }
    @inlinable @inline(__always) public func unlock() { SystemLock.unlock(rwlock) }
    public func lock(within nanoseconds: Int64) -> Bool { SystemLock.lock(rwlock, write: true, within: nanoseconds) }
    public func readLock(within nanoseconds: Int64) -> Bool { SystemLock.lock(rwlock, write: false, within: nanoseconds) }
    public var exclusiveOwner: Int32 { lc_rwlock_writer(rwlock) }
    public func destroy() { SystemLock.destroy(rwlock) }
}

/// A spinning lock word (0 free, 1 held), shared by the raw and the plain spinlock.
public struct _SpinWord: _LockPrimitive {
    @usableFromInline let word: UnsafeMutablePointer<Int32>
    init() {
        word = SystemLock.cacheLine(Int32.self)
        word.initialize(to: 0)
    }
    @inlinable @inline(__always) public func lock() { lc_spin_lock(word) }
    @inlinable @inline(__always) public func tryLock() -> Bool { lc_spin_trylock(word) }
    @inlinable @inline(__always) public func unlock() { lc_spin_unlock(word) }
    public func lock(within nanoseconds: Int64) -> Bool { lc_spin_lock_within(word, false, true, nanoseconds) }
    /// A spin word does not record its holder.
    public var exclusiveOwner: Int32 { 0 }
    public func destroy() { if lc_load_relaxed_i32(word) == 0 { word.deallocate() } }
}

/// A spinning reader/writer word (reader count, or a writer bit); readers are preferred.
public struct _RWSpinWord: _SharedLockPrimitive {
    @usableFromInline let word: UnsafeMutablePointer<Int32>
    init() {
        word = SystemLock.cacheLine(Int32.self)
        word.initialize(to: 0)
    }
    @inlinable @inline(__always) public func lock() { lc_rwspin_write(word) }
    @inlinable @inline(__always) public func tryLock() -> Bool { lc_rwspin_trywrite(word) }
    @inlinable @inline(__always) public func readLock() { lc_rwspin_read(word) }
    @inlinable @inline(__always) public func tryReadLock() -> Bool { lc_rwspin_tryread(word) }
    @inlinable @inline(__always) public func unlock() { lc_rwspin_unlock(word) }
    public func lock(within nanoseconds: Int64) -> Bool { lc_spin_lock_within(word, true, true, nanoseconds) }
    public func readLock(within nanoseconds: Int64) -> Bool { lc_spin_lock_within(word, true, false, nanoseconds) }
    /// A spin word does not record its holder.
    public var exclusiveOwner: Int32 { 0 }
    public func destroy() { if lc_load_relaxed_i32(word) == 0 { word.deallocate() } }
}
