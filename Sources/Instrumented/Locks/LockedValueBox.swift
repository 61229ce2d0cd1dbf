/// A value protected by a ``CheckedMutex``: the shape of swift-nio's
/// `NIOLockedValueBox` (`withLockedValue`) and of Synchronization's
/// `Mutex<Value>` (`withLock { value in }`).
///
/// ```swift
/// let balances = LockedValueBox([String: Int](), name: "Bank.balances")
/// balances.withLockedValue { $0["alice", default: 0] += 10 }
/// ```
public final class LockedValueBox<Value>: @unchecked Sendable {
    /// The mutex that guards the value (for annotations and manual use).
    public let mutex: CheckedMutex
    private var value: Value

    /// - Parameter name: The lock class; default: the initialisation site.
    public init(_ value: Value, name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        self.value = value
        mutex = CheckedMutex(name: name, fileID: fileID, line: line)
    }

    /// Runs `body` on the value with the mutex held.
    @inlinable
    public func withLockedValue<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try mutex.withLock { try _modify(body) }
    }

    /// Synchronization's `Mutex.withLock` shape: the same as ``withLockedValue(_:)``.
    @inlinable
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try withLockedValue(body)
    }

    /// Runs `body` on the value if the mutex is free now; nil otherwise.
    @inlinable
    public func withLockedValueIfAvailable<T>(_ body: (inout Value) throws -> T) rethrows -> T? {
        guard mutex.tryLock() else { return nil }
        defer { mutex.unlock() }
        return try _modify(body)
    }

    @usableFromInline
    func _modify<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        try body(&value)
    }
}
