// The trace format spells the shared vocabulary (lock kinds, acquire modes,
// allocation flags, RCU flavours): each type's `spelling` is its token in a
// trace. It is re-exported, as swift-nio's `NIO` re-exports `NIOCore`, so
// `import LockTrace` is enough to read and write events.
@_exported import LockVocabulary

/// The lock kind of a `class` line: ``LockKind``, its name before the shared
/// vocabulary module.
@available(*, deprecated, renamed: "LockKind")
public typealias TraceLockKind = LockKind

/// The mode flag of an `acquire`: ``AcquireMode``, its name before the shared
/// vocabulary module.
@available(*, deprecated, renamed: "AcquireMode")
public typealias TraceMode = AcquireMode

/// The flags word of an `alloc`: ``AllocFlags``, its name before the shared
/// vocabulary module.
@available(*, deprecated, renamed: "AllocFlags")
public typealias TraceAllocFlags = AllocFlags

/// The flavour flag of `rcu-lock` / `rcu-unlock`: ``RCUFlavor``, its name
/// before the shared vocabulary module.
@available(*, deprecated, renamed: "RCUFlavor")
public typealias TraceRCUFlavor = RCUFlavor
