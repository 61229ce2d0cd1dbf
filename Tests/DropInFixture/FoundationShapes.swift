// Written against Foundation's NSLock / NSRecursiveLock / NSLocking. The
// only change for lockcheck is the import line: `import Foundation`.
import LockCheckFoundation

public final class FoundationUser: @unchecked Sendable {
    let lock = NSLock()
    let recursive = NSRecursiveLock()
    var value = 0

    public init() {
        lock.name = "FoundationUser.lock"
        recursive.name = "FoundationUser.recursive"
    }

    /// True when `NSLock` here is lockcheck's (it has a lock identity).
    public var isValidated: Bool { lock.lockIdentity != nil && recursive.lockIdentity != nil }

    /// Code that takes any `NSLocking`.
    func locked<T>(_ l: any NSLocking, _ body: () -> T) -> T {
        l.lock()
        defer { l.unlock() }
        return body()
    }

    public func run() -> Int {
        lock.withLock { value += 1 }
        locked(lock) { value += 1 }
        guard lock.lock(before: Date(timeIntervalSinceNow: 5)) else { return -1 }
        value += 1
        lock.unlock()
        if lock.try() {
            value += 1
            lock.unlock()
        }
        recursive.lock()
        recursive.lock()
        value += 1
        recursive.unlock()
        recursive.unlock()
        locked(recursive) { value += 1 }
        // A lock held elsewhere: lock(before:) gives up at the deadline.
        lock.lock()
        let gaveUp = !lockedElsewhere()
        lock.unlock()
        return value + (gaveUp ? 0 : 100) + (lock.name == "FoundationUser.lock" ? 0 : 1000)
    }

    /// Runs `probe` while the lock is held, taken three ways: `withLock`, a
    /// manual `lock()`, and through `any NSLocking`.
    public func probeHeld(_ probe: (String, AnyObject) -> Void) {
        lock.withLock { probe("withLock", lock) }
        lock.lock()
        probe("lock()", lock)
        lock.unlock()
        locked(lock) { probe("NSLocking", lock) }
    }

    private func lockedElsewhere() -> Bool {
        final class Flag: @unchecked Sendable { var got = true }
        let flag = Flag()
        let done = DispatchSemaphore(value: 0)
        let t = Foundation.Thread { [lock] in
            flag.got = lock.lock(before: Date(timeIntervalSinceNow: 0.01))
            if flag.got { lock.unlock() }
            done.signal()
        }
        t.start()
        done.wait()
        return flag.got
    }
}
