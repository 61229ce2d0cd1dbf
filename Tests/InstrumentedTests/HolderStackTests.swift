#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import Dispatch
import Foundation
import LockGraph
import XCTest
@testable import Instrumented

/// A parked thread asked for its stack with a signal (``HolderStack``), as a
/// `lock-wait-timeout` report asks a lock's holder: it answers with the
/// function it sits in; a thread that blocks the signal, a signal the
/// program uses itself, a thread that is gone and the signal turned off each
/// give a reason instead, within the bound, and nothing hangs.
final class HolderStackTests: XCTestCase {
    /// A thread parked in ``parkedInANamedFunction(_:_:)`` until `release` is
    /// signalled, with `blocking` signals blocked; returns its kernel tid.
    private func park(blocking: Int32? = nil, release: DispatchSemaphore, done: DispatchSemaphore) -> Int32 {
        let ready = DispatchSemaphore(value: 0)
        let parked = ParkedThread()
        let t = Thread {
            if let blocking {
                var set = sigset_t()
                sigemptyset(&set)
                sigaddset(&set, blocking)
                pthread_sigmask(SIG_BLOCK, &set, nil)
            }
            parked.tid = Int32(lc_gettid())
            parkedInANamedFunction(ready, release)
            done.signal()
        }
        t.start()
        ready.wait()
        return parked.tid
    }

    private func symbols(_ frames: [StackFrame]) -> [String] {
        let symbolizer = Symbolizer()
        return frames.map { frame in
            switch frame {
            case .address(let a): return symbolizer.symbolize(a)
            case .text(let s): return s
            }
        }
    }

    func test_parkedThread_answersWithTheFunctionItSitsIn() throws {
        let release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let tid = park(release: release, done: done)
        defer { release.signal(); done.wait() }
        let frames = try HolderStack.capture(tid: tid, signal: HolderStack.defaultSignal).get()
        let text = symbols(frames)
        XCTAssertTrue(text.contains { $0.contains("parkedInANamedFunction") }, text.joined(separator: "\n"))
        // Innermost first: the wait, then the named function, then the thread's entry.
        let named = try XCTUnwrap(text.firstIndex { $0.contains("parkedInANamedFunction") })
        XCTAssertGreaterThan(named, 0, "the interrupted instruction is inside the wait, below the function")
        XCTAssertTrue(text[named...].contains { $0.contains("Thread.main") }, text.joined(separator: "\n"))
    }

    func test_askedTwice_answersTwice() throws {
        let release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let tid = park(release: release, done: done)
        defer { release.signal(); done.wait() }
        for _ in 0..<2 {
            let text = symbols(try HolderStack.capture(tid: tid, signal: HolderStack.defaultSignal).get())
            XCTAssertTrue(text.contains { $0.contains("parkedInANamedFunction") }, text.joined(separator: "\n"))
        }
    }

    func test_threadBlockingTheSignal_givesNoAnswerWithinTheBound() {
        let signal = HolderStack.defaultSignal
        let release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let tid = park(blocking: signal, release: release, done: done)
        defer { release.signal(); done.wait() }
        let start = DispatchTime.now().uptimeNanoseconds
        guard case .failure(let why) = HolderStack.capture(tid: tid, signal: signal) else {
            return XCTFail("a thread that blocks the signal cannot answer")
        }
        let waited = Int64(DispatchTime.now().uptimeNanoseconds - start)
        XCTAssertEqual(why.code, Int(LC_HOLDER_STACK_NO_ANSWER))
        XCTAssertTrue(why.reason.hasPrefix("it did not answer signal \(signal) within 1000 ms"), why.reason)
        XCTAssertGreaterThanOrEqual(waited, HolderStack.boundNanoseconds)
        XCTAssertLessThan(waited, 3 * HolderStack.boundNanoseconds, "bounded")
    }

