// The swap for code written against Foundation's NSLock and
// NSRecursiveLock: replace `import Foundation` with `import
// LockCheckFoundation` (same access level) in the files that create them.
// Foundation is re-exported, so the rest of Foundation (Date, NSCondition,
// Thread...) still comes with the one line, and NSLock / NSRecursiveLock
// declared here shadow Foundation's (this module imports it). A file that
// keeps `import Foundation` as well gets Foundation's NSLock again.
@_exported public import Instrumented
@_exported public import Foundation

/// Foundation's `NSLock`: ``CheckedMutex`` (`lock()`, `unlock()`, `try()`,
/// `lock(before:)`, `name`, `withLock`), conforming to `NSLocking`.
public typealias NSLock = CheckedMutex

/// Foundation's `NSRecursiveLock`: ``CheckedRecursiveMutex``.
public typealias NSRecursiveLock = CheckedRecursiveMutex

// NSLocking's requirements are `lock()` and `unlock()`, which every
// exclusive lock of Instrumented has; `withLock` then comes from either side.
extension CheckedMutex: NSLocking {}
extension CheckedRecursiveMutex: NSLocking {}

extension CheckedMutex {
    /// NSLock's `lock(before:)`: waits for the lock until `limit`; false
    /// when it passed first. Validated as a `try` acquisition.
    /// - Complexity: As ``CheckedMutex/lock(untilSecondsSince1970:)``.
    public func lock(before limit: Date) -> Bool {
        lock(untilSecondsSince1970: limit.timeIntervalSince1970)
    }
}

extension CheckedRecursiveMutex {
    /// NSRecursiveLock's `lock(before:)`.
    /// - Complexity: As ``CheckedRecursiveMutex/lock(untilSecondsSince1970:)``.
    public func lock(before limit: Date) -> Bool {
        lock(untilSecondsSince1970: limit.timeIntervalSince1970)
    }
}
