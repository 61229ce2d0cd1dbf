/// The dependency graph seen in an order that depends only on its content —
/// the set of classes and dependencies — never on the order they were learned
/// in, which differs with the order of the traces or graph files: what the
/// whole-graph checks need to report the same violations for every input order.
///
/// 1. Every class is ranked by (display name, kind); classes are distinct by
///    kind, name and subclass, so the ranking is total.
/// 2. Each class's outgoing edges are sorted by the rank of their target, its
///    incoming ones by the rank of their source; a breadth-first search over
///    these lists (``GraphSearch/Adjacency``) breaks every tie by name.
/// 3. ``cycles(alive:)`` keeps, of a set of edges, those that can lie on a
///    cycle — inside a strongly connected component of two or more classes
///    (Tarjan's algorithm, iterative), or a self-loop — and returns them as
///    sorted lists for the cycle searches.
///
/// Overflow classes (past the class limit) and their edges are left out: no
/// ordering or usage rule checks them.
///
/// - Complexity: O(classes × log classes + edges × log edges) to build,
///   O(classes + edges) memory.
struct CanonicalGraph {
    /// Class ids in rank order.
    let ranked: [LockClassID]
    /// Every edge, sorted by name.
    let all: GraphSearch.Adjacency
    private let edges: [DependencyGraph.Edge]

    /// Builds the view of `graph` over the first `classCount` classes. Call under the graph lock.
    init(graph: DependencyGraph, classes: ClassTable, classCount: Int) {
        let n = classCount
        let ids = (0..<n).map { LockClassID(rawValue: UInt32($0)) }.filter { !classes.isOverflow($0) }
        let ranked = ids.sorted {
            let a = classes[$0], b = classes[$1]
            return (a.displayName, a.kind.spelling) < (b.displayName, b.kind.spelling)
        }
        var rank = [Int32](repeating: -1, count: n)
        for (r, id) in ranked.enumerated() { rank[id.index] = Int32(r) }

        var forward = [[Int32]](repeating: [], count: n)
        var backward = [[Int32]](repeating: [], count: n)
        for (i, e) in graph.edges.enumerated() where e.from.index < n && e.to.index < n
            && rank[e.from.index] >= 0 && rank[e.to.index] >= 0 {
            forward[e.from.index].append(Int32(i))
            backward[e.to.index].append(Int32(i))
        }
        for c in 0..<n {
            forward[c].sort { rank[graph.edges[Int($0)].to.index] < rank[graph.edges[Int($1)].to.index] }
            backward[c].sort { rank[graph.edges[Int($0)].from.index] < rank[graph.edges[Int($1)].from.index] }
        }
        self.ranked = ranked
        self.edges = graph.edges
        all = GraphSearch.Adjacency(forward: forward, backward: backward)
    }

    /// Every edge of the view, by the rank of its source, then of its target.
    var edgesInOrder: [Int32] { ranked.flatMap { all.forward[$0.index] } }

    /// Of the edges `alive` marks, clears those that lie on no cycle of the
    /// graph they form, and returns the rest as sorted lists.
    /// - Complexity: O(classes + edges).
    func cycles(alive: inout [Bool]) -> GraphSearch.Adjacency {
        let isAlive = alive
        let forward = all.forward.map { $0.filter { isAlive[Int($0)] } }
        let component = Self.components(forward: forward, edges: edges)
        var size = [Int](repeating: 0, count: forward.count)
        for c in component where c >= 0 { size[Int(c)] += 1 }
        func onCycle(_ e: Int32) -> Bool {
            let edge = edges[Int(e)]
            return edge.from == edge.to
                || (component[edge.from.index] == component[edge.to.index] && size[Int(component[edge.from.index])] > 1)
        }
        for list in forward { for e in list where !onCycle(e) { alive[Int(e)] = false } }
        let kept = alive
        return GraphSearch.Adjacency(forward: forward.map { $0.filter { kept[Int($0)] } },
                                     backward: all.backward.map { $0.filter { kept[Int($0)] } })
    }

    /// Tarjan's strongly connected components, with an explicit stack (no
    /// recursion, whatever the graph's depth). Returns a component number per class.
    private static func components(forward: [[Int32]], edges: [DependencyGraph.Edge]) -> [Int32] {
        let n = forward.count
        var index = [Int32](repeating: -1, count: n)
        var low = [Int32](repeating: 0, count: n)
        var onStack = [Bool](repeating: false, count: n)
        var component = [Int32](repeating: -1, count: n)
        var stack: [Int] = []
        // Call frames: a class and how many of its edges were followed.
        var frames: [(node: Int, next: Int)] = []
        var counter: Int32 = 0
        var components: Int32 = 0
        for root in 0..<n where index[root] < 0 {
            frames.append((root, 0))
            index[root] = counter
            low[root] = counter
            counter += 1
            stack.append(root)
            onStack[root] = true
            while let top = frames.last {
                let v = top.node
                if top.next < forward[v].count {
                    frames[frames.count - 1].next += 1
                    let w = edges[Int(forward[v][top.next])].to.index
                    if index[w] < 0 {
                        index[w] = counter
                        low[w] = counter
                        counter += 1
                        stack.append(w)
                        onStack[w] = true
                        frames.append((w, 0))
                    } else if onStack[w] {
                        low[v] = min(low[v], index[w])
                    }
                    continue
                }
                frames.removeLast()
                if let parent = frames.last { low[parent.node] = min(low[parent.node], low[v]) }
                if low[v] == index[v] {
                    while let w = stack.popLast() {
                        onStack[w] = false
                        component[w] = components
                        if w == v { break }
                    }
                    components += 1
                }
            }
        }
        return component
    }
}
