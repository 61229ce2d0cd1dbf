#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented

/// The real lock under an instrumented one: what it does, with no validation.
protocol LockPrimitive {
    func lock()
    func tryLock() -> Bool
    func unlock()
    /// Frees the primitive, unless it is still locked (a lock freed while
    /// held, which the validator reports): then it is left allocated.
    func destroy()
}

/// A primitive with a shared (read) side.
protocol SharedLockPrimitive: LockPrimitive {
    func readLock()
    func tryReadLock() -> Bool
}

/// A pthread mutex, normal or recursive.
struct PthreadMutex: LockPrimitive {
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    init(recursive: Bool) { mutex = SystemLock.makeMutex(recursive: recursive) }
    @inline(__always) func lock() { SystemLock.lock(mutex) }
    @inline(__always) func tryLock() -> Bool { SystemLock.tryLock(mutex) }
    @inline(__always) func unlock() { SystemLock.unlock(mutex) }
    func destroy() { SystemLock.destroy(mutex) }
}

/// A pthread rwlock: `lock` is the write side.
struct PthreadRWLock: SharedLockPrimitive {
    let rwlock: UnsafeMutablePointer<pthread_rwlock_t>
    init() { rwlock = SystemLock.makeRWLock() }
    @inline(__always) func lock() { SystemLock.writeLock(rwlock) }
    @inline(__always) func tryLock() -> Bool { SystemLock.tryWriteLock(rwlock) }
    @inline(__always) func readLock() { SystemLock.readLock(rwlock) }
    @inline(__always) func tryReadLock() -> Bool { SystemLock.tryReadLock(rwlock) }
    @inline(__always) func unlock() { SystemLock.unlock(rwlock) }
    func destroy() { SystemLock.destroy(rwlock) }
}

/// A spinning lock word (0 free, 1 held), shared by the raw and the plain spinlock.
struct SpinWord: LockPrimitive {
    let word: UnsafeMutablePointer<Int32>
    init() {
        word = .allocate(capacity: 1)
        word.initialize(to: 0)
    }
    @inline(__always) func lock() { lc_spin_lock(word) }
    @inline(__always) func tryLock() -> Bool { lc_spin_trylock(word) }
    @inline(__always) func unlock() { lc_spin_unlock(word) }
    func destroy() { if lc_load_relaxed_i32(word) == 0 { word.deallocate() } }
}

/// A spinning reader/writer word (reader count, or a writer bit); readers are preferred.
struct RWSpinWord: SharedLockPrimitive {
    let word: UnsafeMutablePointer<Int32>
    init() {
        word = .allocate(capacity: 1)
        word.initialize(to: 0)
    }
    @inline(__always) func lock() { lc_rwspin_write(word) }
    @inline(__always) func tryLock() -> Bool { lc_rwspin_trywrite(word) }
    @inline(__always) func readLock() { lc_rwspin_read(word) }
    @inline(__always) func tryReadLock() -> Bool { lc_rwspin_tryread(word) }
    @inline(__always) func unlock() { lc_rwspin_unlock(word) }
    func destroy() { if lc_load_relaxed_i32(word) == 0 { word.deallocate() } }
}
