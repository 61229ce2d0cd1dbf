/// The flavour of an RCU-style read-side section (`rcu-lock` / `rcu-unlock`).
public enum RCUFlavor: Sendable, Hashable, CaseIterable {
    /// rcu_read_lock, no flag: config-level locks (spinlocks) are allowed inside.
    case plain
    /// rcu_read_lock_bh, flag `bh`: also disables softirqs.
    case bh
    /// rcu_read_lock_sched, flag `sched`: also disables preemption; only
    /// spin-level locks (raw spinlocks) are allowed inside.
    case sched

    /// The bare flag as written in a trace: `bh`, `sched`, or nil for `plain`.
    ///
    /// - Complexity: O(1).
    public var spelling: String? {
        switch self {
        case .plain: nil
        case .bh: "bh"
        case .sched: "sched"
        }
    }

    /// The section's name as lockdep prints it: `rcu_read_lock`,
    /// `rcu_read_lock_bh`, `rcu_read_lock_sched`.
    ///
    /// - Complexity: O(1).
    public var name: String {
        switch self {
        case .plain: "rcu_read_lock"
        case .bh: "rcu_read_lock_bh"
        case .sched: "rcu_read_lock_sched"
        }
    }
}
