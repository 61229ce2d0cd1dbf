#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Foundation
import Instrumented
import LockGraph
import CInstrumented
import Synchronization
import XCTest

/// Signals at a high rate into threads that allocate and have not taken a
/// lock yet, while other threads create locks and new dependencies, with a
/// handler that does what the README suggests
/// (`LockCheck.hardirq { raw.withLock { } }`): no hang, no report. Before
/// issue 18 the handler's first event created the thread's state with
/// malloc while the interrupted code was inside malloc: a deadlock.
///
/// Each run is a forked child with a watchdog (`alarm`): a hang kills it,
/// and the parent fails with a message.
///
/// `LOCKCHECK_SIGNAL_STRESS_RUNS` sets the number of runs (default 2 runs of 200 signals, and
/// 2 of 1,000 into threads with state; `LOCKCHECK_SIGNAL_STRESS_SIGNALS` the 200; the
/// long run is `scripts/stress-fork-signals`).
final class SignalTests: InstrumentedTestCase {
    static let runs = ProcessInfo.processInfo.environment["LOCKCHECK_SIGNAL_STRESS_RUNS"].flatMap { Int($0) } ?? 2
    static let signalsPerRun = ProcessInfo.processInfo.environment["LOCKCHECK_SIGNAL_STRESS_SIGNALS"].flatMap { Int($0) } ?? 200
    static let watchdogSeconds: UInt32 = 30

    override func setUpWithError() throws {
        try super.setUpWithError()
        try skipForkUnderThreadSanitizer()
    }

    /// Forks; the child runs `body` under a watchdog. Nil when it exited 0.
    private func runChild(_ body: () -> Int32) -> String? {
        runForkedChild(watchdogSeconds: Self.watchdogSeconds, body)
    }

    func test_signalsIntoLockingAllocatingThreads_handlerTakesRawLock_noHang_staysSilent() {
        var failures: [String] = []
        for run in 0..<Self.runs {
            if let failure = runChild({ SignalStress.run(signals: Self.signalsPerRun) }) {
                failures.append("run \(run): \(failure)")
            }
        }
        XCTAssertEqual(failures, [], "every run delivers its signals, handles them and exits 0")
    }

    /// A real-time signal (they queue) every 20 µs, whether or not the last
    /// was handled, into threads that have their state and lock, create
    /// locks and new dependencies, allocate, and (every other run) record a
    /// trace, with the handler taking a raw lock in `hardirq`: its events are
    /// queued in the interrupted thread's ring and validated when that thread
    /// next runs lockcheck code; handlers that run back to back fill the ring,
    /// whose overflow is dropped and counted, never waited for. No hang,
    /// every signal handled, no report; and the queued events were validated:
    /// the handler's lock, taken afterwards with interrupts enabled, is
    /// `inconsistent-lock-state`.
    func test_signalsIntoThreadsWithState_queuedThenValidated_noHang() {
        var failures: [String] = []
        for run in 0..<Self.runs {
            if let failure = runChild({ SignalStress.runIntoLockers(signals: Self.signalsPerRun * 5, record: run % 2 == 1) }) {
                failures.append("run \(run): \(failure)")
            }
        }
        XCTAssertEqual(failures, [], "every run delivers its signals, handles them, validates them and exits 0")
    }

    /// The twin: the handler's lock taken outside the handler with
    /// interrupts enabled is still reported, once the handler's queued
    /// events are validated (here by a flush, in normal context).
    func test_handlerLockAlsoTakenWithIrqsEnabled_fires() {
        let failure = runChild {
            let seen = SignalStress.Seen()
            LockCheck.setViolationHandler { v in if v.rule == .inconsistentLockState { seen.flag.store(true, ordering: .relaxed) } }
            SignalStress.install()
            SignalStress.handlerLock.withLock {}                 // irqs enabled: hardirq-unsafe
            pthread_kill(pthread_self(), SIGUSR1)               // used in hardirq: queued
            LockCheck.flushTrace()                              // validated: inconsistent
            return seen.flag.load(ordering: .relaxed) && SignalStress.handled.load(ordering: .relaxed) == 1 ? 0 : 3
        }
        XCTAssertNil(failure)
    }
}

/// The stress program of one forked child.
enum SignalStress {
    /// The lock the handler takes (only in handlers: a thread holding it when
    /// its own signal arrives would deadlock for real).
    nonisolated(unsafe) static var handlerLock = RawSpinLock(name: "signal.handler.raw")
    static let handled = Atomic<Int>(0)

    final class Seen: Sendable { let flag = Atomic<Bool>(false) }

