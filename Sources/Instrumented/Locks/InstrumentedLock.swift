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
///
/// Every exclusive entry point takes the caller's `file: StaticString =
/// #fileID, line: UInt = #line`, defaulted, so callers write nothing: the
/// lock keeps that ``LockSite`` while it is held, and a `lock-wait-timeout`
/// or `deadlock` report names the line where the holder took it.
public protocol CheckedExclusiveLock: InstrumentedLock {
    /// Validates the acquisition, blocks until the lock is held, and keeps
    /// `site` in the lock while it is held.
    /// - Complexity: With validation off, a branch and the real lock's call,
    ///   inlined into the caller. Validated, one call into the validator:
    ///   for a known chain a few thread-local reads and one probe of a
    ///   per-thread memo, no atomic operation on a mutex or spinlock; one
    ///   store of the site.
    func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?, at site: LockSite)
    /// Takes the lock if it is free; a success is recorded as a `try`
    /// acquisition and keeps `site` in the lock.
    func tryLock(at site: LockSite) -> Bool
    /// Releases the lock, then records the release.
    func unlock()
}

extension CheckedExclusiveLock {
    /// Acquires the lock (subclass 0, no nest lock).
    /// - Parameters:
    ///   - file: The caller's `#fileID`, kept while the lock is held (see ``LockSite``).
    ///   - line: The caller's `#line`.
    /// - Complexity: As ``lock(subclass:nestLock:at:)``.
    @inlinable
    public func lock(file: StaticString = #fileID, line: UInt = #line) {
        lock(subclass: 0, nestLock: nil, at: LockSite(file: file, line: line))
    }

    /// Acquires the lock with no source site: the `lock()` that protocols
    /// such as Foundation's `NSLocking` require, and what a reference to
    /// `lock` names. A direct call `lock()` is ``lock(file:line:)``; a hang
    /// report says where a lock taken here was taken only as the class's
    /// first acquisition.
    /// - Complexity: As ``lock(subclass:nestLock:at:)``.
    @inlinable @_disfavoredOverload
    public func lock() { lock(subclass: 0, nestLock: nil, at: .unknown) }

    /// Acquires the lock as `subclass`, under `nestLock` (see the type's
    /// annotations).
    /// - Complexity: As ``lock(subclass:nestLock:at:)``.
    @inlinable
    public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)? = nil,
                     file: StaticString = #fileID, line: UInt = #line) {
        lock(subclass: subclass, nestLock: nestLock, at: LockSite(file: file, line: line))
    }

    /// Takes the lock if it is free; a success is recorded as a `try` acquisition.
    /// - Complexity: As ``tryLock(at:)``.
    @inlinable
    public func tryLock(file: StaticString = #fileID, line: UInt = #line) -> Bool {
        tryLock(at: LockSite(file: file, line: line))
    }

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
    /// - Complexity: As ``lock(subclass:nestLock:at:)`` plus ``unlock()``.
    @inlinable
    public func withLock<T, E: Error>(subclass: UInt32 = 0, nestLock: (any InstrumentedLock)? = nil,
                                      file: StaticString = #fileID, line: UInt = #line,
                                      _ body: () throws(E) -> T) throws(E) -> T {
        lock(subclass: subclass, nestLock: nestLock, at: LockSite(file: file, line: line))
        defer { unlock() }
        return try body()
    }

    /// Runs `body` with the lock held if it is free now; nil otherwise.
    /// - Complexity: As ``tryLock(at:)`` plus ``unlock()``.
    @inlinable
    public func withLockIfAvailable<T, E: Error>(file: StaticString = #fileID, line: UInt = #line,
                                                 _ body: () throws(E) -> T) throws(E) -> T? {
        guard tryLock(at: LockSite(file: file, line: line)) else { return nil }
        defer { unlock() }
        return try body()
    }

    /// NSLock's `try()`: the same as `tryLock()`.
    /// - Complexity: As ``tryLock(at:)``.
    @inlinable
    public func `try`(file: StaticString = #fileID, line: UInt = #line) -> Bool {
        tryLock(at: LockSite(file: file, line: line))
    }

    /// NIOLock's `withLockVoid`.
    /// - Complexity: As ``withLock(subclass:nestLock:file:line:_:)``.
    @inlinable
    public func withLockVoid<E: Error>(file: StaticString = #fileID, line: UInt = #line,
                                       _ body: () throws(E) -> Void) throws(E) {
        try withLock(file: file, line: line, body)
    }
}

/// A reader/writer lock: ``CheckedExclusiveLock`` is its write side.
///
/// The read side takes no source site: a lock keeps one holder's site, and
/// a read-held lock has any number of holders.
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
    /// - Complexity: As ``CheckedExclusiveLock/lock(subclass:nestLock:at:)``.
    @inlinable
    public func writeLock(file: StaticString = #fileID, line: UInt = #line) {
        lock(subclass: 0, nestLock: nil, at: LockSite(file: file, line: line))
    }

    /// The write side: the same as `tryLock()`.
    /// - Complexity: As ``CheckedExclusiveLock/tryLock(at:)``.
    @inlinable
    public func tryWriteLock(file: StaticString = #fileID, line: UInt = #line) -> Bool {
        tryLock(at: LockSite(file: file, line: line))
    }

    /// Runs `body` holding the read side.
    /// - Complexity: As ``readLock(subclass:nestLock:)`` plus ``CheckedExclusiveLock/unlock()``.
    @inlinable
    public func withReadLock<T, E: Error>(subclass: UInt32 = 0, nestLock: (any InstrumentedLock)? = nil,
                                          _ body: () throws(E) -> T) throws(E) -> T {
        readLock(subclass: subclass, nestLock: nestLock)
        defer { unlock() }
        return try body()
    }

    /// Runs `body` holding the write side.
    /// - Complexity: As ``CheckedExclusiveLock/withLock(subclass:nestLock:file:line:_:)``.
    @inlinable
    public func withWriteLock<T, E: Error>(subclass: UInt32 = 0, nestLock: (any InstrumentedLock)? = nil,
                                           file: StaticString = #fileID, line: UInt = #line,
                                           _ body: () throws(E) -> T) throws(E) -> T {
        try withLock(subclass: subclass, nestLock: nestLock, file: file, line: line, body)
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
    /// same as ``withWriteLock(subclass:nestLock:file:line:_:)``.
    /// - Complexity: As ``CheckedExclusiveLock/withLock(subclass:nestLock:file:line:_:)``.
    @inlinable
    public func withWriterLock<T, E: Error>(file: StaticString = #fileID, line: UInt = #line,
                                            _ body: () throws(E) -> T) throws(E) -> T {
        try withLock(file: file, line: line, body)
    }

    /// `ReadWriteLock.withReaderLockVoid`.
    /// - Complexity: As ``withReaderLock(_:)``.
    @inlinable
    public func withReaderLockVoid<E: Error>(_ body: () throws(E) -> Void) throws(E) {
        try withReadLock(body)
    }

    /// `ReadWriteLock.withWriterLockVoid`.
    /// - Complexity: As ``withWriterLock(file:line:_:)``.
    @inlinable
    public func withWriterLockVoid<E: Error>(file: StaticString = #fileID, line: UInt = #line,
                                             _ body: () throws(E) -> Void) throws(E) {
        try withLock(file: file, line: line, body)
    }
}
