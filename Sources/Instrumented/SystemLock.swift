#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented

/// The pthread calls behind the sleeping locks, in one namespace, every
/// result checked: a failure other than "busy" is a programming error (a
/// corrupted or destroyed lock) and stops the program with the call's name.
@usableFromInline
enum SystemLock {
    /// Uninitialised memory for one `T` on cache lines of its own.
    ///
    /// A lock's word is written by every acquire and release: next to
    /// another thread's lock, or to anything another thread reads, every
    /// operation would move the line between cores (false sharing).
    /// Free it with `deallocate()`.
    static func cacheLine<T>(_: T.Type) -> UnsafeMutablePointer<T> {
        let size = (MemoryLayout<T>.stride + 63) & ~63
        return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64).bindMemory(to: T.self, capacity: 1)
    }

    /// A new pthread mutex (recursive when asked).
    static func makeMutex(recursive: Bool) -> UnsafeMutablePointer<pthread_mutex_t> {
        let m = cacheLine(pthread_mutex_t.self)
        var attr = pthread_mutexattr_t()
        check(pthread_mutexattr_init(&attr), "pthread_mutexattr_init")
        defer { pthread_mutexattr_destroy(&attr) }
        let type = recursive ? Int32(PTHREAD_MUTEX_RECURSIVE) : Int32(PTHREAD_MUTEX_NORMAL)
        check(pthread_mutexattr_settype(&attr, type), "pthread_mutexattr_settype")
        check(pthread_mutex_init(m, &attr), "pthread_mutex_init")
        return m
    }

    @inlinable @inline(__always)
    static func lock(_ m: UnsafeMutablePointer<pthread_mutex_t>) {
        let rc = pthread_mutex_lock(m)
        if rc != 0 { fail(rc, "pthread_mutex_lock") }
    }

    @inlinable @inline(__always)
    static func tryLock(_ m: UnsafeMutablePointer<pthread_mutex_t>) -> Bool {
        let rc = pthread_mutex_trylock(m)
        if rc == 0 { return true }
        if rc != EBUSY { fail(rc, "pthread_mutex_trylock") }
        return false
    }

    /// Unlocks. EPERM (not the owner: a bug the validator reports as
    /// `unlock-unheld`) is not fatal.
    @inlinable @inline(__always)
    static func unlock(_ m: UnsafeMutablePointer<pthread_mutex_t>) {
        let rc = pthread_mutex_unlock(m)
        if rc != 0 && rc != EPERM { fail(rc, "pthread_mutex_unlock") }
    }

    /// Destroys and frees the mutex. A mutex still locked (freed while held,
    /// already reported by the validator) is left allocated rather than destroyed.
    static func destroy(_ m: UnsafeMutablePointer<pthread_mutex_t>) {
        if pthread_mutex_destroy(m) == 0 { m.deallocate() }
    }

    static func makeRWLock() -> UnsafeMutablePointer<pthread_rwlock_t> {
        let l = cacheLine(pthread_rwlock_t.self)
        check(pthread_rwlock_init(l, nil), "pthread_rwlock_init")
        return l
    }

    @inlinable @inline(__always)
    static func readLock(_ l: UnsafeMutablePointer<pthread_rwlock_t>) {
        let rc = pthread_rwlock_rdlock(l)
        if rc != 0 { fail(rc, "pthread_rwlock_rdlock") }
    }

    @inlinable @inline(__always)
    static func writeLock(_ l: UnsafeMutablePointer<pthread_rwlock_t>) {
        let rc = pthread_rwlock_wrlock(l)
        if rc != 0 { fail(rc, "pthread_rwlock_wrlock") }
    }

    @inlinable @inline(__always)
    static func tryReadLock(_ l: UnsafeMutablePointer<pthread_rwlock_t>) -> Bool {
        let rc = pthread_rwlock_tryrdlock(l)
        if rc == 0 { return true }
        if rc != EBUSY && rc != EAGAIN { fail(rc, "pthread_rwlock_tryrdlock") }
        return false
    }

    @inlinable @inline(__always)
    static func tryWriteLock(_ l: UnsafeMutablePointer<pthread_rwlock_t>) -> Bool {
        let rc = pthread_rwlock_trywrlock(l)
        if rc == 0 { return true }
        if rc != EBUSY { fail(rc, "pthread_rwlock_trywrlock") }
        return false
    }

    @inlinable @inline(__always)
    static func unlock(_ l: UnsafeMutablePointer<pthread_rwlock_t>) {
        let rc = pthread_rwlock_unlock(l)
        if rc != 0 && rc != EPERM { fail(rc, "pthread_rwlock_unlock") }
    }

    static func destroy(_ l: UnsafeMutablePointer<pthread_rwlock_t>) {
        if pthread_rwlock_destroy(l) == 0 { l.deallocate() }
    }

    /// Takes the mutex, waiting at most `nanoseconds` (the contended path).
    /// - Returns: false on timeout.
    static func lock(_ m: UnsafeMutablePointer<pthread_mutex_t>, within nanoseconds: Int64) -> Bool {
        let rc = lc_mutex_lock_within(m, nanoseconds)
        if rc == 0 { return true }
        if rc != ETIMEDOUT { fail(rc, "pthread_mutex_timedlock") }
        return false
    }

    /// Takes the rwlock's write or read side, waiting at most `nanoseconds`.
    /// - Returns: false on timeout.
    static func lock(_ l: UnsafeMutablePointer<pthread_rwlock_t>, write: Bool, within nanoseconds: Int64) -> Bool {
        let rc = lc_rwlock_lock_within(l, write, nanoseconds)
        if rc == 0 { return true }
        // EAGAIN: the maximum number of readers; wait as for a writer.
        if rc != ETIMEDOUT && rc != EAGAIN { fail(rc, write ? "pthread_rwlock_timedwrlock" : "pthread_rwlock_timedrdlock") }
        return false
    }

    @inline(__always)
    private static func check(_ rc: Int32, _ call: StaticString) {
        if rc != 0 { fail(rc, call) }
    }

    @usableFromInline @inline(never)
    static func fail(_ rc: Int32, _ call: StaticString) -> Never {
        fatalError("lockcheck: \(call) failed: \(String(cString: strerror(rc))) (\(rc))")
    }
}
