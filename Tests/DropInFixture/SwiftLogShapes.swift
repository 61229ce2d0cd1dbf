// Written as swift-log 1.16.2 and swift-metrics 2.13.0 use their own `Lock`
// and `ReadWriteLock` (Sources/Logging/Locks.swift). The swap replaces
// their Locks.swift by the single line `@_exported import LockCheckNIO`;
// every other file, like this one, is unchanged.
import LockCheckNIO

public final class LogHandlerRegistry: @unchecked Sendable {
    private let lock = ReadWriteLock()
    private let plainLock = Lock()
    private var handlers: [String: Int] = [:]

    public init() {}

    public func set(_ key: String, _ level: Int) {
        lock.withWriterLock { handlers[key] = level }
        lock.withWriterLockVoid { handlers[key, default: 0] += 0 }
    }

    public func get(_ key: String) -> Int? {
        lock.withReaderLockVoid {}
        return lock.withReaderLock { handlers[key] }
    }

    public func count() -> Int {
        plainLock.withLock { lock.withReaderLock { handlers.count } }
    }
}
