// Rule `held-at-exit` — lockdep: "lock held when returning to user space".
//
// Fires on `thread-exit` while the thread holds locks. Proves: nothing will
// ever release them; every later acquirer blocks forever.

extension Validator {
    /// Records that `thread` ends. Reports `held-at-exit` if it holds locks;
    /// those locks stay held (nothing will release them).
    /// - Complexity: O(held locks).
    public func threadExit(thread t: ThreadState, site: EventSite) {
        if !t.held.isEmpty {
            let ids = t.held.map(\.lockClass)
            let names = Array(Set(ids.map(name)))
            let key = violationKey(.heldAtExit, names)
            if !alreadyReported(key) {
                report(Violation(
                    rule: .heldAtExit,
                    message: "thread '\(t.name)' exits while holding \(t.held.count) lock\(t.held.count == 1 ? "" : "s"): \(names.sorted().joined(separator: ", "))",
                    explanation: "The thread ends with locks still held; nothing will release them, so every later acquirer waits forever.",
                    classes: classList(ids),
                    event: eventInfo(t, site, what: "thread-exit"),
                    trying: nil,
                    held: heldInfo(t),
                    hint: "Release every lock before the thread returns (scoped `withLock { }` does this on every path, including errors).",
                    key: key))
            }
        }
        t.exited = true
    }
}
