/// How an `acquire` takes its lock: the bare flag `w` (default), `r` or `rr`.
public enum TraceMode: UInt8, Sendable, CaseIterable {
    /// `w`: exclusive (writer) acquisition, the default.
    case exclusive = 0
    /// `r`: shared (reader) acquisition; only on `rwlock` and `rwsem` classes.
    case shared = 1
    /// `rr`: recursive shared acquisition; only on `rwlock` and `rwsem` classes.
    case recursiveShared = 2

    /// The flag as written in a trace: `w`, `r` or `rr`.
    ///
    /// - Complexity: O(1).
    public var flag: String {
        switch self {
        case .exclusive: "w"
        case .shared: "r"
        case .recursiveShared: "rr"
        }
    }
}
