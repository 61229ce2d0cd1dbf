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
public final class CheckedMutex: _CheckedCoreLock {
    public let _core: _CheckedCore<_PthreadMutex>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        self.name = name
        _core = _CheckedCore(.mutex, name: name, fileID: fileID, line: line, _PthreadMutex(recursive: false))
    }

    /// NSLock's `name`: a label for debugging. Set at init from `name`;
    /// setting it later does not change the lock's class (fixed at init).
    public var name: String?

    /// NSLock's `lock(before:)`: waits for the lock until `deadline`
    /// (seconds since 1970, the wall clock); false when it passed first.
    /// A success is validated as a `try` acquisition (a wait that gives up
    /// cannot deadlock).
    /// - Complexity: As ``CheckedExclusiveLock/tryLock(at:)`` once the lock is taken.
    public func lock(untilSecondsSince1970 deadline: Double, file: StaticString = #fileID, line: UInt = #line) -> Bool {
        _core.lock(until: SystemLock.deadline(secondsSince1970: deadline == 0 ? 1e-9 : deadline),
                   site: LockSite(file: file, line: line))
    }

    deinit { _core.destroy() }
}

/// A sleeping mutex its owner may take again (pthread recursive mutex,
/// NSRecursiveLock): lock kind `recursive-mutex`. Re-acquiring it only counts
/// up; it is released at count 0.
public final class CheckedRecursiveMutex: _CheckedCoreLock {
    public let _core: _CheckedCore<_PthreadMutex>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        self.name = name
        _core = _CheckedCore(.recursiveMutex, name: name, fileID: fileID, line: line, _PthreadMutex(recursive: true))
    }

    /// NSLock's `name`: a label for debugging. Set at init from `name`;
    /// setting it later does not change the lock's class (fixed at init).
    public var name: String?

    /// NSLock's `lock(before:)`: waits for the lock until `deadline`
    /// (seconds since 1970, the wall clock); false when it passed first.
    /// A success is validated as a `try` acquisition (a wait that gives up
    /// cannot deadlock).
    /// - Complexity: As ``CheckedExclusiveLock/tryLock(at:)`` once the lock is taken.
    public func lock(untilSecondsSince1970 deadline: Double, file: StaticString = #fileID, line: UInt = #line) -> Bool {
        _core.lock(until: SystemLock.deadline(secondsSince1970: deadline == 0 ? 1e-9 : deadline),
                   site: LockSite(file: file, line: line))
    }

    deinit { _core.destroy() }
}

/// A sleeping reader/writer lock (pthread rwlock): lock kind `rwsem`.
/// Readers are validated as shared (`r`) holders: a read-read cycle that
/// cannot deadlock is not reported, a read-write one is.
public final class CheckedRWLock: CheckedReaderWriterLock, _CheckedCoreLock {
    public let _core: _CheckedCore<_PthreadRWLock>

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: One class-table lookup.
    public init(name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        _core = _CheckedCore(.rwsem, name: name, fileID: fileID, line: line, _PthreadRWLock())
    }

    deinit { _core.destroy() }
}

// Sendable: the pthread objects are used only through their thread-safe
// calls, and the identity is immutable or atomic.
extension CheckedMutex: @unchecked Sendable {}
extension CheckedRecursiveMutex: @unchecked Sendable {}
extension CheckedRWLock: @unchecked Sendable {}
