import CInstrumented
import LockGraph

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

    /// How a report names the await of `kind` (`LC_SUSPENSION_*`).
    static func awaitName(_ kind: Int32) -> String {
        switch kind {
        case Int32(LC_SUSPENSION_HOP): return "an actor hop"
        case Int32(LC_SUSPENSION_CONTINUATION): return "a continuation's await"
        case Int32(LC_SUSPENSION_ASYNC_LET): return "an async let's await"
        case Int32(LC_SUSPENSION_ASYNC_LET_END): return "the end of an async let's scope"
        default: return "an await"
        }
    }

    /// One suspension point of the calling thread's task.
    /// - Complexity: On a thread that runs no task or holds no lock: a TLS
    ///   load and two tests; otherwise a lock event's entry and one scan of
    ///   the held stack.
    private static func reached(kind: Int32) {
        guard isOn, let raw = lc_thread_get() else { return }
        let holds = Unmanaged<PerThread>.fromOpaque(raw)._withUnsafeGuaranteedRef { pt in
            pt.stateRef._withUnsafeGuaranteedRef { $0.runsTasks && $0.holdsLocks }
        }
        guard holds else { return }
        // No stack for the await itself: the async function tail-called the
        // runtime, so the thread's stack holds the executor's frames, not its
        // own; the report names where the lock was taken instead.
        PerThread.withEvent { pt in
            pt.validatorRef._withUnsafeGuaranteedRef { validator in
                pt.stateRef._withUnsafeGuaranteedRef { state in
                    validator.reachedSuspensionPoint(task: UInt64(lc_current_task()), thread: state,
                                                     site: EventSite(seq: lc_next_seq(), source: PerThread.live, stack: .none),
                                                     awaiting: awaitName(kind))
                }
            }
        }
    }
}
