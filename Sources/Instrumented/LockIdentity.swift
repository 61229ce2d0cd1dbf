import CInstrumented
import LockGraph
import LockTrace

/// What an instrumented lock is to the validator (opaque to applications): its ``LockInstance`` (class
/// and kind) and its trace id. Nil in a lock created while validation is off,
/// which then runs as a plain lock.
public final class LockIdentity: @unchecked Sendable {
    @usableFromInline let instance: LockInstance
    let classID: LockClassID
    /// The lock's `<lid>` in traces (also the instance id in reports).
    var traceID: UInt64 { instance.id }
    /// The recording session the lock is declared in (atomic; 0: none).
    let declaredSession: UnsafeMutablePointer<Int64>
    /// The end of the lock's trace lines (`<lid>` and a newline), built once.
    let traceLine: TraceWriter.LockLineID

    /// The identity of a new lock of `kind`, in the class `name`, or, without
    /// a name, the class of its creation site (``CreationSiteRule``): its
    /// initialisation site (`fileID:line`), or behind a wrapper the place
    /// that creates the wrapper.
    /// - Returns: nil when validation is off.
    /// - Complexity: One class-table lookup (a lock and a hash probe);
    ///   without a name, also a short stack capture (see
    ///   ``CreationSites/className(fileID:line:)``).
    static func make(kind: LockKind, name: String?, fileID: StaticString, line: UInt) -> LockIdentity? {
        guard let runtime = Runtime.shared else { return nil }
        let className = name ?? runtime.creationSites?.className(fileID: fileID, line: line) ?? "\(fileID):\(line)"
        let cls = runtime.validator.lockClass(kind: kind, name: className)
        return LockIdentity(instance: runtime.validator.makeLock(cls, id: runtime.nextID()), classID: cls)
    }

    private init(instance: LockInstance, classID: LockClassID) {
        self.instance = instance
        self.classID = classID
        traceLine = TraceWriter.LockLineID(instance.id)
        declaredSession = .allocate(capacity: 1)
        declaredSession.initialize(to: 0)
    }

    deinit { declaredSession.deallocate() }

    /// Validates an acquisition: call before blocking on the real lock, or
    /// after a successful trylock with `isTry`.
    /// - Complexity: A validated chain: TLS, the engine's chain-cache probe,
    ///   no reference counting; plus one buffered line when recording.
    ///
    /// A blocking acquisition with subclass 0 and no nest lock that the
    /// thread's memo holds takes the short way (see ``acquireMarked()``).
    @usableFromInline
    func acquire(_ mode: AcquireMode, isTry: Bool, subclass: UInt32, nest: LockIdentity?) {
        acquire(mode, isTry: isTry, subclass: subclass, nest: nest, countsHolder: true)
    }

    /// ``acquire(_:isTry:subclass:nest:)`` on a lock whose holder mark the
    /// caller sets once it holds the lock (see ``LockInstance/exclusiveHolderMark``):
    /// the engine adds no holder count, before blocking or after.
    @usableFromInline
    func acquireUncounted(_ mode: AcquireMode, isTry: Bool, subclass: UInt32, nest: LockIdentity?) {
        acquire(mode, isTry: isTry, subclass: subclass, nest: nest, countsHolder: false)
    }

    @inline(__always)
    private func acquire(_ mode: AcquireMode, isTry: Bool, subclass: UInt32, nest: LockIdentity?, countsHolder: Bool) {
        if !isTry && subclass == 0 && nest == nil
            && acquireShort(mode, countsHolder: countsHolder) {
            return
        }
        event({ $0.acquire(instance, mode: mode, isTry: isTry, subclass: subclass, nestLock: nest?.instance,
                           countsHolder: countsHolder, thread: $1, site: $2) },
              record: { recordAcquire($0, seq: $1, task: $2, mode: mode, isTry: isTry, subclass: subclass, nest: nest) },
              queue: { HandlerEvents.pushLock(.acquire, self, mode: mode,
                                              flags: (isTry ? HandlerEvents.isTry : 0) | (countsHolder ? HandlerEvents.countsHolder : 0),
                                              subclass: subclass, nest: nest) })
    }

    /// ``acquire(_:isTry:subclass:nest:)`` of the usual kind: exclusive,
    /// blocking, subclass 0, no nest lock (the engine's fastest path), on a
    /// lock that marks its one holder itself with `instance.setExclusiveHolder`
    /// inside the critical section.
    ///
    /// An acquisition the thread's memo holds, while no trace is recorded,
    /// is done here with no further call (see ``PerThread/withFastEvent(_:)``);
    /// while one is recorded, with one call (``acquireRecorded(in:_:countsHolder:)``).
    @usableFromInline
    func acquireMarked() {
        if !acquireShort(.exclusive, countsHolder: false) { acquireMarkedFully() }
    }

