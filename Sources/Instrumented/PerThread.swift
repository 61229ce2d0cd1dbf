#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph
import LockTrace

/// The runtime state of one OS thread: its engine ``ThreadState``, the
/// re-entry guard, its trace buffer and its `no-locks` allocation cache.
///
/// Reached through the C `__thread` slot (`lc_thread_get`, one TLS load);
/// created on the thread's first event; released by the pthread key
/// destructor, which reports `thread-exit`. Only its own thread touches it,
/// except its trace line ring, which the recorder drains (``TraceLineRing``).
///
/// The re-entry guard is the C `__thread` guard word
/// (`lockcheck_handler_events.h`): its `busy` byte is up while the runtime
/// handles an event of this thread (events raised meanwhile, by a violation
/// handler say, are not validated); its other bytes say that a signal
/// handler's events are queued or being queued (``HandlerEvents``). The lock
/// hot path tests the whole word at once.
final class PerThread {
    unowned(unsafe) let runtime: Runtime
    // The runtime's parts, unowned: the runtime is never destroyed, and
    // unowned(unsafe) loads cost no reference counting on the hot path.
    unowned(unsafe) let validator: Validator
    unowned(unsafe) let recorder: TraceRecorder
    let stackMode: StackRef
    /// The engine's state of this thread.
    let state: ThreadState
    /// `validator` and `state` as unmanaged references, for the lock hot
    /// path: `_withUnsafeGuaranteedRef` reads them with no retain/release.
    let validatorRef: Unmanaged<Validator>
    let stateRef: Unmanaged<ThreadState>
    /// `recorder` as an unmanaged reference, for recording a lock event.
    let recorderRef: Unmanaged<TraceRecorder>
    /// The recorder's session word (``TraceRecorder/sessionWord``), read by
    /// every recorded lock event with no reference to the recorder.
    let traceSessionWord: UnsafeMutablePointer<Int64>
    /// Work left for the end of the current event (``flushTrace``, ``trap``, ``clearStack``).
    @exclusivity(unchecked) var afterEvent: UInt8 = 0
    @exclusivity(unchecked) var trapRule = ""
    /// Interrupts disabled by a scope of ``LockCheck`` (irqs-off does not nest).
    @exclusivity(unchecked) var irqsDisabled = false
    /// Declared non-blocking (``LockCheck/setThreadNonBlocking(_:)``): blocking waits are reported.
    @exclusivity(unchecked) var nonblocking = false
    /// The stack the engine captured during the current event, for the trace.
    @exclusivity(unchecked) var capturedStack: [StackFrame]?
    /// While a signal handler's queued event is replayed: the stack captured
    /// in the handler, which the engine gets instead of the replay's own.
    @exclusivity(unchecked) var replayStack: [StackFrame]?
    /// During a lock event's engine call: the event's frame pointer, where
    /// an acquisition stack starts (the validator's frames are below it; 0: none).
    @exclusivity(unchecked) var eventFrame: UInt = 0

    // Trace recording (see TraceRecorder).
    /// The recording session this thread is declared in (0: none).
    @exclusivity(unchecked) var traceSession: Int64 = 0
    @exclusivity(unchecked) var traceTID: UInt64 = 0
    /// The prebuilt `<seq> <tid> ` of this thread's lock lines (``TraceRecorder/recordLock(_:seq:thread:lock:mode:task:)``).
    @exclusivity(unchecked) var traceLineHead = TraceWriter.LockLineHead()
    /// The prebuilt ` task=<n>` of this thread's lock lines in its last Swift task.
    @exclusivity(unchecked) var traceLineTask = TraceWriter.LockLineTask()
    /// Lock events the recorded short way served on this thread
    /// (``LockIdentity/acquireShortRecorded(_:countsHolder:)``), for tests.
    @exclusivity(unchecked) var recordedShortEvents: UInt64 = 0
    /// Event lines not yet taken by the recorder; made when the thread is
    /// first declared in a recording session, set under the recorder's lock.
    @exclusivity(unchecked) var traceRing: TraceLineRing?
    /// Where a line other than a plain acquire or release is built before
    /// it goes into the ring.
    @exclusivity(unchecked) var traceScratch = TraceWriter()

    /// Blocks for `no-locks` allocations.
    @exclusivity(unchecked) var noLocksCache = NoLocksCache()

    static let flushTrace: UInt8 = 1
    static let trap: UInt8 = 2
    static let clearStack: UInt8 = 4

    private init(runtime: Runtime, name: String?) {
        self.runtime = runtime
        validator = runtime.validator
        recorder = runtime.recorder
        stackMode = runtime.stackMode
        state = runtime.validator.makeThread(name: name ?? PerThread.currentThreadName(), id: UInt64(lc_gettid()))
        validatorRef = Unmanaged.passUnretained(runtime.validator)
        stateRef = Unmanaged.passUnretained(state)
        recorderRef = Unmanaged.passUnretained(runtime.recorder)
        traceSessionWord = runtime.recorder.sessionWord
    }

