// Written against the Synchronization module's Mutex (Swift 6). The only
// change for lockcheck is the import line: `import Synchronization`.
import LockCheckSynchronization

/// A non-copyable value, as Mutex allows.
struct Token: ~Copyable {
    var uses = 0
}

final class NonSendableCounter { var value = 0 }

public final class MutexUser: Sendable {
    let counts = Mutex<[String: Int]>([:])
    let token = Mutex(Token())
    /// A non-Sendable value inside: Mutex is Sendable whatever it holds.
    let counter = Mutex(NonSendableCounter())

    public init() {}

    public func hit(_ key: String) -> Int {
        counts.withLock { counts in
            counts[key, default: 0] += 1
            return counts[key]!
        }
    }

    public func useToken() -> Int {
        token.withLock { token in
            token.uses += 1
            return token.uses
        }
    }

    public func bump() -> Int? {
        counter.withLockIfAvailable { counter in
            counter.value += 1
            return counter.value
        }
    }

    /// Typed throws through `Mutex.withLock`.
    public func failing() throws(RegistryError) {
        try counts.withLock { (_: inout [String: Int]) throws(RegistryError) in throw RegistryError.empty }
    }
}

/// A file may keep `import Synchronization` for `Atomic`: Mutex still
/// names lockcheck's (see AtomicsBeside.swift).
public func mutexIsLockchecks() -> Bool {
    let m = Mutex(0)
    return m.withLock { _ in m.mutex.lockIdentity != nil }
}
