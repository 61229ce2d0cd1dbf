import CLockGraphAtomics

/// One lock instance: a lock in memory, of one class.
///
/// The live runtime keeps one in each instrumented lock; offline analysis one
/// per traced `lock` id. Thread-safe: the holder count is atomic, the rest is
/// immutable or changed only under the engine's lifetime lock.
public final class LockInstance: @unchecked Sendable {
    /// The instance's class (subclass 0).
    public let lockClass: LockClassID
    /// The class's kind.
    public let kind: LockKind
    /// The producer's id for the instance (trace `<lid>` or an address), for reports.
    public let id: UInt64
    /// The producer of the instance.
    public let source: SourceID
    /// The kind's wait type under the creating validator's configuration
    /// (raw nesting resolved), kept here so the hot path need not resolve it.
    @usableFromInline let waitType: WaitType
    /// The held-stack ``HeldLock/shape`` of an exclusive, blocking,
    /// subclass-0 acquisition of this instance: the usual push.
    @usableFromInline let exclusiveShape: UInt64

    /// Threads holding it now (atomic; one increment per acquire).
    @usableFromInline let holders: UnsafeMutablePointer<Int64>
    /// Where it was freed (`lock-free`) and not re-initialised since.
    var freedAt: EventSite? { get { lifetime.freedAt } set { lifetime.freedAt = newValue } }
    private var lifetime = Lifetime()
    /// Read lock-free on every acquire: non-zero while freed.
    @usableFromInline let freedFlag: UnsafeMutablePointer<Int64>

    private struct Lifetime { var freedAt: EventSite? }

    init(lockClass: LockClassID, kind: LockKind, waitType: WaitType, id: UInt64, source: SourceID) {
        self.lockClass = lockClass
        self.kind = kind
        self.waitType = waitType
        exclusiveShape = HeldLock.shape(lockClass: lockClass, kind: kind, mode: .exclusive, isTry: false, waitType: waitType)
        self.id = id
        self.source = source
        // A cache line of its own: two threads on two locks must not share
        // the line their holder counts are incremented on.
        holders = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
            .bindMemory(to: Int64.self, capacity: 8)
        holders.initialize(repeating: 0, count: 8)
        freedFlag = holders + 1
    }

    deinit { UnsafeMutableRawPointer(holders).deallocate() }

    /// Whether some thread holds the instance now (a relaxed atomic load).
    /// The live runtime keeps a freed-while-held instance alive with it.
    public var isHeld: Bool { holderCount > 0 }

    /// Marks whether a holder is inside the critical section, with a plain
    /// (relaxed) store instead of the engine's atomic count.
    ///
    /// Only for a lock that admits one holder at a time (a mutex, spinlock or
    /// raw spinlock, never a reader/writer or recursive lock), called right
    /// after the real lock is taken and right before it is released: the
    /// lock itself then orders the stores. The acquire and release must be
    /// validated with `countsHolder: false`.
    @inlinable
    public func setExclusiveHolder(_ held: Bool) { lg_store_relaxed_i64(holders, held ? 1 : 0) }

    @inlinable var isFreed: Bool { lg_load_relaxed_i64(freedFlag) != 0 }
    @inline(__always) var holderCount: Int64 { lg_load_relaxed_i64(holders) }
    @inlinable func addHolder(_ delta: Int64) { _ = lg_fetch_add_i64(holders, delta) }
}
