/// The lock validator: lock classes, the class dependency graph, per-thread
/// held stacks and contexts, and every rule of rules.md.
///
/// One engine serves both uses: live events from many threads at once (the
/// Instrumented module) and a replayed trace (TraceAnalysis). It never prints
/// and reads no environment; violations go to the `onViolation` handler, once
/// per distinct violation (rule + classes involved), and warnings (limits
/// reached) to `onWarning`. It never switches itself off.
///
/// Concurrency: each ``ThreadState`` is used by one thread at a time. An
/// acquisition whose held-class chain was validated before touches no lock
/// shared with other threads: per-thread state, one lock-free chain-cache
/// probe and one atomic increment of the instance's holder count. A new chain
/// takes the graph lock; reports take the report lock.
public final class Validator: @unchecked Sendable {
    /// Settings; fixed at creation.
    public let configuration: Configuration
    /// Stacks of dependencies and declared trace stacks.
    public let stacks: StackStore
    let classes: ClassTable
    let chains = ChainCache()
    /// The bits of a chain key kept: all but in the collision tests, which
    /// narrow it so that different chains share keys (their checks still differ).
    @exclusivity(unchecked) var chainKeyMask: UInt64 = ~0
    let graph = DependencyGraph()
    /// Whether a new dependency's irq-usage check first asks the graph's
    /// ``UpstreamUsage`` (true but in the tests that compare it with the
    /// plain searches).
    @exclusivity(unchecked) var usesUpstreamUsage = true
    let search = GraphSearch()
    /// Serializes graph changes, usage marking and the graph searches.
    let graphLock = PlainLock()
    let stackProvider: StackCapturing?
    /// Where the current exclusive holder of a lock took it, when the
    /// producer keeps it (the live runtime: the source line in the lock's
    /// holder mark); nil offline.
    let holderSite: (@Sendable (LockInstance) -> Violation.SiteInfo?)?
    let onViolation: @Sendable (Violation) -> Void
    let onWarning: @Sendable (String) -> Void

    /// Where tasks took their locks (`lock-held-across-suspension`).
    @usableFromInline let taskHolds = TaskHolds()

    let reportLock = PlainLock()
    @exclusivity(unchecked) private var reportedKeys: Set<String> = []
    @exclusivity(unchecked) private var violationCounts: [RuleID: Int] = [:]
    @exclusivity(unchecked) private var sourceNames: [String] = ["live"]
    @exclusivity(unchecked) private var warnedLimits: Set<String> = []

    /// First site of each usage bit per class: key = class << 8 | bit.
    @exclusivity(unchecked) var usageSites: [UInt64: (site: EventSite, thread: String)] = [:]

    let lifetimeLock = PlainLock()
    @exclusivity(unchecked) var pending: [PointerKey: PendingFree] = [:]
    /// The ``PendingFree/order`` of the last queued free; under `lifetimeLock`.
    @exclusivity(unchecked) var pendingOrder: UInt64 = 0

    /// Effective wait type of `config` kinds: spin without raw nesting.
    @usableFromInline let configWait: WaitType

