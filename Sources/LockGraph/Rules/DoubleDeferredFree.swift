// Rule `double-deferred-free` — kvfree_rcu's debug_rcu_head_queue; seed 001.
//
// Fires on `defer-free` of a pointer that is already queued and not yet
// reclaimed. Proves: the object will be freed twice after the grace period.

extension Validator {
    func doubleDeferredFree(pointer: UInt64, earlier: PendingFree, queue: DeferredQueue,
                            thread t: ThreadState, site: EventSite) {
        let names = [earlier.queue.name]
        let key = violationKey(.doubleDeferredFree, names, detail: String(pointer, radix: 16))
        if alreadyReported(key) { return }
        let hex = "0x" + String(pointer, radix: 16)
        var v = Violation(
            rule: .doubleDeferredFree,
            message: "\(hex) is queued for deferred free on '\(queue.name)' while already queued on '\(earlier.queue.name)' and not yet reclaimed",
            explanation: "The object at \(hex) is handed to the deferred-free queue twice before its grace period ended; it will be freed twice.",
            classes: [Violation.ClassInfo(name: earlier.queue.name, kind: "queue")],
            event: eventInfo(t, site, what: "defer-free \(hex)"),
            trying: nil,
            hint: "Queue each object once; clear the owner's pointer to it before queueing so a second path cannot free it again.",
            key: key)
        v.related = [Violation.RelatedEvent(label: "first queued at", thread: earlier.thread, site: siteInfo(earlier.site))]
        report(v)
    }
}
