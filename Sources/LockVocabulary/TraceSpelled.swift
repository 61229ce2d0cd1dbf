/// A vocabulary type whose every case has one trace spelling (a word of the
/// trace format, also used in reports): ``LockKind``, ``AcquireMode``,
/// ``AllocFlags``.
///
/// Each type writes its spelling as one exhaustive `switch`; reading a word
/// back is this one search over those spellings, so the two directions
/// cannot disagree.
public protocol TraceSpelled: CaseIterable, Equatable {
    /// The case as a trace writes it.
    var spelling: String { get }
}

extension TraceSpelled {
    /// The case spelled `spelling`, or nil if it is none of them.
    ///
    /// - Complexity: O(cases).
    public init?(spelling: some StringProtocol) {
        guard let match = Self.allCases.first(where: { $0.spelling == spelling }) else { return nil }
        self = match
    }
}