    /// Creates a validator.
    /// - Parameters:
    ///   - configuration: Analysis settings and limits.
    ///   - stackProvider: Captures the current stack when a new dependency or a
    ///     report needs it (live use); nil offline.
    ///   - holderSite: Where the current exclusive holder of a lock took it
    ///     (a source file and line), when the producer keeps it (live use);
    ///     nil offline. Asked only about a lock the asking thread's held stack
    ///     has, for a report.
    ///   - onViolation: Called once per distinct violation, on the thread that
    ///     found it, outside the engine's locks.
    ///   - onWarning: Called when a limit is reached (once per limit).
    public init(configuration: Configuration = Configuration(),
                stacks: StackStore = StackStore(),
                stackProvider: StackCapturing? = nil,
                holderSite: (@Sendable (LockInstance) -> Violation.SiteInfo?)? = nil,
                onViolation: @escaping @Sendable (Violation) -> Void,
                onWarning: @escaping @Sendable (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.stacks = stacks
        self.stackProvider = stackProvider
        self.holderSite = holderSite
        self.onViolation = onViolation
        self.onWarning = onWarning
        self.classes = ClassTable(capacity: configuration.limits.classes)
        self.configWait = configuration.rawNesting ? .config : .spin
    }

    // MARK: Registration

    /// Registers a producer (a trace file) so reports can name it.
    /// - Complexity: O(1), one lock.
    public func addSource(name: String) -> SourceID {
        reportLock.withLock {
            sourceNames.append(name)
            return SourceID(rawValue: UInt32(sourceNames.count - 1))
        }
    }

    /// The name given to `source`, nil for the live process.
    public func sourceName(_ source: SourceID) -> String? {
        source == .live ? nil : reportLock.withLock { Int(source.rawValue) < sourceNames.count ? sourceNames[Int(source.rawValue)] : nil }
    }

    /// The class of `kind` and `name`, registered on first use. Classes with
    /// the same kind and name are one class, across traces too.
    /// - Complexity: One lock and a hash lookup; cache the result per lock.
    public func lockClass(kind: LockKind, name: String) -> LockClassID {
        let r = classes.register(kind: kind, name: name)
        if classes.overflowed { warnOnce("classes", "more than \(configuration.limits.classes) lock classes: further classes share one overflow class per kind, which is not checked for ordering or irq usage") }
        return r.id
    }

    /// The class record of `id`. No lock.
    public func classInfo(_ id: LockClassID) -> LockClass { classes[id] }

    /// Creates the state of a thread.
    public func makeThread(name: String, source: SourceID = .live, id: UInt64 = 0) -> ThreadState {
        ThreadState(name: name, source: source, id: id)
    }

    /// Creates a lock instance of `lockClass`.
    public func makeLock(_ lockClass: LockClassID, id: UInt64, source: SourceID = .live) -> LockInstance {
        let kind = classes[lockClass].kind
        return LockInstance(lockClass: lockClass, kind: kind, waitType: effectiveWaitType(kind), id: id, source: source)
    }

    /// Creates an allocation pool (kmem_cache analogue).
    public func makePool(name: String, id: UInt64, source: SourceID = .live) -> Pool {
        Pool(name: name, id: id, source: source)
    }

    /// Creates a deferred-free queue (the kvfree_rcu batches analogue).
    public func makeQueue(name: String, id: UInt64, source: SourceID = .live) -> DeferredQueue {
        DeferredQueue(name: name, id: id, source: source)
    }

    // MARK: Statistics

    /// What the engine has learned so far.
    public struct Statistics: Sendable {
        public var classes: Int
        public var dependencies: Int
        public var chains: Int
        public var stacks: Int
        /// Distinct violations per rule.
        public var violations: [RuleID: Int]
        public var totalViolations: Int { violations.values.reduce(0, +) }
    }

    /// A snapshot of the statistics. Takes the graph and report locks.
    public var statistics: Statistics {
        let (c, d, ch) = graphLock.withLock { (classes.registeredCount, graph.count, chains.count) }
        let v = reportLock.withLock { violationCounts }
        return Statistics(classes: c, dependencies: d, chains: ch, stacks: stacks.count, violations: v)
    }

    // MARK: Reporting

    /// Delivers `violation` unless one with the same key was reported.
    func report(_ violation: Violation) {
        let isNew = reportLock.withLock { () -> Bool in
            guard reportedKeys.insert(violation.key).inserted else { return false }
            violationCounts[violation.rule, default: 0] += 1
            return true
        }
        if isNew { onViolation(violation) }
    }

    /// Whether a violation with this key was already reported (to skip building it).
    func alreadyReported(_ key: String) -> Bool {
        reportLock.withLock { reportedKeys.contains(key) }
    }

    func warnOnce(_ limit: String, _ message: String) {
        let isNew = reportLock.withLock { warnedLimits.insert(limit).inserted }
        if isNew { onWarning(message) }
    }

    /// The stack of `site`, capturing it now if it was deferred.
    func resolveStack(_ site: inout EventSite) {
        if site.stack == .captureOnDemand {
            site.stack = stackProvider.map { stacks.add($0.captureStack()) } ?? .none
        }
    }
}
