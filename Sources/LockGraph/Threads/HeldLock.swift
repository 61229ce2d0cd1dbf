/// One entry of a thread's held stack (lockdep's `struct held_lock`).
struct HeldLock: Sendable {
    /// Identity of the lock instance.
    var instance: ObjectIdentifier
    /// The instance's id, for reports.
    var instanceID: UInt64
    /// The class including subclass.
    var lockClass: LockClassID
    var kind: LockKind
    var mode: AcquireMode
    var isTry: Bool
    /// ``IrqContext`` bits at acquisition; chains and dependencies stay within one.
    var irqContext: UInt8
    /// The lock's effective wait type (after raw nesting).
    var waitType: WaitType
    /// Re-acquisitions of a recursive mutex by its owner.
    var recursion: UInt32
    /// The chain key including this entry.
    var chainKey: UInt64
    var site: EventSite
    /// The nest lock this sibling was taken under, if any.
    var nestInstance: ObjectIdentifier?
}

/// Interrupt-like context bits of a held lock or a chain (lockdep's irq_context).
enum IrqContext {
    static let process: UInt8 = 0
    static let softirq: UInt8 = 1
    static let hardirq: UInt8 = 2
}
