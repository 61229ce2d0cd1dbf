import CInstrumented
import LockGraph

/// The memo's short way while a trace is recorded.
///
/// The short way's gate (``PerThread/withFastEvent(_:whileRecording:)``)
/// tests, as it always did, the thread's state, its guard word and whether
/// `seq` is process-wide (a trace is recorded); a recorded event is the one
/// branch it takes out of line, to ``acquireRecorded(in:_:countsHolder:)``
/// or ``releaseRecorded(in:countsHolder:)``. There a memo hit (or the pop of
/// the innermost lock) is validated as the short way validates it, and its
/// line is appended to the thread's ring as the long way appends it
/// (``TraceRecorder/recordLock(_:seq:thread:lock:mode:task:)``: the same
/// shared `seq`, the same fields, the same bytes).
///
/// The events this way serves are exactly those whose long way would write
/// the short `acquire`/`release` line (with ` task=<n>` in a Swift task):
/// blocking, subclass 0, no nest lock, no stack (a memo hit adds no
/// dependency, so captures none). In a task, only on a thread that already
/// runs tasks, where the memo serves the task that owns the held locks
/// (issue 14's in-task probe); a thread's first task goes the long way,
/// which makes it a thread that runs tasks.
///
/// The `seq` is taken only once the memo has answered, so a miss spends
/// none and the long way's lines number exactly as before. A miss returns
/// false and the caller takes the long way's entry, which tries this way
/// once more (``acquireShortIfRecorded(_:countsHolder:)``: the preload
/// library's long entry comes here too) before the long way itself.
extension LockIdentity {
    /// ``acquireRecorded(in:_:countsHolder:)`` when a trace is recorded and
    /// the gate lets the calling thread in; false otherwise (one relaxed load).
    @inline(__always)
    func acquireShortIfRecorded(_ mode: AcquireMode, countsHolder: Bool) -> Bool {
        lc_seq_is_shared() && acquireShortRecorded(mode, countsHolder: countsHolder)
    }

    /// ``releaseRecorded(in:countsHolder:)`` when a trace is recorded; false otherwise.
    @inline(__always)
    func releaseShortIfRecorded(countsHolder: Bool) -> Bool {
        lc_seq_is_shared() && releaseShortRecorded(countsHolder: countsHolder)
    }

    /// The gate of ``PerThread/withFastEvent(_:whileRecording:)`` (the
    /// thread's state, its guard word clear), then ``acquireRecorded(in:_:countsHolder:)``.
    @inline(never)
    func acquireShortRecorded(_ mode: AcquireMode, countsHolder: Bool) -> Bool {
        guard let raw = lc_thread_get(), lc_guard_is_clear() else { return false }
        return Unmanaged<PerThread>.fromOpaque(raw)._withUnsafeGuaranteedRef {
            acquireRecorded(in: $0, mode, countsHolder: countsHolder)
        }
    }

    /// The gate, then ``releaseRecorded(in:countsHolder:)``.
    @inline(never)
    func releaseShortRecorded(countsHolder: Bool) -> Bool {
        guard let raw = lc_thread_get(), lc_guard_is_clear() else { return false }
        return Unmanaged<PerThread>.fromOpaque(raw)._withUnsafeGuaranteedRef {
            releaseRecorded(in: $0, countsHolder: countsHolder)
        }
    }

    /// The short way of an acquisition while a trace is recorded, on `pt`,
    /// the calling thread, whose guard word is clear: a memo hit outside
    /// any Swift task, pushed and recorded. Returns false, having done
    /// nothing, when the event must go the long way.
    /// - Complexity: The current task, one memo probe, one relaxed atomic
    ///   increment (`seq`) and one line appended to the thread's ring.
    @inline(never)
    func acquireRecorded(in pt: PerThread, _ mode: AcquireMode, countsHolder: Bool) -> Bool {
        acquireRecordedInline(in: pt, mode, countsHolder: countsHolder)
    }

    /// ``acquireRecorded(in:_:countsHolder:)`` of ``acquireMarked()``'s
    /// acquisition (exclusive, no holder count), specialised.
    @inline(never)
    func acquireMarkedRecorded(in pt: PerThread) -> Bool {
        acquireRecordedInline(in: pt, .exclusive, countsHolder: false)
    }

