/// One entry of a thread's held stack (lockdep's `struct held_lock`).
@usableFromInline
struct HeldLock: Sendable {
    /// Identity of the lock instance.
    @usableFromInline var instance: ObjectIdentifier
    /// The instance's id, for reports.
    @usableFromInline var instanceID: UInt64
    /// The class including subclass.
    @usableFromInline var lockClass: LockClassID
    @usableFromInline var kind: LockKind
    @usableFromInline var mode: AcquireMode
    @usableFromInline var isTry: Bool
    /// ``IrqContext`` bits at acquisition; chains and dependencies stay within one.
    @usableFromInline var irqContext: UInt8
    /// The lock's effective wait type (after raw nesting).
    @usableFromInline var waitType: WaitType
    /// Re-acquisitions of a recursive mutex by its owner.
    @usableFromInline var recursion: UInt32
    /// The chain key including this entry.
    @usableFromInline var chainKey: UInt64
    @usableFromInline var site: EventSite
    /// The nest lock this sibling was taken under, if any.
    @usableFromInline var nestInstance: ObjectIdentifier?

    @inlinable
    init(instance: ObjectIdentifier, instanceID: UInt64, lockClass: LockClassID, kind: LockKind, mode: AcquireMode,
         isTry: Bool, irqContext: UInt8, waitType: WaitType, recursion: UInt32, chainKey: UInt64, site: EventSite,
         nestInstance: ObjectIdentifier?) {
        self.instance = instance
        self.instanceID = instanceID
        self.lockClass = lockClass
        self.kind = kind
        self.mode = mode
        self.isTry = isTry
        self.irqContext = irqContext
        self.waitType = waitType
        self.recursion = recursion
        self.chainKey = chainKey
        self.site = site
        self.nestInstance = nestInstance
    }
}

/// Interrupt-like context bits of a held lock or a chain (lockdep's irq_context).
enum IrqContext {
    static let process: UInt8 = 0
    static let softirq: UInt8 = 1
    static let hardirq: UInt8 = 2
}
