/// The flavour of an RCU-style read-side section (`rcu-lock` / `rcu-unlock`).
public enum TraceRCUFlavor: UInt8, Sendable, CaseIterable {
    /// No flag: a plain section; config-level locks are allowed inside.
    case plain
    /// `bh`: also disables softirqs.
    case bh
    /// `sched`: also disables preemption; only spin-level locks are allowed inside.
    case sched

    /// The bare flag as written in a trace: `bh`, `sched`, or nil for `plain`.
    ///
    /// - Complexity: O(1).
    public var flag: String? {
        switch self {
        case .plain: nil
        case .bh: "bh"
        case .sched: "sched"
        }
    }
}
