// bank-transfer — what lockcheck reports here:
//
//   one lock-order-inversion (Account.alice, Account.bob), at teller-2's
//   second acquire; nothing else.
//
// Two tellers move money between two accounts; a transfer locks the source
// account, then the destination, then the ledger. teller-1 moves alice -> bob;
// teller-2 starts only after teller-1 has finished and moves bob -> alice. The
// run never deadlocks, but had the two transfers overlapped, each teller could
// hold one account and wait forever for the other. lockcheck finds it from the
// orders alone, without the two halves ever racing.
//
//   swift run bank-transfer                                    # the report on stderr
//   LOCKCHECK_TRACE=/tmp/bank.log swift run bank-transfer      # also records a trace
//   swift run lockcheck analyze /tmp/bank.log                  # the same report, offline
import Dispatch
import Foundation
import Instrumented

final class Account: @unchecked Sendable {
    let name: String
    /// One lock class per account (named), so the report names both accounts.
    /// With one shared class, taking two accounts would be recursive-lock
    /// unless the second were taken with `subclass: 1`.
    let lock: CheckedMutex
    var balance: Int

    init(_ name: String, balance: Int) {
        self.name = name
        self.balance = balance
        lock = CheckedMutex(name: "Account.\(name)")
    }
}

final class Bank: @unchecked Sendable {
    let ledger = LockedValueBox([String](), name: "Bank.ledger")

    /// Moves `amount` from `source` to `destination`: source lock, then destination lock.
    func transfer(from source: Account, to destination: Account, amount: Int) {
        source.lock.withLock {
            destination.lock.withLock {
                source.balance -= amount
                destination.balance += amount
                ledger.withLockedValue { $0.append("\(source.name) -> \(destination.name): \(amount)") }
            }
        }
    }
}

let alice = Account("alice", balance: 100)
let bob = Account("bob", balance: 100)
let bank = Bank()

/// Runs `body` on a named thread and waits for it to finish.
func runTeller(_ name: String, _ body: @escaping @Sendable () -> Void) {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        LockCheck.setThreadName(name)  // the name reports give the thread
        body()
        done.signal()
    }
    thread.start()
    done.wait()
}

runTeller("teller-1") { bank.transfer(from: alice, to: bob, amount: 30) }
runTeller("teller-2") { bank.transfer(from: bob, to: alice, amount: 10) }   // opposite order: reported

print("alice: \(alice.balance), bob: \(bob.balance), ledger: \(bank.ledger.withLockedValue { $0.count }) entries")
