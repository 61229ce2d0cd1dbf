extension DependencyGraph {
    /// Traps unless the graph is consistent: every edge is in the index under
    /// its own classes, in its source's outgoing list and its target's
    /// incoming list exactly once, with at least one dependency type, and
    /// the lists hold nothing else; and its topological order holds
    /// (``TopologicalOrder/brokenInvariant(in:)``).
    ///
    /// A debugging aid (swift-collections' `_checkInvariants()`): it does
    /// anything only when LockGraph is compiled with
    /// `LOCKGRAPH_CHECK_INVARIANTS` (debug builds of this package are), and
    /// the randomised tests call it after every step.
    /// - Complexity: O(classes + dependencies).
    func _checkInvariants() {
        #if LOCKGRAPH_CHECK_INVARIANTS
        precondition(forward.count == backward.count, "graph: \(forward.count) outgoing lists, \(backward.count) incoming")
        precondition(index.count == edges.count, "graph: \(index.count) indexed edges of \(edges.count)")
        var outgoingSeen = [Int](repeating: 0, count: edges.count)
        var incomingSeen = [Int](repeating: 0, count: edges.count)
        for (c, list) in forward.enumerated() {
            for i in list {
                precondition(Int(i) < edges.count && edges[Int(i)].from.index == c, "graph: edge \(i) in class \(c)'s outgoing list")
                outgoingSeen[Int(i)] += 1
            }
        }
        for (c, list) in backward.enumerated() {
            for i in list {
                precondition(Int(i) < edges.count && edges[Int(i)].to.index == c, "graph: edge \(i) in class \(c)'s incoming list")
                incomingSeen[Int(i)] += 1
            }
        }
        for (i, e) in edges.enumerated() {
            precondition(edge(from: e.from, to: e.to) == i, "graph: edge \(i) is not indexed under its classes")
            precondition(e.types.rawValue != 0 && e.types.rawValue < 16, "graph: edge \(i) has types \(e.types.rawValue)")
            precondition(outgoingSeen[i] == 1 && incomingSeen[i] == 1,
                         "graph: edge \(i) listed \(outgoingSeen[i]) times outgoing, \(incomingSeen[i]) incoming")
        }
        if let broken = order.brokenInvariant(in: self) { preconditionFailure("graph's topological order: \(broken)") }
        #endif
    }
}
