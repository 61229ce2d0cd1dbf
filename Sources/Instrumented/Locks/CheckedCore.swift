import LockGraph

/// One instrumented lock's two halves, its identity in the validator and its
/// primitive, and the order every lock type follows: validate, then block on
/// the primitive (so a real deadlock is still reported); unlock the
/// primitive, then record the release. A trylock is recorded once it succeeded.
struct CheckedCore<Primitive: LockPrimitive> {
    /// Nil when the lock was created with validation off: it is then the primitive behind one branch.
    let lockIdentity: LockIdentity?
    /// `lockIdentity` unmanaged: the hot path reads it without reference
    /// counting (the strong reference above keeps it alive).
    let identity: Unmanaged<LockIdentity>?
    let primitive: Primitive

    /// - Parameter name: The lock class; nil: the initialisation site `fileID:line`.
    init(_ kind: LockKind, name: String?, fileID: StaticString, line: UInt, _ primitive: Primitive) {
        lockIdentity = LockIdentity.make(kind: kind, name: name, fileID: fileID, line: line)
        identity = lockIdentity.map(Unmanaged.passUnretained)
        self.primitive = primitive
    }

    /// The lock's memory ends: `lock-free`, then the primitive is freed.
    func destroy() {
        lockIdentity?.free()
        primitive.destroy()
    }

    @inline(__always)
    func lock(subclass: UInt32, nestLock: (any InstrumentedLock)?) {
        if let id = identity {
            if subclass == 0 && nestLock == nil {
                id._withUnsafeGuaranteedRef { $0.acquireExclusive() }
            } else {
                id._withUnsafeGuaranteedRef { $0.acquire(subclass: subclass, nest: nestLock?.lockIdentity) }
            }
        }
        primitive.lock()
    }

    @inline(__always)
    func tryLock() -> Bool {
        guard primitive.tryLock() else { return false }
        if let id = identity { id._withUnsafeGuaranteedRef { $0.acquire(isTry: true) } }
        return true
    }

    @inline(__always)
    func unlock() {
        primitive.unlock()
        if let id = identity { id._withUnsafeGuaranteedRef { $0.release() } }
    }
}

extension CheckedCore where Primitive: SharedLockPrimitive {
    @inline(__always)
    func readLock(subclass: UInt32, nestLock: (any InstrumentedLock)?) {
        if let id = identity { id._withUnsafeGuaranteedRef { $0.acquire(.shared, subclass: subclass, nest: nestLock?.lockIdentity) } }
        primitive.readLock()
    }

    @inline(__always)
    func tryReadLock() -> Bool {
        guard primitive.tryReadLock() else { return false }
        if let id = identity { id._withUnsafeGuaranteedRef { $0.acquire(.shared, isTry: true) } }
        return true
    }
}
