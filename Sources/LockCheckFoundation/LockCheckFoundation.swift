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
// exclusive lock of Instrumented has (its `lock()` without a source site,
// disfavored: a direct call `lock()` takes `lock(file:line:)`, which keeps
// the caller's line for hang reports); `withLock` then comes from either
// side, and a direct call takes Instrumented's, which keeps the line too.
extension CheckedMutex: NSLocking {}
extension CheckedRecursiveMutex: NSLocking {}

extension CheckedMutex {
    /// NSLock's `lock(before:)`: waits for the lock until `limit`; false
    /// when it passed first. Validated as a `try` acquisition.
    /// - Complexity: As ``CheckedMutex/lock(untilSecondsSince1970:file:line:)``.
    public func lock(before limit: Date, file: StaticString = #fileID, line: UInt = #line) -> Bool {
        lock(untilSecondsSince1970: limit.timeIntervalSince1970, file: file, line: line)
    }
}

extension CheckedRecursiveMutex {
    /// NSRecursiveLock's `lock(before:)`.
    /// - Complexity: As ``CheckedRecursiveMutex/lock(untilSecondsSince1970:file:line:)``.
    public func lock(before limit: Date, file: StaticString = #fileID, line: UInt = #line) -> Bool {
        lock(untilSecondsSince1970: limit.timeIntervalSince1970, file: file, line: line)
    }
}