    deinit {
        traceRing?.deallocate()
    }

    // MARK: Entering and leaving an event

    /// The calling thread's state with the re-entry guard raised, or nil when
    /// validation is off or the runtime is already handling an event of this
    /// thread, or the thread runs a signal handler (then `queue` queues the
    /// event in the thread's ring, if it can be). Pair with ``leave()``.
    /// - Complexity: One TLS load and a flag test; the first call on a thread
    ///   creates its state.
    @inline(__always)
    static func enter(queue: () -> Void = {}) -> PerThread? {
        guard let raw = lc_thread_get() else { return enterSlow() }
        let pt = Unmanaged<PerThread>.fromOpaque(raw).takeUnretainedValue()
        guard lc_guard_is_clear() || pt.enterGuarded(queue: queue) else { return nil }
        lc_guard_set_busy(true)
        return pt
    }

    /// Runs `body` as one event of the calling thread, with the re-entry
    /// guard raised; does nothing when validation is off or the runtime is
    /// already handling an event of this thread; in a signal handler,
    /// `queue` queues the event instead.
    /// - Complexity: One TLS load, a flag test, no reference counting.
    @inline(__always)
    static func withEvent(queue: () -> Void = {}, _ body: (PerThread) -> Void) {
        if let raw = lc_thread_get() {
            Unmanaged<PerThread>.fromOpaque(raw)._withUnsafeGuaranteedRef { pt in
                guard lc_guard_is_clear() || pt.enterGuarded(queue: queue) else { return }
                lc_guard_set_busy(true)
                body(pt)
                pt.leave()
            }
        } else if let pt = enterSlow() {
            body(pt)
            pt.leave()
        }
    }

    /// Runs `body`, the short way of a lock event, with the re-entry guard
    /// raised, when the calling thread has its state, its guard word is
    /// clear (not inside an event, no signal handler's events queued or
    /// being queued) and no trace is recorded (a Checked lock's short way
    /// then branches to the recorded short way,
    /// ``withFastEvent(_:whileRecording:)``; other callers decline). `body`
    /// must not report, record or call out: it returns whether it did the
    /// whole event.
    /// - Returns: True when `body` did the event. False when the caller must
    ///   run the event the long way (``withEvent(queue:_:)``), which also
    ///   sorts out a raised guard.
    /// - Complexity: One TLS load, two flag tests, no reference counting.
    ///
    /// The preload library's C short way (`c_short_acquire` and
    /// `c_short_release` in Sources/CLockcheckPreload/interpose.c) takes the
    /// same gate — a thread with state, no trace recorded, the guard word
    /// clear — and the same shortcut (`lg_short_acquire`): a change to
    /// either (say, events the short way must record) must be made in both.
    /// (The C way serves only a thread that never ran a task, reading no
    /// task, as it always did: where the Swift short way sends a task on
    /// such a thread the long way, which makes it one that runs tasks, the C
    /// way still serves it until then, as both did before.) While a trace is
    /// recorded the C way stands aside, and the long way's entry
    /// (`LockIdentity.acquireMarkedFully`, which the preload calls too)
    /// tries the recorded short way first.
    @inline(__always)
    static func withFastEvent(_ body: (PerThread) -> Bool) -> Bool {
        // The three tests in one condition, as they always were: ``withFastEvent(_:whileRecording:)``
        // with a recording branch that declines costs a caller that ignores recording one instruction.
        guard let raw = lc_thread_get(), !lc_seq_is_shared(), lc_guard_is_clear() else { return false }
        return Unmanaged<PerThread>.fromOpaque(raw)._withUnsafeGuaranteedRef { pt in
            // The guard keeps a signal handler's events off a half-made push.
            lc_guard_set_busy(true)
            let done = body(pt)
            lc_guard_set_busy(false)
            return done
        }
    }

    /// The guard word is raised: inside an event (not validated), in a
    /// signal handler's scope (`queue`d), or with handler events waiting
    /// (validated first, then the event goes on). Returns whether it goes on.
    @inline(never)
    func enterGuarded(queue: () -> Void) -> Bool {
        if HandlerEvents.mustQueue {
            queue()
            return false
        }
        if lc_guard_busy() { return false }
        drainHandlerEvents()
        return true
    }

    /// Lowers the guard and does what the event left to do.
    @inline(__always)
    func leave() {
        lc_guard_set_busy(false)
        if afterEvent != 0 { afterEventSlow() }
    }

    /// The first event of a thread: creates its state, except inside a
    /// hardirq scope (a signal handler may have interrupted malloc, and
    /// creating the state allocates, and may start the runtime): that event
    /// is counted, not validated, and reported once the thread has state.
    @inline(never)
    private static func enterSlow() -> PerThread? {
        if lc_in_hardirq_scope() {
            lc_hardirq_note_unvalidated()
            return nil
        }
        guard let pt = create(name: nil) else { return nil }
        lc_guard_set_busy(true)
        return pt
    }

