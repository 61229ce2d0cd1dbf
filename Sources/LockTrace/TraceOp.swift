/// The `<op>` of an event line.
///
/// The raw values are stable within one build only; traces spell ops by
/// ``name``, never by number.
public enum TraceOp: UInt8, Sendable, CaseIterable {
    case acquire, release, sleep
    case hardirqEnter, hardirqExit, softirqEnter, softirqExit
    case irqsOff, irqsOn, softirqsOff, softirqsOn, preemptOff, preemptOn
    case rcuLock, rcuUnlock
    case alloc, free, deferFree, reclaimed, barrier, poolDestroy
    case lockInit, lockFree, threadExit
    /// Revision 1.3: a Swift task reaches a suspension point.
    case await

    /// The op as written in a trace, e.g. `hardirq-enter`.
    ///
    /// - Complexity: O(1).
    public var name: String {
        spelling.description
    }

    /// The op spelled `name`, or nil if the trace format has no such op.
    ///
    /// - Complexity: O(number of ops).
    public init?(name: String) {
        guard let op = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = op
    }

    /// The spelling as constant bytes, for the writer and the parser.
    var spelling: StaticString {
        switch self {
        case .acquire: "acquire"
        case .release: "release"
        case .sleep: "sleep"
        case .hardirqEnter: "hardirq-enter"
        case .hardirqExit: "hardirq-exit"
        case .softirqEnter: "softirq-enter"
        case .softirqExit: "softirq-exit"
        case .irqsOff: "irqs-off"
        case .irqsOn: "irqs-on"
        case .softirqsOff: "softirqs-off"
        case .softirqsOn: "softirqs-on"
        case .preemptOff: "preempt-off"
        case .preemptOn: "preempt-on"
        case .rcuLock: "rcu-lock"
        case .rcuUnlock: "rcu-unlock"
        case .alloc: "alloc"
        case .free: "free"
        case .deferFree: "defer-free"
        case .reclaimed: "reclaimed"
        case .barrier: "barrier"
        case .poolDestroy: "pool-destroy"
        case .lockInit: "lock-init"
        case .lockFree: "lock-free"
        case .threadExit: "thread-exit"
        case .await: "await"
        }
    }
}
