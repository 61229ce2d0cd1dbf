// Rule `lock-wait-timeout` — go-deadlock's "Previous place where the lock was
// grabbed" report after `Opts.DeadlockTimeout` (30 s); the kernel's hung-task
// detector ("task blocked for more than 120 seconds") in spirit.
//
// Fires, live only, when a thread has waited for one lockcheck lock longer
// than the configured timeout (`LOCKCHECK_WAIT_TIMEOUT`, default 30 s, 0
// off). Proves nothing by itself (a holder may be slow, not stuck), which is
// why it is a separate rule from `deadlock`: it covers the hangs that are not
// a lock cycle, a holder blocked on I/O, a condition or a task, and says who
// holds the lock and where it took it.

extension Validator {
    /// Reports `lock-wait-timeout`: `waiter` has waited longer than
    /// `timeout` seconds for a lock `holders` hold (empty when unknown).
    /// - Returns: false when already reported (once per waiter thread and lock class).
    /// - Complexity: O(holders × held locks), plus one stack kept per stack printed.
    @discardableResult
    public func reportLockWaitTimeout(_ waiter: WaitingThread, holders: [LockHolder], timeout: Double) -> Bool {
        let lock = waiter.waitsFor
        let key = violationKey(.lockWaitTimeout, [lock.className], detail: "\(waiter.threadID)")
        if alreadyReported(key) { return false }
        func site(_ frames: [StackFrame], seq: UInt64 = 0) -> Violation.SiteInfo {
            Violation.SiteInfo(seq: seq, file: nil, line: nil, stack: frames.isEmpty ? [] : stacks.frames(stacks.add(frames)))
        }
        let lockName = "\(lock.className) #\(lock.instance)"
        var related: [Violation.RelatedEvent] = []
        var holderText: [String] = []
        for h in holders {
            if let w = h.waiting {
                holderText.append("'\(h.name)', itself waiting for \(w.waitsFor.className) #\(w.waitsFor.instance)")
                if let entry = w.heldEntry(lock.instance) {
                    related.append(Violation.RelatedEvent(label: "the holder '\(h.name)' took \(lockName) (\(entry.mode)) at",
                                                          thread: h.name, site: entry.site))
                }
                related.append(Violation.RelatedEvent(
                    label: "the holder '\(h.name)' waits for \(w.waitsFor.className) #\(w.waitsFor.instance), blocked at",
                    thread: h.name, site: site(w.stack, seq: w.seq)))
            } else {
                holderText.append("'\(h.name)' (tid \(h.threadID)), not waiting for a lockcheck lock")
            }
        }
        let who = holderText.isEmpty ? "an unknown holder" : holderText.joined(separator: ", ")
        report(Violation(
            rule: .lockWaitTimeout,
            message: "thread '\(waiter.name)' has waited \(Self.seconds(waiter.waitedSeconds)) (limit \(Self.seconds(timeout))) for \(lockName), held by \(who)",
            explanation: "A thread has been blocked on this lock for longer than the wait timeout: its holder is stuck or holds it far too long.",
            classes: [Violation.ClassInfo(name: lock.className, kind: lock.kind)],
            event: Violation.EventInfo(thread: waiter.name, seq: waiter.seq, file: nil, line: nil, stack: site(waiter.stack).stack,
                                       what: "wait for \(lockName) (\(lock.mode))"),
            trying: lock,
            held: waiter.held,
            related: related,
            hint: "Find what the holder waits for (I/O, a condition, a task, another lock) and do it outside the critical section; raise LOCKCHECK_WAIT_TIMEOUT if this wait is expected, or set it to 0 to turn the rule off.",
            key: key))
        return true
    }
}
