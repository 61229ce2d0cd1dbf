/// Per-thread validation state: the held stack and the interrupt, preemption
/// and RCU contexts (lockdep keeps these in `task_struct`).
///
/// A ``ThreadState`` belongs to one thread at a time: the live runtime keeps
/// one per OS thread, offline analysis one per traced thread. The engine never
/// touches it from another thread, so it needs no lock.
public final class ThreadState: @unchecked Sendable {
    /// The thread's name, for reports.
    public let name: String
    /// The producer (trace file or live process) the thread belongs to.
    public let source: SourceID
    /// The producer's id for the thread.
    public let id: UInt64

    @usableFromInline @exclusivity(unchecked) var held = HeldStack(capacity: 16)
    /// Number of held spinning locks (spin or config wait type).
    @usableFromInline @exclusivity(unchecked) var spinningHeld = 0
    /// Held raw spinlocks.
    @usableFromInline @exclusivity(unchecked) var rawHeld = 0

    @exclusivity(unchecked) var hardirqDepth = 0
    @exclusivity(unchecked) var threadedHardirqDepth = 0
    @exclusivity(unchecked) var hardirqThreaded: [Bool] = []
    @exclusivity(unchecked) var hardirqSite: EventSite?
    @exclusivity(unchecked) var softirqDepth = 0
    @exclusivity(unchecked) var softirqSite: EventSite?
    @exclusivity(unchecked) var irqsOff = false
    @exclusivity(unchecked) var irqsOffSite: EventSite?
    @exclusivity(unchecked) var softirqsOffCount = 0
    @exclusivity(unchecked) var softirqsOffSite: EventSite?
    @exclusivity(unchecked) var preemptCount = 0
    @exclusivity(unchecked) var preemptOffSite: EventSite?
    @exclusivity(unchecked) var rcuSections: [RCUSection] = []
    /// Set after `thread-exit`.
    @exclusivity(unchecked) public internal(set) var exited = false
    /// Whether the held-depth warning was given.
    @exclusivity(unchecked) var depthWarned = false
    /// Clean acquisitions of this thread, by context (see ``AcquireMemo``).
    @usableFromInline let memo = AcquireMemo()
    /// Counts context changes: memo entries of an earlier epoch never match.
    @usableFromInline @exclusivity(unchecked) var contextEpoch: UInt64 = 0

    // Swift tasks (see Rules/LockHeldAcrossSuspension.swift).
    /// The Swift task the thread runs now, as the caller last said with
    /// ``Validator/setTask(_:thread:)`` (0: none).
    @inlinable public var task: UInt64 { taskStorage }
    /// ``task``'s storage (set by the memo's short way in a task, inlined into the caller).
    @usableFromInline @exclusivity(unchecked) var taskStorage: UInt64 = 0
    /// Whether the thread was seen running a Swift task: from then on
    /// `heldTasks` says which task took each held lock, and the memo serves
    /// only the task that owns the held locks (the caller says which task
    /// runs before each acquisition, ``Validator/setTask(_:thread:)``).
    @inlinable public var runsTasks: Bool { runsTasksFlag }
    /// Whether the thread holds any lock now (its held stack is not empty).
    @inlinable public var holdsLocks: Bool { held.count > 0 }
    /// ``runsTasks``'s storage (a stored public property read from another
    /// module costs a dynamic exclusivity check per read).
    @usableFromInline @exclusivity(unchecked) var runsTasksFlag = false
    /// While `runsTasks`: the task that took `held[i]` (0: none); entries at
    /// `held.count` and above are stale (a pop does not touch them).
    @usableFromInline @exclusivity(unchecked) var heldTasks = HeldTasks()
    /// The one task the live short way may serve on this thread without
    /// looking at the held stack (``Validator/acquireIfMemoizedForTask(_:mode:countsHolder:task:thread:siteOnHit:)``):
    /// 0 on a thread that never ran a task (its code outside any task); on a
    /// thread that runs tasks, the task of its last push (every held lock is
    /// then this task's or taken outside any task: see
    /// Rules/LockHeldAcrossSuspension.swift), or ``noShortWayTask`` after a
    /// push outside any task. Never 0 once ``runsTasks``.
    @usableFromInline @exclusivity(unchecked) var shortWayTask: UInt64 = 0
    /// ``shortWayTask`` that no task matches (a task is an aligned address, or 0).
    @usableFromInline static let noShortWayTask = UInt64.max
    /// The word of ``TaskHolds/releaseCount`` (set when the thread starts
    /// running tasks): the short way in a task reads it with no load of the validator.
    @usableFromInline @exclusivity(unchecked) var taskReleaseWord: UnsafeMutablePointer<Int64>?
    /// The ``TaskHolds/releaseCount`` this thread last looked at.
    @usableFromInline @exclusivity(unchecked) var seenTaskReleases: Int64 = 0
    /// The thread's ``TaskHolds`` slot (0 until it runs a task).
    @usableFromInline @exclusivity(unchecked) var taskThreadSlot: UInt32 = 0
    /// Acquisition stacks already kept, direct-mapped by the hash of their
    /// return addresses: hash, then ``StackRef`` (64 pairs, while `runsTasks`).
    @exclusivity(unchecked) var shortStacks: [UInt64] = []

    struct RCUSection: Sendable {
        var flavor: RCUFlavor
        var site: EventSite
        var irqContext: UInt8
    }

