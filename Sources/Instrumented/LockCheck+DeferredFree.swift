import CInstrumented
import LockGraph
import LockTrace

/// The deferred-free events (`defer-free`, `reclaimed`, `barrier`) of a
/// ``DeferredFreeQueue``, fed to the live validator and the trace recorder
/// the way ``LockCheck/emit(_:threaded:rcu:sleepReason:_:)`` feeds the
/// lock-less events. The recorder declares the queue (`queue <qid> <name>`)
/// before its first use in each recording session, as it does pools.
final class DeferredFreeEvents: @unchecked Sendable {
    let name: String
    /// The engine's queue; nil when validation is off.
    let engineQueue: DeferredQueue?
    let traceID: UInt64
    /// The recording session that declared the queue last (0: none).
    let declaredSession: UnsafeMutablePointer<Int64>

    init(name: String) {
        self.name = name
        if let runtime = Runtime.shared {
            traceID = runtime.nextID()
            engineQueue = runtime.validator.makeQueue(name: name, id: traceID)
        } else {
            traceID = 0
            engineQueue = nil
        }
        declaredSession = .allocate(capacity: 1)
        declaredSession.initialize(to: 0)
    }

    deinit { declaredSession.deallocate() }

    /// `defer-free <qid> <ptr> [headless] [pool=]`: a sleep point when headless.
    /// Inlined: with validation off it is one load and branch on the
    /// deferred free's fast path.
    @inline(__always)
    func deferFree(_ pointer: UnsafeMutableRawPointer, headless: Bool, pool: LockCheck.Pool?) {
        if engineQueue != nil { deferFreeValidated(pointer, headless: headless, pool: pool) }
    }

    @inline(never)
    private func deferFreeValidated(_ pointer: UnsafeMutableRawPointer, headless: Bool, pool: LockCheck.Pool?) {
        guard let queue = engineQueue else { return }
        let p = UInt64(UInt(bitPattern: pointer))
        record(TraceEvent(seq: 0, thread: 0, op: .deferFree, id: traceID, pointer: p, pool: pool?.traceID,
                          headless: headless), pool: pool) { v, t, s in
            v.deferFree(queue: queue, pointer: p, headless: headless, pool: pool?.instance, thread: t, site: s)
        }
    }

    /// `reclaimed <qid> <ptr>`.
    func reclaimed(_ pointer: UnsafeMutableRawPointer) {
        guard let queue = engineQueue else { return }
        let p = UInt64(UInt(bitPattern: pointer))
        record(TraceEvent(seq: 0, thread: 0, op: .reclaimed, id: traceID, pointer: p), pool: nil) { v, t, s in
            v.reclaimed(queue: queue, pointer: p, thread: t, site: s)
        }
    }

    /// `barrier <qid>`: a sleep point.
    func barrier() {
        guard let queue = engineQueue else { return }
        record(TraceEvent(seq: 0, thread: 0, op: .barrier, id: traceID), pool: nil) { v, t, s in
            v.barrier(queue: queue, thread: t, site: s)
        }
    }

    /// One event: the guard, a seq, the engine call, the declaration if
    /// needed, the trace line.
    private func record(_ event: TraceEvent, pool: LockCheck.Pool?,
                        _ validate: (Validator, ThreadState, EventSite) -> Void) {
        guard let pt = PerThread.enter() else { return }
        var e = event
        e.seq = lc_next_seq()
        validate(pt.runtime.validator, pt.state, pt.site(e.seq))
        if pt.runtime.recorder.isRecording {
            pt.runtime.recorder.record(e, thread: pt, pool: pool, queue: self)
        }
        pt.leave()
    }
}