    /// Creates the calling thread's state (it must have none) under `name`
    /// (default: its pthread name).
    @discardableResult
    static func create(name: String?) -> PerThread? {
        guard let runtime = Runtime.shared else { return nil }
        let skipped = lc_hardirq_take_unvalidated()
        if skipped > 0 { Runtime.warnUnvalidatedInHandler(skipped) }
        let pt = PerThread(runtime: runtime, name: name)
        let raw = Unmanaged.passRetained(pt).toOpaque()
        lc_handler_ring_install()
        lc_thread_set(raw)
        pt.publishShortWay()
        pthread_setspecific(runtime.threadKey, raw)
        return pt
    }

    /// Gives a short way written in C (`lc_short_thread`, used by the preload
    /// library's interposers) this thread's engine fields, when their layout
    /// checks out; otherwise turns it off, and the interposers call the
    /// Swift short way.
    private func publishShortWay() {
        guard var engine = state.shortWayFields() else { return lc_short_thread_clear() }
        engine.site_stack = stackMode.rawValue
        lc_short_thread_set(engine)
    }

    /// The calling thread's state if it has one (no guard change).
    static func currentIfAny() -> PerThread? {
        lc_thread_get().map { Unmanaged<PerThread>.fromOpaque($0).takeUnretainedValue() }
    }

    @inline(never)
    private func afterEventSlow() {
        let work = afterEvent
        afterEvent = 0
        if work & PerThread.clearStack != 0 { capturedStack = nil }
        if work & PerThread.flushTrace != 0 { runtime.recorder.flushAll() }
        if work & PerThread.trap != 0 { runtime.trap(trapRule) }
    }

    /// A site for an event with this `seq`.
    @inline(__always)
    func site(_ seq: UInt64) -> EventSite { EventSite(seq: seq, source: PerThread.live, stack: stackMode) }

    /// `SourceID.live`, without its global accessor.
    static let live = SourceID(rawValue: 0)

    // MARK: Thread exit

    /// The pthread key destructor: `thread-exit`, then the state is released.
    static func threadDidExit(_ raw: UnsafeMutableRawPointer) {
        let pt = Unmanaged<PerThread>.fromOpaque(raw).takeRetainedValue()
        lc_short_thread_clear()
        lc_thread_set(raw)
        if !lc_guard_is_clear() && !lc_guard_busy() { pt.drainHandlerEvents() }
        pt.reportDroppedHandlerEvents(lc_handler_ring_remove())
        lc_guard_set_busy(true)
        let seq = lc_next_seq()
        pt.runtime.validator.threadExit(thread: pt.state, site: pt.site(seq))
        if pt.runtime.recorder.isRecording {
            pt.runtime.recorder.record(TraceEvent(seq: seq, thread: 0, op: .threadExit), thread: pt)
        }
        pt.runtime.recorder.unregister(pt)
        pt.noLocksCache.drain()
        lc_guard_set_busy(false)
        if pt.afterEvent != 0 { pt.afterEventSlow() }
        lc_thread_set(nil)
    }

    // MARK: Names

    /// "main", the pthread name, or "thread-<tid>" for an unnamed thread.
    private static func currentThreadName() -> String {
        let tid = lc_gettid()
        if tid == Int64(getpid()) { return "main" }
        var buf = [CChar](repeating: 0, count: 64)
        if lc_thread_name(&buf, buf.count) == 0 {
            let name = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            if !name.isEmpty && name != processName { return wholeName(name) }
        }
        return "thread-\(tid)"
    }

    /// `name` whole: Linux keeps 15 bytes of a thread's name, so a dispatch
    /// worker named after its queue reads `oot.default-qos`; when the
    /// current queue's label ends with the cut name, the label is the name.
    /// The current queue may not be the worker's root queue (a serial queue
    /// runs on a root queue's worker), so a name that is the tail of exactly
    /// one of libdispatch's root-queue labels is that label.
    private static func wholeName(_ name: String) -> String {
        guard name.utf8.count == 15 else { return name }
        if let label = lc_current_queue_label().map({ String(cString: $0) }),
           label.utf8.count > 15, label.hasSuffix(name) {
            return label
        }
        let roots = rootQueueLabels.filter { $0.hasSuffix(name) }
        return roots.count == 1 ? roots[0] : name
    }

    /// libdispatch's root queues, whose labels name their worker threads.
    private static let rootQueueLabels: [String] = ["maintenance", "background", "utility", "default",
                                                    "user-initiated", "user-interactive"].flatMap { qos in
        ["com.apple.root.\(qos)-qos", "com.apple.root.\(qos)-qos.overcommit", "com.apple.root.\(qos)-qos.cooperative"]
    }

    /// The process's name (unnamed threads inherit it).
    private static let processName: String = Instrumented.processName()
}

extension String {
    func trimmingNewline() -> String {
        var s = self
        while s.last == "\n" { s.removeLast() }
        return s
    }
}
