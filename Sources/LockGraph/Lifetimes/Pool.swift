/// An allocation pool (the kmem_cache / zs_pool analogue) whose lifetime the
/// engine checks. State changes happen under the validator's lifetime lock.
public final class Pool: @unchecked Sendable {
    public let name: String
    /// The producer's id, for reports.
    public let id: UInt64
    public let source: SourceID
    /// Where it was destroyed, and by which thread.
    var destroyed: (site: EventSite, thread: String)?

    init(name: String, id: UInt64, source: SourceID) {
        self.name = name
        self.id = id
        self.source = source
    }
}

/// A deferred-free queue (kvfree_rcu's per-CPU batches analogue).
public final class DeferredQueue: @unchecked Sendable {
    public let name: String
    public let id: UInt64
    public let source: SourceID
    /// Pointers queued on it and not yet reclaimed.
    var pending: Set<UInt64> = []

    init(name: String, id: UInt64, source: SourceID) {
        self.name = name
        self.id = id
        self.source = source
    }
}

/// A pointer within one producer's address space.
struct PointerKey: Hashable {
    let source: SourceID
    let pointer: UInt64
}

/// An object queued for deferred free and not yet reclaimed.
struct PendingFree {
    let queue: DeferredQueue
    let pool: Pool?
    let site: EventSite
    let thread: String
    /// When it was queued, in the order the engine saw the queuing (under
    /// the lifetime lock): one order across threads, live or offline, unlike
    /// a live `seq`, which is per thread while no trace is recorded.
    let order: UInt64
}
