// The swap for code written against swift-nio's NIOConcurrencyHelpers:
// replace `import NIOConcurrencyHelpers` with `import LockCheckNIO` (keeping
// its access level: `public import` in a module with
// InternalImportsByDefault whose @inlinable code uses the locks), and every
// NIOLock, NIOLockedValueBox and ConditionLock in that file is validated.
//
// Instrumented is re-exported so that, under MemberImportVisibility, the
// members of these types (declared in Instrumented) are visible in every
// file that imports this module, with no second import line.
@_exported public import Instrumented

/// swift-nio's `NIOLock`: a validated pthread mutex (``CheckedMutex``),
/// with `lock()`, `unlock()`, `withLock`, `withLockVoid`.
public typealias NIOLock = CheckedMutex

/// swift-nio's `NIOLockedValueBox`: ``LockedValueBox``, with
/// `withLockedValue` and the `unsafe` view; `Sendable` when its value is.
public typealias NIOLockedValueBox<Value> = LockedValueBox<Value>

/// swift-nio's `ConditionLock`: ``CheckedConditionLock``.
public typealias ConditionLock<T: Equatable> = CheckedConditionLock<T>

/// swift-nio's deprecated `Lock` (and the `Lock` class that swift-log and
/// swift-metrics copy): ``CheckedMutex``.
public typealias Lock = CheckedMutex

/// swift-log's and swift-metrics' `ReadWriteLock` (`withReaderLock`,
/// `withWriterLock`): ``CheckedRWLock``.
public typealias ReadWriteLock = CheckedRWLock
