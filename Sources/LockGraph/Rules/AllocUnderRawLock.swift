// Rule `alloc-under-raw-lock` — seed 002 (`__GFP_NO_LOCKS`).
//
// Fires on an `atomic` or `nowait` allocation while a `raw-spinlock` is held
// or inside a (non-threaded) hardirq handler, with raw nesting on. Such an
// allocation never sleeps but may take the allocator's own spinlock (the
// kernel's zone->lock), a sleeping lock on PREEMPT_RT, nested under a raw
// lock. `no-locks` allocations (lockless per-thread cache only) never fire.

extension Validator {
    func checkAllocUnderRawLock(flags: AllocFlags, bytes: UInt64, thread t: ThreadState, site: EventSite) {
        guard configuration.rawNesting, flags == .atomic || flags == .nowait else { return }
        let inHardirq = t.hardirqDepth > t.threadedHardirqDepth
        guard t.rawHeld > 0 || inHardirq else { return }
        let raw = t.held.filter { $0.kind == .rawSpinlock }.map(\.lockClass)
        let names = Array(Set(raw.map(name)))
        let key = violationKey(.allocUnderRawLock, names, detail: names.isEmpty ? "hardirq" : "")
        if alreadyReported(key) { return }
        let holder = raw.last.map { "raw lock '\(name($0))' is held" } ?? "in a hardirq handler"
        var v = Violation(
            rule: .allocUnderRawLock,
            message: "\(flags.spelling) allocation of \(bytes) bytes while \(holder): the allocator's spinlock would nest under a raw lock",
            explanation: "A '\(flags.spelling)' allocation never sleeps but may take the allocator's own spinlock, which sleeps on PREEMPT_RT; here it would run while \(holder).",
            classes: classList(raw),
            event: eventInfo(t, site, what: "alloc \(flags.spelling) \(bytes)"),
            trying: nil,
            held: heldInfo(t),
            hint: "Allocate before taking the raw lock, or use a `no-locks` allocation (lockless cache only) and handle its failure — the __GFP_NO_LOCKS fix of seed 002.",
            key: key)
        v.contexts = atomicContexts(t)
        report(v)
    }
}
