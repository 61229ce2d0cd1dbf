/// Analysis settings and limits of a ``Validator``.
public struct Configuration: Sendable {
    /// CONFIG_PROVE_RAW_LOCK_NESTING: `config` wait type (spinlock, rwlock,
    /// softirq and threaded-irq context) counts as may-sleep under raw locks.
    /// When off, config counts as spin. Default on.
    public var rawNesting = true
    /// PREEMPT_RT: only changes how reports explain config-level locks (as the
    /// sleeping locks they are there); it never silences a rule. Default off.
    public var preemptRT = false
    /// Generous limits; going past one is a warning, never a stop.
    public var limits = Limits()

    public init(rawNesting: Bool = true, preemptRT: Bool = false, limits: Limits = Limits()) {
        self.rawNesting = rawNesting
        self.preemptRT = preemptRT
        self.limits = limits
    }

    /// Capacities of the engine's tables.
    public struct Limits: Sendable {
        /// Lock classes (lockdep: 8,192).
        public var classes = 65_536
        /// Held locks per thread (lockdep: 48). Deeper acquisitions are still
        /// tracked for unlock balance but not validated past the limit.
        public var heldDepth = 256
        /// Dependencies stored (lockdep: 32,768 × 2); past it new ones are not stored.
        public var dependencies = 4_000_000
        public init() {}
    }
}
