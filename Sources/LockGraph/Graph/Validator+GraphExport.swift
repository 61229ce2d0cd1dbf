/// A read-only copy of the class dependency graph, for pictures
/// (`lockcheck graph`) and tools. The engine never reads it back.
extension Validator {
    /// Every dependency learned so far, in the order it was first seen:
    /// `from -> to` (a lock of class `to` was acquired while one of class
    /// `from` was held) with its types in lockdep's notation ("-(EN)->",
    /// several separated by spaces).
    /// - Complexity: O(dependencies), under the graph lock: do not call it on
    ///   a hot path of a live program.
    public func dependencySnapshot() -> [(from: LockClass, to: LockClass, types: String)] {
        graphLock.withLock {
            graph.edges.map { (from: classes[$0.from], to: classes[$0.to], types: $0.types.notation) }
        }
    }
}
