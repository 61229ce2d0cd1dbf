// An unmodified Swift program: Foundation's NSLock, NSRecursiveLock and
// NSCondition, no lockcheck import. Run it under `lockcheck run`:
//
//     lockcheck run -- .build/debug/preload-nslock-abba
//
// lockcheck reports one `lock-order-inversion` between the classes
// `makeAccounts() (main.swift:NN)` of `checking` and `savings`: transfer()
// takes checking then savings, refund() savings then checking. The two never
// overlap (the second thread starts after the first one's transfer), so the
// program never hangs; lockcheck reports the order anyway.
//
// `--fixed` takes both in one order: nothing is reported. The program then
// also re-takes an NSRecursiveLock (not `recursive-lock`) and waits on an
// NSCondition under its mutex (a sleep point with a sleeping lock held:
// fine): nothing is reported for either.
import Foundation

final class Account: @unchecked Sendable {  // its lock guards balance
    let lock: NSLock
    var balance: Int
    init(_ lock: NSLock, balance: Int) {
        self.lock = lock
        self.balance = balance
    }
}

func makeAccounts() -> (Account, Account) {
    let checking = Account(NSLock(), balance: 100)
    let savings = Account(NSLock(), balance: 100)
    return (checking, savings)
}

func transfer(from: Account, to: Account, amount: Int) {
    from.lock.lock()
    to.lock.lock()
    from.balance -= amount
    to.balance += amount
    to.lock.unlock()
    from.lock.unlock()
}

/// A flag guarded by an NSCondition.
final class Flag: @unchecked Sendable {
    var value = false
}

func main() {
    let fixed = CommandLine.arguments.contains("--fixed")
    let (checking, savings) = makeAccounts()
    transfer(from: checking, to: savings, amount: 10)
    // The refund runs on its own thread, after the transfer: the orders never overlap.
    let finished = DispatchSemaphore(value: 0)
    let refund = Thread {
        if fixed {
            transfer(from: checking, to: savings, amount: -10)
        } else {
            transfer(from: savings, to: checking, amount: 10)
        }
        finished.signal()
    }
    refund.start()
    finished.wait()

    if fixed {
        // NSRecursiveLock taken again by its owner: fine.
        let tree = NSRecursiveLock()
        func visit(_ depth: Int) {
            tree.lock()
            defer { tree.unlock() }
            if depth > 0 { visit(depth - 1) }
        }
        visit(3)

        // NSCondition: wait releases and re-takes its mutex.
        let ready = NSCondition()
        let flag = Flag()
        let signaller = Thread {
            ready.lock()
            flag.value = true
            ready.signal()
            ready.unlock()
        }
        ready.lock()
        signaller.start()
        while !flag.value { ready.wait() }
        ready.unlock()
    }
    print("balances: \(checking.balance) \(savings.balance)")
}

main()
