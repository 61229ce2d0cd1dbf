/// One violation of a rule: a plain value with everything a report prints,
/// rendered in one place per format, above the engine (the LockTextReport
/// module's `TextReport`; JSON, SARIF and JUnit in LockReports).
public struct Violation: Sendable {
    /// The rule that fired.
    public var rule: RuleID
    /// One line: what happened, lockdep-style.
    public var message: String
    /// One plain sentence for someone new to lock validation.
    public var explanation: String
    /// The classes (for pool and queue rules: pools) involved, sorted by name.
    public var classes: [ClassInfo]
    /// The thread and event where the rule fired.
    public var event: EventInfo
    /// The lock being acquired, released or freed, if any.
    public var trying: LockInfo?
    /// The locks the thread held, outermost first.
    public var held: [LockInfo] = []
    /// For cycles and irq inversions: the dependency chain, each edge with where it was first seen.
    public var chain: [DependencyInfo] = []
    /// CPU0 / CPU1 lines of the possible unsafe scenario.
    public var scenario: Scenario?
    /// The contexts that made the thread atomic, with where each was entered.
    public var contexts: [ContextInfo] = []
    /// Other events the report refers to (the destroy, the first queueing…).
    public var related: [RelatedEvent] = []
    /// How to fix it or annotate it.
    public var hint: String
    /// What makes two violations the same one: rule + involved classes (+ detail).
    public var key: String

    /// Class names, sorted: rules.md's `classes`.
    public var classNames: [String] { classes.map(\.name) }

    /// A lock class (or pool) as reports print it.
    public struct ClassInfo: Sendable, Hashable {
        public var name: String
        /// The lock kind's spelling, or "pool" / "queue".
        public var kind: String

        /// - Complexity: O(1).
        public init(name: String, kind: String) { (self.name, self.kind) = (name, kind) }
    }

    /// The thread and event.
    public struct EventInfo: Sendable {
        public var thread: String
        public var seq: UInt64
        /// The trace file, or nil live.
        public var file: String?
        public var line: Int?
        public var stack: [String]
        /// The event in trace words, e.g. "acquire zone.lock".
        public var what: String

        /// - Complexity: O(1).
        public init(thread: String, seq: UInt64, file: String?, line: Int?, stack: [String], what: String) {
            (self.thread, self.seq, self.file, self.line, self.stack, self.what) = (thread, seq, file, line, stack, what)
        }
    }

    /// A lock instance with its class, mode and where it was taken.
    public struct LockInfo: Sendable {
        public var className: String
        public var kind: String
        public var mode: String
        public var instance: UInt64
        public var isTry: Bool
        public var site: SiteInfo

        /// - Complexity: O(1).
        public init(className: String, kind: String, mode: String, instance: UInt64, isTry: Bool, site: SiteInfo) {
            (self.className, self.kind, self.mode, self.instance, self.isTry, self.site) = (className, kind, mode, instance, isTry, site)
        }
    }

    /// One dependency `from -> to` and where it was first established.
    public struct DependencyInfo: Sendable {
        public var from: String
        public var to: String
        /// lockdep's type notation, e.g. "-(EN)->".
        public var types: String
        public var thread: String
        /// Where `to` was acquired while `from` was held.
        public var site: SiteInfo
        /// Where `from` was taken.
        public var fromSite: SiteInfo
        /// Whether this is the new edge that closed the cycle.
        public var isNew: Bool

        /// - Complexity: O(1).
        public init(from: String, to: String, types: String, thread: String, site: SiteInfo, fromSite: SiteInfo, isNew: Bool) {
            (self.from, self.to, self.types, self.thread, self.site, self.fromSite, self.isNew) = (from, to, types, thread, site, fromSite, isNew)
        }
    }

    /// Where something happened.
    public struct SiteInfo: Sendable {
        public var seq: UInt64
        public var file: String?
        public var line: Int?
        public var stack: [String]

        /// - Complexity: O(1).
        public init(seq: UInt64, file: String?, line: Int?, stack: [String]) {
            (self.seq, self.file, self.line, self.stack) = (seq, file, line, stack)
        }
    }

    /// A context (hardirq, irqs-off, rcu_read_lock…) and where it began.
    public struct ContextInfo: Sendable {
        public var name: String
        public var site: SiteInfo

        /// - Complexity: O(1).
        public init(name: String, site: SiteInfo) { (self.name, self.site) = (name, site) }
    }

    /// Another event the report refers to.
    public struct RelatedEvent: Sendable {
        public var label: String
        public var thread: String
        public var site: SiteInfo

        /// - Complexity: O(1).
        public init(label: String, thread: String, site: SiteInfo) { (self.label, self.thread, self.site) = (label, thread, site) }
    }

    /// lockdep's "possible unsafe locking scenario".
    public struct Scenario: Sendable {
        public var cpu0: [String]
        public var cpu1: [String]

        /// - Complexity: O(1).
        public init(cpu0: [String], cpu1: [String]) { (self.cpu0, self.cpu1) = (cpu0, cpu1) }
    }

    /// A violation with every part given; the engine's rules make them
    /// (LockReports reads saved ones back).
    /// - Complexity: O(1).
    public init(rule: RuleID, message: String, explanation: String, classes: [ClassInfo], event: EventInfo,
                trying: LockInfo? = nil, held: [LockInfo] = [], chain: [DependencyInfo] = [], scenario: Scenario? = nil,
                contexts: [ContextInfo] = [], related: [RelatedEvent] = [], hint: String, key: String) {
        (self.rule, self.message, self.explanation, self.classes, self.event, self.trying, self.held, self.chain, self.scenario, self.contexts, self.related, self.hint, self.key) = (rule, message, explanation, classes, event, trying, held, chain, scenario, contexts, related, hint, key)
    }
}