    /// ``acquireMarked()`` past its short way (the preload library calls it
    /// when it tried the short way itself): while a trace is recorded, the
    /// recorded short way first (the preload's C short way leaves it to
    /// this call; after a Checked lock's recorded miss it misses again).
    @inline(never)
    func acquireMarkedFully() {
        // While a trace is recorded, the recorded short way. (A thread that runs tasks had its task's short way
        // inside the short way's gate, in acquireShort(of:mode:countsHolder:), which every caller tries first.)
        if acquireShortIfRecorded(.exclusive, countsHolder: false) {
            return
        }
        event({ $0.acquireExclusive(instance, countsHolder: false, thread: $1, site: $2) },
              record: { recordAcquire($0, seq: $1, task: $2, mode: .exclusive, isTry: false, subclass: 0, nest: nil) },
              queue: { HandlerEvents.pushLock(.acquire, self, mode: .exclusive, flags: 0, subclass: 0, nest: nil) })
    }

    /// Records a release: call after unlocking. The innermost lock's
    /// release takes the short way (see ``releaseMarked()``).
    @usableFromInline
    func release() {
        if !releaseShort(countsHolder: true) { release(countsHolder: true) }
    }

    /// ``release()`` of a lock that marks its holder itself (see ``acquireMarked()``).
    ///
    /// The release of the innermost lock, while no trace is recorded, is done
    /// here with no further call; while one is recorded, with one
    /// (``releaseRecorded(in:countsHolder:)``).
    @usableFromInline
    func releaseMarked() {
        if !releaseShort(countsHolder: false) { releaseFully() }
    }

    /// ``releaseMarked()`` past its short way: while a trace is recorded,
    /// the recorded short way first.
    @inline(never)
    func releaseFully() {
        if !releaseShortIfRecorded(countsHolder: false) { release(countsHolder: false) }
    }

    /// The short way of an acquisition (``PerThread/withFastEvent(_:whileRecording:)``):
    /// a memo hit, pushed; while a trace is recorded, the recorded short way
    /// (``acquireRecorded(in:_:countsHolder:)``, out of the hit's way).
    /// Returns false when the event must go the long way.
    @inline(__always)
    private func acquireShort(_ mode: AcquireMode, countsHolder: Bool) -> Bool {
        LockIdentity.acquireShort(of: instance, mode: mode, countsHolder: countsHolder,
                                  whileRecording: {
                                      mode == .exclusive && !countsHolder
                                          ? acquireMarkedRecorded(in: $0) : acquireRecorded(in: $0, mode, countsHolder: countsHolder)
                                  })
    }

    /// The short way of a release: the innermost lock, popped (while a
    /// trace is recorded, ``releaseRecorded(in:countsHolder:)``). Returns
    /// false when the event must go the long way (see ``acquireShort(_:countsHolder:)``).
    @inline(__always)
    private func releaseShort(countsHolder: Bool) -> Bool {
        LockIdentity.releaseShort(of: instance, countsHolder: countsHolder,
                                  whileRecording: {
                                      countsHolder ? releaseRecorded(in: $0, countsHolder: true) : releaseMarkedRecorded(in: $0)
                                  })
    }

