import CLockGraphAtomics

/// What `lock-held-across-suspension` needs to know across threads, kept
/// cheap for the acquisitions Swift tasks make (each of which records its
/// task): the names of the threads that run tasks (registered once per
/// thread, so a lock can name the thread that took it with one word), and a
/// count of the releases made on a thread that did not hold the lock (so a
/// thread looks for its own locks released elsewhere only when there are
/// new ones).
///
/// Where a task took each lock lives in the lock itself
/// (``LockInstance/recordTaskAcquisition(task:seq:stack:thread:)``).
@usableFromInline
final class TaskHolds: @unchecked Sendable {
    private var names: [String] = []
    /// Task acquisitions released on a thread that did not hold them, by
    /// source and `seq`, until their thread drops them (bounded by ``releasedLimit``).
    private var released: Set<Released> = []
    private let lock = PlainLock()

    private struct Released: Hashable {
        var source: SourceID
        var seq: UInt64
    }

    /// The most releases remembered at once: past it, the set starts afresh
    /// (a forgotten one is set aside as another task's lock when another
    /// task next takes a lock on that thread, with no second report).
    static let releasedLimit = 4096
    /// Counts ``releasedElsewhere()`` calls (atomic).
    @usableFromInline let releases = UnsafeMutablePointer<Int64>.allocate(capacity: 1)

    init() { releases.initialize(to: 0) }
    deinit { releases.deallocate() }

    /// Registers a thread that runs tasks; returns its slot (1-based: 0 is none).
    /// - Complexity: One lock, amortized O(1).
    func register(_ name: String) -> UInt32 {
        lock.withLock {
            names.append(name)
            return UInt32(truncatingIfNeeded: names.count)
        }
    }

    /// The name registered in `slot`, or nil.
    /// - Complexity: One lock.
    func name(_ slot: UInt32) -> String? {
        lock.withLock { slot > 0 && Int(slot) <= names.count ? names[Int(slot) - 1] : nil }
    }

    /// How many releases on another thread there were so far (a relaxed load).
    @inlinable var releaseCount: Int64 { lg_load_relaxed_i64(releases) }

    /// Remembers that the task acquisition at `site` was released by a
    /// thread that did not hold the lock.
    /// - Complexity: One lock, a hash insertion, one atomic increment.
    func releasedElsewhere(_ site: EventSite) {
        lock.withLock {
            if released.count >= Self.releasedLimit { released.removeAll(keepingCapacity: true) }
            released.insert(Released(source: site.source, seq: site.seq))
        }
        _ = lg_fetch_add_i64(releases, 1)
    }

    /// Whether the task acquisition at `site` was released elsewhere; forgets it.
    /// - Complexity: One lock and a hash removal.
    func takeReleasedElsewhere(_ site: EventSite) -> Bool {
        lock.withLock { released.remove(Released(source: site.source, seq: site.seq)) != nil }
    }

    /// Takes the lock for a `fork()` (see ``Validator/lockForFork()``).
    func lockForFork() { lock.lockForFork() }
    /// Releases what ``lockForFork()`` took.
    func unlockAfterFork() { lock.unlockAfterFork() }
}

extension LockInstance {
    /// The last acquisition a Swift task made of this lock: which task, its
    /// `seq`, its stack and the thread's ``TaskHolds`` slot. Words
    /// 5–7 of the instance's own cache line (the holder count's; words 2–3
    /// are ``exclusiveSiteWords``, which the live runtime writes after
    /// this, so these must be others), written
    /// with relaxed stores by the acquiring thread, read by a thread that
    /// releases the lock without holding it.
    ///
    /// A thread still waiting for the lock may have overwritten them (the
    /// validator runs before the real lock is taken); a reader checks the
    /// task is the one it expects.
    /// - Complexity: Three relaxed stores.
    @inlinable @inline(__always)
    func recordTaskAcquisition(task: UInt64, seq: UInt64, stack: StackRef, thread slot: UInt32) {
        lg_store_relaxed_i64(holders + 5, Int64(bitPattern: task))
        lg_store_relaxed_i64(holders + 6, Int64(bitPattern: seq))
        lg_store_relaxed_i64(holders + 7, Int64(stack.rawValue) << 32 | Int64(slot))
    }

    /// What ``recordTaskAcquisition(task:seq:stack:thread:)`` stored last (task 0: none).
    func lastTaskAcquisition() -> (task: UInt64, seq: UInt64, stack: StackRef, thread: UInt32) {
        let packed = UInt64(bitPattern: lg_load_relaxed_i64(holders + 7))
        return (UInt64(bitPattern: lg_load_relaxed_i64(holders + 5)), UInt64(bitPattern: lg_load_relaxed_i64(holders + 6)),
                StackRef(rawValue: UInt32(truncatingIfNeeded: packed >> 32)), UInt32(truncatingIfNeeded: packed))
    }
}
