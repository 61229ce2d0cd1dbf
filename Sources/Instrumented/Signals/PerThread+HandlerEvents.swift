import CInstrumented
import LockGraph
import LockTrace

extension PerThread {
    /// Validates the events signal handlers queued on this thread, oldest
    /// first, each as an event of its own with the stack captured in the
    /// handler; then reports events the ring dropped. Called in normal
    /// context with the guard's `busy` byte down: at the thread's next event
    /// (``enterGuarded(queue:)``), flush (``LockCheck/flushTrace()``) or exit.
    ///
    /// A handler scope is replayed as lockdep's irq entry does it: interrupts
    /// off unless they are (and back on after the scope's end), `hardirq-enter`,
    /// the handler's events, `hardirq-exit` (see ``HandlerEvents``).
    /// - Complexity: O(queued events) engine events.
    @inline(never)
    func drainHandlerEvents() {
        lc_guard_clear_pending()
        var event = lc_handler_event()
        // Bit i: the replay turned interrupts off for the scope at depth i.
        var turnedIrqsOff: UInt64 = 0
        while lc_handler_take(&event) {
            lc_guard_set_busy(true)
            replayStack = event.frameCount == 0 ? nil : withUnsafeBytes(of: &event.frames) { raw in
                raw.bindMemory(to: UInt.self).prefix(Int(event.frameCount)).map(StackFrame.address)
            }
            replay(event, turnedIrqsOff: &turnedIrqsOff)
            replayStack = nil
            leave()
        }
        reportDroppedHandlerEvents(lc_handler_take_dropped())
    }

    /// One queued event through the engine and the recorder.
    private func replay(_ e: lc_handler_event, turnedIrqsOff: inout UInt64) {
        guard let op = HandlerEvents.Op(rawValue: e.op) else { return }
        switch op {
        case .acquire, .release:
            guard let raw = e.lock else { return }
            let lock = Unmanaged<LockIdentity>.fromOpaque(raw).takeUnretainedValue()
            if op == .release {
                lock.replayRelease(countsHolder: e.flags & HandlerEvents.countsHolder != 0, in: self)
                return
            }
            let nest = e.nest.map { Unmanaged<LockIdentity>.fromOpaque($0).takeUnretainedValue() }
            lock.replayAcquire(mode: AcquireMode(rawValue: e.mode) ?? .exclusive,
                               isTry: e.flags & HandlerEvents.isTry != 0,
                               countsHolder: e.flags & HandlerEvents.countsHolder != 0,
                               subclass: e.subclass, nest: nest, in: self)
        case .hardirqEnter:
            let turnsOff = !irqsDisabled
            turnedIrqsOff = turnedIrqsOff << 1 | (turnsOff ? 1 : 0)
            if turnsOff {
                irqsDisabled = true
                context(.irqsOff) { $0.irqsOff(thread: $1, site: $2) }
            }
            context(.hardirqEnter) { $0.hardirqEnter(threaded: false, thread: $1, site: $2) }
        case .hardirqExit:
            context(.hardirqExit) { $0.hardirqExit(thread: $1, site: $2) }
            if turnedIrqsOff & 1 != 0 {
                irqsDisabled = false
                context(.irqsOn) { $0.irqsOn(thread: $1, site: $2) }
            }
            turnedIrqsOff >>= 1
        case .softirqEnter: context(op) { $0.softirqEnter(thread: $1, site: $2) }
        case .softirqExit: context(op) { $0.softirqExit(thread: $1, site: $2) }
        case .softirqsOff: context(op) { $0.softirqsOff(thread: $1, site: $2) }
        case .softirqsOn: context(op) { $0.softirqsOn(thread: $1, site: $2) }
        case .preemptOff: context(op) { $0.preemptOff(thread: $1, site: $2) }
        case .preemptOn: context(op) { $0.preemptOn(thread: $1, site: $2) }
        case .rcuLock, .rcuUnlock:
            let flavor = HandlerEvents.rcuFlavor(e.flags >> HandlerEvents.rcuShift)
            if op == .rcuLock {
                context(op, rcu: flavor) { $0.rcuReadLock(flavor, thread: $1, site: $2) }
            } else {
                context(op, rcu: flavor) { $0.rcuReadUnlock(flavor, thread: $1, site: $2) }
            }
        case .irqsOff, .irqsOn, .sleep, .alloc, .free, .deferFree, .reclaimed, .barrier, .poolDestroy,
             .lockInit, .lockFree, .threadExit, .await:
            return  // never queued (HandlerEvents.replays)
        }
    }

    /// A context event, validated and recorded as ``LockCheck/emit(_:threaded:rcu:sleepReason:_:)`` does.
    private func context(_ op: TraceOp, rcu: RCUFlavor = .plain, _ validate: (Validator, ThreadState, EventSite) -> Void) {
        let seq = lc_next_seq()
        validate(validator, state, site(seq))
        if recorder.isRecording {
            recorder.record(TraceEvent(seq: seq, thread: 0, op: op, rcuFlavor: rcu), thread: self)
        }
    }

    /// Says how many handler events were dropped (the ring was full, or
    /// the event is of a kind that is not queued), once per drain that found some.
    func reportDroppedHandlerEvents(_ count: UInt64) {
        guard count > 0 else { return }
        runtime.handlerEventsDropped(count, thread: state.name)
    }
}
