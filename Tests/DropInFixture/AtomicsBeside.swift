// A file that uses Atomic as well as Mutex: `import Synchronization`
// becomes `import LockCheckSynchronization`, which re-exports Atomic.
// (Keeping both imports would make Mutex Synchronization's again.)
import LockCheckSynchronization

public final class AtomicAndMutex: Sendable {
    let hits = Atomic<Int>(0)
    let log = Mutex<[Int]>([])

    public init() {}

    public func record() -> Int {
        let n = hits.add(1, ordering: .relaxed).newValue
        return log.withLock { log in
            log.append(n)
            return log.count
        }
    }

    /// True when `log` is lockcheck's Mutex (it has `.mutex`).
    public var isValidated: Bool { log.mutex.lockIdentity != nil }
}
