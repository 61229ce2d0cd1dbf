import CInstrumented
import LockGraph
import LockTrace

/// Blocking waits: sleep points that wait for another thread, reported as
/// `blocking-in-async-context` when made by a thread running a Swift task or
/// declared non-blocking (and as `sleep-in-atomic` in atomic context, like
/// every sleep point).
extension LockCheck {
    /// Annotates that the caller is about to block until another thread acts
    /// (a semaphore wait, a future's `.wait()`, a blocking read): a sleep
    /// point that is also checked against async contexts.
    ///
    /// Reported as `blocking-in-async-context` when the calling thread is
    /// running a Swift task (the cooperative pool has as many threads as
    /// cores, and a blocked one runs nothing else) or was declared
    /// non-blocking with ``setThreadNonBlocking(_:)``.
    /// - Parameter what: A word for reports and traces (`sleep what=<what>`).
    /// - Complexity: O(1): one look-up of the current task (a TLS read in
    ///   the Swift runtime), no allocation unless it reports.
    public static func mightBlock(_ what: String = "might-block") {
        let token = sleepToken(what)
        let inTask = withUnsafeCurrentTask { $0 != nil }
        guard let pt = PerThread.enter() else { return }
        let seq = lc_next_seq()
        let runtime = pt.runtime
        var context: Validator.BlockingContext = []
        if inTask { context.insert(.task) }
        if pt.nonblocking { context.insert(.nonblockingThread) }
        let site = pt.site(seq)
        runtime.validator.sleepPoint("sleep what=" + token, thread: pt.state, site: site)
        runtime.validator.blockingWait("sleep what=" + token, context: context, thread: pt.state, site: site)
        if runtime.recorder.isRecording {
            runtime.recorder.record(TraceEvent(seq: seq, thread: 0, op: .sleep, inTask: inTask, nonblocking: pt.nonblocking),
                                    thread: pt, sleepReason: token)
        }
        pt.leave()
    }

    /// Declares the calling thread non-blocking (an event loop, a UI thread):
    /// from now on every blocking wait on it (``mightBlock(_:)``,
    /// ``CheckedCondition/wait(_:)``, ``sleep(nanoseconds:)``, ``CheckedSemaphore/wait()``)
    /// is reported as `blocking-in-async-context`. Pass false to lift it.
    /// - Complexity: O(1).
    public static func setThreadNonBlocking(_ nonblocking: Bool = true) {
        guard let pt = PerThread.enter() else { return }
        pt.nonblocking = nonblocking
        pt.leave()
    }
}
