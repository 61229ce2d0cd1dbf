/// A value protected by a ``CheckedMutex``, in the exact shape of
/// Synchronization's `Mutex<Value>`: a non-copyable struct, a
/// non-copyable value handed to `body` as `inout sending`, and
/// `withLock` / `withLockIfAvailable` with typed throws.
///
/// ```swift
/// let cache = CheckedValueMutex([String: Int](), name: "Cache.entries")
/// cache.withLock { $0["hits", default: 0] += 1 }
/// ```
///
/// Like `Mutex`, it is `Sendable` whatever it holds: the value enters as
/// `sending` and leaves `body` only as `sending`, so no reference into it
/// escapes to another thread.
public struct CheckedValueMutex<Value: ~Copyable>: ~Copyable {
    /// The mutex that guards the value (for annotations).
    public let mutex: CheckedMutex
    @usableFromInline let storage: UnsafeMutablePointer<Value>

    /// `Mutex.init(_:)`.
    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: As ``CheckedMutex/init(name:fileID:line:)`` plus one allocation.
    public init(_ initialValue: consuming sending Value, name: String? = nil,
                fileID: StaticString = #fileID, line: UInt = #line) {
        storage = .allocate(capacity: 1)
        storage.initialize(to: initialValue)
        mutex = CheckedMutex(name: name, fileID: fileID, line: line)
    }

    deinit {
        storage.deinitialize(count: 1)
        storage.deallocate()
    }

    /// `Mutex.withLock`: runs `body` on the value with the mutex held.
    ///
    /// Equivalent to:
    /// ```swift
    /// mutex.lock()
    /// defer { mutex.unlock() }
    /// return try body(&value)
    /// ```
    /// - Warning: Calling `withLock` on the same mutex inside `body`
    ///   deadlocks (reported as `recursive-lock` first).
    /// - Complexity: As ``CheckedExclusiveLock/withLock(subclass:nestLock:file:line:_:)``.
    @inlinable
    public borrowing func withLock<Result: ~Copyable, E: Error>(
        file: StaticString = #fileID, line: UInt = #line,
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        mutex.lock(subclass: 0, nestLock: nil, at: LockSite(file: file, line: line))
        defer { mutex.unlock() }
        return try body(&storage.pointee)
    }

    /// `Mutex.withLockIfAvailable`: runs `body` if the mutex is free now; nil otherwise.
    /// - Complexity: As ``CheckedExclusiveLock/tryLock(at:)`` plus an unlock.
    @inlinable
    public borrowing func withLockIfAvailable<Result: ~Copyable, E: Error>(
        file: StaticString = #fileID, line: UInt = #line,
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result? {
        guard mutex.tryLock(at: LockSite(file: file, line: line)) else { return nil }
        defer { mutex.unlock() }
        return try body(&storage.pointee)
    }
}

// Sendable as Synchronization's Mutex is, whatever the value: it is reached
// only under the mutex and crosses regions only as `sending`.
extension CheckedValueMutex: @unchecked Sendable where Value: ~Copyable {}
