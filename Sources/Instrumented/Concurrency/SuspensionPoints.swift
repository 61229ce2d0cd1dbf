import CInstrumented
import LockGraph
import LockTrace

/// Case (c) of `lock-held-across-suspension` (Rules/LockHeldAcrossSuspension.swift
/// in LockGraph): the running task reaches an await where the runtime may
/// suspend it while it holds a lock it took on this thread. The C half
/// interposes the runtime's executor hop, continuation await and `async let`
/// awaits (`swift_task_switch`, `swift_continuation_await`,
/// `swift_asyncLet_get*`, `_consume*`, `_finish`; task_hooks.c) and calls this
/// hook before each, with its kind.
enum SuspensionPoints {
    /// Whether the hook validates: tests turn it off to see cases (a) and
    /// (b), which report the same locks later, where (c) cannot see them.
    nonisolated(unsafe) static var isOn = true

    /// Installs the hook into the C half (called once the runtime exists).
    static func install() {
        lc_set_suspension_hook { SuspensionPoints.reached(kind: $0) }
    }

    /// The await of `kind` (`LC_SUSPENSION_*`), or nil for a kind this side does not know.
    static func suspensionKind(_ kind: Int32) -> SuspensionKind? {
        switch kind {
        case Int32(LC_SUSPENSION_HOP): return .hop
        case Int32(LC_SUSPENSION_CONTINUATION): return .continuation
        case Int32(LC_SUSPENSION_ASYNC_LET): return .asyncLet
        case Int32(LC_SUSPENSION_ASYNC_LET_END): return .asyncLetEnd
        default: return nil
        }
    }

    /// One suspension point of the calling thread's task.
    ///
    /// While a trace is recorded it is written (an `await` line, revision
    /// 1.3) only when the engine is called, i.e. when the thread holds a
    /// lock: without one the engine's call does nothing, so the offline
    /// verdict, which replays the line through the same call, is the same.
    /// - Complexity: On a thread that runs no task or holds no lock: a TLS
    ///   load and two tests; otherwise a lock event's entry and one scan of
    ///   the held stack (and, recording, one trace line).
    private static func reached(kind: Int32) {
        guard isOn, let raw = lc_thread_get() else { return }
        let holds = Unmanaged<PerThread>.fromOpaque(raw)._withUnsafeGuaranteedRef { pt in
            pt.stateRef._withUnsafeGuaranteedRef { $0.runsTasks && $0.holdsLocks }
        }
        guard holds else { return }
        let suspension = suspensionKind(kind)
        // No stack for the await itself: the async function tail-called the
        // runtime, so the thread's stack holds the executor's frames, not its
        // own; the report names where the lock was taken instead.
        PerThread.withEvent { pt in
            let task = UInt64(lc_current_task())
            let seq = lc_next_seq()
            pt.validatorRef._withUnsafeGuaranteedRef { validator in
                pt.stateRef._withUnsafeGuaranteedRef { state in
                    validator.reachedSuspensionPoint(task: task, thread: state,
                                                     site: EventSite(seq: seq, source: PerThread.live, stack: .none),
                                                     awaiting: suspension?.awaitName ?? SuspensionKind.unknownAwaitName)
                }
            }
            let recorder = pt.runtime.recorder
            if task != 0 && recorder.isRecording {
                recorder.record(TraceEvent(seq: seq, thread: 0, op: .await, task: task, suspension: suspension), thread: pt)
            }
        }
    }
}