    /// Creates the state of one thread. Prefer ``Validator/makeThread(name:source:id:)``.
    public init(name: String, source: SourceID = .live, id: UInt64 = 0) {
        self.name = name
        self.source = source
        self.id = id
        // A hardirq scope (a signal handler) must not allocate: room for
        // eight nested handlers up front.
        hardirqThreaded.reserveCapacity(8)
        updateContext()
    }

    deinit {
        held.deallocate()
        memo.deallocate()
        heldTasks.deallocate()
    }

    /// The chain key of the current held stack.
    @inlinable var chainKey: UInt64 { held.topChainKey }

    /// lockdep's irq_context of the thread now; recomputed by ``updateContext()``.
    @usableFromInline @exclusivity(unchecked) var irqContext: UInt8 = IrqContext.process

    /// What, besides the held chain, the class and the mode, decides whether
    /// an acquisition is clean, in bit 32 and bits 35–63 (the memo keeps the
    /// class in the low 32 bits and the mode in bits 33–34): whether a
    /// spinning lock is held (possibly from an outer context), and the
    /// context epoch (29 bits; the memo is emptied when they wrap). Kept up
    /// to date by ``updateContext()`` and ``spinningHeldChanged()``, so the
    /// hot path only loads it.
    @usableFromInline @exclusivity(unchecked) private(set) var memoTag: UInt64 = 0

    /// The epoch bits the tag keeps.
    static let memoEpochMask: UInt64 = 0x1FFF_FFFF

    /// Recomputes ``memoTag`` after `spinningHeld` changed.
    @inlinable @inline(__always)
    func spinningHeldChanged() { memoTag = contextEpoch << 35 | (spinningHeld > 0 ? 1 << 32 : 0) }

    /// Hardirqs are off: explicitly, or inside a hardirq handler. A `threaded`
    /// handler also runs with hardirqs off here: it is lockdep's
    /// hardirq_threaded, a primary handler that only PREEMPT_RT would thread,
    /// so it differs in its wait context (config), not in its irq state.
    @inline(__always) var hardirqsOff: Bool { irqsOff || hardirqDepth > 0 }

    /// Softirqs could run now (lockdep's softirqs_enabled).
    @inline(__always) var softirqsEnabled: Bool { softirqsOffCount == 0 && softirqDepth == 0 }

    /// Atomic context: sleeping here is a bug.
    @inline(__always) var isAtomic: Bool { spinningHeld > 0 || atomicContext }

    /// Inside hardirq / softirq, irqs-off, softirqs-off, preempt-off or RCU;
    /// recomputed by ``updateContext()``.
    @exclusivity(unchecked) private(set) var atomicContext = false
    /// The usage bits an acquisition sets now (lockdep's mark_usage), indexed
    /// by `isTry * 2 + isShared`; recomputed by ``updateContext()``.
    @exclusivity(unchecked) private(set) var usageBits: (UsageMask, UsageMask, UsageMask, UsageMask) = ([], [], [], [])

    /// The usage bits of an acquisition in the current context.
    @inline(__always) func usage(shared: Bool, isTry: Bool) -> UsageMask {
        switch (isTry, shared) {
        case (false, false): return usageBits.0
        case (false, true): return usageBits.1
        case (true, false): return usageBits.2
        case (true, true): return usageBits.3
        }
    }

    /// Recomputes the cached context facts; call after every context change.
    func updateContext() {
        contextEpoch &+= 1
        if contextEpoch & Self.memoEpochMask == 0 {
            // The tag's epoch wrapped: old entries would match again. Epoch 0
            // is skipped, so a tag is never 0 and never matches an empty entry.
            memo.clear()
            contextEpoch &+= 1
        }
        spinningHeldChanged()
        irqContext = (hardirqDepth > 0 ? IrqContext.hardirq : 0) | (softirqDepth > 0 ? IrqContext.softirq : 0)
        atomicContext = hardirqDepth > 0 || softirqDepth > 0 || irqsOff
            || softirqsOffCount > 0 || preemptCount > 0 || !rcuSections.isEmpty
        func bits(_ read: Bool, _ isTry: Bool) -> UsageMask {
            var b: UsageMask = .used
            if !isTry {
                if hardirqDepth > 0 { b.insert(.bit(.hardirq, enabled: false, read: read)) }
                if softirqDepth > 0 { b.insert(.bit(.softirq, enabled: false, read: read)) }
            }
            if !hardirqsOff {
                b.insert(.bit(.hardirq, enabled: true, read: read))
                if softirqsEnabled { b.insert(.bit(.softirq, enabled: true, read: read)) }
            }
            return b
        }
        usageBits = (bits(false, false), bits(true, false), bits(false, true), bits(true, true))
    }

    /// Number of locks held (recursive re-acquisitions count once).
    public var heldCount: Int { held.count }

    /// The addresses inside this object of the fields the C short way reads
    /// and writes (see ``shortWayFields()``, which checks them). Inout access
    /// to a stored property of a final class passes its storage's address.
    func shortWayAddresses() -> (held: UnsafeMutableRawPointer, memoTag: UnsafeMutableRawPointer,
                                 irqContext: UnsafeMutableRawPointer) {
        (withUnsafeMutablePointer(to: &held) { UnsafeMutableRawPointer($0) },
         withUnsafeMutablePointer(to: &memoTag) { UnsafeMutableRawPointer($0) },
         withUnsafeMutablePointer(to: &irqContext) { UnsafeMutableRawPointer($0) })
    }
}
