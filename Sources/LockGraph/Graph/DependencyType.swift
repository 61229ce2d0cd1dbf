/// The four dependency types of lockdep's reader-aware graph, as a bit set on
/// each edge `A -> B`: whether `A` was held exclusive (E) or shared (S), and
/// whether `B` was taken non-recursively (N) or as a recursive reader (R).
///
/// A path is *strong* (can deadlock) unless it contains an -(xR)-> edge
/// followed by an -(Sx)-> edge: a recursive reader never waits for another
/// reader. Bits are lockdep's: SR = 0, ER = 1, SN = 2, EN = 3.
struct DependencyTypes: OptionSet, Sendable, Hashable {
    let rawValue: UInt8
    static let sr = DependencyTypes(rawValue: 1 << 0)
    static let er = DependencyTypes(rawValue: 1 << 1)
    static let sn = DependencyTypes(rawValue: 1 << 2)
    static let en = DependencyTypes(rawValue: 1 << 3)
    /// Edges that start from a shared holder.
    static let fromShared: DependencyTypes = [.sr, .sn]
    /// Edges that end in a non-recursive acquisition.
    static let toNonRecursive: DependencyTypes = [.sn, .en]

    /// The type of `prev -> next` (lockdep's calc_dep).
    static func of(prev: AcquireMode, next: AcquireMode) -> DependencyTypes {
        DependencyTypes(rawValue: 1 << ((prev == .exclusive ? 1 : 0) + (next != .recursiveShared ? 2 : 0)))
    }

    /// The same edge seen backwards (lockdep's calc_depb): the roles swap, so
    /// "the far end is a recursive reader" plays the part of "shared".
    var reversed: DependencyTypes {
        var out: UInt8 = 0
        for bit in 0..<4 where rawValue & (1 << bit) != 0 {
            let fromExclusive = bit & 1 != 0
            let toNonRecursive = bit & 2 != 0
            out |= 1 << ((toNonRecursive ? 1 : 0) + (fromExclusive ? 2 : 0))
        }
        return DependencyTypes(rawValue: out)
    }

    /// What can follow an edge on a strong path: after only -(xR)-> edges,
    /// -(Sx)-> ones are excluded. Returns the usable types and whether the path
    /// now ends in only recursive-read edges.
    @inline(__always)
    func following(onlyRecursive: Bool) -> (usable: DependencyTypes, onlyRecursive: Bool) {
        let usable = onlyRecursive ? subtracting(.fromShared) : self
        return (usable, usable.isDisjoint(with: .toNonRecursive))
    }

    /// lockdep's notation, e.g. "-(EN)->".
    var notation: String {
        let names = [(DependencyTypes.en, "EN"), (.er, "ER"), (.sn, "SN"), (.sr, "SR")]
        return names.filter { contains($0.0) }.map { "-(\($0.1))->" }.joined(separator: " ")
    }
}
