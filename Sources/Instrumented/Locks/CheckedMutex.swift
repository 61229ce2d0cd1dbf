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
    public let lockIdentity: LockIdentity?
    /// `lockIdentity`, unmanaged: read on every operation without reference counting.
    private let identity: Unmanaged<LockIdentity>?
    let mutex: UnsafeMutablePointer<pthread_mutex_t>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        lockIdentity = LockIdentity.make(kind: .mutex, name: name, fileID: fileID, line: line)
        identity = lockIdentity.map(Unmanaged.passUnretained)
        mutex = SystemLock.makeMutex(recursive: false)
    }

    deinit {
        lockIdentity?.free()
        SystemLock.destroy(mutex)
    }

    public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) {
        identity?._withUnsafeGuaranteedRef { $0.acquire(subclass: subclass, nest: nestLock?.lockIdentity) }
        SystemLock.lock(mutex)
    }

    public func tryLock() -> Bool {
        guard SystemLock.tryLock(mutex) else { return false }
        identity?._withUnsafeGuaranteedRef { $0.acquire(isTry: true) }
        return true
    }

    public func unlock() {
        SystemLock.unlock(mutex)
        identity?._withUnsafeGuaranteedRef { $0.release() }
    }
}

/// A sleeping mutex its owner may take again (pthread recursive mutex,
/// NSRecursiveLock): lock kind `recursive-mutex`. Re-acquiring it only counts
/// up; it is released at count 0.
public final class CheckedRecursiveMutex: CheckedExclusiveLock {
    public let lockIdentity: LockIdentity?
    /// `lockIdentity`, unmanaged: read on every operation without reference counting.
    private let identity: Unmanaged<LockIdentity>?
    let mutex: UnsafeMutablePointer<pthread_mutex_t>

    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        lockIdentity = LockIdentity.make(kind: .recursiveMutex, name: name, fileID: fileID, line: line)
        identity = lockIdentity.map(Unmanaged.passUnretained)
        mutex = SystemLock.makeMutex(recursive: true)
    }

    deinit {
        lockIdentity?.free()
        SystemLock.destroy(mutex)
    }

    public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) {
        identity?._withUnsafeGuaranteedRef { $0.acquire(subclass: subclass, nest: nestLock?.lockIdentity) }
        SystemLock.lock(mutex)
    }

    public func tryLock() -> Bool {
        guard SystemLock.tryLock(mutex) else { return false }
        identity?._withUnsafeGuaranteedRef { $0.acquire(isTry: true) }
        return true
    }

    public func unlock() {
        SystemLock.unlock(mutex)
        identity?._withUnsafeGuaranteedRef { $0.release() }
    }
}

/// A sleeping reader/writer lock (pthread rwlock): lock kind `rwsem`.
/// Readers are validated as shared (`r`) holders: a read-read cycle that
/// cannot deadlock is not reported, a read-write one is.
public final class CheckedRWLock: CheckedReaderWriterLock {
    public let lockIdentity: LockIdentity?
    /// `lockIdentity`, unmanaged: read on every operation without reference counting.
    private let identity: Unmanaged<LockIdentity>?
    private let rwlock: UnsafeMutablePointer<pthread_rwlock_t>

    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        lockIdentity = LockIdentity.make(kind: .rwsem, name: name, fileID: fileID, line: line)
        identity = lockIdentity.map(Unmanaged.passUnretained)
        rwlock = SystemLock.makeRWLock()
    }

    deinit {
        lockIdentity?.free()
        SystemLock.destroy(rwlock)
    }

    public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) {
        identity?._withUnsafeGuaranteedRef { $0.acquire(subclass: subclass, nest: nestLock?.lockIdentity) }
        SystemLock.writeLock(rwlock)
    }

    public func readLock(subclass: UInt32, nestLock: (any InstrumentedLock)?) {
        identity?._withUnsafeGuaranteedRef { $0.acquire(.shared, subclass: subclass, nest: nestLock?.lockIdentity) }
        SystemLock.readLock(rwlock)
    }

    public func tryLock() -> Bool {
        guard SystemLock.tryWriteLock(rwlock) else { return false }
        identity?._withUnsafeGuaranteedRef { $0.acquire(isTry: true) }
        return true
    }

    public func tryReadLock() -> Bool {
        guard SystemLock.tryReadLock(rwlock) else { return false }
        identity?._withUnsafeGuaranteedRef { $0.acquire(.shared, isTry: true) }
        return true
    }

    public func unlock() {
        SystemLock.unlock(rwlock)
        identity?._withUnsafeGuaranteedRef { $0.release() }
    }
}

// Sendable: the pthread objects are used only through their thread-safe
// calls, and the identity is immutable or atomic.
extension CheckedMutex: @unchecked Sendable {}
extension CheckedRecursiveMutex: @unchecked Sendable {}
extension CheckedRWLock: @unchecked Sendable {}
