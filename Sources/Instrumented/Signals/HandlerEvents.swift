import CInstrumented
import LockGraph
import LockTrace
import LockVocabulary

/// A signal handler's events, queued in the thread's ring and validated when
/// the thread next runs lockcheck code normally.
///
/// lockdep validates in irq context: its graph is static arrays under a raw
/// arch spinlock taken with interrupts off, so an interrupt never finds it
/// half-updated and nothing allocates. lockcheck's engine allocates and takes
/// ordinary locks, and a signal handler may interrupt its thread inside
/// `malloc` or inside lockcheck itself; so, as the design says, a
/// handler's events are written into a fixed per-thread ring
/// (`lockcheck_handler_events.h`: no malloc, no lock) with the stack captured
/// in the handler, and replayed through the engine, in order, at the thread's
/// next event, flush or exit.
///
/// Why the verdicts are those of an immediate validation:
/// 1. A handler's events form a hardirq scope of their own (``HandlerEvents/Op/hardirqEnter``
///    to ``HandlerEvents/Op/hardirqExit``): the engine, like lockdep, never adds a
///    dependency across that boundary, so the locks the thread holds when the
///    ring is replayed, which differ from those the handler interrupted, change
///    no dependency. The replay turns interrupts off around the scope when they
///    are on, as the kernel's irq entry does, and restores them.
/// 2. What the handler teaches the engine is usage (locks "used in hardirq")
///    and the handler's own nesting; usage conflicts are found whichever of
///    the two usages is marked first, so `inconsistent-lock-state` and the
///    irq-inversion rules fire for a handler lock also taken with interrupts
///    enabled, before or after the handler ran.
/// 3. Each replayed event is reported with the stack captured in the handler.
///
/// What is not queued: a sleep point in a handler's scope is counted as
/// dropped; allocation, deferred-free and lock-creation events there are
/// not validated (the README's "Signal handlers" says what is safe).
enum HandlerEvents {
    /// A queued event's kind: the trace op, whose raw value the ring keeps
    /// (one process, one build: the ring is never persisted).
    typealias Op = TraceOp

    /// Flag bits of a queued event.
    static let isTry: UInt8 = 1
    static let countsHolder: UInt8 = 2
    static let threaded: UInt8 = 4
    /// Bits 4–5: the RCU flavour (``rcuBits(_:)``).
    static let rcuShift: UInt8 = 4
    /// Bit 6 (`LC_HANDLER_WITH_STACK`): the slot keeps the stack.
    static let withStack = UInt8(LC_HANDLER_WITH_STACK)

    /// The innermost frames searched for a signal frame when a hardirq scope
    /// starts: a handler that calls `LockCheck.hardirq` deeper than this is
    /// not recognised (its events are then validated at once, in the handler).
    static let signalFrameDepth: Int32 = 24

    // MARK: In the handler (async-signal-safe: scalars to C, nothing else)

    /// Whether the calling thread has to queue its events now: it is inside
    /// a hardirq scope that runs in a signal handler or interrupted
    /// lockcheck's own code.
    @inline(__always)
    static var mustQueue: Bool { lc_guard_in_handler() }

    /// Starts a hardirq scope in handler mode when it runs in a signal
    /// handler (or interrupts lockcheck) on a thread with a ring; returns
    /// whether it did (then pair with ``exitScope()``).
    /// - Complexity: On a thread already in a handler or inside lockcheck, O(1);
    ///   otherwise a libunwind walk of at most ``signalFrameDepth`` frames.
    static func enterScopeIfInHandler() -> Bool {
        guard lc_handler_has_ring() else { return false }
        guard lc_guard_in_handler() || lc_guard_busy() || lc_in_signal_handler(signalFrameDepth) else { return false }
        lc_handler_scope_enter(Op.hardirqEnter.rawValue)
        return true
    }

    /// Ends a hardirq scope that ``enterScopeIfInHandler()`` started.
    static func exitScope() {
        lc_handler_scope_exit(Op.hardirqExit.rawValue)
    }

    /// Queues a lock event.
    @inline(__always)
    static func pushLock(_ op: Op, _ lock: LockIdentity, mode: AcquireMode, flags: UInt8, subclass: UInt32,
                         nest: LockIdentity?) {
        lc_handler_push(op.rawValue, mode.rawValue, op == .acquire ? flags | withStack : flags, subclass,
                        Unmanaged.passUnretained(lock).toOpaque(),
                        nest.map { Unmanaged.passUnretained($0).toOpaque() })
    }

    /// Queues a context event (softirq, preemption, RCU), or counts it as
    /// dropped when it is of a kind the ring does not replay.
    static func pushContext(_ op: Op, rcu: RCUFlavor) {
        if replays(op) {
            lc_handler_push(op.rawValue, 0, rcuBits(rcu) << rcuShift, 0, nil, nil)
        } else if op != .irqsOff && op != .irqsOn {
            lc_handler_drop()
        }
    }

    /// Whether a context op is replayed (the rest are counted as dropped).
    static func replays(_ op: Op) -> Bool {
        switch op {
        case .softirqEnter, .softirqExit, .softirqsOff, .softirqsOn, .preemptOff, .preemptOn, .rcuLock, .rcuUnlock:
            return true
        case .acquire, .release, .hardirqEnter, .hardirqExit:
            return true
        // In a handler interrupts are off already: disabling them again changes nothing.
        case .irqsOff, .irqsOn:
            return false
        case .sleep, .alloc, .free, .deferFree, .reclaimed, .barrier, .poolDestroy, .lockInit, .lockFree, .threadExit,
             .await:
            return false
        }
    }

    static func rcuBits(_ flavor: RCUFlavor) -> UInt8 {
        switch flavor {
        case .plain: 0
        case .bh: 1
        case .sched: 2
        }
    }

    static func rcuFlavor(_ bits: UInt8) -> RCUFlavor {
        switch bits & 3 {
        case 1: .bh
        case 2: .sched
        default: .plain
        }
    }

    /// Whether some thread has queued events not yet validated (their locks
    /// must outlive them: see ``LockIdentity/free()``).
    static var anyQueued: Bool { lc_handler_any_queued() }
}
