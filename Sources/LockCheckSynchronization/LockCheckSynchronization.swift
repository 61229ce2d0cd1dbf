// The swap for code written against the Synchronization module's Mutex:
// replace `import Synchronization` with `import LockCheckSynchronization`
// (same access level). Synchronization is re-exported, so `Atomic` and the
// rest still come with the one line; the Mutex declared here shadows
// Synchronization's (this module imports it), also in a file that keeps
// `import Synchronization` beside this one.
@_exported public import Instrumented
@_exported public import Synchronization

/// Synchronization's `Mutex<Value>`: ``CheckedValueMutex`` (non-copyable,
/// `inout sending Value`, `withLock`, `withLockIfAvailable`, typed throws).
public typealias Mutex<Value: ~Copyable> = CheckedValueMutex<Value>