    func test_signalWithTheProgramsOwnHandler_isNotUsed() {
        // A signal other than the default one, so the default keeps lockcheck's handler.
        let signal = HolderStack.defaultSignal - 1
        var mine = sigaction()
        mine.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&mine.sa_mask)
        var old = sigaction()
        XCTAssertEqual(sigaction(signal, &mine, &old), 0)
        defer { sigaction(signal, &old, nil) }
        let release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let tid = park(release: release, done: done)
        defer { release.signal(); done.wait() }
        guard case .failure(let why) = HolderStack.capture(tid: tid, signal: signal) else {
            return XCTFail("the program's handler must not be replaced or sent to")
        }
        XCTAssertEqual(why.code, Int(LC_HOLDER_STACK_SIGNAL_IN_USE))
        XCTAssertTrue(why.reason.contains("the program has its own handler for signal \(signal)"), why.reason)
    }

    func test_noSuchThread_andSignalOff_sayWhy() {
        // Above any pid_max (2^22): no thread has this id.
        guard case .failure(let gone) = HolderStack.capture(tid: 1 << 30, signal: HolderStack.defaultSignal) else {
            return XCTFail("no such thread")
        }
        XCTAssertEqual(gone.reason, "the thread has exited")
        guard case .failure(let off) = HolderStack.capture(tid: Int32(lc_gettid()), signal: 0) else {
            return XCTFail("signal 0 never asks")
        }
        XCTAssertEqual(off.reason, "asking holders is off (LOCKCHECK_HOLDER_SIGNAL=0)")
    }

    /// A child forked while the parent waits for a holder's answer can ask
    /// at once (here itself: the signal is delivered before tgkill returns).
    func test_forkDuringARequest_childAsksAtOnce() throws {
        try skipForkUnderThreadSanitizer()
        let signal = HolderStack.defaultSignal
        let release = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let blocked = park(blocking: signal, release: release, done: done)
        defer { release.signal(); done.wait() }
        let requested = DispatchSemaphore(value: 0)
        Thread {
            _ = HolderStack.capture(tid: blocked, signal: signal)   // in flight for the whole bound
            requested.signal()
        }.start()
        while lc_holder_stack_in_flight() == 0 { sched_yield() }
        let failure = runForkedChild(watchdogSeconds: 30) {
            let start = DispatchTime.now().uptimeNanoseconds
            guard case .success(let frames) = HolderStack.capture(tid: Int32(lc_gettid()), signal: signal),
                  !frames.isEmpty else { return 3 }
            return DispatchTime.now().uptimeNanoseconds - start < UInt64(HolderStack.boundNanoseconds) ? 0 : 4
        }
        requested.wait()
        XCTAssertNil(failure, "the child answers its own request within the bound (3: no answer, 4: waited for the parent's)")
    }

    func test_environment_setsOrTurnsOffTheSignal() {
        var warnings: [String] = []
        let base = LockCheck.Options()
        XCTAssertEqual(base.holderSignal, HolderStack.defaultSignal)
        let rt = HolderStack.realtimeSignals
        XCTAssertEqual(base.applying(environment: ["LOCKCHECK_HOLDER_SIGNAL": "\(rt.lowerBound + 2)"], warnings: &warnings).holderSignal,
                       rt.lowerBound + 2)
        XCTAssertEqual(base.applying(environment: ["LOCKCHECK_HOLDER_SIGNAL": "off"], warnings: &warnings).holderSignal, 0)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(base.applying(environment: ["LOCKCHECK_HOLDER_SIGNAL": "10"], warnings: &warnings).holderSignal,
                       HolderStack.defaultSignal, "SIGUSR1 is not a realtime signal")
        XCTAssertEqual(warnings.count, 1)
    }
}

/// The parked thread's tid: written before it signals `ready`, read after.
private final class ParkedThread: @unchecked Sendable {
    var tid: Int32 = 0
}

/// Parks the calling thread in a function a stack can name.
@inline(never)
func parkedInANamedFunction(_ ready: DispatchSemaphore, _ release: DispatchSemaphore) {
    ready.signal()
    release.wait()
}
