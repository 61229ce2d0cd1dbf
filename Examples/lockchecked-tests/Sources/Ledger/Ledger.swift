import Foundation
import Instrumented

/// Two named accounts and a transfer that locks source, then destination:
/// calling it both ways round is a lock-order-inversion.
public final class Ledger: @unchecked Sendable {
    public final class Account: @unchecked Sendable {
        let lock: CheckedMutex
        public var balance = 100
        init(_ name: String) { lock = CheckedMutex(name: name) }
    }

    public let a: Account
    public let b: Account

    /// - Parameter prefix: The lock classes' prefix (one per test, so each
    ///   test's inversion is its own violation).
    public init(prefix: String) {
        a = Account("\(prefix).a")
        b = Account("\(prefix).b")
    }

    /// Two accounts whose locks share one class, `name` (a transfer takes
    /// the second with `subclass: 1`): opposite transfers at the same moment
    /// deadlock without any lock-order-inversion, as Examples/deadlock-abba.
    public init(oneClass name: String) {
        a = Account(name)
        b = Account(name)
    }

    /// Locks `source`, runs `meet` holding it, then locks `destination` as
    /// the inner account (`subclass: 1`).
    public func transfer(from source: Account, to destination: Account, amount: Int, meet: () -> Void) {
        source.lock.withLock {
            meet()
            destination.lock.withLock(subclass: 1) {
                source.balance -= amount
                destination.balance += amount
            }
        }
    }

    public func transfer(from source: Account, to destination: Account, amount: Int) {
        source.lock.withLock {
            destination.lock.withLock {   // the second lock: where a failure points
                source.balance -= amount
                destination.balance += amount
            }
        }
    }

    /// Runs `body` on a new plain `Thread` (no Swift task) and waits for it.
    public static func onPlainThread(_ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        Thread {
            body()
            done.signal()
        }.start()
        done.wait()
    }
}
