// Rule `recursive-lock` — lockdep: "possible recursive locking detected".
//
// Fires when a thread acquires a lock whose class (with subclass) it already
// holds, except a recursive read over a read, a `recursive-mutex` instance it
// holds (counted before we get here), or a sibling taken under a held nest
// lock. Proves: the second acquisition of one class cannot be ordered against
// the first, so two threads doing it on two instances can deadlock (and on
// one instance it self-deadlocks). Annotate legitimate nesting with `sub=`.

extension Validator {
    /// lockdep's check_deadlock, on the new top of `t`'s held stack.
    /// - Returns: Whether dependencies should be added for the new lock
    ///   (false after a report, or when a nest lock serializes the nesting).
    func checkRecursiveLock(thread t: ThreadState, into found: inout [Violation]) -> Bool {
        let next = t.held[t.held.count - 1]
        if classes.isOverflow(next.lockClass) { return false }
        var nest = false
        for prev in t.held.dropLast() {
            if let n = next.nestInstance, prev.instance == n { nest = true }
            if prev.lockClass != next.lockClass { continue }
            // read_lock(l) + read_lock(l) with the second recursive is allowed.
            if next.mode == .recursiveShared && prev.mode.isShared { continue }
            if nest { return false }
            let cname = name(next.lockClass)
            // One instance taken twice is a certain self-deadlock; two
            // instances of one class are a possible deadlock (or unrelated
            // locks that share a class), and the hint differs.
            let sameInstance = prev.instance == next.instance
            var v = Violation(
                rule: .recursiveLock,
                message: sameInstance
                    ? "thread '\(t.name)' is trying to acquire lock \(cname) while already holding the same lock (the same instance)"
                    : "thread '\(t.name)' is trying to acquire lock \(cname) while already holding a lock of the same class (another instance)",
                explanation: sameInstance
                    ? "'\(cname)' is taken again by the thread that holds it: the same lock, so the thread deadlocks itself (a non-recursive lock never lets its holder in twice)."
                    : "'\(cname)' is taken while another lock of the same class is already held; two threads doing this on two locks in opposite orders can deadlock.",
                classes: classList([next.lockClass]),
                event: eventInfo(t, next.site, what: "acquire \(cname)"),
                trying: lockInfo(next),
                held: heldInfo(t, excludingTop: true),
                hint: sameInstance
                    ? "The same lock is taken twice: release it before the second acquisition, move the inner work to a function that expects the lock held, or use a recursive mutex if re-entry is intended. A subclass (sub=) would hide a real self-deadlock here."
                    : "Two locks of one class nest. If they are a parent and its child, give the inner acquisition its own subclass (sub=1); if siblings are always taken under one common lock, pass it as the nest lock (nest=); if they are unrelated locks that share a class (one wrapper's init site), give them names of their own; otherwise release the first lock before taking the second.",
                key: violationKey(.recursiveLock, [cname]))
            v.scenario = Violation.Scenario(cpu0: ["lock(\(cname));", "lock(\(cname));", "", " *** DEADLOCK ***"], cpu1: [])
            found.append(v)
            return false
        }
        return true
    }
}
