import CInstrumented
import LockGraph
import LockTrace
import LockVocabulary

/// Interrupt-like contexts, preemption and RCU read sections: the kernel
/// contexts lockdep reasons about, as scopes around application code.
///
/// Each scope costs two events (entry and exit): O(1) each, except that
/// enabling interrupts with locks held marks those locks' usage.
extension LockCheck {
    /// The flavour of an RCU-style read-side section: ``LockVocabulary/RCUFlavor``,
    /// the one type the engine and the trace format use too.
    public typealias RCUFlavor = LockVocabulary.RCUFlavor

    /// Runs `body` as a hard-interrupt-like handler: a signal handler or a
    /// real-time callback. Interrupts are disabled around it, as the kernel's
    /// irq entry does; only raw spinlocks may be taken inside, and nothing
    /// may sleep.
    ///
    /// Locks taken here are "used in hardirq": taking them elsewhere with
    /// interrupts enabled is `inconsistent-lock-state`.
    /// - Parameter threaded: The handler runs in a thread of its own (forced
    ///   irq threading): its wait context is config, so spinlocks are allowed.
    ///
    /// In a signal handler (see README, "Signal handlers"): on a thread that
    /// has its state (it took a lock before, or called ``start()`` or
    /// ``setThreadName(_:)``), the scope and the lock events in it are
    /// written into the thread's fixed ring, with the stack captured there,
    /// and validated, in order, when the thread next runs lockcheck code
    /// normally (its next lock event, ``flushTrace()``, its exit), with the
    /// verdicts an immediate validation gives: nothing in the handler
    /// allocates or takes a lock of lockcheck's, and the locks taken in it
    /// still really lock. A scope is recognised as a signal handler's by a
    /// signal frame among its 24 innermost frames, or because it
    /// interrupted lockcheck's own code. On a thread without state, the
    /// scope's events are not validated (creating the state would
    /// allocate), and a warning counts them at the thread's next event.
    /// - Complexity: Outside a signal handler, two events and a libunwind
    ///   walk of at most 24 frames (a few microseconds). In a handler, one
    ///   ring slot and one unwind per event, no engine call.
    public static func hardirq<T>(threaded: Bool = false, _ body: () throws -> T) rethrows -> T {
        if !threaded { lc_hardirq_scope_enter() }
        if !threaded && HandlerEvents.enterScopeIfInHandler() {
            defer {
                HandlerEvents.exitScope()
                lc_hardirq_scope_exit()
            }
            return try body()
        }
        let disabled = disableIrqs()
        emit(.hardirqEnter, threaded: threaded) { v, t, s, _ in v.hardirqEnter(threaded: threaded, thread: t, site: s); return true }
        defer {
            emit(.hardirqExit) { v, t, s, _ in v.hardirqExit(thread: t, site: s); return true }
            if disabled { enableIrqs() }
            if !threaded { lc_hardirq_scope_exit() }
        }
        return try body()
    }

    /// Runs `body` as a softirq-like (deferred interrupt) handler.
    public static func softirq<T>(_ body: () throws -> T) rethrows -> T {
        emit(.softirqEnter) { v, t, s, _ in v.softirqEnter(thread: t, site: s); return true }
        defer { emit(.softirqExit) { v, t, s, _ in v.softirqExit(thread: t, site: s); return true } }
        return try body()
    }

    /// Runs `body` with interrupts (signals) disabled on this thread
    /// (local_irq_save / local_irq_restore: nested scopes leave them off).
    public static func irqsDisabled<T>(_ body: () throws -> T) rethrows -> T {
        let disabled = disableIrqs()
        defer { if disabled { enableIrqs() } }
        return try body()
    }

    /// Runs `body` with softirqs disabled (local_bh_disable; nests).
    public static func softirqsDisabled<T>(_ body: () throws -> T) rethrows -> T {
        emit(.softirqsOff) { v, t, s, _ in v.softirqsOff(thread: t, site: s); return true }
        defer { emit(.softirqsOn) { v, t, s, _ in v.softirqsOn(thread: t, site: s); return true } }
        return try body()
    }

    /// Runs `body` with preemption disabled (preempt_disable; nests).
    public static func preemptionDisabled<T>(_ body: () throws -> T) rethrows -> T {
        emit(.preemptOff) { v, t, s, _ in v.preemptOff(thread: t, site: s); return true }
        defer { emit(.preemptOn) { v, t, s, _ in v.preemptOn(thread: t, site: s); return true } }
        return try body()
    }

    /// Runs `body` in an RCU-style read-side section of `flavor`. Nothing may
    /// sleep inside; a `sched` section allows only raw spinlocks.
    public static func rcuRead<T>(_ flavor: RCUFlavor = .plain, _ body: () throws -> T) rethrows -> T {
        emit(.rcuLock, rcu: flavor) { v, th, s, _ in v.rcuReadLock(flavor, thread: th, site: s); return true }
        defer { emit(.rcuUnlock, rcu: flavor) { v, th, s, _ in v.rcuReadUnlock(flavor, thread: th, site: s); return true } }
        return try body()
    }

    /// Turns interrupts off unless they are; returns whether it did.
    private static func disableIrqs() -> Bool {
        var did = false
        emit(.irqsOff) { v, t, s, pt in
            guard !pt.irqsDisabled else { return false }
            pt.irqsDisabled = true
            did = true
            v.irqsOff(thread: t, site: s)
            return true
        }
        return did
    }

    private static func enableIrqs() {
        emit(.irqsOn) { v, t, s, pt in
            guard pt.irqsDisabled else { return false }
            pt.irqsDisabled = false
            v.irqsOn(thread: t, site: s)
            return true
        }
    }
}
