/// The `key=value` keys the format defines for event lines. Each has a bit
/// in the per-line "seen" mask, so a key given twice is found without
/// allocating.
enum EventKey: UInt32 {
    case sub = 0, nest, stack, what, ptr, pool
    /// Revision 1.2: the Swift task of an `acquire` or `release`; revision
    /// 1.3: of an `await`.
    case task

    @inline(__always) var bit: UInt32 { 1 << rawValue }

    /// The key of `length` bytes whose SWAR word is `word`, or nil for a
    /// key this version does not know.
    @inline(__always)
    init?(length: Int, word: UInt64) {
        switch (length, word) {
        case (3, Words.sub): self = .sub
        case (3, Words.ptr): self = .ptr
        case (4, Words.nest): self = .nest
        case (4, Words.pool): self = .pool
        case (4, Words.what): self = .what
        case (4, Words.task): self = .task
        case (5, Words.stack): self = .stack
        default: return nil
        }
    }

    /// Whether `op` lists this key. A known key on an op that does not list
    /// it is ignored, like an unknown key (Reading rules).
    @inline(__always)
    func applies(to op: TraceOp) -> Bool {
        switch self {
        case .sub, .nest: op == .acquire
        case .stack: op.takesStack
        case .what: op == .sleep || op == .await
        case .ptr: op == .alloc
        case .pool: op.takesPool
        case .task: op == .acquire || op == .release || op == .await
        }
    }
}

/// The bare flags the format defines for event lines, each valid on the ops
/// that list it only.
enum EventFlag: UInt32 {
    case w = 8, r, rr, `try`, threaded, headless, bh, sched
    // Revision 1.1: a blocking wait in a Swift task / on a thread declared non-blocking.
    case task, nonblock

    @inline(__always) var bit: UInt32 { 1 << rawValue }

    /// The mask of the three mode flags.
    static let modeBits: UInt32 = EventFlag.w.bit | EventFlag.r.bit | EventFlag.rr.bit
    /// The mask of the two RCU flavour flags.
    static let flavourBits: UInt32 = EventFlag.bh.bit | EventFlag.sched.bit

    /// The flag of `length` bytes whose SWAR word is `word`, or nil.
    @inline(__always)
    init?(length: Int, word: UInt64) {
        switch (length, word) {
        case (1, Words.w): self = .w
        case (1, Words.r): self = .r
        case (2, Words.rr): self = .rr
        case (2, Words.bh): self = .bh
        case (3, Words.try): self = .try
        case (5, Words.sched): self = .sched
        case (8, Words.threaded): self = .threaded
        case (8, Words.headless): self = .headless
        case (4, Words.task): self = .task
        case (8, Words.nonblock): self = .nonblock
        default: return nil
        }
    }

    /// Whether `op` lists this flag.
    @inline(__always)
    func applies(to op: TraceOp) -> Bool {
        switch self {
        case .w, .r, .rr, .try: op == .acquire
        case .threaded: op == .hardirqEnter
        case .headless: op == .deferFree
        case .bh, .sched: op == .rcuLock || op == .rcuUnlock
        case .task, .nonblock: op == .sleep
        }
    }

    /// The flag as written.
    var spelling: String {
        switch self {
        case .w: "w"
        case .r: "r"
        case .rr: "rr"
        case .try: "try"
        case .threaded: "threaded"
        case .headless: "headless"
        case .bh: "bh"
        case .sched: "sched"
        case .task: "task"
        case .nonblock: "nonblock"
        }
    }
}

extension AllocFlags {
    /// The flags word of `length` bytes starting with the SWAR words
    /// `first` and `second`, or nil.
    @inline(__always)
    init?(length: Int, first: UInt64, second: UInt64) {
        switch length {
        case 6 where first == Words.nowait: self = .nowait
        case 6 where first == Words.atomic: self = .atomic
        case 8 where first == Words.noLocks: self = .noLocks
        case 9 where (first, second) == Words.mayBlock: self = .mayBlock
        default: return nil
        }
    }
}

extension TraceOp {
    /// The positional arguments, for messages.
    var positionalSummary: String {
        switch self {
        case .acquire, .release, .lockInit, .lockFree: "<lid>"
        case .alloc: "<flags> <bytes>"
        case .free: "<ptr>"
        case .deferFree, .reclaimed: "<qid> <ptr>"
        case .barrier: "<qid>"
        case .poolDestroy: "<pid>"
        default: ""
        }
    }
}
