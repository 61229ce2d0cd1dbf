#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CInstrumented
import LockGraph

/// One instrumented lock's two halves, its identity in the validator and its
/// primitive, and the order every lock type follows: validate, then take the
/// primitive (so a real deadlock is still reported): a trylock first, and
/// only when that fails, the contended path, which blocks in slices and
/// watches for `deadlock` and `lock-wait-timeout`; unlock the primitive,
/// then record the release. A trylock is recorded once it succeeded.
///
/// An exclusive acquisition leaves its caller's ``LockSite`` in the lock
/// (the holder mark, or ``LockInstance/exclusiveSiteWords``) for hang
/// reports; the release clears it.
///
/// The operations are inlinable into the application: with validation off
/// a lock is a load, a branch and the primitive's call, in the caller; with
/// validation on, the validator's part is one call into this module.
///
/// Public and underscored for inlining only (see ``_CheckedCoreLock``).
public struct _CheckedCore<Primitive: _LockPrimitive> {
    /// The lock's identity, owned by the core (retained at init, released by
    /// ``destroy()``), so that copying the core, as the lock operations do,
    /// costs no reference counting. Nil when the lock was created with
    /// validation off: it is then the primitive behind one branch.
    @usableFromInline let identity: Unmanaged<LockIdentity>?
    @usableFromInline let primitive: Primitive
    /// When the lock admits one holder at a time (mutex, spinlock, raw
    /// spinlock) and is validated: its holder mark, which `lock()`/`unlock()`
    /// set with a plain store inside the critical section instead of an
    /// atomic count in the engine (see ``LockInstance/exclusiveHolderMark``):
    /// the holder's ``LockSite`` while held, 0 when not.
    @usableFromInline let holderMark: UnsafeMutablePointer<Int64>?

    /// - Parameter name: The lock class; nil: the initialisation site `fileID:line`.
    init(_ kind: LockKind, name: String?, fileID: StaticString, line: UInt, _ primitive: Primitive) {
        let id = LockIdentity.make(kind: kind, name: name, fileID: fileID, line: line)
        identity = id.map(Unmanaged.passRetained)
        self.primitive = primitive
        holderMark = LockSite.inMark(kind) ? id?.instance.exclusiveHolderMark : nil
    }

    /// The lock's identity in the validator (nil: validation off).
    var lockIdentity: LockIdentity? { identity?.takeUnretainedValue() }

    /// The lock's memory ends: `lock-free`, then the primitive is freed and
    /// the identity released. Called once, from the lock's deinit.
    func destroy() {
        if let id = identity {
            id.takeUnretainedValue().free()
            id.release()  // the reference taken at init (not a lock release)
        }
        primitive.destroy()
    }

