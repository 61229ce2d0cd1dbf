/// Lockdep's wait types, ordered: a lock may be taken only in a context whose
/// wait type is at least the lock's.
///
/// The raw values order the lattice (`<`); they are not written anywhere.
public enum WaitType: UInt8, Sendable, Comparable, CaseIterable {
    /// Never sleeps (raw spinlocks, hard-interrupt context).
    case spin = 1
    /// Sleeps only on PREEMPT_RT (spinlock_t, rwlock_t, softirq and threaded irq context).
    case config = 2
    /// May sleep (mutexes, rw semaphores, process context).
    case sleep = 3
    /// No constraint (plain process context with nothing held).
    case any = 4

    /// - Complexity: O(1).
    public static func < (a: WaitType, b: WaitType) -> Bool { a.rawValue < b.rawValue }

    /// The name reports print, after lockdep's LD_WAIT_SPIN, LD_WAIT_CONFIG,
    /// LD_WAIT_SLEEP: `spin`, `config`, `sleep`, `any`.
    ///
    /// - Complexity: O(1).
    public var name: String {
        switch self {
        case .spin: "spin"
        case .config: "config"
        case .sleep: "sleep"
        case .any: "any"
        }
    }
}
