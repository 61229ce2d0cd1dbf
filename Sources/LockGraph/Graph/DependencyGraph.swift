/// The class dependency graph: an edge `A -> B` for every time a lock of
/// class `B` was acquired (not as a trylock) while one of class `A` was held
/// in the same interrupt context.
///
/// Each edge keeps its dependency types and the site (with stack) that first
/// established it; later sightings only add types. Not thread-safe: the
/// ``Validator`` calls it under its graph lock. Searches are iterative
/// breadth-first with scratch buffers owned by the graph (see ``GraphSearch``).
final class DependencyGraph {
    struct Edge {
        let from: LockClassID
        let to: LockClassID
        var types: DependencyTypes
        /// Where the dependency was first seen: the acquisition of `to`…
        let site: EventSite
        /// …by this thread…
        let thread: String
        /// …while holding `from`, taken here.
        let fromSite: EventSite
    }

    @exclusivity(unchecked) private(set) var edges: [Edge] = []
    /// Outgoing and incoming edge indices per class.
    @exclusivity(unchecked) private(set) var forward: [[Int32]] = []
    @exclusivity(unchecked) private(set) var backward: [[Int32]] = []
    @exclusivity(unchecked) private(set) var index: [UInt64: Int32] = [:]
    /// A topological order of the edges, kept as they are added: what lets a
    /// new dependency that agrees with it skip the cycle search.
    let order = TopologicalOrder()
    /// Per class, the irq-safe usages of everything that reaches it: what
    /// lets a new dependency skip the irq-usage search when it finds nothing.
    let upstreamUsage = UpstreamUsage()

    var count: Int { edges.count }

    @inline(__always) private static func key(_ a: LockClassID, _ b: LockClassID) -> UInt64 {
        UInt64(a.rawValue) << 32 | UInt64(b.rawValue)
    }

    /// The edge `from -> to`, if known.
    func edge(from: LockClassID, to: LockClassID) -> Int? {
        index[Self.key(from, to)].map(Int.init)
    }

    /// Ensures the per-class lists cover `id`.
    private func grow(to id: LockClassID) {
        while forward.count <= id.index {
            forward.append([])
            backward.append([])
        }
    }

    /// Adds `types` to the edge, creating it (with its first site) if new.
    /// - Returns: The edge index and whether it was new.
    /// - Complexity: O(1) amortized when the edge is known or agrees with
    ///   ``order``; otherwise the region of the order it reorders. Plus the
    ///   amortized O(1) of ``upstreamUsage``.
    @discardableResult
    func add(from: LockClassID, to: LockClassID, types: DependencyTypes,
             site: EventSite, thread: String, fromSite: EventSite) -> (index: Int, isNew: Bool) {
        if let i = index[Self.key(from, to)] {
            edges[Int(i)].types.formUnion(types)
            return (Int(i), false)
        }
        grow(to: max(from, to))
        let i = Int32(edges.count)
        edges.append(Edge(from: from, to: to, types: types, site: site, thread: thread, fromSite: fromSite))
        forward[from.index].append(i)
        backward[to.index].append(i)
        index[Self.key(from, to)] = i
        order.insert(edge: Int(i), in: self)
        upstreamUsage.insert(edge: Int(i), in: self)
        return (Int(i), true)
    }

    func outgoing(_ c: LockClassID) -> [Int32] { c.index < forward.count ? forward[c.index] : [] }
    func incoming(_ c: LockClassID) -> [Int32] { c.index < backward.count ? backward[c.index] : [] }
    var classSlots: Int { forward.count }
}
