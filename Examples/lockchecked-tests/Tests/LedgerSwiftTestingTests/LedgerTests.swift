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
