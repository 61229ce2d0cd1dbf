/// For every class, the irq-safe usages (USED_IN bits) of every class that
/// reaches it along the dependency graph, itself included: kept up to date
/// as dependencies and usages are added, so that the irq-usage check of a
/// new dependency (lockdep's check_irq_usage) knows in O(1) when its
/// backward search could find no irq-safe class, and skips it.
///
/// lockdep runs that backward search from `prev` on every new dependency
/// once any class is irq-safe, so a program with one interrupt handler
/// pays a search over everything behind `prev` per dependency: quadratic in
/// a long chain (FUZZING.md's "irq" shape). Here the masks move instead:
///
/// 1. A new usage of class `c` adds its USED_IN bits to `c`'s mask.
/// 2. A new edge `x -> y` adds `x`'s mask to `y`'s.
/// 3. Bits that a class's mask gains go on to its successors, and stop
///    at a class whose mask already holds them.
///
/// A mask only grows, by at most four bits (hardirq and softirq, write and
/// read), so each class passes bits on at most four times: all the
/// propagation of a run costs O(4 × dependencies), however the graph grows.
///
/// The mask follows every edge, whatever its dependency types, and the
/// whole usage, so it holds at least what the strong-path search
/// (``GraphSearch``) collects: an empty mask proves the search finds
/// nothing, and a non-empty one lets it run and decide as before. Reports
/// are unchanged.
///
/// Not thread-safe: the ``DependencyGraph`` that owns it is called under the
/// validator's graph lock. Propagation is iterative, with a scratch stack
/// owned by this type.
final class UpstreamUsage {
    @exclusivity(unchecked) private var masks: [UInt32] = []
    @exclusivity(unchecked) private var pending: [(lockClass: Int32, bits: UInt32)] = []
    /// Classes whose mask grew so far (the propagation's work, for tests and benchmarks).
    @exclusivity(unchecked) private(set) var updates = 0

    /// The USED_IN bits of `cls` and of every class that reaches it.
    /// - Complexity: O(1).
    func mask(of cls: LockClassID) -> UsageMask {
        cls.index < masks.count ? UsageMask(rawValue: masks[cls.index]) : []
    }

    /// Step 1: `cls` gained `usage` (only its USED_IN bits count).
    /// - Complexity: Amortized O(1) per dependency over a run (see the type).
    func noteUsage(_ usage: UsageMask, of cls: LockClassID, in graph: DependencyGraph) {
        let bits = usage.intersection(.usedInAll).rawValue
        if bits != 0 { propagate(bits, into: cls, in: graph) }
    }

    /// Step 2: the edge `e` was just added to `graph`.
    /// - Complexity: Amortized O(1) per dependency over a run (see the type).
    func insert(edge e: Int, in graph: DependencyGraph) {
        let edge = graph.edges[e]
        let bits = mask(of: edge.from).rawValue
        if bits != 0 { propagate(bits, into: edge.to, in: graph) }
    }

    /// Step 3.
    private func propagate(_ bits: UInt32, into start: LockClassID, in graph: DependencyGraph) {
        pending.removeAll(keepingCapacity: true)
        pending.append((Int32(start.index), bits))
        while let (c, incoming) = pending.popLast() {
            let i = Int(c)
            if masks.count <= i { masks.append(contentsOf: repeatElement(0, count: i + 1 - masks.count)) }
            let gained = incoming & ~masks[i]
            if gained == 0 { continue }
            masks[i] |= gained
            updates &+= 1
            for e in graph.outgoing(LockClassID(rawValue: UInt32(c))) {
                let to = graph.edges[Int(e)].to.index
                if to >= masks.count || gained & ~masks[to] != 0 { pending.append((Int32(to), gained)) }
            }
        }
    }
}
