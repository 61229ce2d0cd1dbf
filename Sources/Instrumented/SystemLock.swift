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

    /// Waits for the mutex until `deadline` (CLOCK_REALTIME); false when
    /// the deadline passed first.
    static func timedLock(_ m: UnsafeMutablePointer<pthread_mutex_t>, until deadline: timespec) -> Bool {
        var deadline = deadline
        let rc = pthread_mutex_timedlock(m, &deadline)
        if rc == 0 { return true }
        if rc != ETIMEDOUT { fail(rc, "pthread_mutex_timedlock") }
        return false
    }

    /// A condition variable (CLOCK_REALTIME deadlines), allocated.
    static func makeCondition() -> UnsafeMutablePointer<pthread_cond_t> {
        let c = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        check(pthread_cond_init(c, nil), "pthread_cond_init")
        return c
    }

    static func wait(_ c: UnsafeMutablePointer<pthread_cond_t>, _ m: UnsafeMutablePointer<pthread_mutex_t>) {
        check(pthread_cond_wait(c, m), "pthread_cond_wait")
    }

    /// Waits until signalled or `deadline`; false when the deadline passed.
    static func timedWait(_ c: UnsafeMutablePointer<pthread_cond_t>, _ m: UnsafeMutablePointer<pthread_mutex_t>,
                          until deadline: timespec) -> Bool {
        var deadline = deadline
        let rc = pthread_cond_timedwait(c, m, &deadline)
        if rc == 0 { return true }
        if rc != ETIMEDOUT { fail(rc, "pthread_cond_timedwait") }
        return false
    }

    static func broadcast(_ c: UnsafeMutablePointer<pthread_cond_t>) {
        check(pthread_cond_broadcast(c), "pthread_cond_broadcast")
    }

    static func destroy(_ c: UnsafeMutablePointer<pthread_cond_t>) {
        check(pthread_cond_destroy(c), "pthread_cond_destroy")
        c.deallocate()
    }

    /// The CLOCK_REALTIME time `seconds` from now (negative: now).
    static func deadline(secondsFromNow seconds: Double) -> timespec {
        deadline(secondsSince1970: 0, plus: seconds)
    }

    /// A CLOCK_REALTIME deadline: `secondsSince1970`, or when that is 0,
    /// now plus `plus` seconds. Out-of-range values are clamped.
    static func deadline(secondsSince1970: Double, plus: Double = 0) -> timespec {
        var t: Double
        if secondsSince1970 != 0 {
            t = secondsSince1970
        } else {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            t = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 + (plus.isNaN ? 0 : max(plus, 0))
        }
        if !t.isFinite || t > 1e15 { t = 1e15 }
        if t < 0 { t = 0 }
        let sec = t.rounded(.down)
        return timespec(tv_sec: Int(sec), tv_nsec: min(Int((t - sec) * 1e9), 999_999_999))
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
