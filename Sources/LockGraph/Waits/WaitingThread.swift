/// A thread blocked on a lock, as the live runtime publishes it for the
/// `deadlock` and `lock-wait-timeout` rules: which lock it waits for, since
/// when, where it blocked, and the locks it holds meanwhile.
///
/// A plain value: the runtime builds one on the waiting thread itself (its
/// held stack cannot change while it is blocked) and other threads read
/// copies. Offline analysis never has one: a trace records acquisitions, not
/// waits.
public struct WaitingThread: Sendable {
    /// The thread's name in reports.
    public var name: String
    /// The OS thread id.
    public var threadID: UInt64
    /// The lock it waits for, with the mode it asked for.
    public var waitsFor: Violation.LockInfo
    /// The locks it holds, outermost first, each with where it was taken.
    public var held: [Violation.LockInfo]
    /// Where it blocked, innermost frame first (empty until captured).
    public var stack: [StackFrame]
    /// Seconds it has waited so far.
    public var waitedSeconds: Double
    /// The wait's place in the process's event order (a `seq` taken when it
    /// was published), so a report can say where it stands among acquisitions.
    public var seq: UInt64
    /// For each held lock whose acquisition has neither a stack (lockcheck
    /// keeps one per new usage or dependency, not per acquisition) nor a
    /// source site (the lock was taken by code that gives none): where its
    /// class was first taken, once per class, labelled as such.
    public var classesFirstTaken: [Violation.RelatedEvent]

    public init(name: String, threadID: UInt64, waitsFor: Violation.LockInfo, held: [Violation.LockInfo],
                stack: [StackFrame], waitedSeconds: Double, seq: UInt64,
                classesFirstTaken: [Violation.RelatedEvent] = []) {
        self.seq = seq
        self.classesFirstTaken = classesFirstTaken
        self.name = name
        self.threadID = threadID
        self.waitsFor = waitsFor
        self.held = held
        self.stack = stack
        self.waitedSeconds = waitedSeconds
    }

    /// Whether it holds the lock instance `id` (in any mode).
    /// - Complexity: O(held locks).
    public func holds(_ id: UInt64) -> Bool { held.contains { $0.instance == id } }

    /// The held entry of the lock instance `id`, if it holds it.
    public func heldEntry(_ id: UInt64) -> Violation.LockInfo? { held.first { $0.instance == id } }
}

/// The holder of a lock a thread waits for, as far as the runtime knows it.
public struct LockHolder: Sendable {
    /// The holder's name in reports.
    public var name: String
    /// The OS thread id.
    public var threadID: UInt64
    /// What the holder does now, when it is itself blocked on a lockcheck
    /// lock; nil when it runs, or blocks on something else (I/O, a
    /// condition, a task).
    public var waiting: WaitingThread?
    /// Where the holder is now, innermost frame first, when it is not
    /// waiting for a lockcheck lock and was asked (the live runtime signals
    /// it; see `LOCKCHECK_HOLDER_SIGNAL`); empty when unknown.
    public var stack: [StackFrame]
    /// Why ``stack`` is empty, when the holder was asked and gave no stack.
    public var stackUnavailable: String?

    public init(name: String, threadID: UInt64, waiting: WaitingThread?, stack: [StackFrame] = [],
                stackUnavailable: String? = nil) {
        self.name = name
        self.threadID = threadID
        self.waiting = waiting
        self.stack = stack
        self.stackUnavailable = stackUnavailable
    }
}

extension Validator {
    /// The locks `thread` holds while it waits for `waitingFor`, outermost
    /// first, for a ``WaitingThread``: its held stack without its top entry
    /// when that is `waitingFor` (an acquisition is validated, and pushed,
    /// before the thread blocks on the real lock). Call it on the thread
    /// that owns `thread` (the engine's rule for ``ThreadState``).
    /// - Parameter sourceSite: Where this thread took a lock it holds
    ///   exclusively, when the producer keeps it (the live runtime reads it
    ///   from the lock): it becomes the entry's `file` and `line`.
    /// - Complexity: O(held locks).
    public func heldLocks(of thread: ThreadState, waitingFor: LockInstance,
                          sourceSite: (LockInstance) -> Violation.SiteInfo? = { _ in nil }) -> [Violation.LockInfo] {
        heldEntries(of: thread, waitingFor: waitingFor).map { h in
            var info = lockInfo(h)
            if h.mode == .exclusive, let s = sourceSite(Self.liveInstance(h)) {
                (info.site.file, info.site.line) = (s.file, s.line)
            }
            return info
        }
    }

    /// ``WaitingThread/classesFirstTaken`` of `thread` waiting for
    /// `waitingFor`: for each held lock with neither an acquisition stack
    /// nor a source site (see ``heldLocks(of:waitingFor:sourceSite:)``),
    /// where its class was first taken, once per class. Call it on the
    /// thread that owns `thread`.
    /// - Complexity: O(held locks), one graph-lock acquisition per class.
    public func classesFirstTaken(of thread: ThreadState, waitingFor: LockInstance,
                                  sourceSite: (LockInstance) -> Violation.SiteInfo? = { _ in nil }) -> [Violation.RelatedEvent] {
        var seen = Set<LockClassID>()
        var out: [Violation.RelatedEvent] = []
        for h in heldEntries(of: thread, waitingFor: waitingFor) where stacks.frames(h.site.stack).isEmpty {
            guard h.mode != .exclusive || sourceSite(Self.liveInstance(h)) == nil,
                  seen.insert(h.lockClass).inserted, let first = firstTaken(h.lockClass) else { continue }
            out.append(Violation.RelatedEvent(label: "this class, \(name(h.lockClass)), was first taken at",
                                              thread: first.thread, site: siteInfo(first.site)))
        }
        return out
    }

    /// `thread`'s held entries, without the top one when it is `waitingFor`.
    private func heldEntries(of thread: ThreadState, waitingFor: LockInstance) -> HeldStack.SubSequence {
        thread.held.last?.instanceID == waitingFor.id ? thread.held.dropLast() : thread.held[...]
    }

    /// The instance of a held entry, on the thread that holds it: alive, as
    /// every held instance is (one freed while held is kept alive).
    static func liveInstance(_ h: HeldLock) -> LockInstance {
        Unmanaged<LockInstance>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(bitPattern: h.instance))!).takeUnretainedValue()
    }

    /// `lock` as a report names it, acquired in `mode` (no acquisition site).
    /// - Complexity: O(1).
    public func lockInfo(_ lock: LockInstance, mode: AcquireMode) -> Violation.LockInfo {
        lockInfo(lock, lockClass: lock.lockClass, mode: mode, site: EventSite(seq: 0))
    }
}
