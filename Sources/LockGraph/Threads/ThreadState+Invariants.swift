extension Validator {
    /// Traps unless `t`'s held stack is consistent: a free slot above the
    /// top and the sentinel's chain key 0 below index 0 (``HeldStack``'s two
    /// invariants), every entry's chain key and check what
    /// ``chainStep(after:check:inContext:lockClass:mode:isTry:irqContext:)`` gives
    /// on the entry below (however the stack was reached: pushes, or a
    /// release below the top and its rebuild), only recursive mutexes
    /// counting re-acquisitions, the spinning and raw counts matching
    /// the held kinds, and on a thread that runs tasks, a task known for
    /// every held lock.
    ///
    /// A debugging aid, like ``DependencyGraph/_checkInvariants()``: it does
    /// anything only with `LOCKGRAPH_CHECK_INVARIANTS`. Call it from `t`'s
    /// own thread, or while `t` is not running.
    /// - Complexity: O(held locks).
    func _checkInvariants(of t: ThreadState) {
        #if LOCKGRAPH_CHECK_INVARIANTS
        let broken = brokenInvariants(of: t)
        precondition(broken.isEmpty, broken.joined(separator: "; "))
        #endif
    }

    /// What ``_checkInvariants(of:)`` would trap on, each as a sentence;
    /// empty when `t`'s held stack is consistent. Always compiled, so a test
    /// can show a broken stack is noticed.
    /// - Complexity: O(held locks).
    func brokenInvariants(of t: ThreadState) -> [String] {
        var broken: [String] = []
        let held = t.held
        if held.count >= held.capacity { broken.append("thread '\(t.name)': no free slot above the held stack's top") }
        if held[-1].chainKey != 0 || held[-1].chainCheck != 0 { broken.append("thread '\(t.name)': the sentinel's chain key changed") }
        var spinning = 0, raw = 0
        for j in 0..<held.count {
            let h = held[j], below = held[j - 1]
            let (key, check) = chainStep(after: below.chainKey, check: below.chainCheck,
                                         inContext: j > 0 && below.irqContext == h.irqContext,
                                         lockClass: h.lockClass, mode: h.mode, isTry: h.isTry, irqContext: h.irqContext)
            if h.chainKey != key || h.chainCheck != check { broken.append("thread '\(t.name)': held lock #\(j) has a stale chain key") }
            if h.recursion != 0 && h.kind != .recursiveMutex {
                broken.append("thread '\(t.name)': held lock #\(j) recurses but is a \(h.kind.spelling)")
            }
            if h.kind.spins { spinning += 1 }
            if h.kind == .rawSpinlock { raw += 1 }
        }
        if t.spinningHeld != spinning || t.rawHeld != raw {
            broken.append("thread '\(t.name)': counts \(t.spinningHeld) spinning, \(t.rawHeld) raw; holds \(spinning), \(raw)")
        }
        if t.runsTasks && t.heldTasks.count < held.count {
            broken.append("thread '\(t.name)': runs tasks but knows the task of \(t.heldTasks.count) of its \(held.count) held locks")
        }
        // The one short way's task (see ``shortWayTask``): 0 exactly on a thread that never ran a task; on one
        // that does, every held lock is that task's or taken outside any task.
        if t.runsTasks == (t.shortWayTask == 0) {
            broken.append("thread '\(t.name)': short-way task \(t.shortWayTask) on a thread that \(t.runsTasks ? "runs" : "never ran") tasks")
        } else if t.runsTasks && t.heldTasks.count >= held.count {
            for j in 0..<held.count where t.heldTasks[j] != 0 && t.heldTasks[j] != t.shortWayTask {
                broken.append("thread '\(t.name)': held lock #\(j) belongs to task \(t.heldTasks[j]), not the short way's \(t.shortWayTask)")
            }
        }
        return broken
    }

    /// ``DependencyGraph/_checkInvariants()`` under the graph lock, then
    /// ``_checkInvariants(of:)`` for each of `threads`.
    /// - Complexity: O(classes + dependencies + held locks).
    func _checkInvariants(threads: [ThreadState] = []) {
        #if LOCKGRAPH_CHECK_INVARIANTS
        graphLock.withLock { graph._checkInvariants() }
        for t in threads { _checkInvariants(of: t) }
        #endif
    }
}

extension Validator {
    /// Whether this build checks invariants (`LOCKGRAPH_CHECK_INVARIANTS`),
    /// so a test can tell a check that passed from one compiled out.
    static var _checksInvariants: Bool {
        #if LOCKGRAPH_CHECK_INVARIANTS
        return true
        #else
        return false
        #endif
    }
}
