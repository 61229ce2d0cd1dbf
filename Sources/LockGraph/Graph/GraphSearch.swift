/// Breadth-first search over the dependency graph along strong paths only
/// (lockdep's `__bfs`), iterative, with scratch buffers reused across searches.
///
/// The algorithm, as lockdep's:
/// 1. Start at the root with `onlyRecursive` set from the acquisition being
///    checked (the new edge's end is a recursive reader, or for backward
///    searches its start is shared).
/// 2. Dequeue a node; if `match` accepts it, stop. Otherwise follow each edge
///    whose types, after an only-recursive-read step, still include a type not
///    starting from a shared holder; the next step is only-recursive if every
///    remaining type ends in a recursive read.
/// 3. A node is visited at most twice: once reached by a path ending in a
///    non-recursive acquisition, which dominates, and once by one that does not.
///
/// Neighbours are followed in the graph's own order (the order dependencies
/// were learned in) unless the caller passes an ``Adjacency``: the
/// whole-graph checks pass one sorted by class name, so that what a search
/// finds depends only on the graph, never on the order it was learned in.
///
/// - Complexity: O(classes + edges) per search; no allocation once the
///   buffers have grown to the graph's size.
final class GraphSearch {
    enum Direction { case forward, backward }

    /// Edge indices to follow out of (forward) and into (backward) each class,
    /// in place of the graph's own lists; a class without a list has no edges.
    struct Adjacency {
        var forward: [[Int32]]
        var backward: [[Int32]]

        @inline(__always)
        func edges(_ c: LockClassID, _ direction: Direction) -> ArraySlice<Int32> {
            let lists = direction == .forward ? forward : backward
            return c.index < lists.count ? lists[c.index][...] : []
        }
    }

    /// Edges examined by every search so far: the whole-graph checks' work budget.
    @exclusivity(unchecked) private(set) var edgesScanned = 0

    /// A node of the search: a class and whether the path to it ends in only
    /// recursive-read edges (lockdep's `only_xr`).
    struct Node: Equatable {
        var lockClass: LockClassID
        var onlyRecursive: Bool
    }

    @exclusivity(unchecked) private var generation: UInt32 = 0
    /// Visit stamps per class: [0] reached by a strong-ending path, [1] by an only-recursive one.
    @exclusivity(unchecked) private var stamp: [[UInt32]] = [[], []]
    @exclusivity(unchecked) private var parentEdge: [[Int32]] = [[], []]
    @exclusivity(unchecked) private var parentState: [[Bool]] = [[], []]
    @exclusivity(unchecked) private var queue: [Node] = []
    @exclusivity(unchecked) private var root: Node?

    private func prepare(slots: Int) {
        generation &+= 1
        if generation == 0 {
            for s in 0..<2 { for i in stamp[s].indices { stamp[s][i] = 0 } }
            generation = 1
        }
        if stamp[0].count < slots {
            for s in 0..<2 {
                stamp[s].append(contentsOf: repeatElement(0, count: slots - stamp[s].count))
                parentEdge[s].append(contentsOf: repeatElement(-1, count: slots - parentEdge[s].count))
                parentState[s].append(contentsOf: repeatElement(false, count: slots - parentState[s].count))
            }
        }
        queue.removeAll(keepingCapacity: true)
    }

    @inline(__always) private func slot(_ onlyRecursive: Bool) -> Int { onlyRecursive ? 1 : 0 }

    /// Visits `node` unless a dominating visit happened; returns whether it is new.
    private func visit(_ node: Node, edge: Int32, from parent: Bool) -> Bool {
        let i = node.lockClass.index
        if stamp[0][i] == generation { return false }
        if node.onlyRecursive && stamp[1][i] == generation { return false }
        let s = slot(node.onlyRecursive)
        stamp[s][i] = generation
        parentEdge[s][i] = edge
        parentState[s][i] = parent
        return true
    }

    /// Searches from `root` and returns the first node `match` accepts,
    /// following `adjacency` when given, the graph's own lists otherwise.
    func first(in graph: DependencyGraph, from root: LockClassID, rootOnlyRecursive: Bool,
               direction: Direction, adjacency: Adjacency? = nil, where match: (Node) -> Bool) -> Node? {
        prepare(slots: max(graph.classSlots, root.index + 1))
        let start = Node(lockClass: root, onlyRecursive: rootOnlyRecursive)
        self.root = start
        _ = visit(start, edge: -1, from: false)
        queue.append(start)
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            if match(node) { return node }
            let list = adjacency?.edges(node.lockClass, direction)
                ?? (direction == .forward ? graph.outgoing(node.lockClass) : graph.incoming(node.lockClass))[...]
            edgesScanned &+= list.count
            for e in list {
                let edge = graph.edges[Int(e)]
                let types = direction == .forward ? edge.types : edge.types.reversed
                let step = types.following(onlyRecursive: node.onlyRecursive)
                if step.usable.isEmpty { continue }
                let next = Node(lockClass: direction == .forward ? edge.to : edge.from, onlyRecursive: step.onlyRecursive)
                if visit(next, edge: e, from: node.onlyRecursive) { queue.append(next) }
            }
        }
        return nil
    }

    /// The edges of the path the last search took from its root to `node`,
    /// listed as the graph's edges run: for a forward search root first, for a
    /// backward search `node` first.
    func path(to node: Node, in graph: DependencyGraph, direction: Direction) -> [Int] {
        var out: [Int] = []
        var cur = node
        // Each step moves one edge closer to the root; a path is at most one
        // visit per (class, state), which bounds the loop.
        for _ in 0..<(2 * stamp[0].count + 1) where cur != root {
            let s = slot(cur.onlyRecursive)
            let e = parentEdge[s][cur.lockClass.index]
            if e < 0 { break }
            out.append(Int(e))
            let edge = graph.edges[Int(e)]
            cur = Node(lockClass: direction == .forward ? edge.from : edge.to,
                       onlyRecursive: parentState[s][cur.lockClass.index])
        }
        return direction == .forward ? out.reversed() : out
    }
}
