// Rule `blocking-in-async-context` — the Swift concurrency counterpart of
// might_sleep's "BUG: sleeping function called from invalid context".
//
// Fires at a blocking wait (a sleep point that waits for another thread: a
// condition wait, a semaphore, `LockCheck.mightBlock()`, a `sleep` event
// with the `task` or `nonblock` flag) made by a thread that is running a
// Swift task, or that the program declared non-blocking (an event loop).
// Taking a mutex is not a blocking wait here: async code does that
// legitimately for short critical sections. Proves: the wait holds one of
// the cooperative pool's few threads (as many as cores), so when every one
// of them waits for work that needs a pool thread to run, every task stops
// (vapor/async-kit#109, swift-package-manager#7382).

extension Validator {
    /// Where a blocking wait is made: in a Swift task, or on a thread declared non-blocking.
    public struct BlockingContext: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// The thread runs a Swift task (the cooperative pool, or an actor's executor).
        public static let task = BlockingContext(rawValue: 1)
        /// The program declared the thread non-blocking.
        public static let nonblockingThread = BlockingContext(rawValue: 2)
    }

    /// A blocking wait of `t` described by `what` (e.g. "sleep what=cond-wait"),
    /// made in `context`. Reports `blocking-in-async-context` when `context`
    /// is not empty; the sleep point's own checks are ``sleepPoint(_:thread:site:)``'s.
    /// - Complexity: O(1) when `context` is empty; no allocation.
    @inline(__always)
    public func blockingWait(_ what: @autoclosure () -> String, context: BlockingContext, thread t: ThreadState,
                             site: EventSite) {
        if !context.isEmpty { blockingInAsyncContext(what: what(), context: context, thread: t, site: site) }
    }

    func blockingInAsyncContext(what: String, context: BlockingContext, thread t: ThreadState, site: EventSite) {
        let place = context.contains(.task) ? "in a Swift task" : "on a thread declared non-blocking"
        // Told apart by what blocks and where; the classes held are context only.
        let key = violationKey(.blockingInAsyncContext, [], detail: "\(context.rawValue)|\(what.split(separator: " ").prefix(2).joined(separator: " "))")
        if alreadyReported(key) { return }
        let v = Violation(
            rule: .blockingInAsyncContext,
            message: "blocking wait \(place): \(what)",
            explanation: context.contains(.task)
                ? "The thread runs a Swift task and blocks here (\(what)). The cooperative pool has as many threads as cores: when they all block waiting for work that needs a pool thread to run, every task in the process stops."
                : "The thread was declared non-blocking (an event loop) and blocks here (\(what)): everything it serves stops until the wait ends, and a wait for work that the same thread would run never ends.",
            classes: [],
            event: eventInfo(t, site, what: what),
            held: heldInfo(t),
            hint: "Suspend instead of blocking: `await` an async API, or a continuation resumed by the code that used to signal; move unavoidable blocking work to a thread of its own (a dedicated Thread or DispatchQueue) and await its result.",
            key: key)
        report(v)
    }
}
