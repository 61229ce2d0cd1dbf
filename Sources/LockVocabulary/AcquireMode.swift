/// How a lock is acquired: lockdep's `read` argument (0, 1, 2), the trace's
/// `w`, `r` or `rr` flag of `acquire`.
public enum AcquireMode: UInt8, TraceSpelled, Sendable, Hashable {
    /// `w`: exclusive (writer) acquisition, the default.
    case exclusive = 0
    /// `r`: shared, non-recursive reader; only on `rwlock` and `rwsem` classes.
    case shared = 1
    /// `rr`: recursive reader (may nest over another reader of the class);
    /// only on `rwlock` and `rwsem` classes.
    case recursiveShared = 2

    /// Whether any reader mode.
    ///
    /// - Complexity: O(1).
    @inlinable public var isShared: Bool { self != .exclusive }

    /// The flag as written in a trace and in reports: `w`, `r` or `rr`.
    ///
    /// - Complexity: O(1).
    public var spelling: String {
        switch self {
        case .exclusive: "w"
        case .shared: "r"
        case .recursiveShared: "rr"
        }
    }
}
