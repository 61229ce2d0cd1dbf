// The pseudo-lock class `swift-task-status`: the Swift concurrency runtime's
// per-task status record lock, as Instrumented models it (not a rule: its
// reports are `lock-order-inversion`, `recursive-lock`, `sleep-in-atomic`).

/// What the `swift-task-status` class is, for `lockcheck explain` and the docs.
public enum SwiftTaskStatusClass {
    /// The class name in reports and traces.
    public static let name = "swift-task-status"

    /// One paragraph per line: what the class models and what it reports.
    public static let explanation: [String] = [
        "The Swift concurrency runtime's per-task status record lock, as one lock class for every task (lockdep's fs_reclaim is one class the same way). The runtime holds it while it cancels a task (Task.cancel(), a task group's cancelAll(), a cancellation reaching child tasks) and runs every onCancel handler of withTaskCancellationHandler; resuming a continuation takes it to enqueue the resumed task.",
        "lockcheck acquires and releases it at every continuation resumption (checked and unsafe, returning and throwing), holds it for a cancellation, and runs onCancel bodies under it, also when a handler runs at once because the task was already cancelled (the same handler runs under the lock when the cancellation comes later). Nested holds of one thread count; they are not a recursive-lock.",
        "Resuming a continuation while holding a lock L that some onCancel handler takes is then a lock-order-inversion between L and swift-task-status (apple/swift-nio#2558, apple/swift-async-algorithms#303, swiftlang/swift#67457), on the first run that takes both orders. Fix: resume (or cancel) after releasing L; take the continuation out of the locked state and resume it outside.",
        "Seen through what a program links: Instrumented's withTaskCancellationHandler (files that import Instrumented) and the runtime's resume and cancel entry points, which lockcheck defines in the program (on x86_64 also Task.cancel() and CheckedContinuation.resume). Not seen: code in other shared libraries, fully static binaries (-static-stdlib), escalation.",
    ]
}
