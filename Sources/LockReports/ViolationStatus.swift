import LockGraph

/// What a run makes of a violation once baselines and suppressions are
/// applied. Only ``new`` violations (of the rules that fail the run) fail it.
public enum ViolationStatus: Sendable, Equatable {
    /// Not in the baseline (or no baseline was given), not suppressed.
    case new
    /// Its fingerprint is in the baseline: known and accepted for now.
    case baselined
    /// A suppression entry matches it; `reason` is the entry's.
    case suppressed(reason: String)

    /// The word reports use: "new", "baselined", "suppressed".
    public var word: String {
        switch self {
        case .new: return "new"
        case .baselined: return "baselined"
        case .suppressed: return "suppressed"
        }
    }
}
