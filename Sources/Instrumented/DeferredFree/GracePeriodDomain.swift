#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph
import Synchronization

/// RCU-style read-side sections and grace periods, epoch-based.
///
/// A grace period is over when every reader that was inside a read section
/// when it started has left that section. Readers that enter later cannot
/// see an object unlinked before the grace period started, so an object
/// handed to a ``DeferredFreeQueue`` may be freed after one grace period.
///
/// **Why epoch-based, not quiescent-state-based.** QSBR makes read sections
/// free, but every registered thread must keep announcing quiescent states,
/// and one application thread that stops calling in (blocked in I/O, parked
/// in a pool) stalls every grace period and so every deferred free. This is a
/// library linked into arbitrary programs, so readers here pay one store and
/// one fence per outermost section and threads outside a section never hold
/// a grace period up.
///
/// The algorithm, in three steps:
/// 1. A reader entering its outermost section stores the global epoch into
///    its own record, then issues a full fence before its first read of
///    shared data; leaving, it stores 0 with release ordering.
/// 2. ``synchronize()`` issues a full fence (the unlink is visible before
///    the epoch moves), advances the global epoch to `target`, and fences
///    again.
/// 3. It then waits, record by record, until each record is 0 (outside) or
///    holds an epoch ≥ `target` (it entered after step 2, so it cannot see
///    the unlinked object). Store-buffering is excluded by the two fences:
///    either the writer sees the reader's record, or the reader sees the
///    unlink.
///
/// Each section also reports `rcu-lock` / `rcu-unlock` (plain flavour) to
/// the validator, so sleeping inside one is `sleep-in-atomic` and a grace
/// period wait is a sleep point.
///
/// - Warning: ``synchronize()`` inside a read section of the same domain
///   never returns (the kernel's synchronize_rcu inside rcu_read_lock); it
///   is reported as `sleep-in-atomic` first.
public final class GracePeriodDomain: @unchecked Sendable {
    /// The process-wide domain (the kernel has one RCU).
    public static let shared = GracePeriodDomain()

    /// Starts at 1: a reader record of 0 means "outside".
    private let epoch = Atomic<UInt64>(1)
    private let registryLock = PlainLock()
    private var readers: [ReaderRecord] = []
    private var key = pthread_key_t()
    /// Grace periods completed (for tests and statistics).
    private let completed = Atomic<Int>(0)

    /// One thread's read-side state in one domain.
    final class ReaderRecord: @unchecked Sendable {
        /// 0 outside a section, else the epoch seen at entry.
        let state = Atomic<UInt64>(0)
        /// Only the owning thread touches it.
        var nesting = 0
        /// Set when the thread has exited: the registry drops the record.
        let dead = Atomic<Bool>(false)
    }

    public init() {
        let rc = pthread_key_create(&key) { raw in
            guard let raw else { return }
            let record = Unmanaged<ReaderRecord>.fromOpaque(raw).takeRetainedValue()
            record.state.store(0, ordering: .releasing)
            record.dead.store(true, ordering: .releasing)
        }
        precondition(rc == 0, "lockcheck: pthread_key_create failed (\(rc))")
    }

    /// The calling thread's record, registered on first use.
    @inline(__always)
    private func record() -> ReaderRecord {
        if let raw = pthread_getspecific(key) { return Unmanaged<ReaderRecord>.fromOpaque(raw).takeUnretainedValue() }
        let r = ReaderRecord()
        pthread_setspecific(key, Unmanaged.passRetained(r).toOpaque())
        registryLock.withLock { readers.append(r) }
        return r
    }

    /// Runs `body` in a read-side section: objects it reaches through
    /// pointers published before or during the section are not freed by a
    /// ``DeferredFreeQueue`` of this domain until it returns. Sections nest.
    /// Nothing inside may sleep.
    ///
    /// Equivalent to `rcu_read_lock(); body(); rcu_read_unlock()`.
    /// - Complexity: O(1): one thread-specific lookup; the outermost section
    ///   adds a store, a full fence and a release store, plus two validator events.
    public func read<T>(_ body: () throws -> T) rethrows -> T {
        try LockCheck.rcuRead(.plain) {
            let r = record()
            if r.nesting == 0 {
                r.state.store(epoch.load(ordering: .relaxed), ordering: .sequentiallyConsistent)
                atomicMemoryFence(ordering: .sequentiallyConsistent)
            }
            r.nesting += 1
            defer {
                r.nesting -= 1
                if r.nesting == 0 { r.state.store(0, ordering: .releasing) }
            }
            return try body()
        }
    }

    /// Whether the calling thread is inside a read section of this domain.
    public var isInReadSection: Bool {
        guard let raw = pthread_getspecific(key) else { return false }
        return Unmanaged<ReaderRecord>.fromOpaque(raw).takeUnretainedValue().nesting > 0
    }

    /// Waits for a grace period: returns once every read section that was
    /// running when it was called has ended (synchronize_rcu). A sleep point.
    /// - Complexity: O(registered threads) plus the wait for the longest
    ///   section in progress (spinning, then yielding the CPU).
    public func synchronize() {
        LockCheck.mightSleep("synchronize-rcu")
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        let target = epoch.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        let snapshot: [ReaderRecord] = registryLock.withLock {
            readers.removeAll { $0.dead.load(ordering: .acquiring) }
            return readers
        }
        for r in snapshot {
            var spins = 0
            while true {
                let s = r.state.load(ordering: .acquiring)
                if s == 0 || s >= target { break }
                spins += 1
                if spins < 64 { lc_cpu_relax() } else { sched_yield() }
            }
        }
        atomicMemoryFence(ordering: .sequentiallyConsistent)
        completed.add(1, ordering: .relaxed)
    }

    /// The current epoch: it advances when a grace period starts.
    public var currentEpoch: UInt64 { epoch.load(ordering: .relaxed) }

    /// Grace periods completed so far.
    public var gracePeriodsCompleted: Int { completed.load(ordering: .relaxed) }
}

