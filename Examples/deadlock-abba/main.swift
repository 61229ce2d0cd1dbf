// deadlock-abba — what lockcheck reports here:
//
//   one deadlock: 'teller-1' waits for an Account lock 'teller-2' holds, and
//   'teller-2' for the Account lock 'teller-1' holds, each with the stack
//   where it blocked and the lock it holds; under LOCKCHECK=trap the process
//   then stops (non-zero) about half a second after the cycle closed.
//   No lock-order-inversion: both locks are of the class "Account", and a
//   transfer takes its second account with subclass 1, an annotation that
//   tells lockdep-style validation "the inner account"; the order between
//   two *instances* is what deadlocks, and only a live check sees it.
//   With --fixed: nothing (each transfer locks the lower account id first).
//
// Two tellers move money in opposite directions at the same moment: each
// locks its source account, both meet at a barrier, then each locks its
// destination, which the other holds. Without lockcheck this program hangs
// forever.
//
//   LOCKCHECK=trap swift run deadlock-abba            # the report, then exit 1
//   swift run deadlock-abba --fixed                   # ordered by id: no report
import Dispatch
import Foundation
import Instrumented

final class Account: @unchecked Sendable {
    let id: Int
    /// One class for every account: a transfer nests two of them.
    let lock = CheckedMutex(name: "Account")
    var balance = 100
    init(id: Int) { self.id = id }
}

let fixed = CommandLine.arguments.contains("--fixed")
let alice = Account(id: 1), bob = Account(id: 2)

/// Two threads meet here once each holds its first lock.
let arrived = DispatchSemaphore(value: 0), proceed = DispatchSemaphore(value: 0)

func transfer(from source: Account, to destination: Account, amount: Int, meet: () -> Void) {
    // The bug: lock order follows the argument order. The fix: by id.
    let (first, second) = fixed && destination.id < source.id ? (destination, source) : (source, destination)
    first.lock.withLock {
        meet()
        second.lock.withLock(subclass: 1) {
            source.balance -= amount
            destination.balance += amount
        }
    }
}

func teller(_ name: String, _ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        LockCheck.setThreadName(name)
        body()
        done.signal()
    }
    thread.start()
    return done
}

// The barrier: each teller, holding its first lock, signals and waits for the
// other (in --fixed the second teller blocks on its first lock instead, so
// the barrier is skipped).
let t1 = teller("teller-1") {
    transfer(from: alice, to: bob, amount: 30) { if !fixed { arrived.signal(); proceed.wait() } }
}
let t2 = teller("teller-2") {
    transfer(from: bob, to: alice, amount: 10) { if !fixed { arrived.wait(); proceed.signal() } }
}
t1.wait()
t2.wait()
print("alice: \(alice.balance), bob: \(bob.balance)")
