/// The irq usage states of a lock class, as lockdep's `usage_mask`.
///
/// Bit layout follows lockdep (`lockdep_states.h`): for each state (hardirq,
/// softirq) four bits, `USED_IN`, `USED_IN_READ`, `ENABLED`, `ENABLED_READ`:
/// bit = state × 4 + direction × 2 + read.
public struct UsageMask: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Taken (for write) inside a hardirq handler: lockdep's HARDIRQ-safe.
    public static let usedInHardirq = UsageMask(rawValue: 1 << 0)
    public static let usedInHardirqRead = UsageMask(rawValue: 1 << 1)
    /// Taken (for write) with hardirqs enabled: lockdep's HARDIRQ-unsafe.
    public static let enabledHardirq = UsageMask(rawValue: 1 << 2)
    public static let enabledHardirqRead = UsageMask(rawValue: 1 << 3)
    public static let usedInSoftirq = UsageMask(rawValue: 1 << 4)
    public static let usedInSoftirqRead = UsageMask(rawValue: 1 << 5)
    public static let enabledSoftirq = UsageMask(rawValue: 1 << 6)
    public static let enabledSoftirqRead = UsageMask(rawValue: 1 << 7)
    /// Acquired at all.
    public static let used = UsageMask(rawValue: 1 << 8)

    static let usedInAll: UsageMask = [.usedInHardirq, .usedInHardirqRead, .usedInSoftirq, .usedInSoftirqRead]
    static let enabledAll: UsageMask = [.enabledHardirq, .enabledHardirqRead, .enabledSoftirq, .enabledSoftirqRead]
    /// The write (non-read) irq bits: lockdep's LOCKF_IRQ.
    static let irqWrite: UsageMask = [.usedInHardirq, .enabledHardirq, .usedInSoftirq, .enabledSoftirq]
    /// The read irq bits: lockdep's LOCKF_IRQ_READ.
    static let irqRead: UsageMask = [.usedInHardirqRead, .enabledHardirqRead, .usedInSoftirqRead, .enabledSoftirqRead]

    /// The single bit of `state`, `direction` and `read`.
    @inline(__always)
    static func bit(_ state: IrqState, enabled: Bool, read: Bool) -> UsageMask {
        UsageMask(rawValue: 1 << (UInt32(state.rawValue) * 4 + (enabled ? 2 : 0) + (read ? 1 : 0)))
    }

    /// USED_IN ↔ ENABLED, keeping the read bit (lockdep's invert_dir_mask).
    var invertedDirection: UsageMask {
        UsageMask(rawValue: ((rawValue & UsageMask.enabledAll.rawValue) >> 2)
                  | ((rawValue & UsageMask.usedInAll.rawValue) << 2))
    }

    /// The usages that may deadlock against these across a dependency path:
    /// direction inverted, with both read and write variants (lockdep's
    /// exclusive_mask and original_mask, which compute the same set).
    var exclusiveAcrossPath: UsageMask {
        var e = invertedDirection.rawValue
        e |= (e & UsageMask.irqRead.rawValue) >> 1
        e |= (e & UsageMask.irqWrite.rawValue) << 1
        return UsageMask(rawValue: e)
    }

    /// Human names of the irq bits, as lockdep prints them ("IN-HARDIRQ-W", "HARDIRQ-ON-R", …).
    public var names: [String] {
        var out: [String] = []
        for state in IrqState.allCases {
            for (enabled, read) in [(false, false), (false, true), (true, false), (true, true)]
            where contains(.bit(state, enabled: enabled, read: read)) {
                out.append(enabled ? "\(state.name)-ON-\(read ? "R" : "W")" : "IN-\(state.name)-\(read ? "R" : "W")")
            }
        }
        return out
    }
}