    /// ``acquireShort(_:countsHolder:)`` on an engine instance: the one short
    /// way of every caller, the Checked locks and the preload library (which
    /// keeps the instance beside the lock and calls this with no identity).
    /// The defaults are ``acquireMarked()``'s acquisition; `recorded` runs
    /// instead while a trace is recorded (the default declines).
    ///
    /// One probe for every thread (``Validator/acquireIfMemoizedForTask(_:mode:countsHolder:task:thread:siteOnHit:)``):
    /// the runtime's current-task word, read with no branch
    /// (`lc_current_task_hint`), must be the thread's short-way task: 0 on a
    /// thread that never ran a task, the task of the last push on one that
    /// does. In a task that took the thread's last lock, the task's
    /// bookkeeping follows the push with no call. Otherwise, on a thread that
    /// runs tasks, the exact in-task probe runs out of line inside the same
    /// gate (``acquireMarkedShortInTask(of:in:)``, when another task, or code
    /// outside any task, made the last push), so a lock in a task passes the
    /// gate once.
    @inline(__always)
    static func acquireShort(of instance: LockInstance, mode: AcquireMode = .exclusive, countsHolder: Bool = false,
                             whileRecording recorded: (PerThread) -> Bool = { _ in false }) -> Bool {
        PerThread.withFastEvent({ pt in
            pt.validatorRef._withUnsafeGuaranteedRef { validator in
                pt.stateRef._withUnsafeGuaranteedRef { state in
                    if validator.acquireIfMemoizedForTask(instance, mode: mode, countsHolder: countsHolder,
                                                          task: UInt64(lc_current_task_hint()), thread: state,
                                                          siteOnHit: { pt.site(lc_next_thread_seq()) }) {
                        return true
                    }
                    guard _slowPath(state.runsTasks) else { return false }
                    // Another task than the last push's, or the hint not known: the exact probe.
                    return mode == .exclusive && !countsHolder
                        ? acquireMarkedShortInTask(of: instance, in: pt)
                        : acquireShortInTask(of: instance, mode: mode, countsHolder: countsHolder, in: pt)
                }
            }
        }, whileRecording: recorded)
    }

    /// The short way of an acquisition on a thread that runs Swift tasks when
    /// the one probe declined, inside ``acquireShort(of:mode:countsHolder:whileRecording:)``'s gate (`pt`'s guard
    /// raised): the running task from the Swift runtime, then the memo,
    /// which serves only the task that owns the held locks (see
    /// ``Validator/acquireIfMemoizedInTask(_:mode:countsHolder:task:thread:siteOnHit:)``,
    /// inlined here). Out of line, so the plain thread's short way keeps its size.
    /// - Complexity: The current task (see `lc_current_task`) and a memo probe.
    @inline(never)
    static func acquireShortInTask(of instance: LockInstance, mode: AcquireMode, countsHolder: Bool,
                                   in pt: PerThread) -> Bool {
        probeInTask(instance, mode: mode, countsHolder: countsHolder, in: pt)
    }

    /// ``acquireShortInTask(of:mode:countsHolder:in:)`` of
    /// ``acquireMarked()``'s acquisition (exclusive, no holder count), specialised.
    @inline(never)
    static func acquireMarkedShortInTask(of instance: LockInstance, in pt: PerThread) -> Bool {
        probeInTask(instance, mode: .exclusive, countsHolder: false, in: pt)
    }

    /// The one body of both in-task probes, inlined into each so that each
    /// is specialised for its acquisition.
    @inline(__always)
    private static func probeInTask(_ instance: LockInstance, mode: AcquireMode, countsHolder: Bool,
                                    in pt: PerThread) -> Bool {
        let site = pt.site(lc_next_thread_seq())
        return pt.validatorRef._withUnsafeGuaranteedRef { validator in
            pt.stateRef._withUnsafeGuaranteedRef { state in
                validator.acquireIfMemoizedInTask(instance, mode: mode, countsHolder: countsHolder,
                                                  task: UInt64(lc_current_task()), thread: state, siteOnHit: { site })
            }
        }
    }

    /// ``releaseShort(countsHolder:)`` on an engine instance (see
    /// ``acquireShort(of:mode:countsHolder:whileRecording:)``); the default is ``releaseMarked()``'s.
    @inline(__always)
    static func releaseShort(of instance: LockInstance, countsHolder: Bool = false,
                             whileRecording recorded: (PerThread) -> Bool = { _ in false }) -> Bool {
        PerThread.withFastEvent({ pt in
            pt.validatorRef._withUnsafeGuaranteedRef { validator in
                pt.stateRef._withUnsafeGuaranteedRef {
                    validator.releaseIfInnermost(instance, countsHolder: countsHolder, thread: $0)
                }
            }
        }, whileRecording: recorded)
    }

    @inline(__always)
    private func release(countsHolder: Bool) {
        event({ $0.release(instance, countsHolder: countsHolder, thread: $1, site: $2) },
              record: { recordRelease($0, seq: $1, task: $2) },
              queue: { HandlerEvents.pushLock(.release, self, mode: .exclusive,
                                              flags: countsHolder ? HandlerEvents.countsHolder : 0, subclass: 0, nest: nil) })
    }

    /// One lock event of the calling thread: the re-entry guard, a `seq`,
    /// the Swift task the thread runs (the memo's short way asks only on a
    /// thread that runs tasks), the engine call, then the trace line when recording.
    /// In a signal handler's hardirq scope, `queue` queues it instead (``HandlerEvents``).
    @inline(__always)
    private func event(_ validate: (Validator, ThreadState, EventSite) -> Void,
                       record: (PerThread, UInt64, UInt64) -> Void, queue: () -> Void) {
        PerThread.withEvent(queue: queue) { pt in
            LockIdentity.run(validate, record: record, in: pt)
        }
    }

