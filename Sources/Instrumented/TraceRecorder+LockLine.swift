import CInstrumented
import LockGraph
import LockTrace

extension TraceRecorder {
    /// ``record(_:thread:lock:nest:pool:queue:sleepReason:)`` of a lock's
    /// `acquire` (blocking, subclass 0, no nest lock) or `release` (`op` is
    /// one of the two), the commonest events, by the recorder of `pt`: once
    /// the thread and lock are declared and no stack was captured, the line
    /// is written straight into the thread's ring.
    ///
    /// Outside a task (`task` 0) the line is made of prebuilt bytes: the
    /// thread's head `<seq> <tid> ` with only the last four digits of `seq`
    /// changed (``TraceWriter/LockLineHead``), `acquire `/`release `, and the
    /// lock's `<lid>` and newline, built with the lock
    /// (``TraceWriter/LockLineID``). In a task, the line ends with the
    /// thread's ` task=<n>` kept built for its last task
    /// (``TraceWriter/LockLineTask``). While no head serves `seq` (the
    /// first 10,000 of the process) it is formatted from its fields
    /// (``TraceWriter/putLockLine(at:seq:thread:op:id:mode:task:)``): the
    /// same bytes.
    ///
    /// Static, and reading the session through the thread's copy of its
    /// pointer, so the recorded short way reaches the ring with no call and
    /// no reference to the recorder; the recorder itself is called only to
    /// declare, to write around a full ring, and every 4,096 events.
    /// - Parameter memoHit: The event is a memo hit or an innermost pop
    ///   (the recorded short way), which captures no stack: the thread's
    ///   captured stack, nil between events, is not looked at.
    /// - Complexity: A few loads, four digits, three fixed-size copies and
    ///   one release store; every 4,096 events of the process, a wake-up of
    ///   the writer thread.
    @inline(__always)
    static func recordLock(_ op: TraceOp, seq: UInt64, thread pt: PerThread, lock l: LockIdentity, mode: AcquireMode,
                           task: UInt64, memoHit: Bool = false) {
        let session = lc_load_relaxed_i64(pt.traceSessionWord)
        guard session != 0 else { return }
        guard pt.traceSession == session, memoHit || pt.capturedStack == nil,
              lc_load_relaxed_i64(l.declaredSession) == session,
              appendLockLine(op, seq: seq, thread: pt, lock: l, mode: mode, task: task)
        else {
            pt.recorderRef._withUnsafeGuaranteedRef {
                $0.recordLockSlow(op, seq: seq, thread: pt, lock: l, mode: mode, task: task, session: session)
            }
            return
        }
        if seq & (drainInterval &- 1) == 0 { pt.recorderRef._withUnsafeGuaranteedRef { $0.kick(seq: seq) } }
    }

    /// The line of ``recordLock(_:seq:thread:lock:mode:task:)`` appended to
    /// the thread's ring; false, with nothing appended, when the ring is full.
    @inline(__always)
    private static func appendLockLine(_ op: TraceOp, seq: UInt64, thread pt: PerThread, lock l: LockIdentity,
                                       mode: AcquireMode, task: UInt64) -> Bool {
        let ring = pt.traceRing.unsafelyUnwrapped
        if pt.traceLineHead.serves(seq: seq, thread: pt.traceTID) {
            if task == 0 {
                return ring.appendLine(maxLength: TraceWriter.prebuiltLockLineCapacity) {
                    TraceWriter.putLockLine(at: $0, seq: seq, head: pt.traceLineHead, op: op, id: l.traceLine, mode: mode)
                }
            }
            pt.traceLineTask.serve(task)
            return ring.appendLine(maxLength: TraceWriter.lockLineCapacity) {
                TraceWriter.putLockLine(at: $0, seq: seq, head: pt.traceLineHead, op: op, id: l.traceLine, mode: mode,
                                        task: pt.traceLineTask)
            }
        }
        let thread = pt.traceTID, id = l.traceID
        return ring.appendLine(maxLength: TraceWriter.lockLineCapacity) {
            TraceWriter.putLockLine(at: $0, seq: seq, thread: thread, op: op, id: id, mode: mode, task: task)
        }
    }
}
