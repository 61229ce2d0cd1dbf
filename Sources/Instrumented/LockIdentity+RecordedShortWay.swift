import CInstrumented
import LockGraph

/// The memo's short way while a trace is recorded.
///
/// ``PerThread/withFastEvent(_:)`` refuses while `seq` is process-wide (a
/// trace is recorded), so a recorded event used to take the long way, with
/// every check the memo exists to skip. Here a memo hit (or the pop of the
/// innermost lock) is validated as the short way validates it, and its line
/// is appended to the thread's ring as the long way appends it
/// (``TraceRecorder/recordLock(_:seq:thread:lock:mode:task:)``: the same
/// shared `seq`, the same fields, the same bytes).
///
/// The events this way serves are exactly those whose long way would write
/// the short `acquire`/`release` line: blocking, subclass 0, no nest lock,
/// no stack (a memo hit adds no dependency, so captures none), and no Swift
/// task (a line in a task carries ` task=<n>` and the long way marks the
/// thread as running tasks; those go the long way).
///
/// The `seq` is taken only once the memo has answered, so a miss spends
/// none and the long way's lines number exactly as before.
extension LockIdentity {
    /// ``acquireShortRecorded(_:countsHolder:)`` when a trace is recorded;
    /// false otherwise (one relaxed load).
    @inline(__always)
    func acquireShortIfRecorded(_ mode: AcquireMode, countsHolder: Bool) -> Bool {
        lc_seq_is_shared() && acquireShortRecorded(mode, countsHolder: countsHolder)
    }

    /// ``releaseShortRecorded(countsHolder:)`` when a trace is recorded; false otherwise.
    @inline(__always)
    func releaseShortIfRecorded(countsHolder: Bool) -> Bool {
        lc_seq_is_shared() && releaseShortRecorded(countsHolder: countsHolder)
    }

    /// The short way of an acquisition while a trace is recorded: a memo
    /// hit, pushed and recorded. Returns false, having done nothing, when
    /// the event must go the long way.
    /// - Complexity: One TLS load, the current task, one memo probe, one
    ///   relaxed atomic increment (`seq`) and one line appended to the
    ///   thread's ring.
    @inline(never)
    func acquireShortRecorded(_ mode: AcquireMode, countsHolder: Bool) -> Bool {
        guard let raw = PerThread.recordedShortWayState() else { return false }
        return Unmanaged<PerThread>.fromOpaque(raw)._withUnsafeGuaranteedRef { pt in
            lc_guard_set_busy(true)
            let hit = pt.validatorRef._withUnsafeGuaranteedRef { validator in
                pt.stateRef._withUnsafeGuaranteedRef { state in
                    var seq: UInt64 = 0
                    let hit = validator.acquireIfMemoized(instance, mode: mode, countsHolder: countsHolder, thread: state,
                                                          siteOnHit: {
                                                              seq = lc_next_seq()
                                                              return pt.site(seq)
                                                          })
                        // A thread that ran tasks, outside any task now (the gate): its memo serves task 0.
                        || state.runsTasks
                        && validator.acquireIfMemoizedInTask(instance, mode: mode, countsHolder: countsHolder, task: 0,
                                                             thread: state, siteOnHit: {
                                                                 seq = lc_next_seq()
                                                                 return pt.site(seq)
                                                             })
                    if hit {
                        pt.recordedShortEvents &+= 1
                        pt.recorderRef._withUnsafeGuaranteedRef {
                            $0.recordLock(.acquire, seq: seq, thread: pt, lock: self, mode: mode, task: 0)
                        }
                    }
                    return hit
                }
            }
            pt.leave()
            return hit
        }
    }

    /// The short way of a release while a trace is recorded: the innermost
    /// lock, popped and recorded. Returns false, having done nothing, when
    /// the release must go the long way.
    /// - Complexity: As ``acquireShortRecorded(_:countsHolder:)``, with a
    ///   held-stack comparison for the memo probe.
    @inline(never)
    func releaseShortRecorded(countsHolder: Bool) -> Bool {
        guard let raw = PerThread.recordedShortWayState() else { return false }
        return Unmanaged<PerThread>.fromOpaque(raw)._withUnsafeGuaranteedRef { pt in
            lc_guard_set_busy(true)
            let popped = pt.validatorRef._withUnsafeGuaranteedRef { validator in
                pt.stateRef._withUnsafeGuaranteedRef {
                    validator.releaseIfInnermost(instance, countsHolder: countsHolder, thread: $0)
                }
            }
            if popped {
                pt.recordedShortEvents &+= 1
                // A pop needs no site: the `seq` is taken for the line alone.
                let seq = lc_next_seq()
                pt.recorderRef._withUnsafeGuaranteedRef {
                    $0.recordLock(.release, seq: seq, thread: pt, lock: self, mode: .exclusive, task: 0)
                }
            }
            pt.leave()
            return popped
        }
    }
}

extension PerThread {
    /// Whether the recorded short way is taken: tests turn it off to
    /// record the same events the long way and compare the bytes.
    nonisolated(unsafe) static var recordedShortWayIsOn = true

    /// The gate of the recorded short way: the calling thread has its
    /// state, its guard word is clear (as ``withFastEvent(_:)`` asks) and it
    /// runs no Swift task. Returns the thread's state, unretained (the
    /// caller raises the guard and lowers it with ``leave()``); nil: the long way.
    @inline(__always)
    static func recordedShortWayState() -> UnsafeMutableRawPointer? {
        guard recordedShortWayIsOn, let raw = lc_thread_get(), lc_guard_is_clear(), lc_current_task() == 0 else {
            return nil
        }
        return raw
    }
}
