/// The interrupt-like states lockdep tracks lock usage for.
///
/// The raw value is the state's index in lockdep's usage mask
/// (`lockdep_states.h`): its four bits start at `rawValue × 4`.
public enum IrqState: UInt8, Sendable, CaseIterable {
    case hardirq = 0
    case softirq = 1

    /// The name lockdep prints in usage bits: `HARDIRQ`, `SOFTIRQ`.
    ///
    /// - Complexity: O(1).
    public var name: String {
        switch self {
        case .hardirq: "HARDIRQ"
        case .softirq: "SOFTIRQ"
        }
    }
}
