#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The engine's own lock: a plain, uninstrumented pthread mutex.
///
/// The validator must never validate itself (lockdep's graph_lock is a raw
/// arch spinlock for the same reason), so every lock inside LockGraph is one of
/// these.
/// - Complexity: One pthread lock and unlock per `withLock`.
public final class PlainLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// Creates an unlocked mutex.
    public init() {
        mutex = .allocate(capacity: 1)
        let rc = pthread_mutex_init(mutex, nil)
        precondition(rc == 0, "pthread_mutex_init failed: \(rc)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    @inline(__always)
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Takes the mutex for a `fork()` (a `pthread_atfork` prepare handler);
    /// pair with ``unlockAfterFork()`` in both the parent and the child.
    public func lockForFork() { pthread_mutex_lock(mutex) }

    /// Releases the mutex taken by ``lockForFork()``. In the child the
    /// forking thread is the only thread and the owner of the copy.
    public func unlockAfterFork() { pthread_mutex_unlock(mutex) }
}
