import Dispatch
import Foundation
import Instrumented
import LockGraph
import XCTest

/// `blocking-in-async-context`: blocking waits in a Swift task or on a
/// thread declared non-blocking, live and through a recorded trace, each
/// with a "fires" and a "stays silent" twin.
final class BlockingInAsyncContextTests: InstrumentedTestCase {
    func test_semaphore_wait_in_task_fires() {
        let ready = CheckedSemaphore(value: 1)  // already signalled: the wait returns at once
        runTask { ready.wait() }
        XCTAssertEqual(collector.rules, ["blocking-in-async-context"])
        XCTAssertEqual(collector.violations.first?.message, "blocking wait in a Swift task: sleep what=semaphore-wait")
    }

    func test_semaphore_wait_on_plain_thread_stays_silent() {
        let ready = CheckedSemaphore(value: 0)
        let waiter = TestThread("plain-waiter") { ready.wait() }
        ready.signal()
        waiter.join()
        XCTAssertEqual(collector.rules, [])
    }

    func test_condition_wait_and_sleep_in_task_fire() {
        let m = CheckedMutex(name: "blocking.cond-mutex")
        let c = CheckedCondition()
        let flag = ContinuationBox<Bool>()
        TestThread.run("signaller-setup") { flag.set(true) }
        runTask {
            m.withLock {
                // The predicate is already true: a real program would loop on it.
                if flag.take() == nil { c.wait(m) }
            }
            LockCheck.sleep(nanoseconds: 0)
        }
        XCTAssertEqual(collector.rules, ["blocking-in-async-context"])
        XCTAssertEqual(collector.violations.first?.message, "blocking wait in a Swift task: sleep what=nanosleep")
    }

    func test_mutex_in_task_stays_silent() {
        let m = CheckedMutex(name: "blocking.short-section")
        runTask {
            m.withLock {}
            LockCheck.mightSleep("not-a-wait")
        }
        XCTAssertEqual(collector.rules, [])
    }

    func test_nonblocking_thread_mightBlock_fires() {
        TestThread.run("event-loop") {
            LockCheck.setThreadNonBlocking()
            LockCheck.mightBlock("future-wait")
        }
        XCTAssertEqual(collector.rules, ["blocking-in-async-context"])
        XCTAssertEqual(collector.violations.first?.message, "blocking wait on a thread declared non-blocking: sleep what=future-wait")
    }

    func test_nonblocking_declaration_lifted_stays_silent() {
        TestThread.run("worker") {
            LockCheck.setThreadNonBlocking()
            LockCheck.setThreadNonBlocking(false)
            LockCheck.mightBlock("future-wait")
        }
        XCTAssertEqual(collector.rules, [])
    }

    // MARK: Offline: the same verdicts from the recorded trace

    func test_recorded_blocking_wait_in_task_analyzes_the_same() throws {
        let path = temporaryPath("blocking-in-task")
        XCTAssertTrue(LockCheck.startRecording(path: path))
        runTask { LockCheck.mightBlock("semaphore-wait-rec") }
        TestThread.run("event-loop-rec") {
            LockCheck.setThreadNonBlocking()
            LockCheck.mightBlock("future-wait-rec")
        }
        TestThread.run("plain-rec") { LockCheck.mightBlock("plain-wait-rec") }
        LockCheck.stopRecording()
        defer { unlink(path) }
        let live = collector.violations.map(\.message).sorted()
        let offline = try analyzedRules(path).violations.map(\.message).sorted()
        XCTAssertEqual(live.count, 2)
        XCTAssertEqual(offline, live)
    }
}