    @inline(__always)
    private func acquireRecordedInline(in pt: PerThread, _ mode: AcquireMode, countsHolder: Bool) -> Bool {
        guard PerThread.recordedShortWayIsOn else { return false }
        let task = UInt64(lc_current_task())
        lc_guard_set_busy(true)
        var seq: UInt64 = 0
        let hit = pt.validatorRef._withUnsafeGuaranteedRef { validator in
            pt.stateRef._withUnsafeGuaranteedRef { state in
                task == 0
                    && validator.acquireIfMemoized(instance, mode: mode, countsHolder: countsHolder, thread: state,
                                                   siteOnHit: {
                                                       seq = lc_next_shared_seq()
                                                       return pt.site(seq)
                                                   })
                    // A thread that runs tasks (in one or not): the memo serves the task that owns the held locks.
                    // (A task on a thread that never ran one goes the long way, which makes it one.)
                    || _slowPath(state.runsTasks)
                    && acquireRecordedInTasks(in: pt, validator: validator, state: state, mode, countsHolder: countsHolder,
                                              task: task, seq: &seq)
            }
        }
        if hit {
            pt.recordedShortEvents &+= 1
            TraceRecorder.recordLock(.acquire, seq: seq, thread: pt, lock: self, mode: mode, task: task, memoHit: true)
        }
        pt.leave()
        return hit
    }

    /// The memo probe of ``acquireRecorded(in:_:countsHolder:)`` on a thread
    /// that runs tasks: the in-task probe for `task` (0: outside any task
    /// now), as the validated short way's task branch makes it; `seq` is
    /// taken on a hit. Out of line, off a plain thread's path.
    @inline(never)
    private func acquireRecordedInTasks(in pt: PerThread, validator: Validator, state: ThreadState,
                                        _ mode: AcquireMode, countsHolder: Bool, task: UInt64, seq: inout UInt64) -> Bool {
        validator.acquireIfMemoizedInTask(instance, mode: mode, countsHolder: countsHolder, task: task, thread: state,
                                          siteOnHit: {
                                              seq = lc_next_shared_seq()
                                              return pt.site(seq)
                                          })
    }

    /// The short way of a release while a trace is recorded (see
    /// ``acquireRecorded(in:_:countsHolder:)``): the innermost lock, popped
    /// and recorded. Returns false, having done nothing, when the release
    /// must go the long way.
    /// - Complexity: As ``acquireRecorded(in:_:countsHolder:)``, with a
    ///   held-stack comparison for the memo probe.
    @inline(never)
    func releaseRecorded(in pt: PerThread, countsHolder: Bool) -> Bool {
        releaseRecordedInline(in: pt, countsHolder: countsHolder)
    }

    /// ``releaseRecorded(in:countsHolder:)`` of ``releaseMarked()``'s
    /// release (no holder count), specialised.
    @inline(never)
    func releaseMarkedRecorded(in pt: PerThread) -> Bool {
        releaseRecordedInline(in: pt, countsHolder: false)
    }

    @inline(__always)
    private func releaseRecordedInline(in pt: PerThread, countsHolder: Bool) -> Bool {
        guard PerThread.recordedShortWayIsOn else { return false }
        let task = UInt64(lc_current_task())
        lc_guard_set_busy(true)
        let popped = pt.validatorRef._withUnsafeGuaranteedRef { validator in
            pt.stateRef._withUnsafeGuaranteedRef { state in
                // In a task, only on a thread the long way has made one that runs tasks (as for an acquisition).
                (task == 0 || state.runsTasks)
                    && validator.releaseIfInnermost(instance, countsHolder: countsHolder, thread: state)
            }
        }
        if popped {
            pt.recordedShortEvents &+= 1
            // A pop needs no site: the `seq` is taken for the line alone.
            let seq = lc_next_shared_seq()
            TraceRecorder.recordLock(.release, seq: seq, thread: pt, lock: self, mode: .exclusive, task: task,
                                     memoHit: true)
        }
        pt.leave()
        return popped
    }
}

extension PerThread {
    /// Whether the recorded short way is taken: tests turn it off to
    /// record the same events the long way and compare the bytes.
    nonisolated(unsafe) static var recordedShortWayIsOn = true

    /// ``withFastEvent(_:)`` whose one other outcome, a trace recorded
    /// (`seq` process-wide), runs `recorded` instead of refusing: the
    /// recorded short way, out of line, reached through the same tests (the
    /// thread's state, the guard word clear) and nothing more on the
    /// validated path. `recorded` gets the thread's state with the guard
    /// clear (it raises the guard itself) and returns whether it did the
    /// whole event.
    /// - Returns: What `body` or `recorded` returned; false when the thread
    ///   has no state or its guard word is raised.
    /// - Complexity: One TLS load, two flag tests, no reference counting.
    @inline(__always)
    static func withFastEvent(_ body: (PerThread) -> Bool, whileRecording recorded: (PerThread) -> Bool) -> Bool {
        guard let raw = lc_thread_get(), _fastPath(lc_guard_is_clear()) else { return false }
        return Unmanaged<PerThread>.fromOpaque(raw)._withUnsafeGuaranteedRef { pt in
            // Laid out off the validated path, which stays a straight line.
            if _slowPath(lc_seq_is_shared()) { return recorded(pt) }
            // The guard keeps a signal handler's events off a half-made push.
            lc_guard_set_busy(true)
            let done = body(pt)
            lc_guard_set_busy(false)
            return done
        }
    }
}
