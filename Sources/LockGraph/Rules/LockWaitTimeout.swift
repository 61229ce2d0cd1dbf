// Rule `lock-wait-timeout` — go-deadlock's "Previous place where the lock was
// grabbed" report after `Opts.DeadlockTimeout` (30 s); the kernel's hung-task
// detector ("task blocked for more than 120 seconds") in spirit.
//
// Fires, live only, when a thread has waited for one lockcheck lock longer
// than the configured timeout (`LOCKCHECK_WAIT_TIMEOUT`, default 30 s, 0
// off). Proves nothing by itself (a holder may be slow, not stuck), which is
// why it is a separate rule from `deadlock`: it covers the hangs that are not
// a lock cycle, a holder blocked on I/O, a condition or a task, and says who
// holds the lock, where it is now and where it took it.
//
// What the report can say about the holder, and how it says which it is:
// - where the holder took the lock: the source file and line the lock
//   keeps while it is held (its caller's `#fileID:#line`, one word stored
//   by the acquisition; see Instrumented's `LockSite`), exact in every
//   build, plus the acquisition's stack when lockcheck kept one;
// - a holder itself blocked on a lockcheck lock published its held locks
//   and where it blocked: "took <lock> at" and "blocked at";
// - any other holder is asked for its stack by the runtime (a signal it
//   answers from its handler): "is now at", or why it could not say;
// - a lock taken by code that gives no source site (NSLocking's `lock()`,
//   the `lockcheck run` preload library, C code, a reader) has none, and
//   lockcheck keeps a stack per new usage and dependency, not per
//   acquisition (the lock path would pay for it): the report then gives
//   the place the lock's class was first taken, labelled as such.

extension Validator {
    /// Reports `lock-wait-timeout`: `waiter` has waited longer than
    /// `timeout` seconds for a lock `holders` hold (empty when unknown).
    /// - Parameters:
    ///   - lock: The lock waited for, when the caller has it: the report
    ///     then says where its class was first taken, for a holder whose own
    ///     acquisition site is not known.
    ///   - takenAt: Where the lock's holder that is not itself waiting took
    ///     it, when the lock keeps it (a source file and line, seq 0).
    /// - Returns: false when already reported (once per waiter thread and lock class).
    /// - Complexity: O(holders × held locks), plus one stack kept per stack printed.
    @discardableResult
    public func reportLockWaitTimeout(_ waiter: WaitingThread, holders: [LockHolder], timeout: Double,
                                      lock instance: LockInstance? = nil, takenAt: Violation.SiteInfo? = nil) -> Bool {
        let lock = waiter.waitsFor
        let key = violationKey(.lockWaitTimeout, [lock.className], detail: "\(waiter.threadID)")
        if alreadyReported(key) { return false }
        func site(_ frames: [StackFrame], seq: UInt64 = 0) -> Violation.SiteInfo {
            Violation.SiteInfo(seq: seq, file: nil, line: nil, stack: frames.isEmpty ? [] : stacks.frames(stacks.add(frames)))
        }
        let lockName = "\(lock.className) #\(lock.instance)"
        var related: [Violation.RelatedEvent] = []
        var holderText: [String] = []
        var acquisitionUnknown = false
        for h in holders {
            if let w = h.waiting {
                holderText.append("'\(h.name)', itself waiting for \(w.waitsFor.className) #\(w.waitsFor.instance)")
                if let entry = w.heldEntry(lock.instance) {
                    related.append(Violation.RelatedEvent(label: "the holder '\(h.name)' took \(lockName) (\(entry.mode)) at",
                                                          thread: h.name, site: entry.site))
                    if entry.site.stack.isEmpty && entry.site.file == nil { acquisitionUnknown = true }
                }
                related.append(Violation.RelatedEvent(
                    label: "the holder '\(h.name)' waits for \(w.waitsFor.className) #\(w.waitsFor.instance), blocked at",
                    thread: h.name, site: site(w.stack, seq: w.seq)))
            } else {
                holderText.append("'\(h.name)' (tid \(h.threadID)), not waiting for a lockcheck lock")
                if let takenAt {
                    related.append(Violation.RelatedEvent(label: "\(lockName) was taken at",
                                                          thread: h.name, site: takenAt))
                } else {
                    acquisitionUnknown = true
                }
                if !h.stack.isEmpty {
                    related.append(Violation.RelatedEvent(
                        label: "the holder '\(h.name)' (tid \(h.threadID)) is now, \(Self.seconds(waiter.waitedSeconds)) into the wait, at",
                        thread: h.name, site: site(h.stack)))
                } else if let why = h.stackUnavailable {
                    related.append(Violation.RelatedEvent(
                        label: "the holder '\(h.name)' (tid \(h.threadID)): its current stack is unavailable: \(why)",
                        thread: h.name, site: site([])))
                }
            }
        }
        if holders.isEmpty, let takenAt {
            related.append(Violation.RelatedEvent(label: "\(lockName) was taken by its holder at", thread: "", site: takenAt))
        }
        if acquisitionUnknown, let instance, let first = firstTaken(instance.lockClass) {
            related.append(Violation.RelatedEvent(
                label: "where the holder took \(lockName) is not known (it was taken by code that gives no source line: NSLocking's lock(), the lockcheck run preload library, C code, a reader); this class, \(lock.className), was first taken at",
                thread: first.thread, site: siteInfo(first.site)))
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

extension Validator {
    /// Where the class `cls` was first taken, and by which thread (the
    /// stack of its first ``UsageMask/used``); nil when not known.
    /// - Complexity: O(1), under the graph lock.
    func firstTaken(_ cls: LockClassID) -> (site: EventSite, thread: String)? {
        graphLock.withLock { usageSite(cls, .used) }
    }
}
