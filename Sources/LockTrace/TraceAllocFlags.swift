/// The `<flags>` word of an `alloc` event: how the allocation may block.
public enum TraceAllocFlags: UInt8, Sendable, CaseIterable {
    /// `may-block`: may sleep to reclaim memory (GFP_KERNEL).
    case mayBlock
    /// `atomic`: never sleeps, but takes the allocator's internal spinlock (GFP_ATOMIC).
    case atomic
    /// `nowait`: never sleeps, but takes the allocator's internal spinlock (GFP_NOWAIT).
    case nowait
    /// `no-locks`: lockless cache only, may fail (the `__GFP_NO_LOCKS` proposal).
    case noLocks

    /// The word as written in a trace: `may-block`, `atomic`, `nowait` or `no-locks`.
    ///
    /// - Complexity: O(1).
    public var word: String {
        switch self {
        case .mayBlock: "may-block"
        case .atomic: "atomic"
        case .nowait: "nowait"
        case .noLocks: "no-locks"
        }
    }

    /// The flags spelled `word`, or nil if `word` is not one of the four.
    ///
    /// - Complexity: O(1).
    public init?(word: String) {
        guard let flags = Self.allCases.first(where: { $0.word == word }) else { return nil }
        self = flags
    }
}
