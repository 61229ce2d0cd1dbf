#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph

/// Sleep points (might_sleep): calls that may block, reported as
/// `sleep-in-atomic` when made in atomic context (and the blocking waits
/// among them, in `Concurrency/LockCheck+Blocking.swift`, as
/// `blocking-in-async-context` in a Swift task) (a spinning lock held, a
/// hardirq/softirq handler, irqs/softirqs/preemption off, an RCU section).
extension LockCheck {
    /// Annotates that the caller may block here (the kernel's might_sleep()).
    /// - Parameter what: A word for reports and traces (`sleep what=<what>`).
    /// - Complexity: O(1) outside atomic context.
    public static func mightSleep(_ what: String = "might-sleep") {
        let token = sleepToken(what)
        emit(.sleep, sleepReason: token) { v, t, s, _ in
            v.sleepPoint("sleep what=" + token, thread: t, site: s)
            return true
        }
    }

    /// Sleeps for `nanoseconds` (nanosleep), after reporting a sleep point.
    public static func sleep(nanoseconds: UInt64) {
        mightBlock("nanosleep")
        var request = timespec(tv_sec: Int(nanoseconds / 1_000_000_000), tv_nsec: Int(nanoseconds % 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// Runs the blocking call `body` after reporting it as a sleep point
    /// (e.g. a semaphore wait, a blocking read).
    ///
    /// Equivalent to `mightBlock(what); return try body()`.
    public static func blocking<T>(_ what: String, _ body: () throws -> T) rethrows -> T {
        mightBlock(what)
        return try body()
    }

    /// `what` as a trace token: spaces and `=` become `_`.
    static func sleepToken(_ what: String) -> String {
        guard what.utf8.contains(where: { $0 <= 0x20 || $0 == 0x3D || $0 == 0x7F }) else { return what.isEmpty ? "?" : what }
        return String(decoding: what.utf8.map { $0 <= 0x20 || $0 == 0x3D || $0 == 0x7F ? 0x5F : $0 }, as: UTF8.self)
    }
}

/// A condition variable for ``CheckedMutex`` (pthread_cond): `wait` is a
/// sleep point, reported when made in atomic context.
public final class CheckedCondition: @unchecked Sendable {
    private let cond: UnsafeMutablePointer<pthread_cond_t>

    public init() {
        cond = .allocate(capacity: 1)
        let rc = pthread_cond_init(cond, nil)
        precondition(rc == 0, "lockcheck: pthread_cond_init failed (\(rc))")
    }

    deinit {
        pthread_cond_destroy(cond)
        cond.deallocate()
    }

    /// Waits for a signal; `mutex` must be held by the caller, and is held
    /// again on return (it stays in the held stack meanwhile).
    public func wait(_ mutex: CheckedMutex) {
        LockCheck.mightBlock("cond-wait")
        // The wait releases and re-takes the primitive: another thread may
        // set and clear the holder mark meanwhile; put back ours (the site).
        let core = mutex._core
        let mark = core.holderMark.map { lc_load_relaxed_i64($0) }
        defer { if let m = core.holderMark, let mark { lc_store_relaxed_i64(m, mark) } }
        let rc = pthread_cond_wait(cond, core.primitive.mutex)
        precondition(rc == 0, "lockcheck: pthread_cond_wait failed (\(rc))")
    }

    /// Wakes one waiter.
    public func signal() { pthread_cond_signal(cond) }

    /// Wakes every waiter.
    public func broadcast() { pthread_cond_broadcast(cond) }
}

/// A counting semaphore (DispatchSemaphore's contract, on a pthread mutex
/// and condition): `wait` is a blocking wait, reported in atomic context
/// (`sleep-in-atomic`) and in a Swift task or on a non-blocking thread
/// (`blocking-in-async-context`).
public final class CheckedSemaphore: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let cond: UnsafeMutablePointer<pthread_cond_t>
    private var count: Int

    /// - Parameter value: The starting count (0: the first `wait` blocks until a `signal`).
    public init(value: Int = 0) {
        precondition(value >= 0, "lockcheck: CheckedSemaphore(value:) needs a count >= 0")
        count = value
        mutex = .allocate(capacity: 1)
        cond = .allocate(capacity: 1)
        var rc = pthread_mutex_init(mutex, nil)
        precondition(rc == 0, "lockcheck: pthread_mutex_init failed (\(rc))")
        rc = pthread_cond_init(cond, nil)
        precondition(rc == 0, "lockcheck: pthread_cond_init failed (\(rc))")
    }

    deinit {
        pthread_cond_destroy(cond)
        pthread_mutex_destroy(mutex)
        cond.deallocate()
        mutex.deallocate()
    }

    /// Waits until the count is positive, then decrements it: a blocking wait
    /// (``LockCheck/mightBlock(_:)`` with `semaphore-wait`).
    /// - Complexity: O(1) plus the wait.
    public func wait() {
        LockCheck.mightBlock("semaphore-wait")
        Self.check(pthread_mutex_lock(mutex), "pthread_mutex_lock")
        while count == 0 { Self.check(pthread_cond_wait(cond, mutex), "pthread_cond_wait") }
        count -= 1
        Self.check(pthread_mutex_unlock(mutex), "pthread_mutex_unlock")
    }

    /// Increments the count, waking one waiter.
    /// - Complexity: O(1).
    public func signal() {
        Self.check(pthread_mutex_lock(mutex), "pthread_mutex_lock")
        count += 1
        Self.check(pthread_cond_signal(cond), "pthread_cond_signal")
        Self.check(pthread_mutex_unlock(mutex), "pthread_mutex_unlock")
    }

    /// Stops the program naming `call` when it failed (a broken semaphore cannot go on).
    private static func check(_ rc: Int32, _ call: StaticString) {
        precondition(rc == 0, "lockcheck: CheckedSemaphore: \(call) failed (\(rc))")
    }
}
