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
    /// The held-stack ``HeldLock/shape`` of an exclusive, blocking,
    /// subclass-0 acquisition of this instance (its wait type resolved under
    /// the creating validator's configuration): the usual push.
    @usableFromInline let exclusiveShape: UInt64

    /// Threads holding it now (atomic; one increment per acquire).
    @usableFromInline let holders: UnsafeMutablePointer<Int64>
    /// Where it was freed (`lock-free`) and not re-initialised since.
    var freedAt: EventSite? { get { lifetime.freedAt } set { lifetime.freedAt = newValue } }
    private var lifetime = Lifetime()
    /// Read lock-free on every acquire: ``freedBit`` while freed, and
    /// ``unmemoizedBit`` always for a kind the memo never serves (a recursive
    /// mutex, whose re-acquisition by its owner is counted), so one test
    /// tells the hot path whether it may take its short way.
    @usableFromInline let flags: UnsafeMutablePointer<Int64>
    @usableFromInline static let freedBit: Int64 = 1
    @usableFromInline static let unmemoizedBit: Int64 = 2

    private struct Lifetime { var freedAt: EventSite? }

    init(lockClass: LockClassID, kind: LockKind, waitType: WaitType, id: UInt64, source: SourceID) {
        self.lockClass = lockClass
        self.kind = kind
        exclusiveShape = HeldLock.shape(lockClass: lockClass, kind: kind, mode: .exclusive, isTry: false, waitType: waitType)
        self.id = id
        self.source = source
        // A cache line of its own: two threads on two locks must not share
        // the line their holder counts are incremented on. Its eight words:
        // 0 the holder count or mark, 1 `flags`, 2–3 `exclusiveSiteWords`
        // (the live runtime's), 4 unused, 5–7 the last task acquisition
        // (`recordTaskAcquisition`).
        holders = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
            .bindMemory(to: Int64.self, capacity: 8)
        holders.initialize(repeating: 0, count: 8)
        flags = holders + 1
        setFreed(false)
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

    /// The word ``setExclusiveHolder(_:)`` stores to, for a lock that keeps
    /// it at hand: 0 while not held, any positive value while held (the live
    /// runtime stores where the holder took the lock, 1 when unknown); store
    /// to it only with relaxed atomic stores. Valid as long as the instance lives.
    public var exclusiveHolderMark: UnsafeMutablePointer<Int64> { holders }

    /// Two words of the instance's line that the engine never reads, for the
    /// live runtime to keep beside a lock it does not mark (a reader/writer
    /// or recursive lock): where its exclusive holder took it, and the
    /// holder's recursion depth. Relaxed atomic loads and stores only.
    /// Valid as long as the instance lives.
    @inlinable public var exclusiveSiteWords: UnsafeMutablePointer<Int64> { holders + 2 }

    @inlinable var isFreed: Bool { lg_load_relaxed_i64(flags) & Self.freedBit != 0 }
    /// Neither freed nor of a kind the memo never serves.
    @inlinable var memoMayServe: Bool { lg_load_relaxed_i64(flags) == 0 }

    /// Marks the instance freed or (re)initialised. Under the engine's lifetime lock.
    func setFreed(_ freed: Bool) {
        lg_store_relaxed_i64(flags, (freed ? Self.freedBit : 0) | (kind == .recursiveMutex ? Self.unmemoizedBit : 0))
    }
    @inline(__always) var holderCount: Int64 { lg_load_relaxed_i64(holders) }
    @inlinable func addHolder(_ delta: Int64) { _ = lg_fetch_add_i64(holders, delta) }
}
