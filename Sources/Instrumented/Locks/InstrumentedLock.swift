/// A lock the validator knows: every lock type of this module.
public protocol InstrumentedLock: AnyObject {
    /// The lock's identity in the validator; nil when it was created with
    /// validation off (it then runs as a plain lock).
    var lockIdentity: LockIdentity? { get }
}

/// A lock with an exclusive side: `lock()` / `unlock()` / `tryLock()` and the
/// scoped `withLock` family (the shapes of NIOLock, NSLock and
/// Synchronization's `Mutex`).
///
/// Annotations for legitimate same-class nesting (lockdep's):
/// - `subclass`: a nesting level; each subclass is validated as its own
///   class (`mutex_lock_nested`). Take a parent's lock with subclass 0 and
///   its child's with subclass 1.
/// - `nestLock`: a held lock that serialises every acquisition of this
///   class's siblings, so they may nest in any order (`mutex_lock_nest_lock`).
public protocol CheckedExclusiveLock: InstrumentedLock {
    /// Validates the acquisition, then blocks until the lock is held.
    /// - Complexity: With validation off, a branch and the real lock's call,
    ///   inlined into the caller. Validated, one call into the validator:
    ///   for a known chain a few thread-local reads and one probe of a
    ///   per-thread memo, no atomic operation on a mutex or spinlock.
    func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?)
    /// Takes the lock if it is free; a success is recorded as a `try` acquisition.
    func tryLock() -> Bool
    /// Releases the lock, then records the release.
    func unlock()
}

extension CheckedExclusiveLock {
    /// Acquires the lock (subclass 0, no nest lock).
    @inlinable
    public func lock() { lock(subclass: 0, nestLock: nil) }

    /// Runs `body` with the lock held.
    ///
    /// Equivalent to:
    /// ```swift
    /// lock(subclass: subclass, nestLock: nestLock)
    /// defer { unlock() }
    /// return try body()
    /// ```
    /// - Warning: Taking the same lock again inside `body` deadlocks (and is
    ///   reported as `recursive-lock` first), except on a recursive mutex.
    /// - Complexity: As ``lock(subclass:nestLock:)`` plus ``unlock()``.
    @inlinable
    public func withLock<T, E: Error>(subclass: UInt32 = 0, nestLock: (any InstrumentedLock)? = nil,
                                      _ body: () throws(E) -> T) throws(E) -> T {
        lock(subclass: subclass, nestLock: nestLock)
        defer { unlock() }
        return try body()
    }

    /// Runs `body` with the lock held if it is free now; nil otherwise.
    /// - Complexity: As ``tryLock()`` plus ``unlock()``.
    @inlinable
    public func withLockIfAvailable<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T? {
        guard tryLock() else { return nil }
        defer { unlock() }
        return try body()
    }

    /// NSLock's `try()`: the same as `tryLock()`.
    @inlinable
    public func `try`() -> Bool { tryLock() }

    /// NIOLock's `withLockVoid`.
    /// - Complexity: As ``withLock(subclass:nestLock:_:)``.
    @inlinable
    public func withLockVoid<E: Error>(_ body: () throws(E) -> Void) throws(E) {
        try withLock(body)
    }
}

/// A reader/writer lock: ``CheckedExclusiveLock`` is its write side.
public protocol CheckedReaderWriterLock: CheckedExclusiveLock {
    /// Validates a shared acquisition, then blocks until the read side is held.
    func readLock(subclass: UInt32, nestLock: (any InstrumentedLock)?)
    /// Takes the read side if it is available now.
    func tryReadLock() -> Bool
}

extension CheckedReaderWriterLock {
    @inlinable
    public func readLock() { readLock(subclass: 0, nestLock: nil) }

    /// The write side: the same as `lock()`.
    @inlinable
    public func writeLock() { lock(subclass: 0, nestLock: nil) }

    /// The write side: the same as `tryLock()`.
    @inlinable
    public func tryWriteLock() -> Bool { tryLock() }

    /// Runs `body` holding the read side.
    /// - Complexity: As ``readLock(subclass:nestLock:)`` plus ``unlock()``.
    @inlinable
    public func withReadLock<T, E: Error>(subclass: UInt32 = 0, nestLock: (any InstrumentedLock)? = nil,
                                          _ body: () throws(E) -> T) throws(E) -> T {
        readLock(subclass: subclass, nestLock: nestLock)
        defer { unlock() }
        return try body()
    }

    /// Runs `body` holding the write side.
    /// - Complexity: As ``withLock(subclass:nestLock:_:)``.
    @inlinable
    public func withWriteLock<T, E: Error>(subclass: UInt32 = 0, nestLock: (any InstrumentedLock)? = nil,
                                           _ body: () throws(E) -> T) throws(E) -> T {
        try withLock(subclass: subclass, nestLock: nestLock, body)
    }

    /// Runs `body` holding the read side if it is available now; nil otherwise.
    /// - Complexity: As ``tryReadLock()`` plus ``unlock()``.
    @inlinable
    public func withReadLockIfAvailable<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T? {
        guard tryReadLock() else { return nil }
        defer { unlock() }
        return try body()
    }

    /// swift-log's and swift-metrics' `ReadWriteLock.withReaderLock`: the
    /// same as ``withReadLock(subclass:nestLock:_:)``.
    /// - Complexity: As ``readLock(subclass:nestLock:)`` plus ``unlock()``.
    @inlinable
    public func withReaderLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try withReadLock(body)
    }

    /// swift-log's and swift-metrics' `ReadWriteLock.withWriterLock`: the
    /// same as ``withWriteLock(subclass:nestLock:_:)``.
    /// - Complexity: As ``withLock(subclass:nestLock:_:)``.
    @inlinable
    public func withWriterLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try withLock(body)
    }

    /// `ReadWriteLock.withReaderLockVoid`.
    /// - Complexity: As ``withReaderLock(_:)``.
    @inlinable
    public func withReaderLockVoid<E: Error>(_ body: () throws(E) -> Void) throws(E) {
        try withReadLock(body)
    }

    /// `ReadWriteLock.withWriterLockVoid`.
    /// - Complexity: As ``withWriterLock(_:)``.
    @inlinable
    public func withWriterLockVoid<E: Error>(_ body: () throws(E) -> Void) throws(E) {
        try withLock(body)
    }
}
