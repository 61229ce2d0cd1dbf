#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented

/// A ``CheckedMutex`` with a state value one can wait on: the exact shape
/// of swift-nio's `ConditionLock<T>` (`lock(whenValue:)`,
/// `unlock(withValue:)`, `value`).
///
/// The validator sees the mutex held from `lock(whenValue:)` to
/// `unlock(withValue:)`, including while the thread waits for the value
/// (the condition wait's release and re-acquisition are the primitive's,
/// not new acquisitions: lockdep treats a wait the same way).
public final class CheckedConditionLock<T: Equatable> {
    /// The mutex (for annotations); its class is the condition lock's.
    public let mutex: CheckedMutex
    private var _value: T
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    /// `ConditionLock.init(value:)`.
    /// - Parameter name: The lock class; default: the initialisation site.
    /// - Complexity: As ``CheckedMutex/init(name:fileID:line:)``.
    public init(value: T, name: String? = nil, fileID: StaticString = #fileID, line: UInt = #line) {
        _value = value
        mutex = CheckedMutex(name: name, fileID: fileID, line: line)
        condition = SystemLock.makeCondition()
    }

    deinit { SystemLock.destroy(condition) }

    /// Acquires the mutex whatever the value.
    /// - Complexity: As ``CheckedExclusiveLock/lock(subclass:nestLock:at:)``.
    public func lock(file: StaticString = #fileID, line: UInt = #line) { mutex.lock(file: file, line: line) }

    /// Releases the mutex, leaving the value as it is.
    /// - Complexity: As ``CheckedExclusiveLock/unlock()``.
    public func unlock() { mutex.unlock() }

    /// The current value, read under the mutex.
    /// - Complexity: A lock and an unlock.
    public var value: T {
        mutex.lock(subclass: 0, nestLock: nil, at: .unknown)
        defer { unlock() }
        return _value
    }

    /// Acquires the mutex once the value equals `wantedValue`.
    /// - Complexity: A lock, then one condition wait per change of value.
    public func lock(whenValue wantedValue: T, file: StaticString = #fileID, line: UInt = #line) {
        lock(file: file, line: line)
        while _value != wantedValue { waitHeld(until: nil) }
    }

    /// Acquires the mutex once the value equals `wantedValue`, waiting at
    /// most `timeoutSeconds`; false (the mutex not held) when it did not.
    /// - Complexity: As ``lock(whenValue:)``.
    public func lock(whenValue wantedValue: T, timeoutSeconds: Double,
                     file: StaticString = #fileID, line: UInt = #line) -> Bool {
        precondition(timeoutSeconds >= 0, "ConditionLock: a negative timeout")
        let deadline = SystemLock.deadline(secondsFromNow: timeoutSeconds)
        lock(file: file, line: line)
        while _value != wantedValue {
            if !waitHeld(until: deadline) && _value != wantedValue {
                unlock()
                return false
            }
        }
        return true
    }

    /// Sets the value, releases the mutex and wakes every waiter.
    /// - Complexity: An unlock and a broadcast.
    public func unlock(withValue newValue: T) {
        _value = newValue
        unlock()
        SystemLock.broadcast(condition)
    }

    /// Waits on the condition with the mutex held. The primitive is released
    /// and re-taken by the wait; the holder mark the engine reads (with the
    /// holder's site) is put back as it was, since this thread holds the
    /// mutex again.
    /// Returns false when `deadline` passed.
    @discardableResult
    private func waitHeld(until deadline: timespec?) -> Bool {
        let core = mutex._core
        let mark = core.holderMark.map { lc_load_relaxed_i64($0) }
        defer { if let m = core.holderMark, let mark { lc_store_relaxed_i64(m, mark) } }
        guard let deadline else {
            SystemLock.wait(condition, core.primitive.mutex)
            return true
        }
        return SystemLock.timedWait(condition, core.primitive.mutex, until: deadline)
    }
}

// Sendable as NIO's ConditionLock is: the value is reached only under the mutex.
extension CheckedConditionLock: @unchecked Sendable {}
