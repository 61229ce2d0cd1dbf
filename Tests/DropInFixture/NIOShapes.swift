// Written against swift-nio's NIOConcurrencyHelpers (2.101.3). The only
// change for lockcheck is the import line: `public import NIOConcurrencyHelpers`.
public import LockCheckNIO

/// A registry in the style of NIO's own code: a lock beside its state, a
/// box, the box's unsafe view, a condition lock, typed throws.
public final class NIORegistry: Sendable {
    @usableFromInline let lock = NIOLock()
    @usableFromInline nonisolated(unsafe) var _count = 0
    public let names = NIOLockedValueBox<[String]>([])

    public init() {}

    /// @inlinable code that uses the lock: needs the public import.
    @inlinable
    public func increment() -> Int {
        lock.withLock {
            _count += 1
            return _count
        }
    }

    public func incrementVoid() {
        lock.withLockVoid { _count += 1 }
        lock.lock()
        _count += 1
        lock.unlock()
    }

    /// Runs `probe` while the lock is held, by `withLock` and by a manual `lock()`.
    public func probeHeld(_ probe: (String, AnyObject) -> Void) {
        lock.withLock { probe("withLock", lock) }
        lock.lock()
        probe("lock()", lock)
        lock.unlock()
    }

    public func add(_ name: String) {
        names.withLockedValue { $0.append(name) }
    }

    /// The unsafe view: lock in one place, unlock in another.
    public func addUnsafely(_ name: String) -> Int {
        let view = names.unsafe
        view.lock()
        defer { view.unlock() }
        return view.withValueAssumingLockIsAcquired { value in
            value.append(name)
            return value.count
        }
    }

    /// Typed throws pass through `withLock` and `withLockedValue`.
    public func failIfEmpty() throws(RegistryError) -> Int {
        try names.withLockedValue { (value: inout [String]) throws(RegistryError) -> Int in
            if value.isEmpty { throw RegistryError.empty }
            return value.count
        }
    }

    public func failingLock() throws(RegistryError) {
        try lock.withLock { () throws(RegistryError) in throw RegistryError.empty }
    }
}

public enum RegistryError: Error, Equatable { case empty }

/// NIO's ConditionLock, as its own tests use it: one thread waits for a
/// value another sets.
public func conditionLockHandOff() -> Int {
    let cond = ConditionLock(value: 0)
    let done = ConditionLock(value: false)
    let thread = Thread { // a plain pthread, as NIO's tests start one
        cond.lock(whenValue: 1)
        cond.unlock(withValue: 2)
        done.lock()
        done.unlock(withValue: true)
    }
    thread.start()
    cond.lock()
    cond.unlock(withValue: 1)
    guard cond.lock(whenValue: 2, timeoutSeconds: 30) else { return -1 }
    let value = 2
    cond.unlock()
    done.lock(whenValue: true)
    done.unlock()
    thread.join()
    return value + (cond.value == 2 ? 0 : 100) + (cond.lock(whenValue: 7, timeoutSeconds: 0) ? 1000 : 0)
}

/// Two NIO boxes nested both ways on one thread: lockcheck reports the
/// inversion through the swapped names.
public func abbaThroughSwappedBoxes() -> Int {
    let a = NIOLockedValueBox(1)
    let b = NIOLockedValueBox(1)
    let ab = a.withLockedValue { x in b.withLockedValue { y in x + y } }
    _ = b.withLockedValue { y in a.withLockedValue { x in x + y } }
    return ab
}

/// The same two boxes, always in one order: nothing to report.
public func sameOrderThroughSwappedBoxes() -> Int {
    let a = NIOLockedValueBox(1)
    let b = NIOLockedValueBox(1)
    let ab = a.withLockedValue { x in b.withLockedValue { y in x + y } }
    _ = a.withLockedValue { x in b.withLockedValue { y in x + y } }
    return ab
}
