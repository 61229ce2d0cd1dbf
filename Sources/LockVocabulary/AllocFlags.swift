/// How an allocation may behave (the kernel's GFP flags): the `<flags>` word
/// of a trace's `alloc` event.
public enum AllocFlags: TraceSpelled, Sendable, Hashable {
    /// `may-block`: may sleep to reclaim memory (GFP_KERNEL): a sleep point.
    case mayBlock
    /// `atomic`: never sleeps, but takes the allocator's own spinlock
    /// (GFP_ATOMIC): reported under a raw spinlock or in a hardirq handler.
    case atomic
    /// `nowait`: as `atomic` (GFP_NOWAIT).
    case nowait
    /// `no-locks`: the calling thread's lock-free cache only; never takes a
    /// lock, may fail (the `__GFP_NO_LOCKS` proposal). Never reported.
    case noLocks

    /// The word as written in a trace and in reports: `may-block`, `atomic`,
    /// `nowait` or `no-locks`.
    ///
    /// - Complexity: O(1).
    public var spelling: String {
        switch self {
        case .mayBlock: "may-block"
        case .atomic: "atomic"
        case .nowait: "nowait"
        case .noLocks: "no-locks"
        }
    }
}
