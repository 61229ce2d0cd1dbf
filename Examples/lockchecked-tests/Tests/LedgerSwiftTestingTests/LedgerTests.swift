import Foundation
import Ledger
import LockCheckTesting
import Testing

// `.serialized`: a violation raised on a plain thread is attributed to every
// lock-checked test running at that moment; one at a time, it is exactly one.
@Suite(.lockChecked, .serialized)
struct LedgerTests {
    @Test func transfersInOneOrder() {
        let ledger = Ledger(prefix: "st.ordered")
        ledger.transfer(from: ledger.a, to: ledger.b, amount: 10)
        ledger.transfer(from: ledger.a, to: ledger.b, amount: 5)
        #expect(ledger.b.balance == 115)
    }

    /// Must fail: lock-order-inversion, raised on the test's own task.
    @Test func inversionOnTheTestTask() {
        let ledger = Ledger(prefix: "st.task")
        ledger.transfer(from: ledger.a, to: ledger.b, amount: 10)
        ledger.transfer(from: ledger.b, to: ledger.a, amount: 10)
        #expect(ledger.a.balance == 100)
    }

    /// Must fail: lock-order-inversion, raised on a plain Thread (no task).
    @Test func inversionOnAPlainThread() {
        let ledger = Ledger(prefix: "st.thread")
        ledger.transfer(from: ledger.a, to: ledger.b, amount: 10)
        Ledger.onPlainThread { ledger.transfer(from: ledger.b, to: ledger.a, amount: 10) }
        #expect(ledger.a.balance == 100)
    }
}

/// Only when `LEDGER_DEADLOCK=1` (set by LockCheckTestingEndToEndTests): two
/// tellers transfer in opposite directions at the same moment and deadlock.
/// lockcheck reports the `deadlock` and, since the test can never finish,
/// exits the test process with status 1 naming this test.
@Suite(.lockChecked)
struct DeadlockTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["LEDGER_DEADLOCK"] == "1"))
    func tellersDeadlock() {
        let ledger = Ledger(oneClass: "st.deadlock.account")
        // Each teller, holding its first lock, meets the other, then takes its second.
        let arrived = DispatchSemaphore(value: 0), proceed = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)
        Thread {
            ledger.transfer(from: ledger.a, to: ledger.b, amount: 30) { arrived.signal(); proceed.wait() }
            done.signal()
        }.start()
        Thread {
            ledger.transfer(from: ledger.b, to: ledger.a, amount: 10) { arrived.wait(); proceed.signal() }
            done.signal()
        }.start()
        done.wait()
        done.wait()
        Issue.record("the tellers finished: no deadlock happened")
    }
}
