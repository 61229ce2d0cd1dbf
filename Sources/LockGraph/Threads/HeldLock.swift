/// One entry of a thread's held stack (lockdep's `struct held_lock`).
///
/// The small fields are packed into two words, so a push is nine stores; a
/// lock precomputes its ``LockInstance/exclusiveShape`` for the usual push.
@usableFromInline
struct HeldLock: Sendable {
    /// Identity of the lock instance.
    @usableFromInline var instance: ObjectIdentifier
    /// The instance's id, for reports.
    @usableFromInline var instanceID: UInt64
    /// The class (bits 0–31), kind (32–39), mode (40–47), isTry (48–55) and
    /// wait type (56–63); see ``shape(lockClass:kind:mode:isTry:waitType:)``.
    /// The three enums are stored as their in-memory tags (`unsafeBitCast`,
    /// one byte each) and read back the same way: only ``shape(lockClass:kind:mode:isTry:waitType:)``
    /// and ``shape(mode:)`` write the bits, so every stored tag is a valid
    /// case, and decoding needs no fallback case.
    @usableFromInline var shape: UInt64
    /// The irq context (bits 0–7) and the recursion count (32–63).
    @usableFromInline var contextAndRecursion: UInt64
    /// The chain key including this entry.
    @usableFromInline var chainKey: UInt64
    /// The chain's second, independent hash (see ``ChainCache``).
    @usableFromInline var chainCheck: UInt64
    @usableFromInline var site: EventSite
    /// The nest lock this sibling was taken under, if any.
    @usableFromInline var nestInstance: ObjectIdentifier?

    @inlinable
    init(instance: ObjectIdentifier, instanceID: UInt64, lockClass: LockClassID, kind: LockKind, mode: AcquireMode,
         isTry: Bool, irqContext: UInt8, waitType: WaitType, recursion: UInt32, chainKey: UInt64, chainCheck: UInt64 = 0,
         site: EventSite, nestInstance: ObjectIdentifier?) {
        self.init(instance: instance, instanceID: instanceID,
                  shape: Self.shape(lockClass: lockClass, kind: kind, mode: mode, isTry: isTry, waitType: waitType),
                  irqContext: irqContext, chainKey: chainKey, chainCheck: chainCheck, site: site, nestInstance: nestInstance)
        self.recursion = recursion
    }

    /// An entry with recursion 0, of a precomputed `shape`.
    @inlinable @inline(__always)
    init(instance: ObjectIdentifier, instanceID: UInt64, shape: UInt64, irqContext: UInt8, chainKey: UInt64,
         chainCheck: UInt64, site: EventSite, nestInstance: ObjectIdentifier?) {
        self.instance = instance
        self.instanceID = instanceID
        self.shape = shape
        self.contextAndRecursion = UInt64(irqContext)
        self.chainKey = chainKey
        self.chainCheck = chainCheck
        self.site = site
        self.nestInstance = nestInstance
    }

    /// The packed ``shape`` of these fields.
    @inlinable
    static func shape(lockClass: LockClassID, kind: LockKind, mode: AcquireMode, isTry: Bool, waitType: WaitType) -> UInt64 {
        UInt64(lockClass.rawValue) | UInt64(unsafeBitCast(kind, to: UInt8.self)) << 32
            | shape(mode: mode) | (isTry ? 1 << 48 : 0) | UInt64(unsafeBitCast(waitType, to: UInt8.self)) << 56
    }

    /// The ``shape`` bits of `mode` alone.
    @inlinable @inline(__always)
    static func shape(mode: AcquireMode) -> UInt64 { UInt64(unsafeBitCast(mode, to: UInt8.self)) << 40 }

    /// The class including subclass.
    @inlinable var lockClass: LockClassID { LockClassID(rawValue: UInt32(truncatingIfNeeded: shape)) }
    @inlinable var kind: LockKind { unsafeBitCast(UInt8(truncatingIfNeeded: shape >> 32), to: LockKind.self) }
    @inlinable var mode: AcquireMode { unsafeBitCast(UInt8(truncatingIfNeeded: shape >> 40), to: AcquireMode.self) }
    @inlinable var isTry: Bool { shape >> 48 & 0xFF != 0 }
    /// The lock's effective wait type (after raw nesting).
    @inlinable var waitType: WaitType { unsafeBitCast(UInt8(truncatingIfNeeded: shape >> 56), to: WaitType.self) }
    /// ``IrqContext`` bits at acquisition; chains and dependencies stay within one.
    @inlinable var irqContext: UInt8 { UInt8(truncatingIfNeeded: contextAndRecursion) }
    /// Re-acquisitions of a recursive mutex by its owner.
    @inlinable var recursion: UInt32 {
        get { UInt32(truncatingIfNeeded: contextAndRecursion >> 32) }
        set { contextAndRecursion = contextAndRecursion & 0xFF | UInt64(newValue) << 32 }
    }
}

/// Interrupt-like context bits of a held lock or a chain (lockdep's irq_context).
enum IrqContext {
    static let process: UInt8 = 0
    static let softirq: UInt8 = 1
    static let hardirq: UInt8 = 2
}
