import CInstrumented
import LockGraph
import LockTrace

extension LockCheck {
    /// Runs one lock-less event through the engine and the recorder: the
    /// re-entry guard, a `seq`, the engine call, the trace line. In a signal
    /// handler's hardirq scope the event is queued, or counted as dropped
    /// when it is of a kind the ring does not replay (``HandlerEvents``).
    @inline(__always)
    static func emit(_ op: TraceOp, threaded: Bool = false, rcu: RCUFlavor = .plain, sleepReason: String? = nil,
                     _ validate: (Validator, ThreadState, EventSite, PerThread) -> Bool) {
        guard let pt = PerThread.enter(queue: { HandlerEvents.pushContext(op, rcu: rcu) }) else { return }
        let seq = lc_next_seq()
        let runtime = pt.runtime
        if validate(runtime.validator, pt.state, pt.site(seq), pt), runtime.recorder.isRecording {
            runtime.recorder.record(TraceEvent(seq: seq, thread: 0, op: op, threaded: threaded, rcuFlavor: rcu),
                                    thread: pt, sleepReason: sleepReason)
        }
        pt.leave()
    }
}
