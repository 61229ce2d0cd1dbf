/// One event line, fully validated: every id it names was declared, its
/// thread's `<seq>` did not go backwards, its flags fit its op.
///
/// A plain value with no heap references, so copying it (into reorder
/// buffers, by the millions) is a memcpy. Fields an op does not use keep
/// their defaults. The stored properties are ordered to keep the value small;
/// the parser fills them in place.
public struct TraceEvent: Sendable, Equatable {
    /// `<seq>`: orders events across threads; never decreases within one.
    public var seq: UInt64
    /// `<tid>`: a declared thread.
    public var thread: UInt64
    /// The positional id: `<lid>` of `acquire`, `release`, `lock-init`,
    /// `lock-free`; `<qid>` of `defer-free`, `reclaimed`, `barrier`; `<pid>`
    /// of `pool-destroy`; 0 otherwise.
    public var id: UInt64
    /// `<ptr>` of `free`, `defer-free`, `reclaimed`; `ptr=` of `alloc`
    /// (0 when absent); 0 otherwise.
    public var pointer: UInt64
    /// `<bytes>` of `alloc`; 0 otherwise.
    public var bytes: UInt64
    /// `pool=<pid>` of `alloc`, `free`, `defer-free`.
    public var pool: UInt64?
    /// What happened.
    public var op: TraceOp
    /// `w` (default), `r` or `rr` of `acquire`.
    public var mode: AcquireMode
    /// `try` of `acquire`: a successful trylock.
    public var isTry: Bool
    /// `headless` of `defer-free`.
    public var headless: Bool
    /// `threaded` of `hardirq-enter`.
    public var threaded: Bool
    /// `task` of `sleep` (revision 1.1): the sleeping thread runs a Swift task.
    public var inTask: Bool
    /// `nonblock` of `sleep` (revision 1.1): the thread was declared non-blocking.
    public var nonblocking: Bool
    /// `<flags>` of `alloc`; `mayBlock` otherwise.
    public var allocFlags: AllocFlags
    /// `bh` / `sched` of `rcu-lock` and `rcu-unlock`; `plain` otherwise.
    public var rcuFlavor: RCUFlavor
    /// `what=<kind>` of `await` (revision 1.3): the kind of await; nil when
    /// not said (and on every other op). Among the one-byte fields, in the
    /// padding before `stack`, so the event stays 112 bytes.
    public var suspension: SuspensionKind?
    /// `stack=<sid>`: a declared stack.
    public var stack: UInt64?
    /// The 1-based line of the event in its file (saturates at `UInt32.max`).
    public var line: UInt32
    /// `nest=<lid>` of `acquire`: a declared lock.
    public var nest: UInt64?
    /// `sub=<n>` of `acquire`, default 0.
    public var subclass: UInt32
    /// `what=<token>` of `sleep`, interned: an index into the reader's
    /// ``TraceReader/sleepReasons`` (0 for none).
    public var what: UInt32
    /// `task=<n>` of `acquire` and `release` (revision 1.2): the Swift task
    /// the thread runs (0: none, or not said); of `await` (revision 1.3,
    /// never 0): the task that reaches the suspension point.
    public var task: UInt64

    /// An event with every optional part at its default.
    ///
    /// - Complexity: O(1).
    public init(
        seq: UInt64, thread: UInt64, op: TraceOp, line: UInt32 = 0,
        id: UInt64 = 0, pointer: UInt64 = 0, bytes: UInt64 = 0,
        pool: UInt64? = nil, stack: UInt64? = nil, nest: UInt64? = nil,
        subclass: UInt32 = 0, mode: AcquireMode = .exclusive,
        isTry: Bool = false, headless: Bool = false, threaded: Bool = false,
        allocFlags: AllocFlags = .mayBlock, rcuFlavor: RCUFlavor = .plain,
        what: UInt32 = 0, inTask: Bool = false, nonblocking: Bool = false, task: UInt64 = 0,
        suspension: SuspensionKind? = nil
    ) {
        self.seq = seq
        self.thread = thread
        self.id = id
        self.pointer = pointer
        self.bytes = bytes
        self.pool = pool
        self.op = op
        self.mode = mode
        self.isTry = isTry
        self.headless = headless
        self.threaded = threaded
        self.allocFlags = allocFlags
        self.rcuFlavor = rcuFlavor
        self.stack = stack
        self.line = line
        self.nest = nest
        self.subclass = subclass
        self.what = what
        self.inTask = inTask
        self.nonblocking = nonblocking
        self.task = task
        self.suspension = suspension
    }
}