    /// The handler: what the README suggests.
    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            LockCheck.hardirq { SignalStress.handlerLock.withLock { _ = SignalStress.handled.add(1, ordering: .relaxed) } }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGUSR1, &action, nil)
    }

    /// Runs the stress; returns the child's exit code (0: all handled, silent).
    static func run(signals: Int) -> Int32 {
        let seen = Seen()
        LockCheck.setViolationHandler { _ in seen.flag.store(true, ordering: .relaxed) }
        _ = handlerLock                                  // initialised before any signal
        LockCheck.hardirq { handlerLock.withLock {} }    // its chain and usage are known
        install()
        let stop = StopFlag()
        var targets: [pthread_t] = []
        let ready = DispatchSemaphore(value: 0)
        // Threads with state: new classes, new dependencies, allocations.
        let lockers = (0..<2).map { w in
            TestThread("signal-locker-\(w)") {
                let outer = CheckedMutex(name: "signal.outer.\(w)")
                var made: [CheckedMutex] = []
                var junk: [[UInt8]] = []
                ready.signal()
                while !stop.isSet {
                    if made.count < 500 { made.append(CheckedMutex(name: "signal.w\(w).\(made.count)")) }
                    let m = made[(made.count * 7 + junk.count) % made.count]
                    outer.withLock { m.withLock { junk.append([UInt8](repeating: 1, count: 1 + junk.count * 61 % 4096)) } }
                    if junk.count > 64 { junk.removeAll() }
                }
            }
        }
        // Threads without state (never a lock): malloc and free only.
        let bare = (0..<2).map { _ in BareThread { stop in
            var junk: [[UInt8]] = []
            while !stop.isSet {
                junk.append([UInt8](repeating: 2, count: 1 + junk.count * 61 % 4096))
                if junk.count > 64 { junk.removeAll() }
            }
        } }
        for _ in lockers { ready.wait() }
        // Signals go to the threads without state, whose handler events must
        // not create it (test_signalsIntoThreadsWithState_… covers threads
        // with state); the lockers keep the validator's slow path busy meanwhile.
        targets = bare.map(\.thread)
        for b in bare { b.stop = stop; b.start.signal() }
        // One signal at a time, each sent once the last was handled (a signal
        // sent while one is pending merges into it): as fast as the threads
        // take them, into whatever they are doing.
        for i in 0..<signals {
            pthread_kill(targets[i % targets.count], SIGUSR1)
            while handled.load(ordering: .relaxed) <= i { sched_yield() }
        }
        stop.set()
        lockers.forEach { $0.join() }
        bare.forEach { $0.join() }
        let n = handled.load(ordering: .relaxed)
        if n != signals {
            let text = "signal stress: only \(n) of \(signals) signals handled\n"
            _ = text.withCString { write(2, $0, strlen($0)) }
            return 5
        }
        return seen.flag.load(ordering: .relaxed) ? 4 : 0
    }
}

extension SignalStress {
    /// The lock the queued handler takes: only in handlers until the end.
    nonisolated(unsafe) static var queuedLock = RawSpinLock(name: "signal.queued.raw")

    /// The handler for threads with state: its events are queued.
    static func installQueued() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            LockCheck.hardirq { SignalStress.queuedLock.withLock { _ = SignalStress.handled.add(1, ordering: .relaxed) } }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(queuedSignal, &action, nil)
    }

    /// A real-time signal: sent while one is pending, it queues instead of merging.
    static var queuedSignal: Int32 { __libc_current_sigrtmin() }

    /// Signals into two locking threads with state; returns the child's exit
    /// code (0: all handled, silent, and the queued events validated).
    static func runIntoLockers(signals: Int, record: Bool) -> Int32 {
        let rules = Mutex<[RuleID]>([])
        LockCheck.setViolationHandler { v in rules.withLock { $0.append(v.rule) } }
        let trace = "/tmp/lockcheck-signal-stress-\(getpid()).trace"
        if record { LockCheck.startRecording(path: trace) }
        defer { if record { unlink(trace) } }
        _ = queuedLock
        installQueued()
        let stop = StopFlag()
        let ready = DispatchSemaphore(value: 0)
        let lockers = (0..<2).map { w in
            TestThread("signal-queue-\(w)") {
                let outer = CheckedMutex(name: "signal.queue.outer.\(w)")
                var made: [CheckedMutex] = []
                var junk: [[UInt8]] = []
                ready.signal()
                while !stop.isSet {
                    if made.count < 300 { made.append(CheckedMutex(name: "signal.q\(w).\(made.count)")) }
                    let m = made[(made.count * 7 + junk.count) % made.count]
                    outer.withLock { m.withLock { junk.append([UInt8](repeating: 1, count: 1 + junk.count * 61 % 4096)) } }
                    if junk.count > 64 { junk.removeAll() }
                }
            }
        }
        for _ in lockers { ready.wait() }
        let targets = lockers.map(\.thread)
        var last = lc_monotonic_ns()
        for i in 0..<signals {
            while lc_monotonic_ns() - last < 20_000 {}
            last = lc_monotonic_ns()
            while pthread_kill(targets[i % targets.count], queuedSignal) == EAGAIN { sched_yield() }  // queue full
        }
        while handled.load(ordering: .relaxed) < signals { sched_yield() }
        stop.set()
        lockers.forEach { $0.join() }                       // each exit validates what is left
        if record { LockCheck.stopRecording() }
        let n = handled.load(ordering: .relaxed)
        guard n == signals else {
            say("signal stress: only \(n) of \(signals) signals handled\n")
            return 5
        }
        let seen = rules.withLock { $0 }
        guard seen.isEmpty else {
            say("signal stress: reported \(seen)\n")
            return 4
        }
        queuedLock.withLock {}                              // irqs enabled, after the handlers' queued use
        let after = rules.withLock { $0 }
        guard after == [.inconsistentLockState] else {
            say("signal stress: the queued events were not validated (reports \(after), dropped \(LockCheck.droppedHandlerEvents))\n")
            return 6
        }
        return 0
    }

    private static func say(_ text: String) {
        _ = text.withCString { write(2, $0, strlen($0)) }
    }
}

/// A plain pthread that never calls lockcheck before its body: no state.
final class BareThread: @unchecked Sendable {
    private(set) var thread = pthread_t()
    let start = DispatchSemaphore(value: 0)
    var stop = StopFlag()
    private let body: (StopFlag) -> Void

    init(_ body: @escaping (StopFlag) -> Void) {
        self.body = body
        let raw = Unmanaged.passRetained(self).toOpaque()
        let rc = pthread_create(&thread, nil, { raw in
            let me = Unmanaged<BareThread>.fromOpaque(raw!).takeRetainedValue()
            me.start.wait()
            me.body(me.stop)
            return nil
        }, raw)
        precondition(rc == 0)
    }

    func join() { pthread_join(thread, nil) }
}
