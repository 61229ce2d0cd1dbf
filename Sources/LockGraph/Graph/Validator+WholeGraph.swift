/// The rules decided on the whole class graph once an offline analysis has
/// read all its inputs, so that the violations reported do not depend on the
/// order of the traces and graph files, nor on how traces were grouped into
/// graph files.
extension RuleID {
    /// Whether `lockcheck analyze` derives this rule's violations from the
    /// final class graph (``Validator/wholeGraphInversions(reusing:budget:)``)
    /// rather than reporting them as the events arrive: `lock-order-inversion`
    /// and `irq-lock-inversion`. Every other rule is decided per event, and
    /// its violations are a union over the inputs already.
    public var isDecidedOnWholeGraph: Bool {
        self == .lockOrderInversion || self == .irqLockInversion
    }
}

extension Validator {
    /// Edges the whole-graph checks examine at most: about a second of
    /// searching. Only a graph with very many dependencies on cycles gets
    /// near it; past it, the rest is left unchecked with a warning.
    public static let wholeGraphSearchBudget = 100_000_000

    /// The lock-order and irq inversions of everything learned so far,
    /// derived from the final class graph alone: for every dependency on a
    /// cycle, the shortest cycle through it, and for each irq-safe class, the
    /// nearest irq-unsafe class it reaches; each search breaks ties by class
    /// name, and each violation (rule + classes, + the irq state) is listed
    /// once. The union of dependencies and of usages does not depend
    /// on the order in which traces and saved graphs were read, so neither
    /// does this list. As events arrive, the engine reports the cycle or
    /// conflict each new dependency or usage closes, which for overlapping
    /// cycles does depend on it.
    ///
    /// Offline analysis (`TraceAnalyzer`) holds back the streaming reports of
    /// these two rules and reports this list instead, once all inputs are
    /// read. When cycles do not overlap, the two coincide.
    ///
    /// Every dependency taken in both orders is in a reported cycle (so one
    /// reversed dependency in a well-ordered graph can give several reports,
    /// all naming its two classes). For irq usage, each irq-safe class is
    /// reported once, with its nearest conflict, rather than every irq-unsafe
    /// class below it: one irq-safe -> irq-unsafe dependency makes every class
    /// below it conflict, as most classes are taken with irqs on.
    ///
    /// - Parameters:
    ///   - candidates: Reports of these rules already built (by the streaming
    ///     checks, or read from saved graphs): a violation found here whose
    ///     key matches one of them is returned as that report, which shows the
    ///     acquisition that closed it with the whole held stack. Others are
    ///     built from the graph: the event is where the dependency (or usage)
    ///     the search started from was first seen.
    ///   - budget: The most edges the searches may examine in all
    ///     (``wholeGraphSearchBudget``); past it, the remaining dependencies
    ///     and usages are not checked, and the validator warns.
    /// - Returns: The violations, lock-order inversions first (in class-name
    ///   order of the dependency each was found from), then irq inversions
    ///   (in class-name order of the irq-safe class).
    /// - Complexity: O(classes × log classes + edges × log edges) under the
    ///   graph lock to sort the graph and find its strongly connected
    ///   components, plus the searches, each O(classes + edges): one or two
    ///   per dependency on a cycle, one per irq-safe usage of a class that
    ///   reaches an irq-unsafe one, `budget` edges examined at most. A graph
    ///   without cycles or irq-safe classes needs no search.
    public func wholeGraphInversions(reusing candidates: [Violation] = [],
                                     budget: Int = Validator.wholeGraphSearchBudget) -> [Violation] {
        var known: [String: Violation] = [:]
        for v in candidates where v.rule.isDecidedOnWholeGraph && known[v.key] == nil { known[v.key] = v }
        var out: [Violation] = []
        var unchecked = (dependencies: 0, usages: 0)
        graphLock.withLock {
            let view = CanonicalGraph(graph: graph, classes: classes, classCount: classes.registeredCount)
            let start = search.edgesScanned
            let cycles = wholeGraphCycles(view, budget: budget)
            for c in cycles.cycles { out.append(known[c.key] ?? lockOrderInversion(closing: c.closing, path: c.path)) }
            let irq = wholeGraphIrqInversions(view, budget: max(0, budget - (search.edgesScanned - start)))
            for i in irq.found { out.append(known[i.key] ?? irqInversion(i)) }
            unchecked = (cycles.unchecked, irq.unchecked)
        }
        if unchecked.dependencies > 0 || unchecked.usages > 0 {
            warnOnce("whole-graph", "the whole-graph inversion checks stopped after examining \(budget) edges: \(unchecked.dependencies) dependencies on cycles and \(unchecked.usages) irq-safe usages were not checked")
        }
        return out
    }
}
