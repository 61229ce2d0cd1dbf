import Ledger
import LockCheckTesting
import XCTest

final class LedgerXCTests: LockCheckedTestCase {
    /// After every test of the class: a violation no test can own. It is
    /// printed, and the test process exits with status 1 at the end.
    override class func tearDown() {
        let ledger = Ledger(prefix: "xc.after")
        ledger.transfer(from: ledger.a, to: ledger.b, amount: 1)
        ledger.transfer(from: ledger.b, to: ledger.a, amount: 1)
        super.tearDown()
    }

    func testTransfersInOneOrder() {
        let ledger = Ledger(prefix: "xc.ordered")
        ledger.transfer(from: ledger.a, to: ledger.b, amount: 10)
        ledger.transfer(from: ledger.a, to: ledger.b, amount: 5)
        XCTAssertEqual(ledger.b.balance, 115)
    }

    /// Must fail: lock-order-inversion, raised on the test's thread.
    func testInversionOnTheTestThread() {
        let ledger = Ledger(prefix: "xc.main")
        ledger.transfer(from: ledger.a, to: ledger.b, amount: 10)
        ledger.transfer(from: ledger.b, to: ledger.a, amount: 10)
        XCTAssertEqual(ledger.a.balance, 100)
    }

    /// Must fail: lock-order-inversion, raised on a plain Thread.
    func testInversionOnAPlainThread() {
        let ledger = Ledger(prefix: "xc.thread")
        ledger.transfer(from: ledger.a, to: ledger.b, amount: 10)
        Ledger.onPlainThread { ledger.transfer(from: ledger.b, to: ledger.a, amount: 10) }
        XCTAssertEqual(ledger.a.balance, 100)
    }
}
