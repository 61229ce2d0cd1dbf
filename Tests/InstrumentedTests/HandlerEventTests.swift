#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Instrumented
import LockGraph
import LockTextReport
import XCTest

/// A signal handler's events on a thread that has its state are queued in
/// the thread's ring, not validated in the handler, and validated at the
/// thread's next event with the verdict an immediate validation gives
/// (issue 18). Each signal is sent to the test's own thread with
/// `pthread_kill`, which runs the handler before it returns: deterministic.
final class HandlerEventTests: InstrumentedTestCase {
    override func setUp() {
        super.setUp()
        LockCheck.start()  // this thread has its state, hence its ring
        QueuedHandler.install()
    }

    /// The main point of `hardirq`: a raw lock taken with interrupts
    /// enabled, then in a signal handler, is `inconsistent-lock-state`.
    /// The handler's events are queued (nothing is reported in the handler)
    /// and the report comes at the thread's next event, the same violation
    /// (rule and key) as when the same scope runs outside a handler, with
    /// the stack captured in the handler.
    func test_irqUnsafeLockThenTakenInHandler_reportedAtNextEvent_sameAsImmediate() {
        let immediate = RawSpinLock(name: "handler.verdict.immediate")
        immediate.withLock {}
        LockCheck.hardirq { immediate.withLock {} }            // not in a handler: validated at once
        let immediateReports = collector.violations
        XCTAssertEqual(immediateReports.map(\.rule), [.inconsistentLockState])

        QueuedHandler.lock = RawSpinLock(name: "handler.verdict.queued")
        QueuedHandler.lock.withLock {}                          // irqs enabled: hardirq-unsafe
        QueuedHandler.send()
        XCTAssertEqual(QueuedHandler.handled, 1)
        XCTAssertEqual(collector.violations.count, 1, "nothing is validated inside the handler")

        let other = CheckedMutex(name: "handler.verdict.next-event")
        other.withLock {}                                       // the next event replays the ring first
        let queued = Array(collector.violations.dropFirst())
        XCTAssertEqual(queued.map(\.rule), [.inconsistentLockState])
        guard let q = queued.first, let i = immediateReports.first else { return }
        XCTAssertEqual(q.key.replacingOccurrences(of: "queued", with: "immediate"), i.key)
        XCTAssertEqual(q.classNames, ["handler.verdict.queued"])
        let text = TextReport(color: false).render(q)
        XCTAssertTrue(text.contains("QueuedHandler.body"), "the report shows the stack captured in the handler:\n\(text)")
    }

    /// The other order: the handler first (queued), then the lock taken with
    /// interrupts enabled; the replay comes before that acquisition, which
    /// is then reported as it would be at once.
    func test_lockTakenInHandlerThenWithIrqsEnabled_reported() {
        QueuedHandler.lock = RawSpinLock(name: "handler.order.queued-first")
        QueuedHandler.send()
        XCTAssertEqual(collector.violations.count, 0)
        QueuedHandler.lock.withLock {}
        XCTAssertEqual(collector.violations.map(\.rule), [.inconsistentLockState])
        XCTAssertEqual(collector.violations.first?.classNames, ["handler.order.queued-first"])
    }

    /// The twin: a raw lock only ever taken in handlers (and with
    /// interrupts disabled) stays silent, and the handler's nesting creates
    /// no dependency on what the interrupted code held.
    func test_lockOnlyInHandlers_whileOtherLockHeld_staysSilent() {
        QueuedHandler.lock = RawSpinLock(name: "handler.silent.raw")
        let outer = CheckedMutex(name: "handler.silent.outer")
        outer.withLock { QueuedHandler.send() }                  // interrupts code holding `outer`
        LockCheck.irqsDisabled { QueuedHandler.lock.withLock {} }
        outer.withLock {}
        LockCheck.validateHandlerEvents()
        XCTAssertEqual(QueuedHandler.handled, 1)
        XCTAssertEqual(collector.violations.map(\.rule), [])
    }

    /// Recorded: the queued events are written to the trace when they are
    /// validated (as a hardirq scope with interrupts off), and `lockcheck
    /// analyze` gives the live verdict.
    func test_queuedEventsRecorded_offlineVerdictSameAsLive() throws {
        let path = NSTemporaryDirectory() + "lockcheck-handler-\(getpid()).trace"
        defer { unlink(path) }
        XCTAssertTrue(LockCheck.startRecording(path: path))
        QueuedHandler.lock = RawSpinLock(name: "handler.recorded.raw")
        QueuedHandler.lock.withLock {}
        QueuedHandler.send()
        LockCheck.flushTrace()                                   // validates the ring, then flushes
        LockCheck.stopRecording()
        XCTAssertEqual(collector.rules, ["inconsistent-lock-state"])
        let offline = try analyzedRules(path)
        XCTAssertEqual(offline.rules, collector.rules)
        XCTAssertEqual(offline.violations.first?.classNames, ["handler.recorded.raw"])
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("hardirq-enter") && text.contains("irqs-off"), "the handler's scope is in the trace")
    }

    /// A handler scope larger than the ring (64 events) is dropped whole,
    /// counted and reported; the thread's state stays sound (no lock left
    /// held by a half-replayed scope) and the next scope is validated.
    func test_handlerScopeLargerThanRing_droppedWhole_counted_nextScopeValidated() {
        QueuedHandler.lock = RawSpinLock(name: "handler.overflow.raw")
        let before = LockCheck.droppedHandlerEvents
        QueuedHandler.repeats = 40                               // 2 + 80 events
        QueuedHandler.send()
        QueuedHandler.repeats = 1
        LockCheck.validateHandlerEvents()
        XCTAssertGreaterThanOrEqual(LockCheck.droppedHandlerEvents - before, 65, "the whole scope is counted")
        XCTAssertEqual(collector.violations.map(\.rule), [], "nothing of the dropped scope was replayed")
        QueuedHandler.send()                                     // fits: validated
        QueuedHandler.lock.withLock {}
        XCTAssertEqual(collector.violations.map(\.rule), [.inconsistentLockState])
    }
}

/// A SIGUSR2 handler doing what the README says: `LockCheck.hardirq` around
/// a raw lock, `repeats` times.
enum QueuedHandler {
    nonisolated(unsafe) static var lock = RawSpinLock(name: "handler.unset")
    nonisolated(unsafe) static var repeats = 1
    nonisolated(unsafe) static var handled = 0

    static func install() {
        handled = 0
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in QueuedHandler.body() }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGUSR2, &action, nil)
    }

    @inline(never)
    static func body() {
        LockCheck.hardirq {
            for _ in 0..<repeats { lock.withLock {} }
        }
        handled += 1
    }

    /// Runs the handler on the calling thread (before `pthread_kill` returns).
    static func send() { pthread_kill(pthread_self(), SIGUSR2) }
}