    /// The body of a lock event, inside the event `pt` is in.
    @inline(__always)
    private static func run(_ validate: (Validator, ThreadState, EventSite) -> Void,
                            record: (PerThread, UInt64, UInt64) -> Void, in pt: PerThread) {
        let seq = lc_next_seq()
        let task = UInt64(lc_current_task())
        pt.validatorRef._withUnsafeGuaranteedRef { validator in
            pt.stateRef._withUnsafeGuaranteedRef { state in
                if validator.setTask(task, thread: state) {
                    // The C short way (`lockcheck run`) reads no task: the Swift short way serves this thread now.
                    lc_short_thread_clear()
                }
                pt.eventFrame = UInt(lc_caller_frame())  // acquisition stacks start at this frame
                validate(validator, state, pt.site(seq))
                pt.eventFrame = 0
            }
        }
        if pt.recorder.isRecording { record(pt, seq, task) }
    }

    /// A signal handler's queued acquisition of this lock, validated now,
    /// inside the event `pt` is in: what the long way of ``acquire(_:isTry:subclass:nest:)``
    /// (`countsHolder`) or ``acquireMarked()`` would have done in the handler.
    func replayAcquire(mode: AcquireMode, isTry: Bool, countsHolder: Bool, subclass: UInt32, nest: LockIdentity?,
                       in pt: PerThread) {
        if countsHolder || isTry || subclass != 0 || nest != nil {
            LockIdentity.run({ $0.acquire(instance, mode: mode, isTry: isTry, subclass: subclass, nestLock: nest?.instance,
                                          countsHolder: countsHolder, thread: $1, site: $2) },
                             record: { recordAcquire($0, seq: $1, task: $2, mode: mode, isTry: isTry, subclass: subclass, nest: nest) },
                             in: pt)
        } else {
            LockIdentity.run({ $0.acquireExclusive(instance, countsHolder: false, thread: $1, site: $2) },
                             record: { recordAcquire($0, seq: $1, task: $2, mode: .exclusive, isTry: false, subclass: 0, nest: nil) },
                             in: pt)
        }
    }

    /// A signal handler's queued release of this lock, validated now (see
    /// ``replayAcquire(mode:isTry:countsHolder:subclass:nest:in:)``).
    func replayRelease(countsHolder: Bool, in pt: PerThread) {
        LockIdentity.run({ $0.release(instance, countsHolder: countsHolder, thread: $1, site: $2) },
                         record: { recordRelease($0, seq: $1, task: $2) }, in: pt)
    }

    @inline(never)
    private func recordRelease(_ pt: PerThread, seq: UInt64, task: UInt64) {
        TraceRecorder.recordLock(.release, seq: seq, thread: pt, lock: self, mode: .exclusive, task: task)
    }

    @inline(never)
    private func recordAcquire(_ pt: PerThread, seq: UInt64, task: UInt64, mode: AcquireMode, isTry: Bool,
                               subclass: UInt32, nest: LockIdentity?) {
        if !isTry && subclass == 0 && nest == nil {
            TraceRecorder.recordLock(.acquire, seq: seq, thread: pt, lock: self, mode: mode, task: task)
            return
        }
        pt.recorder.record(
            TraceEvent(seq: seq, thread: 0, op: .acquire, id: traceID, nest: nest?.traceID, subclass: subclass,
                       mode: mode, isTry: isTry, task: task),
            thread: pt, lock: self, nest: nest)
    }

    /// `lock-free`: the lock's memory ends (deinit). Reports `held-lock-freed`
    /// when some thread holds it; the instance then stays alive so held
    /// stacks never see its identity reused.
    func free() {
        if let pt = PerThread.enter() {
            let seq = lc_next_seq()
            let runtime = pt.runtime
            runtime.validator.lockFree(instance, thread: pt.state, site: pt.site(seq))
            if runtime.recorder.isRecording {
                runtime.recorder.record(TraceEvent(seq: seq, thread: 0, op: .lockFree, id: traceID), thread: pt, lock: self)
            }
            pt.leave()
        }
        if instance.isHeld { _ = Unmanaged.passRetained(instance) }
        // A signal handler's queued event may name this lock: keep it for the replay.
        if HandlerEvents.anyQueued { _ = Unmanaged.passRetained(self) }
    }
}