    @inlinable @inline(__always)
    func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?, site: LockSite) {
        guard let id = identity else { return primitive.lock() }
        if subclass == 0 && nestLock == nil, let mark = holderMark {
            id._withUnsafeGuaranteedRef { $0.acquireMarked() }
            if !primitive.tryLock() { waitContended(id) }
            lc_store_relaxed_i64(mark, site.word)
        } else {
            lockAnnotated(id, subclass: subclass, nestLock: nestLock, site: site)
        }
    }

    /// ``lock(subclass:nestLock:site:)`` of a lock without a holder mark, or
    /// with a subclass or a nest lock: out of line, so the usual
    /// acquisition stays small enough to be inlined into the caller.
    @inlinable @inline(never)
    func lockAnnotated(_ id: Unmanaged<LockIdentity>, subclass: UInt32, nestLock: (any InstrumentedLock)?, site: LockSite) {
        // A marked lock is counted by its mark alone: no count is added in
        // the engine before blocking (it would add to the holder's site).
        let nest = nestLock?.lockIdentity
        if holderMark == nil {
            id._withUnsafeGuaranteedRef { $0.acquire(.exclusive, isTry: false, subclass: subclass, nest: nest) }
        } else {
            id._withUnsafeGuaranteedRef { $0.acquireUncounted(.exclusive, isTry: false, subclass: subclass, nest: nest) }
        }
        if !primitive.tryLock() { waitContended(id) }
        heldExclusively(id, site: site)
    }

    /// After a successful trylock or timed lock: validated as a `try`
    /// acquisition (counted by the mark on a lock that has one), then the
    /// holder's site.
    @inlinable @inline(__always)
    func tookByTry(_ id: Unmanaged<LockIdentity>, site: LockSite) {
        if holderMark == nil {
            id._withUnsafeGuaranteedRef { $0.acquire(.exclusive, isTry: true, subclass: 0, nest: nil) }
        } else {
            id._withUnsafeGuaranteedRef { $0.acquireUncounted(.exclusive, isTry: true, subclass: 0, nest: nil) }
        }
        heldExclusively(id, site: site)
    }

    /// After an exclusive acquisition: the holder's site into the mark, or
    /// into the site words of a lock without one.
    @inlinable @inline(__always)
    func heldExclusively(_ id: Unmanaged<LockIdentity>, site: LockSite) {
        if let mark = holderMark {
            lc_store_relaxed_i64(mark, site.word)
        } else {
            LockSite.noteExclusive(site, words: id._withUnsafeGuaranteedRef { $0.instance.exclusiveSiteWords })
        }
    }

    /// The contended path of ``lock(subclass:nestLock:)``: the lock was
    /// taken when we tried it, so block in slices, between which the thread
    /// publishes its wait and looks for a deadlock (see ``WaitRegistry``).
    /// The uncontended path is the trylock alone.
    @usableFromInline @inline(never)
    func waitContended(_ id: Unmanaged<LockIdentity>) {
        let p = primitive
        id.takeUnretainedValue().waitContended(.exclusive, owner: { p.exclusiveOwner }, attempt: { p.lock(within: $0) })
    }

    @inlinable @inline(__always)
    func tryLock(site: LockSite) -> Bool {
        guard primitive.tryLock() else { return false }
        if let id = identity {
            tookByTry(id, site: site)
        }
        return true
    }

    /// On a lock that marks its holder, the mark is set by every exclusive
    /// acquisition and cleared here: clearing is the decrement.
    @inlinable @inline(__always)
    func unlock() {
        guard let id = identity else { return primitive.unlock() }
        if let mark = holderMark {
            lc_store_relaxed_i64(mark, 0)
            primitive.unlock()
            id._withUnsafeGuaranteedRef { $0.releaseMarked() }
        } else {
            LockSite.noteRelease(words: id._withUnsafeGuaranteedRef { $0.instance.exclusiveSiteWords })
            primitive.unlock()
            id._withUnsafeGuaranteedRef { $0.release() }
        }
    }
}

extension _CheckedCore where Primitive: _SharedLockPrimitive {
    @inlinable @inline(__always)
    func readLock(subclass: UInt32, nestLock: (any InstrumentedLock)?) {
        guard let id = identity else { return primitive.readLock() }
        id._withUnsafeGuaranteedRef { $0.acquire(.shared, isTry: false, subclass: subclass, nest: nestLock?.lockIdentity) }
        if !primitive.tryReadLock() { waitContendedShared(id) }
    }

    /// The contended path of ``readLock(subclass:nestLock:)`` (see ``waitContended(_:)``).
    @usableFromInline @inline(never)
    func waitContendedShared(_ id: Unmanaged<LockIdentity>) {
        let p = primitive
        id.takeUnretainedValue().waitContended(.shared, owner: { p.exclusiveOwner }, attempt: { p.readLock(within: $0) })
    }

    @inlinable @inline(__always)
    func tryReadLock() -> Bool {
        guard primitive.tryReadLock() else { return false }
        if let id = identity { id._withUnsafeGuaranteedRef { $0.acquire(.shared, isTry: true, subclass: 0, nest: nil) } }
        return true
    }
}

extension _CheckedCore where Primitive == _PthreadMutex {
    /// Waits for the lock until `deadline` (CLOCK_REALTIME). A success is
    /// recorded as a `try` acquisition: a wait that gives up cannot deadlock.
    func lock(until deadline: timespec, site: LockSite) -> Bool {
        guard SystemLock.timedLock(primitive.mutex, until: deadline) else { return false }
        if let id = identity {
            tookByTry(id, site: site)
        }
        return true
    }
}
