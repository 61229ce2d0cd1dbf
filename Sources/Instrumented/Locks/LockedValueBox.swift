/// A value protected by a ``CheckedMutex``: the shape of swift-nio's
/// `NIOLockedValueBox` (`withLockedValue`, the ``unsafe`` view) and of
/// Synchronization's `Mutex<Value>` (`withLock { value in }`).
///
/// ```swift
/// let balances = LockedValueBox([String: Int](), name: "Bank.balances")
/// balances.withLockedValue { $0["alice", default: 0] += 10 }
/// ```
///
/// A box is `Sendable` only when its value is, as `NIOLockedValueBox` is:
/// a box of a non-`Sendable` value shared between tasks is a compile error
/// in debug builds exactly as it is with the original.
public final class LockedValueBox<Value> {
    /// The mutex that guards the value (for annotations and manual use).
    public let mutex: CheckedMutex
    @usableFromInline var value: Value

    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: As ``CheckedMutex/init(name:fileID:line:)``.
    public init(_ value: Value, name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        self.value = value
        mutex = CheckedMutex(name: name, fileID: fileID, line: line)
    }

    /// Runs `body` on the value with the mutex held.
    /// - Complexity: As ``CheckedExclusiveLock/withLock(subclass:nestLock:file:line:_:)``.
    @inlinable
    public func withLockedValue<T, E: Error>(file: StaticString = #fileID, line: UInt = #line,
                                             _ body: (inout Value) throws(E) -> T) throws(E) -> T {
        mutex.lock(subclass: 0, nestLock: nil, at: LockSite(file: file, line: line))
        defer { mutex.unlock() }
        return try body(&value)
    }

    /// Synchronization's `Mutex.withLock` shape: the same as ``withLockedValue(_:)``.
    /// - Complexity: As ``withLockedValue(_:)``.
    @inlinable
    public func withLock<T, E: Error>(file: StaticString = #fileID, line: UInt = #line,
                                      _ body: (inout Value) throws(E) -> T) throws(E) -> T {
        try withLockedValue(file: file, line: line, body)
    }

    /// Runs `body` on the value if the mutex is free now; nil otherwise.
    /// - Complexity: As ``CheckedExclusiveLock/tryLock(at:)`` plus an unlock.
    @inlinable
    public func withLockedValueIfAvailable<T, E: Error>(file: StaticString = #fileID, line: UInt = #line,
                                                        _ body: (inout Value) throws(E) -> T) throws(E) -> T? {
        guard mutex.tryLock(at: LockSite(file: file, line: line)) else { return nil }
        defer { mutex.unlock() }
        return try body(&value)
    }

    /// Synchronization's `Mutex.withLockIfAvailable` shape.
    /// - Complexity: As ``withLockedValueIfAvailable(_:)``.
    @inlinable
    public func withLockIfAvailable<T, E: Error>(file: StaticString = #fileID, line: UInt = #line,
                                                 _ body: (inout Value) throws(E) -> T) throws(E) -> T? {
        try withLockedValueIfAvailable(file: file, line: line, body)
    }

    /// `NIOLockedValueBox.unsafe`: the lock and the value apart, for code
    /// that must lock in one place and unlock in another.
    /// - Complexity: O(1).
    @inlinable
    public var unsafe: Unsafe { Unsafe(box: self) }

    /// `NIOLockedValueBox.Unsafe`: manual locking, and the value under a
    /// lock the caller says it holds.
    public struct Unsafe {
        @usableFromInline let box: LockedValueBox<Value>

        @inlinable init(box: LockedValueBox<Value>) { self.box = box }

        /// Acquires the box's mutex (validated as ``CheckedExclusiveLock/lock(file:line:)``).
        /// - Complexity: As ``CheckedExclusiveLock/lock(subclass:nestLock:at:)``.
        @inlinable
        public func lock(file: StaticString = #fileID, line: UInt = #line) { box.mutex.lock(file: file, line: line) }

        /// Releases the box's mutex.
        /// - Complexity: As ``CheckedExclusiveLock/unlock()``.
        @inlinable
        public func unlock() { box.mutex.unlock() }

        /// Runs `mutate` on the value, assuming the caller holds the lock.
        ///
        /// - Warning: As with the original, nothing checks that the lock is
        ///   held: a call without it is a data race.
        /// - Complexity: O(1) plus `mutate`.
        @inlinable
        public func withValueAssumingLockIsAcquired<Result, E: Error>(
            _ mutate: (_ value: inout Value) throws(E) -> Result
        ) throws(E) -> Result {
            try mutate(&box.value)
        }
    }
}

// Sendable as NIOLockedValueBox is: the value is reached only under the
// mutex, so the box may cross threads when its value may.
extension LockedValueBox: @unchecked Sendable where Value: Sendable {}
extension LockedValueBox.Unsafe: @unchecked Sendable where Value: Sendable {}
