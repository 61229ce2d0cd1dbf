#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import LockGraph

/// A sleeping mutex (pthread): lock kind `mutex`.
///
/// A drop-in for NSLock / NIOLock: `lock()`, `unlock()`, `tryLock()`,
/// `withLock { }`, `withLockIfAvailable { }`. Its class is its
/// initialisation site (`#fileID:#line`) unless `name` is given; every lock
/// with the same name is one class, in every process.
///
/// Acquisition is validated before blocking (so a real deadlock is still
/// reported), the release recorded after unlocking. With validation off it
/// is a plain pthread mutex behind one branch.
public final class CheckedMutex: CheckedExclusiveLock {
    public var lockIdentity: LockIdentity? { core.lockIdentity }
    @usableFromInline let core: CheckedCore<PthreadMutex>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        core = CheckedCore(.mutex, name: name, fileID: fileID, line: line, PthreadMutex(recursive: false))
    }

    deinit { core.destroy() }

    @inlinable public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) { core.lock(subclass: subclass, nestLock: nestLock) }
    @inlinable public func tryLock() -> Bool { core.tryLock() }
    @inlinable public func unlock() { core.unlock() }
}

/// A sleeping mutex its owner may take again (pthread recursive mutex,
/// NSRecursiveLock): lock kind `recursive-mutex`. Re-acquiring it only counts
/// up; it is released at count 0.
public final class CheckedRecursiveMutex: CheckedExclusiveLock {
    public var lockIdentity: LockIdentity? { core.lockIdentity }
    @usableFromInline let core: CheckedCore<PthreadMutex>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        core = CheckedCore(.recursiveMutex, name: name, fileID: fileID, line: line, PthreadMutex(recursive: true))
    }

    deinit { core.destroy() }

    @inlinable public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) { core.lock(subclass: subclass, nestLock: nestLock) }
    @inlinable public func tryLock() -> Bool { core.tryLock() }
    @inlinable public func unlock() { core.unlock() }
}

/// A sleeping reader/writer lock (pthread rwlock): lock kind `rwsem`.
/// Readers are validated as shared (`r`) holders: a read-read cycle that
/// cannot deadlock is not reported, a read-write one is.
public final class CheckedRWLock: CheckedReaderWriterLock {
    public var lockIdentity: LockIdentity? { core.lockIdentity }
    @usableFromInline let core: CheckedCore<PthreadRWLock>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        core = CheckedCore(.rwsem, name: name, fileID: fileID, line: line, PthreadRWLock())
    }

    deinit { core.destroy() }

    @inlinable public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) { core.lock(subclass: subclass, nestLock: nestLock) }
    @inlinable public func readLock(subclass: UInt32, nestLock: (any InstrumentedLock)?) { core.readLock(subclass: subclass, nestLock: nestLock) }
    @inlinable public func tryReadLock() -> Bool { core.tryReadLock() }
    @inlinable public func tryLock() -> Bool { core.tryLock() }
    @inlinable public func unlock() { core.unlock() }
}

// Sendable: the pthread objects are used only through their thread-safe
// calls, and the identity is immutable or atomic.
extension CheckedMutex: @unchecked Sendable {}
extension CheckedRecursiveMutex: @unchecked Sendable {}
extension CheckedRWLock: @unchecked Sendable {}
