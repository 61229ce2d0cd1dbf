import CLockGraphAtomics

/// Where the locks Swift tasks took were taken: for each lock instance, the
/// last acquisition a task made of it (the task, the thread, the site and a
/// short stack), so that a `lock-held-across-suspension` report made on
/// another thread, or after the lock left the acquirer's held stack, can
/// name the task and show the acquisition stack.
///
/// Written only by acquisitions that run a Swift task (which take the full
/// path anyway); read only when a report is made. Bounded: past ``limit``
/// instances it starts afresh, and a report that finds no record (or one of
/// another task) says the acquisition stack is unknown.
final class TaskHolds: @unchecked Sendable {
    /// One acquisition by a task.
    struct Hold {
        var task: UInt64
        var thread: String
        var site: EventSite
        /// Raw return addresses (live), or empty when `site` has its stack (a trace).
        var frames: [StackFrame]
        /// Released by a thread that does not hold it (see ``releasedElsewhere(_:)``).
        var released = false
    }

    /// The most lock instances remembered at once.
    static let limit = 4096

    private var holds: [ObjectIdentifier: Hold] = [:]
    private let lock = PlainLock()
    /// Counts ``releasedElsewhere(_:)`` calls (atomic), so a thread looks for
    /// its locks released elsewhere only when there are new ones.
    private let releases = UnsafeMutablePointer<Int64>.allocate(capacity: 1)

    init() { releases.initialize(to: 0) }
    deinit { releases.deallocate() }

    /// How many releases on another thread there were so far (a relaxed load).
    var releaseCount: Int64 { lg_load_relaxed_i64(releases) }

    /// Remembers `hold` as the last acquisition of `instance` by a task.
    /// - Complexity: One lock and a hash insertion (amortized O(1)).
    func record(_ instance: ObjectIdentifier, _ hold: Hold) {
        lock.withLock {
            if holds.count >= Self.limit && holds[instance] == nil { holds.removeAll(keepingCapacity: true) }
            holds[instance] = hold
        }
    }

    /// The last acquisition of `instance` by a task, if remembered.
    /// - Complexity: One lock and a hash lookup.
    func hold(of instance: ObjectIdentifier) -> Hold? {
        lock.withLock { holds[instance] }
    }

    /// Marks the last acquisition of `instance` by a task as released by a
    /// thread that did not hold it, and returns it (nil if not remembered).
    /// - Complexity: One lock, a hash lookup, one atomic increment.
    func releasedElsewhere(_ instance: ObjectIdentifier) -> Hold? {
        let hold: Hold? = lock.withLock {
            holds[instance]?.released = true
            return holds[instance]
        }
        _ = lg_fetch_add_i64(releases, 1)
        return hold
    }

    /// Whether the acquisition of `instance` at `seq` by a task was released
    /// by a thread that did not hold it.
    /// - Complexity: One lock and a hash lookup.
    func wasReleasedElsewhere(_ instance: ObjectIdentifier, takenAt seq: UInt64) -> Bool {
        lock.withLock { holds[instance].map { $0.released && $0.site.seq == seq } ?? false }
    }

    /// Takes the lock for a `fork()` (see ``Validator/lockForFork()``).
    func lockForFork() { lock.lockForFork() }
    /// Releases what ``lockForFork()`` took.
    func unlockAfterFork() { lock.unlockAfterFork() }
}
