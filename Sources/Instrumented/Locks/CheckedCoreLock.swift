/// A lock type built on a ``_CheckedCore``: its operations, written once for
/// every lock type of this module and inlined into the caller.
///
/// A lock type declares its core and how to make it; everything else comes
/// from here.
///
/// Why this protocol, `_CheckedCore`, the primitives (`_LockPrimitive`,
/// `_PthreadMutex`, …) and each lock's `_core` are public, underscored (the
/// one place this is said): the operations here are `@inlinable` protocol
/// extension methods that six lock types share, so that with validation off
/// a lock compiles to a branch and the real lock's call in the application.
/// A default implementation that satisfies a public protocol's requirement
/// must be public, and so must every type its signature names; swift-nio's
/// `@usableFromInline internal` storage works for one type whose methods are
/// written in its own body, which here would be six copies of every
/// operation. The underscore keeps them out of code completion and the
/// documentation; they are not API and may change in any release.
public protocol _CheckedCoreLock: CheckedExclusiveLock {
    associatedtype _Primitive: _LockPrimitive
    /// The lock's identity in the validator and its real lock.
    var _core: _CheckedCore<_Primitive> { get }
}

extension _CheckedCoreLock {
    /// The lock's identity in the validator; nil when it was created with
    /// validation off (it then runs as a plain lock).
    public var lockIdentity: LockIdentity? { _core.lockIdentity }

    /// Validates the acquisition, blocks until the lock is held, and keeps
    /// `site` in the lock while it is held.
    /// - Complexity: With validation off, a branch and the real lock's call.
    ///   Validated, one call into the validator: for a known chain a few
    ///   thread-local reads and one probe of a per-thread memo; one store of
    ///   the site.
    @inlinable
    public func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?, at site: LockSite) {
        _core.lock(subclass: subclass, nestLock: nestLock, site: site)
    }

    /// Takes the lock if it is free; a success is recorded as a `try`
    /// acquisition and keeps `site` in the lock.
    /// - Complexity: As ``lock(subclass:nestLock:at:)``, after the real trylock.
    @inlinable
    public func tryLock(at site: LockSite) -> Bool { _core.tryLock(site: site) }

    /// Releases the lock, then records the release.
    /// - Complexity: With validation off, a branch and the real unlock.
    ///   Validated, one call into the validator (the top of the held stack).
    @inlinable
    public func unlock() { _core.unlock() }
}

extension _CheckedCoreLock where _Primitive: _SharedLockPrimitive {
    /// Validates a shared acquisition, then blocks until the read side is held.
    /// - Complexity: As ``lock(subclass:nestLock:at:)``.
    @inlinable
    public func readLock(subclass: UInt32, nestLock: (any InstrumentedLock)?) {
        _core.readLock(subclass: subclass, nestLock: nestLock)
    }

    /// Takes the read side if it is available now.
    @inlinable
    public func tryReadLock() -> Bool { _core.tryReadLock() }
}
